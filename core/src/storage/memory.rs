//! In-memory backend: for `ephemeral` data, tests and the browser (where the
//! wasm package persists its sealed rows to IndexedDB).

use super::{
    decode_generation, in_tree, key_conflict, AuditFilter, AuditRow, Backend, EntrySize, KeyRecord,
    Op, ScopeUsage, StoredEntry, UsageField, UsageRow, KEY_GENERATION,
};
use crate::error::Result;
use crate::vocab::Scope;
use parking_lot::RwLock;
use std::collections::{BTreeMap, BTreeSet, HashMap};

type EntryKey = (Scope, String, String);
type KeyKey = (Scope, String, u32);

#[derive(Debug, Default, Clone)]
struct State {
    entries: BTreeMap<EntryKey, StoredEntry>,
    keys: BTreeMap<KeyKey, KeyRecord>,
    meta: HashMap<String, Vec<u8>>,
    usage: Vec<UsageRow>,
    audit: BTreeMap<u64, AuditRow>,
    state: BTreeMap<(String, String), Vec<u8>>,
}

/// A [`Backend`] held in process memory.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    state: RwLock<State>,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// One row of state.
    pub(crate) fn state_row(&self, kind: &str, id: &str) -> Option<Vec<u8>> {
        self.state
            .read()
            .state
            .get(&(kind.to_string(), id.to_string()))
            .cloned()
    }
}

