//! Quotas: when an owner's stored bytes exceed its scope's `maxSize`, entries
//! are evicted by the configured policy — least recently used (`lru`) or
//! TinyLFU (`moka`). Trackers are built lazily from storage (ordered by last
//! write) and kept for the most recently active owners.

use super::Scope;
use super::{EvictionPolicy, MemoryConfig};
use crate::error::{Error, Result};
use crate::storage::{in_tree, Backend};
use lru::LruCache;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::Arc;

const TRACKED_OWNERS: usize = 4096;

enum Tracker {
    Lru {
        order: LruCache<String, u64>,
        total: u64,
    },
    #[cfg(not(target_arch = "wasm32"))]
    Lfu {
        cache: moka::sync::Cache<String, u64>,
        evicted: Arc<Mutex<Vec<String>>>,
    },
}

impl Tracker {
    fn new(policy: EvictionPolicy, max_size: u64) -> Result<Self> {
        match policy {
            EvictionPolicy::Lru => Ok(Tracker::Lru {
                order: LruCache::unbounded(),
                total: 0,
            }),
            #[cfg(not(target_arch = "wasm32"))]
            EvictionPolicy::Lfu => {
                let evicted = Arc::new(Mutex::new(Vec::new()));
                let sink = evicted.clone();
                let cache = moka::sync::Cache::builder()
                    .max_capacity(max_size)
                    .weigher(|_k: &String, v: &u64| u32::try_from(*v).unwrap_or(u32::MAX))
                    .eviction_policy(moka::policy::EvictionPolicy::tiny_lfu())
                    .eviction_listener(move |k: Arc<String>, _v, cause| {
                        if cause == moka::notification::RemovalCause::Size {
                            sink.lock().push((*k).clone());
                        }
                    })
                    .build();
                Ok(Tracker::Lfu { cache, evicted })
            }
            #[cfg(target_arch = "wasm32")]
            EvictionPolicy::Lfu => {
                let _ = max_size;
                Err(Error::config(
                    "$.enterpriseMemory.retention.policies",
                    "evictionPolicy `lfu` is not available on wasm32 yet; use `lru`",
                ))
            }
        }
    }

    /// Records a write; returns the keys to evict.
    fn write(&mut self, key: &str, size: u64, max: u64) -> Vec<String> {
        match self {
            Tracker::Lru { order, total } => {
                if let Some(old) = order.put(key.to_string(), size) {
                    *total -= old;
                }
                *total += size;
                let mut victims = Vec::new();
                while *total > max {
                    match order.pop_lru() {
                        Some((k, s)) if k != key => {
                            *total -= s;
                            victims.push(k);
                        }
                        Some((k, s)) => {
                            // Never evict the entry just written: put it back.
                            order.put(k, s);
                            break;
                        }
                        None => break,
                    }
                }
                victims
            }
            #[cfg(not(target_arch = "wasm32"))]
            Tracker::Lfu { cache, evicted } => {
                cache.insert(key.to_string(), size);
                cache.run_pending_tasks();
                std::mem::take(&mut *evicted.lock())
            }
        }
    }

    fn read(&mut self, key: &str) {
        match self {
            Tracker::Lru { order, .. } => {
                order.get(key);
            }
            #[cfg(not(target_arch = "wasm32"))]
            Tracker::Lfu { cache, .. } => {
                cache.get(key);
            }
        }
    }

    fn remove(&mut self, key: &str) {
        match self {
            Tracker::Lru { order, total } => {
                if let Some(s) = order.pop(key) {
                    *total -= s;
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            Tracker::Lfu { cache, .. } => {
                cache.invalidate(key);
                cache.run_pending_tasks();
            }
        }
    }
}

pub(crate) struct Quotas {
    limits: BTreeMap<Scope, (u64, EvictionPolicy)>,
    trackers: Mutex<LruCache<(Scope, String), Tracker>>,
}

impl std::fmt::Debug for Quotas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Quotas({:?})", self.limits)
    }
}

impl Quotas {
    pub(crate) fn new(cfg: &MemoryConfig) -> Result<Self> {
        let mut limits = BTreeMap::new();
        for scope in Scope::ALL {
            let p = cfg.retention_for(scope);
            if let Some(max) = p.max_size {
                // Fail at build time, not at the first write.
                Tracker::new(p.eviction_policy, max)?;
                limits.insert(scope, (max, p.eviction_policy));
            }
        }
        let cap = NonZeroUsize::new(TRACKED_OWNERS)
            .ok_or_else(|| Error::internal("tracker cache size"))?;
        Ok(Self {
            limits,
            trackers: Mutex::new(LruCache::new(cap)),
        })
    }

    /// The quota of `scope`, if any.
    pub(crate) fn limit(&self, scope: Scope) -> Option<u64> {
        self.limits.get(&scope).map(|(m, _)| *m)
    }

    fn with_tracker<R>(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        f: impl FnOnce(&mut Tracker, u64, Vec<String>) -> R,
    ) -> Result<Option<R>> {
        let Some(&(max, policy)) = self.limits.get(&scope) else {
            return Ok(None);
        };
        let mut trackers = self.trackers.lock();
        let id = (scope, owner.to_string());
        let mut pending = Vec::new();
        if !trackers.contains(&id) {
            let mut t = Tracker::new(policy, max)?;
            let mut sizes = backend.entry_sizes(scope, owner)?;
            // Rows come ordered by key: (time, key) is the order a stable sort by
            // time gives, without a stable sort's code.
            sizes.sort_unstable_by(|a, b| {
                a.updated_at
                    .cmp(&b.updated_at)
                    .then_with(|| a.key.cmp(&b.key))
            });
            for s in sizes {
                // Rebuilding can itself find the owner over quota (e.g. after
                // the quota was lowered): those victims are evicted too.
                pending.extend(t.write(&s.key, s.size, max));
            }
            trackers.put(id.clone(), t);
        }
        let t = trackers
            .get_mut(&id)
            .ok_or_else(|| Error::internal("tracker lost"))?;
        Ok(Some(f(t, max, pending)))
    }

    /// Records a write of `size` bytes; returns the keys to evict.
    pub(crate) fn on_write(
        &self,
        backend: &dyn Backend,
        scope: Scope,
        owner: &str,
        key: &str,
        size: u64,
    ) -> Result<Vec<String>> {
        Ok(self
            .with_tracker(backend, scope, owner, |t, max, mut pending| {
                pending.retain(|k| k != key);
                pending.extend(t.write(key, size, max));
                pending
            })?
            .unwrap_or_default())
    }

    pub(crate) fn on_read(&self, scope: Scope, owner: &str, key: &str) {
        if self.limits.contains_key(&scope) {
            if let Some(t) = self.trackers.lock().get_mut(&(scope, owner.to_string())) {
                t.read(key);
            }
        }
    }

    pub(crate) fn on_remove(&self, scope: Scope, owner: &str, key: &str) {
        if self.limits.contains_key(&scope) {
            if let Some(t) = self.trackers.lock().get_mut(&(scope, owner.to_string())) {
                t.remove(key);
            }
        }
    }

    pub(crate) fn drop_owner(&self, scope: Scope, owner: &str) {
        self.trackers.lock().pop(&(scope, owner.to_string()));
    }

    pub(crate) fn drop_tree(&self, root: &str) {
        let mut trackers = self.trackers.lock();
        let doomed: Vec<_> = trackers
            .iter()
            .filter(|((s, o), _)| *s != Scope::Global && in_tree(root, o))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            trackers.pop(&k);
        }
    }
}
