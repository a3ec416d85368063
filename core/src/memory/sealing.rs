//! Sealing a value for storage (serialize, compress, encrypt under the
//! owner's data key) and opening it again.

use super::*;

impl Memory {
    /// Serializes, compresses and seals one value. Returns the row and the
    /// id of the data key that sealed it.
    pub(super) fn seal(
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
    pub(super) fn open(&self, e: &StoredEntry) -> Result<(Value, bool)> {
        let what = format!("{} entry `{}`", e.scope, e.key);
        let max = self.inner.config.max_value_size as usize;
        let inner = self.unseal(e.scope, &e.owner, &e.key, &e.value, &what)?;
        let (json, flags) = codec::decode_inner(&inner, max, &what)?;
        let value = parse_stored(&json, &what)?;
        Ok((value, flags & codec::SECRET != 0))
    }

    /// Verifies and (when encrypted) decrypts a stored blob to its inner form.
    pub(super) fn unseal(
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

    pub(super) fn to_entry(&self, e: &StoredEntry) -> Result<Entry> {
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
}
