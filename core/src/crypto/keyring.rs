//! The keyring: unwrapped data keys cached per (scope, owner), created on
//! first use, retired before their nonce budget runs out, rotated and
//! shredded on request.
//!
//! Safe with other writers on the same store (see `docs/security.md`):
//! * a new key is stored with a plain insert ([`Op::InsertKey`]); when
//!   another writer took the id first, the owner's keys are reloaded and
//!   the next id is tried — no key id is ever assigned twice;
//! * use reservations are compare-and-set ([`Op::UpdateKeyUse`]), so two
//!   writers never count the same nonces;
//! * every batch that destroys or retires a key bumps the store's keyring
//!   generation; on a shared store the keyring compares it before each use
//!   and drops its cache when it moved, and writers put [`Op::RequireKey`]
//!   in front of rows sealed with a cached key, so a key rotated or shredded
//!   elsewhere is never used again.
//!
//! A wrapped key that does not unwrap (a damaged row) fails only what
//! depends on it: the owner's other keys keep working, a new key replaces
//! it for new values, and master-key rotation re-wraps every other key.

use super::aead::{unwrap_key, wrap_key};
use super::{DataKey, Kek, MasterKey};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::storage::{in_tree, Backend, KeyRecord, Op};
use crate::vocab::Scope;
use lru::LruCache;
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;

/// A data key encrypts at most this many values (random 96-bit nonces stay
/// far below the 2^-32 collision bound NIST SP 800-38D sets, which 2^32 uses
/// would reach). The key is retired before this count.
pub const DEFAULT_DEK_USE_LIMIT: u64 = (1 << 31) - 1;
/// Uses reserved in storage at a time: after a crash, the unused rest of a
/// reservation is skipped, never reused.
const RESERVE_BLOCK: u64 = 1 << 16;
const KEK_CHECK: &str = "kek_check";
const CACHED_OWNERS: usize = 65_536;
/// Attempts at a key operation that another writer keeps pre-empting.
const ATTEMPTS: usize = 8;

#[derive(Debug)]
struct OwnerKeys {
    keys: HashMap<u32, Arc<DataKey>>,
    records: HashMap<u32, KeyRecord>,
    /// Keys whose wrapped form does not open, with the reason.
    broken: Vec<(u32, String)>,
    /// (key id, encryptions so far) of the key new values are sealed with.
    active: Option<(u32, u64)>,
}

impl OwnerKeys {
    fn next_id(&self) -> u32 {
        self.records.keys().max().map_or(1, |m| m.saturating_add(1))
    }
}

struct Cache {
    owners: LruCache<(Scope, String), OwnerKeys>,
    /// The store's keyring generation the cache reflects (shared stores).
    generation: Option<u64>,
}

/// A wrapped data key that master-key rotation could not re-wrap.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadableKey {
    /// Scope.
    pub scope: Scope,
    /// Composite owner id.
    pub owner: String,
    /// Key id.
    pub key_id: u32,
}

/// What [`Keyring::rotate_master`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterRotation {
    /// Keys re-wrapped under the new master key.
    pub rewrapped: usize,
    /// Keys left as they were because they did not unwrap (damaged rows);
    /// what they encrypted stays unreadable.
    pub unreadable: Vec<UnreadableKey>,
}

/// Data keys of every (scope, owner), wrapped by the key-encryption key.
pub struct Keyring {
    kek: RwLock<Kek>,
    cache: Mutex<Cache>,
    use_limit: u64,
    clock: SharedClock,
    shared: bool,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(kek={:08x})", self.kek.read().id)
    }
}

