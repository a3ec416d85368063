//! The keyring: unwrapped data keys cached per (scope, owner), created on
//! first use, retired before their nonce budget runs out, rotated and
//! shredded on request.

use super::aead::{unwrap_key, wrap_key};
use super::{DataKey, Kek, MasterKey};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::memory::Scope;
use crate::storage::{in_tree, Backend, KeyRecord, Op};
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

#[derive(Debug)]
struct OwnerKeys {
    keys: HashMap<u32, Arc<DataKey>>,
    records: HashMap<u32, KeyRecord>,
    /// (key id, encryptions so far) of the key new values are sealed with.
    active: Option<(u32, u64)>,
}

/// Data keys of every (scope, owner), wrapped by the key-encryption key.
pub struct Keyring {
    kek: RwLock<Kek>,
    owners: Mutex<LruCache<(Scope, String), OwnerKeys>>,
    use_limit: u64,
    clock: SharedClock,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(kek={:08x})", self.kek.read().id)
    }
}

impl Keyring {
    /// Opens the keyring of `backend`, checking (or, for a new store,
    /// recording) which master key it belongs to.
    pub fn open(
        backend: &dyn Backend,
        master: &MasterKey,
        clock: SharedClock,
        use_limit: u64,
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
            None => backend.apply(&[Op::PutMeta {
                name: KEK_CHECK.into(),
                value: kek.check.to_vec(),
            }])?,
        }
        let cap = NonZeroUsize::new(CACHED_OWNERS).ok_or_else(|| Error::internal("cache size"))?;
        Ok(Self {
            kek: RwLock::new(kek),
            owners: Mutex::new(LruCache::new(cap)),
            use_limit: use_limit.max(1),
            clock,
        })
    }

    /// The id of the current key-encryption key.
    pub fn kek_id(&self) -> u32 {
        self.kek.read().id
    }

    fn load<'a>(
        &self,
        cache: &'a mut LruCache<(Scope, String), OwnerKeys>,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
    ) -> Result<&'a mut OwnerKeys> {
        let id = (scope, owner.to_string());
        if !cache.contains(&id) {
            let kek = self.kek.read();
            let mut keys = HashMap::new();
            let mut records = HashMap::new();
            let mut active = None;
            for rec in backend.keys(scope, owner)? {
                let dek = unwrap_key(&kek, scope.as_str(), owner, rec.key_id, &rec.wrapped)?;
                if !rec.retired && active.is_none_or(|(a, _)| rec.key_id > a) {
                    // Resume after everything reserved: never reuse a count.
                    active = Some((rec.key_id, rec.reserved_uses));
                }
                keys.insert(rec.key_id, Arc::new(dek));
                records.insert(rec.key_id, rec);
            }
            cache.put(
                id.clone(),
                OwnerKeys {
                    keys,
                    records,
                    active,
                },
            );
        }
        cache
            .get_mut(&id)
            .ok_or_else(|| Error::internal("keyring cache lost an entry"))
    }

    /// The key to seal a new value of (scope, owner) with, creating or
    /// retiring keys as needed.
    pub fn key_for_encrypt(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
    ) -> Result<Arc<DataKey>> {
        let mut cache = self.owners.lock();
        let ok = self.load(&mut cache, backend, scope, owner)?;
        let limit = self.use_limit;
        let block = RESERVE_BLOCK.min(limit);
        match ok.active {
            Some((id, used)) if used < limit => {
                let rec = ok
                    .records
                    .get_mut(&id)
                    .ok_or_else(|| Error::internal("key record missing"))?;
                if used >= rec.reserved_uses {
                    let mut next = rec.clone();
                    next.reserved_uses = (rec.reserved_uses + block).min(limit);
                    backend.apply(&[Op::PutKey(next.clone())])?;
                    *rec = next;
                }
                ok.active = Some((id, used + 1));
                ok.keys
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| Error::internal("data key missing"))
            }
            _ => {
                // No key yet, or the active key reached its budget: retire it
                // and start a new one in the same transaction.
                let next_id = ok.keys.keys().max().map_or(1, |m| m + 1);
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
                let mut ops = vec![Op::PutKey(rec.clone())];
                if let Some((old, _)) = ok.active {
                    if let Some(r) = ok.records.get_mut(&old) {
                        r.retired = true;
                        ops.push(Op::PutKey(r.clone()));
                    }
                }
                backend.apply(&ops)?;
                let dek = Arc::new(dek);
                ok.keys.insert(next_id, dek.clone());
                ok.records.insert(next_id, rec);
                ok.active = Some((next_id, 1));
                Ok(dek)
            }
        }
    }

    /// The key with id `key_id` of (scope, owner).
    pub fn key_for_decrypt(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        key_id: u32,
    ) -> Result<Arc<DataKey>> {
        let mut cache = self.owners.lock();
        let ok = self.load(&mut cache, backend, scope, owner)?;
        ok.keys.get(&key_id).cloned().ok_or_else(|| {
            Error::decryption(format!(
                "no data key {key_id} for this {scope} owner: it was forgotten, or the row was moved here"
            ))
        })
    }

    /// Drops cached keys of every owner at or below `root` (after `forget`).
    pub fn evict_tree(&self, root: &str) {
        let mut cache = self.owners.lock();
        let doomed: Vec<_> = cache
            .iter()
            .filter(|((s, o), _)| *s != Scope::Global && in_tree(root, o))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            cache.pop(&k);
        }
    }

    /// Replaces the data keys of (scope, owner) with one new key. Returns the
    /// new key and the ops that store it; the caller re-encrypts the owner's
    /// rows, appends them and deletes the old keys in one transaction, then
    /// calls [`Keyring::forget_owner_cache`].
    pub fn new_generation(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        planned_uses: u64,
    ) -> Result<(Arc<DataKey>, Vec<u32>, Op)> {
        let mut cache = self.owners.lock();
        let ok = self.load(&mut cache, backend, scope, owner)?;
        let old: Vec<u32> = ok.keys.keys().copied().collect();
        let next_id = old.iter().max().map_or(1, |m| m + 1);
        let dek = DataKey::generate(next_id)?;
        let wrapped = wrap_key(&self.kek.read(), scope.as_str(), owner, &dek)?;
        let rec = KeyRecord {
            scope,
            owner: owner.to_string(),
            key_id: next_id,
            wrapped,
            // The re-encryption itself spends `planned_uses` nonces.
            reserved_uses: planned_uses
                .saturating_add(RESERVE_BLOCK)
                .min(self.use_limit),
            retired: false,
            created_at: self.clock.now_ms(),
        };
        Ok((Arc::new(dek), old, Op::PutKey(rec)))
    }

    /// Forgets the cached keys of one (scope, owner) so they reload from storage.
    pub fn forget_owner_cache(&self, scope: Scope, owner: &str) {
        self.owners.lock().pop(&(scope, owner.to_string()));
    }

    /// Re-wraps every data key in `backends` under `new_master`, atomically
    /// per backend, the persistent one first. Returns how many keys were re-wrapped.
    pub fn rotate_master(
        &self,
        persistent: &dyn Backend,
        ephemeral: &dyn Backend,
        new_master: &MasterKey,
    ) -> Result<usize> {
        let mut cache = self.owners.lock();
        let new_kek = new_master.derive()?;
        let mut total = 0;
        let mut rewrap = |backend: &dyn Backend, with_check: bool| -> Result<()> {
            let old_kek = self.kek.read();
            let mut ops = Vec::new();
            for mut rec in backend.all_keys()? {
                let dek = unwrap_key(
                    &old_kek,
                    rec.scope.as_str(),
                    &rec.owner,
                    rec.key_id,
                    &rec.wrapped,
                )?;
                rec.wrapped = wrap_key(&new_kek, rec.scope.as_str(), &rec.owner, &dek)?;
                ops.push(Op::PutKey(rec));
            }
            total += ops.len();
            if with_check {
                ops.push(Op::PutMeta {
                    name: KEK_CHECK.into(),
                    value: new_kek.check.to_vec(),
                });
            }
            backend.apply(&ops)
        };
        rewrap(persistent, true)?;
        rewrap(ephemeral, false)?;
        *self.kek.write() = new_kek;
        cache.clear();
        Ok(total)
    }
}
