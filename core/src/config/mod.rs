//! Configuration in the specification's `AICopilotConfig` JSON shape
//! (spec 001, "Complete Enterprise Configuration").
//!
//! Every object rejects unknown fields, and every error names the JSON path of
//! the field that is wrong (`$.enterpriseMemory.retention.policies.session.maxAge`).
//! Which keys Vallum acts on and which it accepts for the host is listed in
//! `docs/config.md`. Field names are camelCase, exactly as in the spec.

pub(crate) mod assemble;
mod sections;
mod validate;

pub use validate::{
    create_enterprise_config, migrate, validate_json, validate_value, ConfigIssue, Validation,
};

pub use crate::memory::{
    CacheConfig, ConflictResolution, EncryptionConfig, EvictionPolicy, MemoryConfig,
    RetentionConfig, RetentionPolicies, RetentionPolicy, ScopesConfig, StorageConfig, SyncConfig,
};
pub use crate::metrics::{AlertThresholds, AlertsConfig};
pub use crate::policy::Sensitivity;
pub use crate::storage::Durability;
pub use sections::{
    AnalyticsConfig, ApiAuthentication, ApiConfig, AuditConfig, ComplianceConfig, DashboardConfig,
    EnterpriseConfig, IntegrationsConfig, MonitoringConfig, OptimizationConfig, PerformanceConfig,
    PiiProtectionConfig, RateLimitConfig, ReportingConfig, RetryPolicy, SecurityConfig,
    SecurityPolicies, SsoConfig, ThreatDetectionConfig, WebhookConfig,
};

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The whole configuration: the spec's `AICopilotConfig`.
///
/// ```
/// let cfg = vallum::Config::from_json_str(r#"{
///     "name": "Assistant",
///     "enterpriseMemory": { "scopes": { "enabled": ["session", "user"], "default": "user" } }
/// }"#).unwrap();
/// assert_eq!(cfg.name.as_deref(), Some("Assistant"));
///
/// let err = vallum::Config::from_json_str(r#"{"enterpriseMemory": {"scopez": {}}}"#).unwrap_err();
/// assert_eq!(err.code().as_str(), "invalid_config");
/// assert!(err.to_string().contains("$.enterpriseMemory.scopez"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Config {
    /// Display name of the copilot.
    pub name: Option<String>,
    /// URL-safe identifier.
    pub slug: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Greeting shown by the host UI.
    pub first_message: Option<String>,
    /// Path of the embedded SQLite database. Vallum opens it when the builder
    /// is not given a path of its own.
    pub database_path: Option<String>,
    /// CSS selector where the host UI mounts (host concern).
    pub embed_location: Option<String>,
    /// LLM provider name (host concern; cost tracking reads `model`).
    pub model_provider: Option<String>,
    /// Default model.
    pub model: Option<String>,
    /// System prompt (host concern).
    pub system_prompt: Option<String>,
    /// `enterpriseSecurity`.
    pub enterprise_security: Option<SecurityConfig>,
    /// `enterprisePerformance`.
    pub enterprise_performance: Option<PerformanceConfig>,
    /// `enterpriseMemory`: scopes, encryption, retention.
    pub enterprise_memory: Option<MemoryConfig>,
    /// `enterprise`: dashboard, reporting, integrations, compliance.
    pub enterprise: Option<EnterpriseConfig>,
    /// Vallum extension `costManagement`: time zone, budgets, prices.
    pub cost_management: Option<crate::cost::CostConfig>,
    /// Vallum extension `guard`: stages and thresholds of the guard pipeline.
    pub guard: Option<crate::guard::GuardConfig>,
}