impl Keyring {
    /// Opens the keyring of `backend`, checking (or, for a new store,
    /// recording) which master key it belongs to. `shared`: other writers
    /// may use the same store at the same time (see the module docs).
    pub fn open(
        backend: &dyn Backend,
        master: &MasterKey,
        clock: SharedClock,
        use_limit: u64,
        shared: bool,
    ) -> Result<Self> {
        let kek = master.derive()?;
        match backend.meta(KEK_CHECK)? {
            Some(check) if check.as_slice() == kek.check.as_slice() => {}
            Some(check) => {
                let stored = check
                    .get(..4)
                    .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                return Err(Error::KeyMismatch {
                    message: format!(
                        "this store belongs to master key {stored:08x}; the supplied key is {:08x}. Nothing was read or changed",
                        kek.id
                    ),
                });
            }
            None => {
                // Only a store without keys may adopt a master key: a store
                // that has keys but lost its check row was damaged or
                // tampered with, and recording whatever key is offered now
                // would hide that.
                let keys = backend.all_keys()?;
                if !keys.is_empty() {
                    return Err(Error::CorruptStore {
                        message: format!(
                            "the store holds {} data key(s) but no master-key check record; it was damaged or tampered with. Nothing was read or changed",
                            keys.len()
                        ),
                    });
                }
                backend.apply(&[Op::PutMeta {
                    name: KEK_CHECK.into(),
                    value: kek.check.to_vec(),
                }])?
            }
        }
        let cap = NonZeroUsize::new(CACHED_OWNERS).ok_or_else(|| Error::internal("cache size"))?;
        Ok(Self {
            kek: RwLock::new(kek),
            cache: Mutex::new(Cache {
                owners: LruCache::new(cap),
                generation: None,
            }),
            use_limit: use_limit.max(1),
            clock,
            shared,
        })
    }

    /// The id of the current key-encryption key.
    pub fn kek_id(&self) -> u32 {
        self.kek.read().id
    }

    /// Whether other writers may share the persistent store.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// On a shared store: drops every cached key when another writer
    /// destroyed or retired one since the cache was filled. (Ephemeral
    /// keys live in this process's own store.)
    fn revalidate(&self, cache: &mut Cache, backend: &dyn Backend, scope: Scope) -> Result<()> {
        if !self.shared || scope == Scope::Ephemeral {
            return Ok(());
        }
        let g = backend.key_generation()?;
        if cache.generation != Some(g) {
            cache.owners.clear();
            cache.generation = Some(g);
        }
        Ok(())
    }

