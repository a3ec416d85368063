//! `enterpriseMemory`: scopes, encryption, synchronization and retention.

use crate::error::{Error, Result};
use crate::storage::Durability;
use crate::vocab::Scope;
use serde::{Deserialize, Serialize};

/// `enterpriseMemory`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct MemoryConfig {
    /// Which scopes may be used, and the default one.
    pub scopes: ScopesConfig,
    /// Value encryption.
    pub encryption: EncryptionConfig,
    /// Cross-device synchronization (accepted; acted on in a later milestone).
    pub synchronization: SyncConfig,
    /// Per-scope retention and compression.
    pub retention: RetentionConfig,
    /// Vallum extension: the in-process cache of decrypted values.
    pub cache: CacheConfig,
    /// Vallum extension: storage durability.
    pub storage: StorageConfig,
    /// Vallum extension: largest accepted serialized value, in bytes (default 16 MiB).
    pub max_value_size: u64,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            scopes: ScopesConfig::default(),
            encryption: EncryptionConfig::default(),
            synchronization: SyncConfig::default(),
            retention: RetentionConfig::default(),
            cache: CacheConfig::default(),
            storage: StorageConfig::default(),
            max_value_size: 16 * 1024 * 1024,
        }
    }
}

impl MemoryConfig {
    pub(crate) fn validate(&self, at: &str) -> Result<()> {
        self.storage.validate(&format!("{at}.storage"))?;
        let enabled = &self.scopes.enabled;
        if enabled.is_empty() {
            return Err(Error::config(
                format!("{at}.scopes.enabled"),
                "at least one scope must be enabled",
            ));
        }
        if let Some(d) = self.scopes.default {
            if !enabled.contains(&d) {
                return Err(Error::config(
                    format!("{at}.scopes.default"),
                    format!("default scope `{d}` is not in scopes.enabled"),
                ));
            }
        }
        if self.encryption.algorithm != "AES-256-GCM" {
            return Err(Error::config(
                format!("{at}.encryption.algorithm"),
                format!(
                    "unsupported algorithm `{}`; the only supported value is `AES-256-GCM`",
                    self.encryption.algorithm
                ),
            ));
        }
        for (scope, p) in self.retention.policies.iter() {
            if p.max_age == Some(0) {
                return Err(Error::config(
                    format!("{at}.retention.policies.{scope}.maxAge"),
                    "maxAge must be positive (milliseconds); omit it to keep entries forever",
                ));
            }
            if p.max_size == Some(0) {
                return Err(Error::config(
                    format!("{at}.retention.policies.{scope}.maxSize"),
                    "maxSize must be positive (bytes); omit it for no quota",
                ));
            }
        }
        if self.max_value_size == 0 {
            return Err(Error::config(
                format!("{at}.maxValueSize"),
                "must be positive",
            ));
        }
        Ok(())
    }

    /// The scope used when a call names none.
    pub fn default_scope(&self) -> Scope {
        match self.scopes.default {
            Some(s) => s,
            None if self.scopes.enabled.contains(&Scope::Organization) => Scope::Organization,
            None => self
                .scopes
                .enabled
                .first()
                .copied()
                .unwrap_or(Scope::Session),
        }
    }

    /// Retention for `scope`, with Vallum's default for `ephemeral` (1 hour).
    pub fn retention_for(&self, scope: Scope) -> RetentionPolicy {
        let mut p = self
            .retention
            .policies
            .get(scope)
            .cloned()
            .unwrap_or_default();
        if scope == Scope::Ephemeral && p.max_age.is_none() {
            p.max_age = Some(60 * 60 * 1000);
        }
        p
    }
}

/// `enterpriseMemory.scopes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ScopesConfig {
    /// Enabled scopes (default: all five).
    pub enabled: Vec<Scope>,
    /// Default scope (default: `organization` when enabled, else the first enabled).
    pub default: Option<Scope>,
}

impl Default for ScopesConfig {
    fn default() -> Self {
        Self {
            enabled: Scope::ALL.to_vec(),
            default: None,
        }
    }
}

/// `enterpriseMemory.encryption`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct EncryptionConfig {
    /// Encrypt values unless a call opts out (default true).
    pub enabled: bool,
    /// Must be `AES-256-GCM`.
    pub algorithm: String,
}

impl Default for EncryptionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            algorithm: "AES-256-GCM".into(),
        }
    }
}

/// `enterpriseMemory.synchronization` (accepted now, acted on with sync).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct SyncConfig {
    /// Enable synchronization.
    pub enabled: bool,
    /// Synchronize across devices.
    pub cross_device: bool,
    /// Conflict strategy.
    pub conflict_resolution: ConflictResolution,
}

