//! The metrics settings of the specification's `enterprisePerformance.alerts`.

use serde::{Deserialize, Serialize};

/// `enterprisePerformance.alerts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct AlertsConfig {
    /// Enabled.
    pub enabled: Option<bool>,
    /// Threshold shorthand.
    pub thresholds: Option<AlertThresholds>,
    /// Vallum extension: alert rules in the spec's `alerting.rules` shape.
    pub rules: Option<Vec<super::AlertRule>>,
}

/// `enterprisePerformance.alerts.thresholds`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct AlertThresholds {
    /// Milliseconds.
    pub response_time: Option<f64>,
    /// Fraction 0..1.
    pub error_rate: Option<f64>,
    /// Fraction 0..1.
    pub resource_usage: Option<f64>,
}
