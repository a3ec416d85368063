//! The `enterpriseSecurity`, `enterprisePerformance` and `enterprise` sections.
//! They are parsed strictly now (unknown fields are errors) so a typo is caught
//! at load time; the modules that act on them arrive with their own issues.

use crate::metrics::AlertsConfig;
use crate::policy::Sensitivity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! section {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields, default)]
        #[non_exhaustive]
        pub struct $name { $($(#[$fm])* pub $field: $ty),* }
    };
}

section!(
    /// `enterpriseSecurity`.
    SecurityConfig {
        /// Master switch.
        enabled: Option<bool>,
        /// `threatDetection`.
        threat_detection: Option<ThreatDetectionConfig>,
        /// `policies`.
        policies: Option<SecurityPolicies>,
        /// `audit`.
        audit: Option<AuditConfig>,
        /// `piiProtection`.
        pii_protection: Option<PiiProtectionConfig>,
        /// Vallum extension: the spec's `rbac:` block (roles, user_groups,
        /// claim_mappings) in JSON form.
        rbac: Option<crate::policy::RbacSpec>,
        /// Vallum extension: named rate limits and quotas.
        rate_limits: Option<BTreeMap<String, crate::policy::RateLimitSpec>>,
        /// Vallum extension: security policies in the spec's `SecurityPolicy` shape.
        policy_rules: Option<Vec<serde_json::Value>>,
        /// Vallum extension: effect when no policy decides (`allow` by default).
        default_effect: Option<crate::policy::Effect>,
    }
);

section!(
    /// `enterpriseSecurity.threatDetection`.
    ThreatDetectionConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// `low`, `medium` or `high`.
        sensitivity: Option<Sensitivity>,
        /// Emit events as threats are found.
        real_time_monitoring: Option<bool>,
    }
);

section!(
    /// `enterpriseSecurity.policies`.
    SecurityPolicies {
        /// Groups allowed to access data.
        data_access: Option<Vec<String>>,
        /// Role → permissions.
        user_permissions: Option<BTreeMap<String, Vec<String>>>,
        /// Compliance frameworks to check (`gdpr`, `hipaa`, …).
        compliance_framework: Option<Vec<String>>,
    }
);

section!(
    /// `enterpriseSecurity.audit`.
    AuditConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// Retention in days (e.g. 2555 = 7 years).
        retention: Option<u32>,
        /// Emit events for audit records.
        real_time_alerts: Option<bool>,
    }
);

section!(
    /// `enterpriseSecurity.piiProtection`.
    PiiProtectionConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// Detect automatically.
        auto_detection: Option<bool>,
        /// Named masking rules (`email-masking`, `ssn-encryption`, …).
        masking_rules: Option<Vec<String>>,
        /// Mask automatically in the guard pipeline.
        auto_masking: Option<bool>,
        /// Vallum extension: entities to detect (default: all).
        entities: Option<Vec<String>>,
        /// Vallum extension: findings below this score are dropped (default 0.4).
        score_threshold: Option<f32>,
        /// Vallum extension: values never reported.
        allow_list: Option<Vec<String>>,
        /// Vallum extension: entity → values always reported.
        deny_list: Option<BTreeMap<String, Vec<String>>>,
        /// Custom recognizers (`{type, pattern, confidence, context, jurisdiction}`).
        custom_patterns: Option<Vec<crate::pii::CustomPattern>>,
        /// Vallum extension: context-word window and boost.
        context: Option<crate::pii::ContextSettings>,
        /// Vallum extension: regions of national phone formats.
        phone_regions: Option<Vec<crate::pii::Region>>,
        /// Vallum extension: phone strictness 0–3 (default 1).
        phone_leniency: Option<u8>,
        /// Vallum extension: a failed check digit always rejects (default false).
        strict_checksums: Option<bool>,
        /// Vallum extension: entity → operator.
        operators: Option<BTreeMap<String, crate::pii::Operator>>,
        /// Vallum extension: operator for entities without one (default `replace`).
        default_operator: Option<crate::pii::Operator>,
        /// Vallum extension: entity → classification level.
        classification: Option<BTreeMap<String, crate::pii::Classification>>,
    }
);

