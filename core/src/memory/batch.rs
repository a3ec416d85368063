//! Reading and writing several entries at once, search and resolution
//! across scopes.

use super::*;

impl Memory {
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
}