impl Backend for MemoryBackend {
    fn apply(&self, ops: &[Op]) -> Result<()> {
        let mut st = self.state.write();
        // Preconditions first, against the state before the batch, so a
        // refused batch changes nothing.
        for op in ops {
            match op {
                Op::InsertKey(k) if st.keys.contains_key(&(k.scope, k.owner.clone(), k.key_id)) => {
                    return Err(key_conflict(
                        k.scope,
                        k.key_id,
                        "was created by another writer",
                    ));
                }
                Op::UpdateKeyUse {
                    scope,
                    owner,
                    key_id,
                    expected,
                    ..
                } => match st.keys.get(&(*scope, owner.clone(), *key_id)) {
                    Some(k) if k.reserved_uses == *expected => {}
                    Some(_) => {
                        return Err(key_conflict(
                            *scope,
                            *key_id,
                            "was reserved by another writer",
                        ))
                    }
                    None => {
                        return Err(key_conflict(
                            *scope,
                            *key_id,
                            "was destroyed by another writer",
                        ))
                    }
                },
                Op::RequireKey {
                    scope,
                    owner,
                    key_id,
                } => match st.keys.get(&(*scope, owner.clone(), *key_id)) {
                    Some(k) if !k.retired => {}
                    Some(_) => {
                        return Err(key_conflict(
                            *scope,
                            *key_id,
                            "was retired by another writer",
                        ))
                    }
                    None => {
                        return Err(key_conflict(
                            *scope,
                            *key_id,
                            "was destroyed by another writer",
                        ))
                    }
                },
                _ => {}
            }
        }
        // Chained audit records get their place before anything changes,
        // so a seal that fails leaves the store as it was.
        let mut chained = Vec::new();
        let mut last = st
            .audit
            .values()
            .next_back()
            .map(|r| (r.seq, r.mac.clone()));
        for op in ops {
            match op {
                Op::ChainAudit(c) => {
                    let row = c.link(last.as_ref().map(|(s, m)| (*s, m.as_str())))?;
                    last = Some((row.seq, row.mac.clone()));
                    chained.push(row);
                }
                Op::AppendAudit(r) => last = Some((r.seq, r.mac.clone())),
                _ => {}
            }
        }
        let mut chained = chained.into_iter();
        for op in ops {
            match op {
                Op::ChainAudit(_) => {
                    if let Some(r) = chained.next() {
                        st.audit.insert(r.seq, r);
                    }
                }
                Op::AppendUsage(r) => {
                    // Keep time order so range reads stay a binary search.
                    let pos = st.usage.partition_point(|x| x.at <= r.at);
                    st.usage.insert(pos, r.clone());
                }
                Op::PutEntry(e) => {
                    let id = (e.scope, e.owner.clone(), e.key.clone());
                    let mut e = e.clone();
                    if let Some(old) = st.entries.get(&id) {
                        e.created_at = old.created_at;
                    }
                    st.entries.insert(id, e);
                }
                Op::DeleteEntry { scope, owner, key } => {
                    st.entries.remove(&(*scope, owner.clone(), key.clone()));
                }
                Op::ClearOwner { scope, owner } => {
                    st.entries
                        .retain(|(s, o, _), _| !(s == scope && o == owner));
                }
                Op::ForgetTree { root } => {
                    st.entries
                        .retain(|(s, o, _), _| *s == Scope::Global || !in_tree(root, o));
                    st.keys
                        .retain(|(s, o, _), _| *s == Scope::Global || !in_tree(root, o));
                }
                Op::PutKey(k) | Op::InsertKey(k) => {
                    st.keys
                        .insert((k.scope, k.owner.clone(), k.key_id), k.clone());
                }
                Op::UpdateKeyUse {
                    scope,
                    owner,
                    key_id,
                    reserved_uses,
                    retired,
                    ..
                } => {
                    if let Some(k) = st.keys.get_mut(&(*scope, owner.clone(), *key_id)) {
                        k.reserved_uses = *reserved_uses;
                        k.retired = *retired;
                    }
                }
                Op::RequireKey { .. } => {}
                Op::BumpKeyGeneration => {
                    let g = decode_generation(st.meta.get(KEY_GENERATION).map(Vec::as_slice))?;
                    st.meta
                        .insert(KEY_GENERATION.into(), (g + 1).to_be_bytes().to_vec());
                }
                Op::DeleteKey {
                    scope,
                    owner,
                    key_id,
                } => {
                    st.keys.remove(&(*scope, owner.clone(), *key_id));
                }
                Op::PutMeta { name, value } => {
                    st.meta.insert(name.clone(), value.clone());
                }
                Op::PutState { kind, id, value } => {
                    st.state.insert((kind.clone(), id.clone()), value.clone());
                }
                Op::DeleteState { kind, id } => {
                    st.state.remove(&(kind.clone(), id.clone()));
                }
                Op::PurgeState { kind, below } => {
                    st.state
                        .retain(|(k, id), _| k != kind || id.as_str() >= below.as_str());
                }
                Op::AppendAudit(r) => {
                    st.audit.insert(r.seq, r.clone());
                }
                Op::PurgeAudit { through } => {
                    st.audit = st.audit.split_off(&(through + 1));
                }
            }
        }
        Ok(())
    }

    fn get(&self, scope: Scope, owner: &str, key: &str) -> Result<Option<StoredEntry>> {
        Ok(self
            .state
            .read()
            .entries
            .get(&(scope, owner.to_string(), key.to_string()))
            .cloned())
    }

    fn entries(&self, scope: Scope, owner: &str) -> Result<Vec<StoredEntry>> {
        Ok(self
            .state
            .read()
            .entries
            .values()
            .filter(|e| e.scope == scope && e.owner == owner)
            .cloned()
            .collect())
    }

    fn entry_sizes(&self, scope: Scope, owner: &str) -> Result<Vec<EntrySize>> {
        Ok(self
            .entries(scope, owner)?
            .into_iter()
            .map(|e| EntrySize {
                size: e.stored_size(),
                key: e.key,
                updated_at: e.updated_at,
            })
            .collect())
    }

    fn owners_in_tree(&self, root: &str) -> Result<Vec<(Scope, String)>> {
        let st = self.state.read();
        let mut set = BTreeSet::new();
        for (s, o, _) in st.entries.keys() {
            if *s != Scope::Global && in_tree(root, o) {
                set.insert((*s, o.clone()));
            }
        }
        for (s, o, _) in st.keys.keys() {
            if *s != Scope::Global && in_tree(root, o) {
                set.insert((*s, o.clone()));
            }
        }
        Ok(set.into_iter().collect())
    }

