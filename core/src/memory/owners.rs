//! What happens to an owner as a whole: export (data-subject access),
//! forget (erasure), statistics, optimization and data-key rotation.

use super::*;

impl Memory {
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
}