impl Config {
    /// Parses and validates a JSON document.
    pub fn from_json_str(json: &str) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::config("$", format!("not valid JSON: {e}")))?;
        Self::from_value(value)
    }

    /// Parses and validates an already parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self> {
        if !value.is_object() {
            return Err(Error::config(
                "$",
                "the configuration must be a JSON object",
            ));
        }
        let cfg: Config = serde_path_to_error::deserialize(value).map_err(path_error)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads, parses and validates a JSON file.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(
                "$",
                format!("cannot read config file {}: {e}", path.display()),
            )
        })?;
        Self::from_json_str(&text)
    }

    /// The configuration as JSON, without unset fields; it parses back to
    /// an equal `Config`.
    pub fn to_json_value(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        validate::strip_nulls(&mut v);
        v
    }

    /// Every error in this configuration with its path (see [`validate_value`]).
    pub fn check(&self) -> Validation {
        validate_value(&self.to_json_value())
    }

    /// The memory section, or its defaults.
    pub fn memory(&self) -> MemoryConfig {
        self.enterprise_memory.clone().unwrap_or_default()
    }

    /// Checks the constraints that the JSON types alone cannot express.
    pub fn validate(&self) -> Result<()> {
        if let Some(m) = &self.enterprise_memory {
            m.validate("$.enterpriseMemory")?;
        }
        Ok(())
    }
}

fn path_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> Error {
    let path = err.path().to_string();
    let path = if path == "." || path.is_empty() {
        "$".to_string()
    } else {
        format!("$.{path}")
    };
    // serde_json appends " at line N column M", which is noise next to the path.
    let msg = err.inner().to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    Error::config(path, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn err_of(json: &str) -> (String, String) {
        match Config::from_json_str(json) {
            Err(Error::InvalidConfig { path, message }) => (path, message),
            other => panic!("expected invalid_config, got {other:?}"),
        }
    }

    #[test]
    fn unknown_top_level_field_names_its_path() {
        let (path, msg) = err_of(r#"{"name":"x","nmae":"y"}"#);
        assert_eq!(path, "$.nmae");
        assert!(msg.contains("unknown field `nmae`"), "{msg}");
    }

    #[test]
    fn wrong_type_names_nested_path() {
        let (path, msg) = err_of(
            r#"{"enterpriseMemory":{"retention":{"policies":{"session":{"maxAge":"8h"}}}}}"#,
        );
        assert_eq!(path, "$.enterpriseMemory.retention.policies.session.maxAge");
        assert!(msg.contains("invalid type"), "{msg}");
    }

    #[test]
    fn unknown_scope_in_list_names_index() {
        let (path, msg) =
            err_of(r#"{"enterpriseMemory":{"scopes":{"enabled":["session","team"]}}}"#);
        assert_eq!(path, "$.enterpriseMemory.scopes.enabled[1]");
        assert!(msg.contains("team"), "{msg}");
    }

    #[test]
    fn default_scope_must_be_enabled() {
        let (path, _) = err_of(
            r#"{"enterpriseMemory":{"scopes":{"enabled":["session"],"default":"organization"}}}"#,
        );
        assert_eq!(path, "$.enterpriseMemory.scopes.default");
    }

    #[test]
    fn unsupported_algorithm_rejected() {
        let (path, msg) =
            err_of(r#"{"enterpriseMemory":{"encryption":{"enabled":true,"algorithm":"DES"}}}"#);
        assert_eq!(path, "$.enterpriseMemory.encryption.algorithm");
        assert!(msg.contains("AES-256-GCM"), "{msg}");
    }

    #[test]
    fn syntax_error_is_invalid_config() {
        let e = Config::from_json_str("{").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        let e = Config::from_json_str("[]").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        let e = Config::from_json_str("{} trailing").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
    }

    #[test]
    fn from_value_matches_from_str() {
        let v = serde_json::json!({"enterpriseMemory": {"scopes": {"enabled": ["bogus"]}}});
        match Config::from_value(v) {
            Err(Error::InvalidConfig { path, .. }) => {
                assert_eq!(path, "$.enterpriseMemory.scopes.enabled[0]")
            }
            other => panic!("{other:?}"),
        }
    }
}