    fn keys(&self, scope: Scope, owner: &str) -> Result<Vec<KeyRecord>> {
        Ok(self
            .state
            .read()
            .keys
            .values()
            .filter(|k| k.scope == scope && k.owner == owner)
            .cloned()
            .collect())
    }

    fn all_keys(&self) -> Result<Vec<KeyRecord>> {
        Ok(self.state.read().keys.values().cloned().collect())
    }

    fn expired(&self, now: i64, limit: usize) -> Result<Vec<(Scope, String, String)>> {
        Ok(self
            .state
            .read()
            .entries
            .values()
            .filter(|e| e.expires_at.is_some_and(|t| t <= now))
            .take(limit)
            .map(|e| (e.scope, e.owner.clone(), e.key.clone()))
            .collect())
    }

    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.state.read().meta.get(name).cloned())
    }

    fn usage(&self, scope: Scope) -> Result<ScopeUsage> {
        let st = self.state.read();
        let mut owners = BTreeSet::new();
        let mut u = ScopeUsage::default();
        for e in st.entries.values().filter(|e| e.scope == scope) {
            u.entries += 1;
            u.bytes += e.stored_size();
            owners.insert(e.owner.as_str());
        }
        u.owners = owners.len() as u64;
        Ok(u)
    }

    fn compact(&self) -> Result<Option<u64>> {
        Ok(None)
    }

    fn is_persistent(&self) -> bool {
        false
    }

    fn state(&self, kind: &str, after: &str, limit: usize) -> Result<Vec<(String, Vec<u8>)>> {
        use std::ops::Bound;
        let st = self.state.read();
        let lo = (kind.to_string(), after.to_string());
        Ok(st
            .state
            .range((Bound::Excluded(lo), Bound::Unbounded))
            .take_while(|((k, _), _)| k == kind)
            .take(limit)
            .map(|((_, id), v)| (id.clone(), v.clone()))
            .collect())
    }

    fn usage_between(&self, from: i64, to: i64) -> Result<Vec<UsageRow>> {
        let st = self.state.read();
        let lo = st.usage.partition_point(|x| x.at < from);
        let hi = st.usage.partition_point(|x| x.at < to);
        Ok(st.usage[lo..hi.max(lo)].to_vec())
    }

    fn unencrypted_entries(&self) -> Result<u64> {
        Ok(self
            .state
            .read()
            .entries
            .values()
            .filter(|e| e.value.first() == Some(&0))
            .count() as u64)
    }

    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRow>> {
        Ok(self
            .state
            .read()
            .audit
            .range(after + 1..)
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }

    fn audit_last(&self) -> Result<Option<AuditRow>> {
        Ok(self.state.read().audit.values().next_back().cloned())
    }

    fn audit_query(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        Ok(self
            .state
            .read()
            .audit
            .values()
            .filter(|r| f.from.is_none_or(|t| r.ts >= t) && f.to.is_none_or(|t| r.ts < t))
            .filter(|r| f.actor.as_ref().is_none_or(|a| &r.actor == a))
            .filter(|r| f.action.as_ref().is_none_or(|a| &r.action == a))
            .take(f.limit.unwrap_or(1000))
            .cloned()
            .collect())
    }

    fn usage_total(
        &self,
        from: i64,
        to: i64,
        organization: Option<&str>,
        filter: Option<(UsageField, &str)>,
    ) -> Result<i64> {
        let st = self.state.read();
        let lo = st.usage.partition_point(|x| x.at < from);
        let hi = st.usage.partition_point(|x| x.at < to);
        Ok(st.usage[lo..hi.max(lo)]
            .iter()
            .filter(|r| r.organization.as_deref() == organization)
            .filter(|r| filter.is_none_or(|(f, v)| f.of(r) == Some(v)))
            .map(|r| r.cost_micros)
            .sum())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn conforms() {
        super::super::conformance::run(&super::MemoryBackend::new());
    }
}