/// How sync conflicts are resolved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictResolution {
    /// Last writer wins by hybrid logical clock.
    #[default]
    TimestampBased,
    /// Conflicts are kept for the application to resolve.
    Manual,
}

/// `enterpriseMemory.retention`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct RetentionConfig {
    /// Per-scope retention.
    pub policies: RetentionPolicies,
    /// Compress values (before encryption) at or above `compressionThreshold`.
    pub compression: bool,
    /// Vallum extension: smallest value, in bytes, that is compressed (default 1024).
    pub compression_threshold: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            policies: RetentionPolicies::default(),
            compression: false,
            compression_threshold: 1024,
        }
    }
}

/// `enterpriseMemory.retention.policies`: one optional policy per scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct RetentionPolicies {
    /// `session`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<RetentionPolicy>,
    /// `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<RetentionPolicy>,
    /// `organization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<RetentionPolicy>,
    /// `global`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global: Option<RetentionPolicy>,
    /// `ephemeral`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<RetentionPolicy>,
}

impl RetentionPolicies {
    /// The policy of `scope`, if configured.
    pub fn get(&self, scope: Scope) -> Option<&RetentionPolicy> {
        match scope {
            Scope::Session => self.session.as_ref(),
            Scope::User => self.user.as_ref(),
            Scope::Organization => self.organization.as_ref(),
            Scope::Global => self.global.as_ref(),
            Scope::Ephemeral => self.ephemeral.as_ref(),
        }
    }

    /// Sets the policy of `scope`.
    pub fn set(&mut self, scope: Scope, policy: RetentionPolicy) {
        let slot = match scope {
            Scope::Session => &mut self.session,
            Scope::User => &mut self.user,
            Scope::Organization => &mut self.organization,
            Scope::Global => &mut self.global,
            Scope::Ephemeral => &mut self.ephemeral,
        };
        *slot = Some(policy);
    }

    /// The configured (scope, policy) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (Scope, &RetentionPolicy)> {
        Scope::ALL
            .into_iter()
            .filter_map(|s| self.get(s).map(|p| (s, p)))
    }
}

/// Retention of one scope. `maxSize` is a quota per owner (per session, per
/// user, per organization; `global` has one owner).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct RetentionPolicy {
    /// Default time to live of an entry, in milliseconds.
    pub max_age: Option<u64>,
    /// Quota per owner, in stored bytes (key + stored value).
    pub max_size: Option<u64>,
    /// Vallum extension: which entries go first when over quota (default `lru`).
    pub eviction_policy: EvictionPolicy,
}

/// Eviction policy when an owner is over its `maxSize` quota.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvictionPolicy {
    /// Least recently used first (`lru` crate).
    #[default]
    Lru,
    /// TinyLFU (`moka` crate): rarely used entries first; a new entry that is
    /// used less than the entries already held may itself be refused admission.
    Lfu,
}

/// Vallum extension `enterpriseMemory.cache`: the hot cache of decrypted values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct CacheConfig {
    /// Entries held in memory (0 disables the cache). Default 10,000.
    pub max_entries: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
        }
    }
}

/// Vallum extension `enterpriseMemory.storage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct StorageConfig {
    /// `durable` (default): a call returns once its writes are committed
    /// and synced to disk; concurrent calls share commits.
    /// `fast`: a call returns once its writes are applied; they are
    /// committed within `flushIntervalMs` (and on flush and close), so a
    /// crash loses at most that window.
    pub durability: Durability,
    /// `fast` mode: the longest a write waits for its commit, in ms
    /// (default 50, 1 to 10,000).
    pub flush_interval_ms: u64,
    /// The largest the database file may grow, in bytes; writes past it
    /// fail with `storage_error` and change nothing. Default: no limit.
    pub max_bytes: Option<u64>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            durability: Durability::default(),
            flush_interval_ms: 50,
            max_bytes: None,
        }
    }
}

impl StorageConfig {
    /// Checks the ranges serde cannot.
    pub(crate) fn validate(&self, path: &str) -> Result<()> {
        if !(1..=10_000).contains(&self.flush_interval_ms) {
            return Err(Error::config(
                format!("{path}.flushIntervalMs"),
                format!("{} is outside 1 to 10000", self.flush_interval_ms),
            ));
        }
        if self.max_bytes.is_some_and(|m| m < 65_536) {
            return Err(Error::config(
                format!("{path}.maxBytes"),
                "must be at least 65536 (a store needs a few pages)",
            ));
        }
        Ok(())
    }

    /// The SQLite backend's options.
    #[cfg(feature = "sqlite")]
    pub(crate) fn sqlite_options(&self) -> crate::storage::SqliteOptions {
        crate::storage::SqliteOptions::new(self.durability)
            .flush_interval(std::time::Duration::from_millis(self.flush_interval_ms))
            .max_bytes(self.max_bytes)
    }
}
