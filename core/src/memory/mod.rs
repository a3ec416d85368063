//! Multi-scope encrypted memory (DESIGN §3.2).
//!
//! Every call takes a [`Context`]; the owner of each scope is derived from it,
//! so the API can only ever address the caller's own session, user and
//! organization (plus `global`). Values are JSON, sealed per owner with
//! AES-256-GCM before they reach storage. See `docs/memory.md`.

mod cache;
mod codec;
mod config;
mod retention;

pub use crate::vocab::{Context, OwnerRef, Scope, Subject, GLOBAL_WRITE, RESERVED_PREFIX};
pub use config::{
    CacheConfig, ConflictResolution, EncryptionConfig, EvictionPolicy, MemoryConfig,
    RetentionConfig, RetentionPolicies, RetentionPolicy, ScopesConfig, StorageConfig, SyncConfig,
};

use crate::clock::SharedClock;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::events::{
    Event, EventBus, EventKind, KeyRotatedEvent, MemoryAction, MemoryEvent, RotatedKey,
};
use crate::storage::{Backend, MemoryBackend, Op, StoredEntry};
use crate::vocab::{check_key, check_user_key};
use cache::HotCache;
use parking_lot::{Mutex, MutexGuard, RwLock};
use retention::Quotas;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

const GATES: usize = 16;
const KEY_LOCKS: usize = 64;
const MAX_TAGS: usize = 64;
const MAX_TAG_LEN: usize = 128;
/// Attempts at a write that another writer of a shared store keeps pre-empting.
const ATTEMPTS: usize = 8;

/// The deepest nesting of arrays and objects a stored value may have. Reads
/// parse with a limit of 128, so anything written can always be read back.
pub const MAX_VALUE_DEPTH: usize = 64;

/// How deeply `value` nests arrays and objects (a scalar is 0), without
/// recursion.
fn depth_of(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(o) => stack.extend(o.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// Options of [`Memory::set`] (the spec's `SetDataOptions`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SetOptions {
    /// Time to live in milliseconds (default: the scope's `maxAge`, else forever).
    pub ttl: Option<u64>,
    /// Encrypt this value (default: `enterpriseMemory.encryption.enabled`).
    pub encrypt: Option<bool>,
    /// Tags, for `search`. Stored in clear as metadata.
    pub tags: Vec<String>,
    /// A secret: always encrypted, never compressed, never kept in the hot cache.
    pub secret: bool,
}

impl SetOptions {
    /// Sets the time to live in milliseconds.
    pub fn ttl(mut self, ms: u64) -> Self {
        self.ttl = Some(ms);
        self
    }
    /// Turns encryption on or off for this value.
    pub fn encrypt(mut self, on: bool) -> Self {
        self.encrypt = Some(on);
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Marks the value as a secret.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
}

/// One entry with its metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Scope.
    pub scope: Scope,
    /// Key.
    pub key: String,
    /// Value.
    pub value: Value,
    /// Tags.
    pub tags: Vec<String>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Milliseconds since the epoch.
    pub updated_at: i64,
    /// Milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Whether the value is stored encrypted.
    pub encrypted: bool,
}

/// A [`Memory::search`] query. All given criteria must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SearchQuery {
    /// Case-insensitive text looked for in the key and in the value's JSON text.
    pub text: Option<String>,
    /// Tags the entry must all carry.
    pub tags: Vec<String>,
    /// At most this many results (default 100).
    pub limit: Option<usize>,
}

impl SearchQuery {
    /// A text query.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }
    /// Requires a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

/// The result of [`Memory::resolve`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The most specific scope holding the key.
    pub scope: Scope,
    /// Its value there.
    pub value: Value,
}

/// What [`Memory::forget`] destroyed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForgetReport {
    /// Entries deleted.
    pub entries: u64,
    /// Data keys destroyed (every copy of their rows is now unreadable).
    pub keys: u64,
}

/// Usage of one scope (the spec's `MemoryScopeStats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeStats {
    /// Scope.
    pub scope: Option<Scope>,
    /// Entries stored.
    pub entries: u64,
    /// Stored bytes (keys + sealed values).
    pub bytes: u64,
    /// Distinct owners with entries.
    pub owners: u64,
    /// Configured default time to live.
    pub max_age: Option<u64>,
    /// Configured quota per owner.
    pub max_size: Option<u64>,
    /// Hot-cache hits since start (all scopes).
    pub cache_hits: u64,
    /// Hot-cache misses since start (all scopes).
    pub cache_misses: u64,
}

/// What [`Memory::optimize`] did (the spec's `OptimizationResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizeReport {
    /// Expired entries purged.
    pub expired_removed: u64,
    /// Database size after compaction, when the backend knows it.
    pub bytes_after: Option<u64>,
}

