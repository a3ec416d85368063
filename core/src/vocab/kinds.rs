//! The words every layer shares: outcomes, stages, severities and threats.

use serde::{Deserialize, Serialize};

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Permitted.
    Allow,
    /// Needs more proof.
    Challenge,
    /// Refused.
    Deny,
}

/// Alert severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Low,
    /// Needs attention.
    Medium,
    /// Needs attention now.
    High,
    /// Service is failing.
    Critical,
}

/// A stage of the prompt pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The rate limit.
    RateLimit,
    /// RBAC permission and security policies.
    Policy,
    /// The threat scan.
    Threats,
    /// PII detection and masking.
    Pii,
    /// Budget reservation.
    Budget,
    /// The audit record and metrics.
    Audit,
}

impl Stage {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RateLimit => "rate_limit",
            Stage::Policy => "policy",
            Stage::Threats => "threats",
            Stage::Pii => "pii",
            Stage::Budget => "budget",
            Stage::Audit => "audit",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatKind {
    /// Instructions that try to override the system's.
    PromptInjection,
    /// Role-play and "no rules" jailbreaks.
    Jailbreak,
    /// Attempts to read the system prompt or hidden instructions.
    SystemPromptExtraction,
    /// Zero-width, tag or bidi-control characters.
    InvisibleUnicode,
    /// Credentials in the text.
    LeakedSecret,
    /// Links or images that carry data out in their URL.
    ExfiltrationLink,
    /// Very long input or heavy repetition.
    AbnormalInput,
    /// Long base64 or hex runs.
    EncodedBlob,
    /// Reported by the host.
    Other,
}

/// A threat reported by the host or recorded from a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreatRecord {
    /// Id (assigned).
    #[serde(default)]
    pub id: String,
    /// Kind.
    pub kind: ThreatKind,
    /// Severity.
    pub severity: Severity,
    /// Where it came from (user id, endpoint, …).
    #[serde(default)]
    pub source: String,
    /// Free text (no prompt content).
    #[serde(default)]
    pub description: String,
    /// When (ms; assigned).
    #[serde(default)]
    pub timestamp: i64,
}
