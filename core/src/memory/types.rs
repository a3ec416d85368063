//! The values the memory API takes and returns.

use crate::vocab::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