/// Opens one stored value outside a running instance, from the master key,
/// the owner's wrapped data key and the stored blob — what the known-answer
/// vector `tests/vectors/crypto-kat.json` checks in every runtime, and what a
/// recovery tool needs. `owner` is the composite storage owner.
pub fn open_stored_value(
    master: &crate::crypto::MasterKey,
    scope: Scope,
    owner: &str,
    key: &str,
    dek_id: u32,
    wrapped: &[u8],
    blob: &[u8],
) -> Result<Value> {
    let what = format!("{scope} entry `{key}`");
    let dek = master.unwrap_data_key(scope.as_str(), owner, dek_id, wrapped)?;
    let inner = if blob.first() == Some(&codec::PLAIN) {
        crate::crypto::verify_value(&dek, scope.as_str(), owner, key, blob, &what)?
    } else {
        codec::open(&dek, scope.as_str(), owner, key, blob)?
    };
    let (json, _) = codec::decode_inner(&inner, usize::MAX >> 1, &what)?;
    parse_stored(&json, &what)
}

/// Parses a stored value's JSON. Through `str` like every other JSON the
/// core reads, so the parser is compiled once (it is large in the browser
/// build).
fn parse_stored(json: &[u8], what: &str) -> Result<Value> {
    let text = std::str::from_utf8(json).map_err(|e| Error::CorruptStore {
        message: format!("{what}: stored JSON is not UTF-8: {e}"),
    })?;
    serde_json::from_str(text).map_err(|e| Error::CorruptStore {
        message: format!("{what}: stored JSON is invalid: {e}"),
    })
}

pub(crate) struct MemoryInner {
    config: MemoryConfig,
    store: Arc<dyn Backend>,
    ephemeral: Arc<MemoryBackend>,
    keyring: Arc<Keyring>,
    clock: SharedClock,
    events: EventBus,
    cache: HotCache,
    quotas: Quotas,
    /// Per organization: owner-wide operations (clear, forget, rotate) take
    /// the write side, everything else the read side.
    gates: Vec<RwLock<()>>,
    /// The same for the global scope, which every organization shares.
    global_gate: RwLock<()>,
    /// Other writers may share the store: no hot cache, key preconditions
    /// on every write.
    shared: bool,
    /// Per (scope, owner, key): serializes a write with cache fills.
    locks: Vec<Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
    audit: crate::audit::Audit,
}

