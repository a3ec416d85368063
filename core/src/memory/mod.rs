//! Multi-scope encrypted memory (DESIGN §3.2).
//!
//! Every call takes a [`Context`]; the owner of each scope is derived from it,
//! so the API can only ever address the caller's own session, user and
//! organization (plus `global`). Values are JSON, sealed per owner with
//! AES-256-GCM before they reach storage. See `docs/memory.md`.

mod batch;
mod cache;
mod codec;
mod config;
mod owners;
mod retention;
mod sealing;
mod types;

pub use crate::vocab::{Context, OwnerRef, Scope, Subject, GLOBAL_WRITE, RESERVED_PREFIX};
pub use config::{
    CacheConfig, ConflictResolution, EncryptionConfig, EvictionPolicy, MemoryConfig,
    RetentionConfig, RetentionPolicies, RetentionPolicy, ScopesConfig, StorageConfig, SyncConfig,
};
pub use types::{
    Entry, ForgetReport, OptimizeReport, Resolved, ScopeStats, SearchQuery, SetOptions,
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
