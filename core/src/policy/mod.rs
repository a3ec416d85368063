//! Access decisions (DESIGN §3.5): policies and their compiled evaluator,
//! RBAC, rate limits and quotas, and threat detection.

mod config;
pub mod engine;
pub mod model;
pub mod rate;
pub mod rbac;
pub mod threats;

pub use crate::vocab::Effect;
pub use config::Sensitivity;
pub use engine::{Decision, MatchedPolicy, PolicyEngine, PolicyError, PolicySettings};
pub use model::{Action, ActionType, Condition, ConditionType, MatchMode, Operator, Policy};
pub use rate::{LimitedBy, RateDecision, RateLimitSpec, RateLimiter};
pub use rbac::{ClaimMapping, GroupSpec, Principal, Rbac, RbacSpec, RoleSpec};
pub use threats::{
    ThreatDetector, ThreatFinding, ThreatKind, ThreatRecord, ThreatScan, ThreatSummary,
};