section!(
    /// `enterprisePerformance`.
    PerformanceConfig {
        /// `monitoring`.
        monitoring: Option<MonitoringConfig>,
        /// `optimization` (host concern).
        optimization: Option<OptimizationConfig>,
        /// `alerts`.
        alerts: Option<AlertsConfig>,
        /// `analytics`.
        analytics: Option<AnalyticsConfig>,
        /// Vallum extension: metric bucket size and retention.
        metrics: Option<crate::metrics::MetricsSettings>,
    }
);

section!(
    /// `enterprisePerformance.monitoring`.
    MonitoringConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// Collect metrics.
        metrics_collection: Option<bool>,
        /// Live dashboard.
        real_time_dashboard: Option<bool>,
    }
);

section!(
    /// `enterprisePerformance.optimization`.
    OptimizationConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// Host concern.
        auto_scaling: Option<bool>,
        /// Caching.
        caching: Option<bool>,
    }
);

section!(
    /// `enterprisePerformance.analytics`.
    AnalyticsConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// User journeys.
        user_journey_tracking: Option<bool>,
        /// Custom metrics.
        custom_metrics: Option<bool>,
    }
);

section!(
    /// `enterprise`.
    EnterpriseConfig {
        /// `dashboard`.
        dashboard: Option<DashboardConfig>,
        /// `reporting`.
        reporting: Option<ReportingConfig>,
        /// `integrations`.
        integrations: Option<IntegrationsConfig>,
        /// `compliance`.
        compliance: Option<ComplianceConfig>,
    }
);

section!(
    /// `enterprise.dashboard`.
    DashboardConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// Live updates.
        real_time_updates: Option<bool>,
        /// Custom widgets.
        custom_widgets: Option<bool>,
    }
);

section!(
    /// `enterprise.reporting` (delivery is a host concern).
    ReportingConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// `daily`, `weekly`, …
        schedule: Option<String>,
        /// Recipients.
        recipients: Option<Vec<String>>,
    }
);

section!(
    /// `enterprise.integrations`.
    IntegrationsConfig {
        /// Webhooks.
        webhooks: Option<Vec<WebhookConfig>>,
        /// SSO (host concern).
        sso: Option<SsoConfig>,
        /// API.
        api: Option<ApiConfig>,
    }
);

section!(
    /// One webhook.
    WebhookConfig {
        /// Identifier.
        id: Option<String>,
        /// Target URL.
        url: Option<String>,
        /// Event names.
        events: Option<Vec<String>>,
        /// Signing secret.
        secret: Option<String>,
        /// Enabled.
        enabled: Option<bool>,
        /// Retries.
        retry_policy: Option<RetryPolicy>,
    }
);

section!(
    /// Webhook retries.
    RetryPolicy {
        /// Attempts after the first.
        max_retries: Option<u32>,
        /// Base backoff.
        backoff_ms: Option<u64>,
    }
);

section!(
    /// `enterprise.integrations.sso`.
    SsoConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// `oauth`, `saml`, `oidc`.
        provider: Option<String>,
        /// Provider settings, kept as given.
        settings: Option<BTreeMap<String, serde_json::Value>>,
    }
);

section!(
    /// `enterprise.integrations.api`.
    ApiConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// API version.
        version: Option<String>,
        /// `{requests, window}` (window in seconds).
        rate_limit: Option<RateLimitConfig>,
        /// Authentication.
        authentication: Option<ApiAuthentication>,
    }
);

section!(
    /// `rateLimit`.
    RateLimitConfig {
        /// Requests per window.
        requests: Option<u64>,
        /// Window in seconds.
        window: Option<u64>,
    }
);

section!(
    /// `authentication`.
    ApiAuthentication {
        /// Required.
        required: Option<bool>,
        /// Methods, e.g. `bearer`.
        methods: Option<Vec<String>>,
    }
);

section!(
    /// `enterprise.compliance`.
    ComplianceConfig {
        /// Enabled.
        enabled: Option<bool>,
        /// Frameworks.
        frameworks: Option<Vec<String>>,
        /// Host concern.
        auto_remediation: Option<bool>,
    }
);