/// The memory API. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Memory {
    inner: Arc<MemoryInner>,
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Memory {
    pub(crate) fn new(
        config: MemoryConfig,
        store: Arc<dyn Backend>,
        keyring: Arc<Keyring>,
        clock: SharedClock,
        events: EventBus,
        audit: crate::audit::Audit,
    ) -> Result<Self> {
        let quotas = Quotas::new(&config)?;
        let shared = keyring.is_shared();
        // Another writer may change or erase any row: a cached plaintext
        // could outlive a `forget` made elsewhere.
        let cache_entries = if shared { 0 } else { config.cache.max_entries };
        Ok(Self {
            inner: Arc::new(MemoryInner {
                cache: HotCache::new(cache_entries),
                global_gate: RwLock::new(()),
                shared,
                quotas,
                config,
                store,
                ephemeral: Arc::new(MemoryBackend::new()),
                keyring,
                clock,
                events,
                gates: (0..GATES).map(|_| RwLock::new(())).collect(),
                locks: (0..KEY_LOCKS).map(|_| Mutex::new(())).collect(),
                hasher: Default::default(),
                audit,
            }),
        })
    }

    fn audit(&self, ctx: &Context, action: &str, resource: String, details: Value) -> Result<()> {
        let actor = match (ctx.user(), ctx.session()) {
            (Some(u), _) => format!("{}/{u}", ctx.organization()),
            (None, Some(s)) => format!("{}/session:{s}", ctx.organization()),
            (None, None) => ctx.organization().to_string(),
        };
        self.inner
            .audit
            .append(
                crate::audit::AuditEntry::new(actor, action, resource, "success").details(details),
            )
            .map(|_| ())
    }

    pub(crate) fn ephemeral_backend(&self) -> &dyn Backend {
        &*self.inner.ephemeral
    }

    pub(crate) fn store(&self) -> &dyn Backend {
        &*self.inner.store
    }

    /// The memory configuration in effect.
    pub fn config(&self) -> &MemoryConfig {
        &self.inner.config
    }

    fn backend(&self, scope: Scope) -> &dyn Backend {
        if scope == Scope::Ephemeral {
            &*self.inner.ephemeral
        } else {
            &*self.inner.store
        }
    }

    fn hash_of(&self, parts: impl Hash) -> usize {
        self.inner.hasher.hash_one(parts) as usize
    }

    /// The gate of the organization, or of the global scope, that `scope`
    /// belongs to for this context.
    fn gate(&self, ctx: &Context, scope: Scope) -> &RwLock<()> {
        if scope == Scope::Global {
            &self.inner.global_gate
        } else {
            &self.inner.gates[self.hash_of(ctx.organization()) % GATES]
        }
    }

    /// Global memory is read by every organization: only a context granted
    /// [`GLOBAL_WRITE`] may change it.
    fn check_write(ctx: &Context, scope: Scope) -> Result<()> {
        if scope == Scope::Global && !ctx.has_permission(GLOBAL_WRITE) {
            return Err(Error::PermissionDenied {
                message: format!(
                    "writing the global scope, which every organization reads, needs the `{GLOBAL_WRITE}` permission in the context (Context::with_permission); organization `{}` does not have it",
                    ctx.organization()
                ),
            });
        }
        Ok(())
    }

    /// Applies rows sealed with the data keys `key_ids`. On a shared store
    /// the batch first requires each key to be live, so a key destroyed or
    /// rotated by another writer is refused ([`Error::Conflict`]) instead of
    /// leaving rows nobody can read.
    fn commit(&self, scope: Scope, owner: &str, key_ids: &[u32], mut ops: Vec<Op>) -> Result<()> {
        if self.inner.shared && scope != Scope::Ephemeral {
            let mut ids = key_ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            let require = ids.into_iter().map(|key_id| Op::RequireKey {
                scope,
                owner: owner.to_string(),
                key_id,
            });
            ops.splice(0..0, require);
        }
        self.backend(scope).apply(&ops)
    }

    /// Runs a seal-and-commit step again, with the owner's keys reloaded,
    /// when another writer changed them in between. (One non-generic copy:
    /// the step keeps its own result.)
    fn retrying(
        &self,
        scope: Scope,
        owner: &str,
        step: &mut dyn FnMut() -> Result<()>,
    ) -> Result<()> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match step() {
                Err(e @ Error::Conflict { .. }) => {
                    self.inner.keyring.forget_owner_cache(scope, owner);
                    last = Some(e);
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("the store kept changing")))
    }

    fn key_lock(&self, scope: Scope, owner: &str, key: &str) -> MutexGuard<'_, ()> {
        self.inner.locks[self.hash_of((scope, owner, key)) % KEY_LOCKS].lock()
    }

    /// Validates the scope and context; returns the owner.
    fn owner(&self, ctx: &Context, scope: Scope) -> Result<String> {
        if !self.inner.config.scopes.enabled.contains(&scope) {
            return Err(Error::ScopeDisabled {
                scope: scope.to_string(),
            });
        }
        ctx.owner(scope)
    }

    fn emit(&self, action: MemoryAction, scope: Scope, owner: &str, key: Option<&str>) {
        if self.inner.events.wants(EventKind::MemoryChanged) {
            self.inner.events.emit(Event::MemoryChanged(MemoryEvent {
                action,
                scope,
                owner: OwnerRef::parse(owner),
                key: key.map(str::to_string),
                at: self.inner.clock.now_ms(),
            }));
        }
    }

    fn check_tags(tags: &[String]) -> Result<()> {
        if tags.len() > MAX_TAGS {
            return Err(Error::invalid_arg(
                "tags",
                format!("at most {MAX_TAGS} tags are allowed"),
            ));
        }
        for t in tags {
            if t.is_empty() || t.len() > MAX_TAG_LEN || t.chars().any(char::is_control) {
                return Err(Error::invalid_arg(
                    "tags",
                    format!("each tag must be 1–{MAX_TAG_LEN} bytes without control characters"),
                ));
            }
        }
        Ok(())
    }

    /// Serializes, compresses and seals one value. Returns the row and the
    /// id of the data key that sealed it.
    fn seal(
        &self,
        scope: Scope,
        owner: &str,
        key: &str,
        value: &Value,
        opts: &SetOptions,
        now: i64,
    ) -> Result<(StoredEntry, u32)> {
        let cfg = &self.inner.config;
        let depth = depth_of(value);
        if depth > MAX_VALUE_DEPTH {
            return Err(Error::invalid_arg(
                "value",
                format!("nests arrays and objects {depth} levels deep; at most {MAX_VALUE_DEPTH} are allowed"),
            ));
        }
        let json = serde_json::to_vec(value).map_err(|e| Error::Serialization {
            message: e.to_string(),
        })?;
        if json.len() as u64 > cfg.max_value_size {
            return Err(Error::ValueTooLarge {
                size: json.len(),
                limit: cfg.max_value_size as usize,
            });
        }
        let encrypt = opts.encrypt.unwrap_or(cfg.encryption.enabled);
        if opts.secret && !encrypt {
            return Err(Error::invalid_arg(
                "options",
                "a secret cannot be stored with encryption off",
            ));
        }
        let policy = cfg.retention_for(scope);
        let ttl = match opts.ttl.or(policy.max_age) {
            Some(0) => return Err(Error::invalid_arg("ttl", "must be positive (milliseconds)")),
            t => t,
        };
        let expires_at = ttl.map(|t| now.saturating_add(i64::try_from(t).unwrap_or(i64::MAX)));
        let compress =
            cfg.retention.compression && json.len() as u64 >= cfg.retention.compression_threshold;
        let inner = codec::encode_inner(&json, compress, opts.secret);
        let dek = self
            .inner
            .keyring
            .key_for_encrypt(self.backend(scope), scope, owner)?;
        let blob = if encrypt {
            codec::sealed(&dek, scope.as_str(), owner, key, &inner)?
        } else {
            codec::plain(&dek, scope.as_str(), owner, key, &inner)?
        };
        let entry = StoredEntry {
            scope,
            owner: owner.to_string(),
            key: key.to_string(),
            value: blob,
            tags: opts.tags.clone(),
            created_at: now,
            updated_at: now,
            expires_at,
        };
        if let Some(max) = self.inner.quotas.limit(scope) {
            if entry.stored_size() > max {
                return Err(Error::QuotaExceeded {
                    scope: scope.to_string(),
                    message: format!(
                        "one entry of {} bytes is larger than the whole quota of {max} bytes",
                        entry.stored_size()
                    ),
                });
            }
        }
        Ok((entry, dek.id()))
    }

    /// Opens a stored row: (value, is secret).
    fn open(&self, e: &StoredEntry) -> Result<(Value, bool)> {
        let what = format!("{} entry `{}`", e.scope, e.key);
        let max = self.inner.config.max_value_size as usize;
        let inner = self.unseal(e.scope, &e.owner, &e.key, &e.value, &what)?;
        let (json, flags) = codec::decode_inner(&inner, max, &what)?;
        let value = parse_stored(&json, &what)?;
        Ok((value, flags & codec::SECRET != 0))
    }

    /// Verifies and (when encrypted) decrypts a stored blob to its inner form.
    fn unseal(
        &self,
        scope: Scope,
        owner: &str,
        key: &str,
        blob: &[u8],
        what: &str,
    ) -> Result<Vec<u8>> {
        let backend = self.backend(scope);
        let keyring = &self.inner.keyring;
        let name = |e: Error| match e {
            Error::DecryptionFailed { context } if !context.starts_with(what) => {
                Error::decryption(format!("{what}: {context}"))
            }
            other => other,
        };
        if blob.first() == Some(&codec::PLAIN) {
            let id = crate::crypto::maced_key_id(blob, what)?;
            let dek = keyring
                .key_for_decrypt(backend, scope, owner, id)
                .map_err(name)?;
            crate::crypto::verify_value(&dek, scope.as_str(), owner, key, blob, what)
        } else {
            let id = crate::crypto::aead_header(blob, what)?;
            let dek = keyring
                .key_for_decrypt(backend, scope, owner, id)
                .map_err(name)?;
            codec::open(&dek, scope.as_str(), owner, key, blob)
                .map_err(|_| Error::decryption(format!("{what}: authentication failed")))
        }
    }

    fn to_entry(&self, e: &StoredEntry) -> Result<Entry> {
        let (value, _) = self.open(e)?;
        Ok(Entry {
            scope: e.scope,
            key: e.key.clone(),
            value,
            tags: e.tags.clone(),
            created_at: e.created_at,
            updated_at: e.updated_at,
            expires_at: e.expires_at,
            encrypted: e.value.first() != Some(&codec::PLAIN),
        })
    }

    fn evict(&self, scope: Scope, owner: &str, victims: Vec<String>) -> Result<()> {
        if victims.is_empty() {
            return Ok(());
        }
        let ops: Vec<Op> = victims
            .iter()
            .map(|k| Op::DeleteEntry {
                scope,
                owner: owner.to_string(),
                key: k.clone(),
            })
            .collect();
        self.backend(scope).apply(&ops)?;
        for k in &victims {
            self.inner.cache.remove(scope, owner, k);
            self.emit(MemoryAction::Evict, scope, owner, Some(k));
        }
        Ok(())
    }

    /// Stores `value` under `key` in `scope` (the spec's `setData`).
    ///
    /// ```
    /// # use vallum::{Vallum, MasterKey, Context, Scope, SetOptions};
    /// # use serde_json::json;
    /// let v = Vallum::builder().in_memory().master_key(MasterKey::generate()?).build()?;
    /// let ctx = Context::new("acme").with_user("alice");
    /// v.memory().set(&ctx, Scope::User, "theme", json!("dark"), &SetOptions::default().ttl(60_000))?;
    /// assert_eq!(v.memory().get(&ctx, Scope::User, "theme")?, Some(json!("dark")));
    /// # Ok::<(), vallum::Error>(())
    /// ```
    pub fn set(
        &self,
        ctx: &Context,
        scope: Scope,
        key: &str,
        value: Value,
        opts: &SetOptions,
    ) -> Result<()> {
        check_user_key(key)?;
        self.set_unchecked(ctx, scope, key, value, opts)
    }

    /// [`Memory::set`] without the reserved-prefix check: for Vallum's own
    /// state (the PII vault), which no public call can name.
    pub(crate) fn set_internal(
        &self,
        ctx: &Context,
        scope: Scope,
        key: &str,
        value: Value,
        opts: &SetOptions,
    ) -> Result<()> {
        debug_assert!(key.starts_with(RESERVED_PREFIX));
        self.set_unchecked(ctx, scope, key, value, opts)
    }

    fn set_unchecked(
        &self,
        ctx: &Context,
        scope: Scope,
        key: &str,
        value: Value,
        opts: &SetOptions,
    ) -> Result<()> {
        let owner = self.owner(ctx, scope)?;
        check_key(key)?;
        Self::check_write(ctx, scope)?;
        Self::check_tags(&opts.tags)?;
        let now = self.inner.clock.now_ms();
        let _gate = self.gate(ctx, scope).read();
        let victims = {
            let _k = self.key_lock(scope, &owner, key);
            let mut stored = None;
            self.retrying(scope, &owner, &mut || {
                let (entry, key_id) = self.seal(scope, &owner, key, &value, opts, now)?;
                self.commit(scope, &owner, &[key_id], vec![Op::PutEntry(entry.clone())])?;
                stored = Some(entry);
                Ok(())
            })?;
            let entry = stored.ok_or_else(|| Error::internal("a write stored nothing"))?;
            let size = entry.stored_size();
            let expires_at = entry.expires_at;
            if opts.secret {
                self.inner.cache.remove(scope, &owner, key);
            } else {
                self.inner
                    .cache
                    .put(scope, &owner, key, Arc::new(value), expires_at);
            }
            self.inner
                .quotas
                .on_write(self.backend(scope), scope, &owner, key, size)?
        };
        self.emit(MemoryAction::Set, scope, &owner, Some(key));
        self.evict(scope, &owner, victims)
    }

    /// Reads `key` from `scope` (the spec's `getData`). `None` when absent or expired.
    pub fn get(&self, ctx: &Context, scope: Scope, key: &str) -> Result<Option<Value>> {
        check_user_key(key)?;
        self.get_unchecked(ctx, scope, key)
    }

    /// [`Memory::get`] of Vallum's own state (see [`Memory::set_internal`]).
    pub(crate) fn get_internal(
        &self,
        ctx: &Context,
        scope: Scope,
        key: &str,
    ) -> Result<Option<Value>> {
        debug_assert!(key.starts_with(RESERVED_PREFIX));
        self.get_unchecked(ctx, scope, key)
    }

    fn get_unchecked(&self, ctx: &Context, scope: Scope, key: &str) -> Result<Option<Value>> {
        let owner = self.owner(ctx, scope)?;
        check_key(key)?;
        let now = self.inner.clock.now_ms();
        if let Some(v) = self.inner.cache.get(scope, &owner, key, now) {
            self.inner.quotas.on_read(scope, &owner, key);
            return Ok(Some((*v).clone()));
        }
        let _gate = self.gate(ctx, scope).read();
        let _k = self.key_lock(scope, &owner, key);
        let Some(row) = self.backend(scope).get(scope, &owner, key)? else {
            return Ok(None);
        };
        if row.expires_at.is_some_and(|t| t <= now) {
            self.backend(scope).apply(&[Op::DeleteEntry {
                scope,
                owner: owner.clone(),
                key: key.to_string(),
            }])?;
            self.inner.quotas.on_remove(scope, &owner, key);
            self.emit(MemoryAction::Expire, scope, &owner, Some(key));
            return Ok(None);
        }
        let (value, secret) = self.open(&row)?;
        if !secret {
            self.inner
                .cache
                .put(scope, &owner, key, Arc::new(value.clone()), row.expires_at);
        }
        self.inner.quotas.on_read(scope, &owner, key);
        Ok(Some(value))
    }

    /// Reads `key` with its metadata (tags, timestamps, encryption).
    pub fn get_entry(&self, ctx: &Context, scope: Scope, key: &str) -> Result<Option<Entry>> {
        let owner = self.owner(ctx, scope)?;
        check_user_key(key)?;
        let now = self.inner.clock.now_ms();
        let _gate = self.gate(ctx, scope).read();
        match self.backend(scope).get(scope, &owner, key)? {
            Some(row) if row.expires_at.is_none_or(|t| t > now) => self.to_entry(&row).map(Some),
            _ => Ok(None),
        }
    }

    /// Deletes `key` (the spec's `removeData`). Returns whether it existed.
    pub fn remove(&self, ctx: &Context, scope: Scope, key: &str) -> Result<bool> {
        let owner = self.owner(ctx, scope)?;
        check_user_key(key)?;
        Self::check_write(ctx, scope)?;
        let _gate = self.gate(ctx, scope).read();
        let existed = {
            let _k = self.key_lock(scope, &owner, key);
            let existed = self.backend(scope).get(scope, &owner, key)?.is_some();
            self.backend(scope).apply(&[Op::DeleteEntry {
                scope,
                owner: owner.clone(),
                key: key.to_string(),
            }])?;
            self.inner.cache.remove(scope, &owner, key);
            self.inner.quotas.on_remove(scope, &owner, key);
            existed
        };
        if existed {
            self.emit(MemoryAction::Remove, scope, &owner, Some(key));
        }
        Ok(existed)
    }

    /// Deletes every entry of the context's owner in `scope` (the spec's
    /// `clearScope`); the owner's data key, and Vallum's own state under
    /// the reserved prefix (a session's PII vault), are kept. Returns
    /// entries deleted.
    pub fn clear_scope(&self, ctx: &Context, scope: Scope) -> Result<u64> {
        let owner = self.owner(ctx, scope)?;
        Self::check_write(ctx, scope)?;
        let _gate = self.gate(ctx, scope).write();
        let sizes = self.backend(scope).entry_sizes(scope, &owner)?;
        let reserved = sizes
            .iter()
            .filter(|e| e.key.starts_with(RESERVED_PREFIX))
            .count();
        let n = (sizes.len() - reserved) as u64;
        if reserved == 0 {
            self.backend(scope).apply(&[Op::ClearOwner {
                scope,
                owner: owner.clone(),
            }])?;
            self.inner.quotas.drop_owner(scope, &owner);
        } else {
            let ops: Vec<Op> = sizes
                .iter()
                .filter(|e| !e.key.starts_with(RESERVED_PREFIX))
                .map(|e| Op::DeleteEntry {
                    scope,
                    owner: owner.clone(),
                    key: e.key.clone(),
                })
                .collect();
            self.backend(scope).apply(&ops)?;
            for e in sizes.iter().filter(|e| !e.key.starts_with(RESERVED_PREFIX)) {
                self.inner.quotas.on_remove(scope, &owner, &e.key);
            }
        }
        self.inner.cache.remove_owner(scope, &owner);
        self.emit(MemoryAction::Clear, scope, &owner, None);
        Ok(n)
    }

    /// Reads several keys (the spec's `getBatch`). Absent and expired keys are
    /// left out of the result.
    pub fn get_batch(
        &self,
        ctx: &Context,
        scope: Scope,
        keys: &[&str],
    ) -> Result<BTreeMap<String, Value>> {
        let owner = self.owner(ctx, scope)?;
        for k in keys {
            check_user_key(k)?;
        }
        let now = self.inner.clock.now_ms();
        let mut out = BTreeMap::new();
        let mut misses = Vec::new();
        for k in keys {
            match self.inner.cache.get(scope, &owner, k, now) {
                Some(v) => {
                    out.insert((*k).to_string(), (*v).clone());
                }
                None => misses.push(*k),
            }
        }
        if !misses.is_empty() {
            let _gate = self.gate(ctx, scope).read();
            let rows = self.backend(scope).get_many(scope, &owner, &misses)?;
            for row in rows.into_iter().flatten() {
                if row.expires_at.is_some_and(|t| t <= now) {
                    continue; // purged by the next `get` or `optimize`
                }
                let (value, _) = self.open(&row)?;
                out.insert(row.key, value);
            }
        }
        Ok(out)
    }

    /// Writes several entries in one transaction (the spec's `setBatch`):
    /// all are stored or none is.
    pub fn set_batch<I, K>(
        &self,
        ctx: &Context,
        scope: Scope,
        items: I,
        opts: &SetOptions,
    ) -> Result<()>
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        let owner = self.owner(ctx, scope)?;
        Self::check_write(ctx, scope)?;
        Self::check_tags(&opts.tags)?;
        let items: Vec<(String, Value)> = items.into_iter().map(|(k, v)| (k.into(), v)).collect();
        for (k, _) in &items {
            check_user_key(k)?;
        }
        let now = self.inner.clock.now_ms();
        let _gate = self.gate(ctx, scope).read();
        // Take the key locks in index order, each once, so batches cannot deadlock.
        let mut idx: Vec<usize> = items
            .iter()
            .map(|(k, _)| self.hash_of((scope, owner.as_str(), k.as_str())) % KEY_LOCKS)
            .collect();
        idx.sort_unstable();
        idx.dedup();
        let mut victims = Vec::new();
        let mut keys = Vec::with_capacity(items.len());
        {
            let _locks: Vec<_> = idx.iter().map(|&i| self.inner.locks[i].lock()).collect();
            let mut ops = Vec::new();
            self.retrying(scope, &owner, &mut || {
                ops = Vec::with_capacity(items.len());
                let mut key_ids = Vec::new();
                for (k, v) in &items {
                    let (entry, key_id) = self.seal(scope, &owner, k, v, opts, now)?;
                    ops.push(Op::PutEntry(entry));
                    key_ids.push(key_id);
                }
                self.commit(scope, &owner, &key_ids, ops.clone())
            })?;
            for (op, (k, v)) in ops.iter().zip(items) {
                keys.push(k.clone());
                if let Op::PutEntry(e) = op {
                    if opts.secret {
                        self.inner.cache.remove(scope, &owner, &k);
                    } else {
                        self.inner
                            .cache
                            .put(scope, &owner, &k, Arc::new(v), e.expires_at);
                    }
                    victims.extend(self.inner.quotas.on_write(
                        self.backend(scope),
                        scope,
                        &owner,
                        &k,
                        e.stored_size(),
                    )?);
                }
            }
        }
        for k in &keys {
            self.emit(MemoryAction::Set, scope, &owner, Some(k));
        }
        victims.sort_unstable();
        victims.dedup();
        self.evict(scope, &owner, victims)
    }

    /// Finds entries of the context's owner in `scope` whose key or value
    /// contains `query.text` (case-insensitive) and that carry every tag in
    /// `query.tags`.
    ///
    /// Privacy trade-off: no plaintext index exists, so a text search decrypts
    /// every entry of that one owner in memory, O(entries). Tags are matched
    /// before decryption; use them to narrow large owners.
    pub fn search(&self, ctx: &Context, scope: Scope, query: &SearchQuery) -> Result<Vec<Entry>> {
        let owner = self.owner(ctx, scope)?;
        let now = self.inner.clock.now_ms();
        let limit = query.limit.unwrap_or(100);
        let needle = query.text.as_ref().map(|t| t.to_lowercase());
        let _gate = self.gate(ctx, scope).read();
        let mut out = Vec::new();
        for row in self.backend(scope).entries(scope, &owner)? {
            if out.len() >= limit {
                break;
            }
            if row.key.starts_with(RESERVED_PREFIX)
                || row.expires_at.is_some_and(|t| t <= now)
                || !query.tags.iter().all(|t| row.tags.contains(t))
            {
                continue;
            }
            let entry = self.to_entry(&row)?;
            let matches = match &needle {
                None => true,
                Some(n) => {
                    entry.key.to_lowercase().contains(n.as_str())
                        || entry.value.to_string().to_lowercase().contains(n.as_str())
                }
            };
            if matches {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Looks `key` up from the most specific scope to the least: session →
    /// user → organization → global, skipping scopes that are disabled or
    /// that the context has no owner for.
    pub fn resolve(&self, ctx: &Context, key: &str) -> Result<Option<Resolved>> {
        ctx.validate()?;
        check_user_key(key)?;
        for scope in Scope::RESOLVE_ORDER {
            let has_owner = match scope {
                Scope::Session => ctx.session().is_some(),
                Scope::User => ctx.user().is_some(),
                _ => true,
            };
            if !has_owner || !self.inner.config.scopes.enabled.contains(&scope) {
                continue;
            }
            if let Some(value) = self.get(ctx, scope, key)? {
                return Ok(Some(Resolved { scope, value }));
            }
        }
        Ok(None)
    }

    fn tree(&self, root: &str) -> Result<Vec<(Scope, String)>> {
        let mut owners = self.inner.store.owners_in_tree(root)?;
        owners.extend(self.inner.ephemeral.owners_in_tree(root)?);
        Ok(owners)
    }

    /// Everything stored for `subject` (a session; a user with the user's
    /// sessions; an organization with all its users and sessions), decrypted,
    /// as JSON — for data-subject access requests. Fails with
    /// `decryption_failed` rather than leave out an entry it cannot read.
    pub fn export(&self, ctx: &Context, subject: Subject) -> Result<Value> {
        let root = ctx.subject_root(subject)?;
        let now = self.inner.clock.now_ms();
        let _gate = self.gate(ctx, Scope::Organization).read();
        let mut entries = Vec::new();
        for (scope, owner) in self.tree(&root)? {
            for row in self.backend(scope).entries(scope, &owner)? {
                if row.key.starts_with(RESERVED_PREFIX) || row.expires_at.is_some_and(|t| t <= now)
                {
                    continue;
                }
                let entry = self.to_entry(&row)?;
                let mut v = serde_json::to_value(&entry).map_err(|e| Error::Serialization {
                    message: e.to_string(),
                })?;
                if let Value::Object(m) = &mut v {
                    m.insert(
                        "owner".into(),
                        serde_json::to_value(OwnerRef::parse(&owner)).unwrap_or(Value::Null),
                    );
                }
                entries.push(v);
            }
        }
        self.audit(
            ctx,
            "memory.export",
            format!("{subject:?}").to_lowercase(),
            serde_json::json!({"entries": entries.len()}),
        )?;
        Ok(serde_json::json!({
            "format": "vallum.export.v1",
            "subject": subject,
            "owner": OwnerRef::parse(&root),
            "exportedAt": now,
            "entries": entries,
        }))
    }

    /// Crypto-shreds `subject`: deletes its data keys and rows in every scope
    /// (a user's sessions and ephemeral data included; for an organization,
    /// all its users and sessions). Copies of the rows made before — backups,
    /// replicas — can no longer be decrypted.
    pub fn forget(&self, ctx: &Context, subject: Subject) -> Result<ForgetReport> {
        let root = ctx.subject_root(subject)?;
        let _gate = self.gate(ctx, Scope::Organization).write();
        let mut report = ForgetReport::default();
        for (scope, owner) in self.tree(&root)? {
            let b = self.backend(scope);
            report.entries += b.entry_sizes(scope, &owner)?.len() as u64;
            report.keys += b.keys(scope, &owner)?.len() as u64;
        }
        let forget = Op::ForgetTree { root: root.clone() };
        self.inner
            .store
            .apply(&[forget.clone(), Op::BumpKeyGeneration])?;
        self.inner.ephemeral.apply(&[forget])?;
        self.inner.keyring.evict_tree(&root);
        self.inner.cache.remove_tree(&root);
        self.inner.quotas.drop_tree(&root);
        let scope = match subject {
            Subject::Session => Scope::Session,
            Subject::User => Scope::User,
            Subject::Organization => Scope::Organization,
        };
        self.emit(MemoryAction::Forget, scope, &root, None);
        self.audit(
            ctx,
            "memory.forget",
            format!("{subject:?}").to_lowercase(),
            serde_json::json!({"entries": report.entries, "keysDestroyed": report.keys}),
        )?;
        // No copy of the destroyed keys or rows may stay in the live files.
        self.inner.store.scrub()?;
        Ok(report)
    }

    /// Usage per enabled scope, or of one scope (the spec's `getStats`).
    pub fn stats(&self, scope: Option<Scope>) -> Result<Vec<ScopeStats>> {
        let scopes: Vec<Scope> = match scope {
            Some(s) => vec![s],
            None => self.inner.config.scopes.enabled.clone(),
        };
        scopes
            .into_iter()
            .map(|s| {
                let u = self.backend(s).usage(s)?;
                let p = self.inner.config.retention_for(s);
                Ok(ScopeStats {
                    scope: Some(s),
                    entries: u.entries,
                    bytes: u.bytes,
                    owners: u.owners,
                    max_age: p.max_age,
                    max_size: p.max_size,
                    cache_hits: self
                        .inner
                        .cache
                        .hits
                        .load(std::sync::atomic::Ordering::Relaxed),
                    cache_misses: self
                        .inner
                        .cache
                        .misses
                        .load(std::sync::atomic::Ordering::Relaxed),
                })
            })
            .collect()
    }

    /// Purges expired entries and compacts storage (the spec's `optimizeStorage`).
    pub fn optimize(&self) -> Result<OptimizeReport> {
        let mut report = OptimizeReport::default();
        let now = self.inner.clock.now_ms();
        for backend in [&*self.inner.store, &*self.inner.ephemeral as &dyn Backend] {
            loop {
                let batch = backend.expired(now, 512)?;
                if batch.is_empty() {
                    break;
                }
                let mut ops = Vec::with_capacity(batch.len());
                let mut gone = Vec::with_capacity(batch.len());
                for (scope, owner, key) in batch {
                    let _k = self.key_lock(scope, &owner, &key);
                    // Re-check under the key lock: a concurrent `set` may have renewed it.
                    if let Some(row) = backend.get(scope, &owner, &key)? {
                        if row.expires_at.is_some_and(|t| t <= now) {
                            ops.push(Op::DeleteEntry {
                                scope,
                                owner: owner.clone(),
                                key: key.clone(),
                            });
                            gone.push((scope, owner, key));
                        }
                    }
                }
                if ops.is_empty() {
                    break;
                }
                backend.apply(&ops)?;
                for (scope, owner, key) in gone {
                    self.inner.cache.remove(scope, &owner, &key);
                    self.inner.quotas.on_remove(scope, &owner, &key);
                    self.emit(MemoryAction::Expire, scope, &owner, Some(&key));
                    report.expired_removed += 1;
                }
            }
        }
        report.bytes_after = self.inner.store.compact()?;
        Ok(report)
    }

    /// Rotates the data key of the context's owner in `scope`: a new key is
    /// created, every row is re-encrypted under it and the old keys are
    /// destroyed, in one transaction. Returns rows re-encrypted.
    pub fn rotate_data_key(&self, ctx: &Context, scope: Scope) -> Result<u64> {
        let owner = self.owner(ctx, scope)?;
        Self::check_write(ctx, scope)?;
        let _gate = self.gate(ctx, scope).write();
        let backend = self.backend(scope);
        let planned = backend.entry_sizes(scope, &owner)?.len() as u64;
        // Phase 1: the new key is active and the old ones retired, so no
        // writer seals anything more under them.
        let (dek, old_ids) = self
            .inner
            .keyring
            .begin_rotation(backend, scope, &owner, planned)?;
        // Phase 2: re-encrypt what is still under an old key, then destroy
        // the old keys, in one transaction.
        let mut ops = Vec::new();
        let mut count = 0;
        for mut row in backend.entries(scope, &owner)? {
            let what = format!("{scope} entry `{}`", row.key);
            let sealed_with = if row.value.first() == Some(&codec::PLAIN) {
                crate::crypto::maced_key_id(&row.value, &what)?
            } else {
                crate::crypto::aead_header(&row.value, &what)?
            };
            if sealed_with == dek.id() {
                continue;
            }
            let inner = self.unseal(scope, &owner, &row.key, &row.value, &what)?;
            row.value = if row.value.first() == Some(&codec::PLAIN) {
                codec::plain(&dek, scope.as_str(), &owner, &row.key, &inner)?
            } else {
                codec::sealed(&dek, scope.as_str(), &owner, &row.key, &inner)?
            };
            ops.push(Op::PutEntry(row));
            count += 1;
        }
        ops.extend(old_ids.into_iter().map(|key_id| Op::DeleteKey {
            scope,
            owner: owner.clone(),
            key_id,
        }));
        ops.push(Op::BumpKeyGeneration);
        backend.apply(&ops)?;
        backend.scrub()?;
        self.inner.keyring.forget_owner_cache(scope, &owner);
        self.audit(
            ctx,
            "key.rotate_data",
            scope.to_string(),
            serde_json::json!({"reencrypted": count}),
        )?;
        if self.inner.events.wants(EventKind::KeyRotated) {
            self.inner.events.emit(Event::KeyRotated(KeyRotatedEvent {
                key: RotatedKey::Data,
                scope: Some(scope),
                owner: Some(OwnerRef::parse(&owner)),
                count,
                at: self.inner.clock.now_ms(),
            }));
        }
        Ok(count)
    }

    /// Calls `callback` for every memory change until the subscription is
    /// dropped (the spec's `subscribe`).
    pub fn subscribe(
        &self,
        callback: impl Fn(&MemoryEvent) + Send + Sync + 'static,
    ) -> crate::events::Subscription {
        self.inner
            .events
            .subscribe(Some(EventKind::MemoryChanged), move |e| {
                if let Event::MemoryChanged(m) = e {
                    callback(m)
                }
            })
    }

    /// Entries held in the hot cache.
    pub fn cached_entries(&self) -> usize {
        self.inner.cache.len()
    }
}
