//! The hot cache: decrypted values of recently used entries, so a repeated
//! `get` costs neither storage I/O nor decryption. Sharded LRU maps keyed by
//! a 64-bit hash; the full (scope, owner, key) is kept and compared, so a hash
//! collision can never return another owner's value.

use super::Scope;
use crate::storage::in_tree;
use lru::LruCache;
use parking_lot::Mutex;
use serde_json::Value;
use std::hash::{BuildHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const SHARDS: usize = 16;

#[derive(Debug)]
struct Slot {
    scope: Scope,
    owner: Box<str>,
    key: Box<str>,
    value: Arc<Value>,
    expires_at: Option<i64>,
}

#[derive(Debug)]
pub(crate) struct HotCache {
    shards: Vec<Mutex<LruCache<u64, Slot>>>,
    hasher: std::collections::hash_map::RandomState,
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
}

impl HotCache {
    pub(crate) fn new(max_entries: u64) -> Self {
        let per_shard = (max_entries as usize).div_ceil(SHARDS);
        let shards = match NonZeroUsize::new(per_shard) {
            Some(n) => (0..SHARDS).map(|_| Mutex::new(LruCache::new(n))).collect(),
            None => Vec::new(),
        };
        Self {
            shards,
            hasher: Default::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn hash(&self, scope: Scope, owner: &str, key: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        scope.hash(&mut h);
        owner.hash(&mut h);
        key.hash(&mut h);
        h.finish()
    }

    fn shard(&self, h: u64) -> Option<&Mutex<LruCache<u64, Slot>>> {
        self.shards.get((h as usize) % SHARDS.max(1))
    }

    pub(crate) fn get(&self, scope: Scope, owner: &str, key: &str, now: i64) -> Option<Arc<Value>> {
        let h = self.hash(scope, owner, key);
        let shard = self.shard(h)?;
        let mut map = shard.lock();
        let hit = match map.get(&h) {
            Some(s) if s.scope == scope && &*s.owner == owner && &*s.key == key => {
                if s.expires_at.is_some_and(|t| t <= now) {
                    None
                } else {
                    Some(s.value.clone())
                }
            }
            _ => None,
        };
        if hit.is_none() {
            map.pop(&h);
            self.misses.fetch_add(1, Ordering::Relaxed);
        } else {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    pub(crate) fn put(
        &self,
        scope: Scope,
        owner: &str,
        key: &str,
        value: Arc<Value>,
        expires_at: Option<i64>,
    ) {
        let h = self.hash(scope, owner, key);
        if let Some(shard) = self.shard(h) {
            shard.lock().put(
                h,
                Slot {
                    scope,
                    owner: owner.into(),
                    key: key.into(),
                    value,
                    expires_at,
                },
            );
        }
    }

    pub(crate) fn remove(&self, scope: Scope, owner: &str, key: &str) {
        let h = self.hash(scope, owner, key);
        if let Some(shard) = self.shard(h) {
            shard.lock().pop(&h);
        }
    }

    /// Drops every slot matching `pred` (owner-wide operations).
    fn retain(&self, pred: impl Fn(&Slot) -> bool) {
        for shard in &self.shards {
            let mut map = shard.lock();
            let doomed: Vec<u64> = map
                .iter()
                .filter(|(_, s)| !pred(s))
                .map(|(h, _)| *h)
                .collect();
            for h in doomed {
                map.pop(&h);
            }
        }
    }

    pub(crate) fn remove_owner(&self, scope: Scope, owner: &str) {
        self.retain(|s| !(s.scope == scope && &*s.owner == owner));
    }

    pub(crate) fn remove_tree(&self, root: &str) {
        self.retain(|s| s.scope == Scope::Global || !in_tree(root, &s.owner));
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_miss_expiry_and_isolation() {
        let c = HotCache::new(100);
        let v = Arc::new(Value::from(1));
        c.put(Scope::User, "a", "k", v.clone(), Some(10));
        assert_eq!(c.get(Scope::User, "a", "k", 5), Some(v.clone()));
        assert_eq!(c.get(Scope::User, "b", "k", 5), None);
        assert_eq!(c.get(Scope::Session, "a", "k", 5), None);
        assert_eq!(c.get(Scope::User, "a", "k", 10), None, "expired");
        c.put(Scope::User, "a\u{1f}s", "k", v.clone(), None);
        c.put(Scope::Global, "", "k", v.clone(), None);
        c.remove_tree("a");
        assert_eq!(c.len(), 1);
        let off = HotCache::new(0);
        off.put(Scope::User, "a", "k", v, None);
        assert_eq!(off.get(Scope::User, "a", "k", 0), None);
    }
}
