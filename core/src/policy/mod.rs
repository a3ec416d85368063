//! Access decisions (DESIGN §3.5): policies and their compiled evaluator,
//! RBAC, rate limits and quotas, and threat detection.

pub mod engine;
pub mod model;
pub mod rate;
pub mod rbac;
pub mod threats;

pub use engine::{Decision, Effect, MatchedPolicy, PolicyEngine, PolicyError, PolicySettings};
pub use model::{Action, ActionType, Condition, ConditionType, MatchMode, Operator, Policy};
pub use rate::{LimitedBy, RateDecision, RateLimitSpec, RateLimiter};
pub use rbac::{ClaimMapping, GroupSpec, Principal, Rbac, RbacSpec, RoleSpec};
pub use threats::{
    ThreatDetector, ThreatFinding, ThreatKind, ThreatRecord, ThreatScan, ThreatSummary,
};