    fn load<'a>(
        &self,
        cache: &'a mut Cache,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
    ) -> Result<&'a mut OwnerKeys> {
        let id = (scope, owner.to_string());
        if !cache.owners.contains(&id) {
            let kek = self.kek.read();
            let mut keys = HashMap::new();
            let mut records = HashMap::new();
            let mut broken = Vec::new();
            let mut active = None;
            for rec in backend.keys(scope, owner)? {
                match unwrap_key(&kek, scope.as_str(), owner, rec.key_id, &rec.wrapped) {
                    Ok(dek) => {
                        if !rec.retired && active.is_none_or(|(a, _)| rec.key_id > a) {
                            // Resume after everything reserved: never reuse a count.
                            active = Some((rec.key_id, rec.reserved_uses));
                        }
                        keys.insert(rec.key_id, Arc::new(dek));
                    }
                    Err(e) => {
                        broken.push((rec.key_id, e.to_string()));
                    }
                }
                records.insert(rec.key_id, rec);
            }
            // A newer live key that is damaged must not be shadowed by an
            // older one: new values then go under a fresh key.
            let newest_live = records
                .values()
                .filter(|r| !r.retired)
                .map(|r| r.key_id)
                .max();
            if newest_live.is_some_and(|n| broken.iter().any(|(id, _)| *id == n)) {
                active = None;
            }
            cache.owners.put(
                id.clone(),
                OwnerKeys {
                    keys,
                    records,
                    broken,
                    active,
                },
            );
        }
        cache
            .owners
            .get_mut(&id)
            .ok_or_else(|| Error::internal("keyring cache lost an entry"))
    }

    /// Runs `step` on the owner's keys, reloading them and trying again when
    /// another writer got there first.
    fn with_retry(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        step: &mut dyn FnMut(&Self, &mut OwnerKeys) -> Result<Arc<DataKey>>,
    ) -> Result<Arc<DataKey>> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let mut cache = self.cache.lock();
            self.revalidate(&mut cache, backend, scope)?;
            let ok = self.load(&mut cache, backend, scope, owner)?;
            match step(self, ok) {
                Err(e @ Error::Conflict { .. }) => {
                    cache.owners.pop(&(scope, owner.to_string()));
                    last = Some(e);
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("the store kept changing")))
    }

    /// The key to seal a new value of (scope, owner) with, creating or
    /// retiring keys as needed.
    pub fn key_for_encrypt(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
    ) -> Result<Arc<DataKey>> {
        self.with_retry(backend, scope, owner, &mut |this, ok| {
            this.encrypt_step(ok, backend, scope, owner)
        })
    }

    fn encrypt_step(
        &self,
        ok: &mut OwnerKeys,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
    ) -> Result<Arc<DataKey>> {
        let limit = self.use_limit;
        let block = RESERVE_BLOCK.min(limit);
        if let Some((id, used)) = ok.active.filter(|(_, used)| *used < limit) {
            let rec = ok
                .records
                .get_mut(&id)
                .ok_or_else(|| Error::internal("key record missing"))?;
            if used >= rec.reserved_uses {
                let reserved = (rec.reserved_uses + block).min(limit);
                backend.apply(&[Op::UpdateKeyUse {
                    scope,
                    owner: owner.to_string(),
                    key_id: id,
                    expected: rec.reserved_uses,
                    reserved_uses: reserved,
                    retired: false,
                }])?;
                rec.reserved_uses = reserved;
            }
            ok.active = Some((id, used + 1));
            return ok
                .keys
                .get(&id)
                .cloned()
                .ok_or_else(|| Error::internal("data key missing"));
        }
        // No usable key yet, or the active one reached its budget: retire
        // every live key and start a new one in the same transaction.
        let next_id = ok.next_id();
        let dek = DataKey::generate(next_id)?;
        let wrapped = wrap_key(&self.kek.read(), scope.as_str(), owner, &dek)?;
        let rec = KeyRecord {
            scope,
            owner: owner.to_string(),
            key_id: next_id,
            wrapped,
            reserved_uses: block,
            retired: false,
            created_at: self.clock.now_ms(),
        };
        let mut ops = vec![Op::InsertKey(rec.clone())];
        let retiring: Vec<u32> = ok
            .records
            .values()
            .filter(|r| !r.retired)
            .map(|r| r.key_id)
            .collect();
        for r in ok.records.values().filter(|r| !r.retired) {
            ops.push(Op::UpdateKeyUse {
                scope,
                owner: owner.to_string(),
                key_id: r.key_id,
                expected: r.reserved_uses,
                reserved_uses: r.reserved_uses,
                retired: true,
            });
        }
        if !retiring.is_empty() {
            ops.push(Op::BumpKeyGeneration);
        }
        backend.apply(&ops)?;
        for id in retiring {
            if let Some(r) = ok.records.get_mut(&id) {
                r.retired = true;
            }
        }
        let dek = Arc::new(dek);
        ok.keys.insert(next_id, dek.clone());
        ok.records.insert(next_id, rec);
        ok.active = Some((next_id, 1));
        Ok(dek)
    }

    /// The key with id `key_id` of (scope, owner).
    pub fn key_for_decrypt(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        key_id: u32,
    ) -> Result<Arc<DataKey>> {
        let mut cache = self.cache.lock();
        self.revalidate(&mut cache, backend, scope)?;
        for reloaded in [false, true] {
            let ok = self.load(&mut cache, backend, scope, owner)?;
            if let Some(k) = ok.keys.get(&key_id) {
                return Ok(k.clone());
            }
            if let Some((_, why)) = ok.broken.iter().find(|(id, _)| *id == key_id) {
                return Err(Error::decryption(format!(
                    "data key {key_id} of this {scope} owner does not unwrap ({why}); only values sealed with it are unreadable"
                )));
            }
            if !reloaded {
                // Another writer may have created it since the cache was filled.
                cache.owners.pop(&(scope, owner.to_string()));
            }
        }
        Err(Error::decryption(format!(
            "no data key {key_id} for this {scope} owner: it was forgotten, or the row was moved here"
        )))
    }

    /// Drops cached keys of every owner at or below `root` (after `forget`).
    pub fn evict_tree(&self, root: &str) {
        let mut cache = self.cache.lock();
        let doomed: Vec<_> = cache
            .owners
            .iter()
            .filter(|((s, o), _)| *s != Scope::Global && in_tree(root, o))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            cache.owners.pop(&k);
        }
    }

    /// Starts a rotation of (scope, owner)'s data key: a new key becomes the
    /// active one and every other key is retired, in one transaction, so no
    /// writer (here or sharing the store) seals anything more with an old
    /// key. Returns the new key and the ids of the old ones; the caller then
    /// re-encrypts the rows still under old keys, deletes those keys and
    /// bumps the generation in one transaction. A crash in between is
    /// harmless: old rows still open, and the next rotation finishes.
    pub fn begin_rotation(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        planned_uses: u64,
    ) -> Result<(Arc<DataKey>, Vec<u32>)> {
        let mut old = Vec::new();
        let dek = self.with_retry(backend, scope, owner, &mut |this, ok| {
            old = ok.records.keys().copied().collect();
            let next_id = ok.next_id();
            let dek = DataKey::generate(next_id)?;
            let wrapped = wrap_key(&this.kek.read(), scope.as_str(), owner, &dek)?;
            let rec = KeyRecord {
                scope,
                owner: owner.to_string(),
                key_id: next_id,
                wrapped,
                // The re-encryption itself spends `planned_uses` nonces.
                reserved_uses: planned_uses
                    .saturating_add(RESERVE_BLOCK)
                    .min(this.use_limit),
                retired: false,
                created_at: this.clock.now_ms(),
            };
            let mut ops = vec![Op::InsertKey(rec.clone())];
            for r in ok.records.values().filter(|r| !r.retired) {
                ops.push(Op::UpdateKeyUse {
                    scope,
                    owner: owner.to_string(),
                    key_id: r.key_id,
                    expected: r.reserved_uses,
                    reserved_uses: r.reserved_uses,
                    retired: true,
                });
            }
            ops.push(Op::BumpKeyGeneration);
            backend.apply(&ops)?;
            for r in ok.records.values_mut() {
                r.retired = true;
            }
            let dek = Arc::new(dek);
            ok.keys.insert(next_id, dek.clone());
            ok.records.insert(next_id, rec);
            // The caller's re-encryption spends up to `planned_uses` nonces.
            ok.active = Some((next_id, planned_uses));
            Ok(dek)
        })?;
        Ok((dek, old))
    }

    /// Forgets the cached keys of one (scope, owner) so they reload from storage.
    pub fn forget_owner_cache(&self, scope: Scope, owner: &str) {
        self.cache.lock().owners.pop(&(scope, owner.to_string()));
    }

    /// Re-wraps every data key in `backends` under `new_master`, atomically
    /// per backend, the persistent one first. A key that does not unwrap
    /// under the current master key is left as it is and reported.
    pub fn rotate_master(
        &self,
        persistent: &dyn Backend,
        ephemeral: &dyn Backend,
        new_master: &MasterKey,
    ) -> Result<MasterRotation> {
        let mut cache = self.cache.lock();
        let new_kek = new_master.derive()?;
        let mut report = MasterRotation::default();
        let mut rewrap = |backend: &dyn Backend, with_check: bool| -> Result<()> {
            let old_kek = self.kek.read();
            let mut ops = Vec::new();
            for mut rec in backend.all_keys()? {
                let dek = match unwrap_key(
                    &old_kek,
                    rec.scope.as_str(),
                    &rec.owner,
                    rec.key_id,
                    &rec.wrapped,
                ) {
                    Ok(dek) => dek,
                    Err(_) => {
                        report.unreadable.push(UnreadableKey {
                            scope: rec.scope,
                            owner: rec.owner,
                            key_id: rec.key_id,
                        });
                        continue;
                    }
                };
                rec.wrapped = wrap_key(&new_kek, rec.scope.as_str(), &rec.owner, &dek)?;
                ops.push(Op::PutKey(rec));
            }
            report.rewrapped += ops.len();
            if with_check {
                ops.push(Op::PutMeta {
                    name: KEK_CHECK.into(),
                    value: new_kek.check.to_vec(),
                });
                ops.push(Op::BumpKeyGeneration);
            }
            backend.apply(&ops)
        };
        rewrap(persistent, true)?;
        rewrap(ephemeral, false)?;
        *self.kek.write() = new_kek;
        cache.owners.clear();
        cache.generation = None;
        Ok(report)
    }
}
