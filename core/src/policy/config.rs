//! The threat-detection settings of `enterpriseSecurity.threatDetection`.

use serde::{Deserialize, Serialize};

/// Threat detection sensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Only high-confidence markers.
    Low,
    /// The default.
    Medium,
    /// Also weak markers.
    High,
}
