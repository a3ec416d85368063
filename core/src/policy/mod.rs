//! Access decisions (DESIGN §3.5): RBAC and rate limits and quotas. The
//! policy evaluator and threat detection arrive in the same module.

pub mod rate;
pub mod rbac;

pub use rate::{LimitedBy, RateDecision, RateLimitSpec, RateLimiter};
pub use rbac::{ClaimMapping, GroupSpec, Principal, Rbac, RbacSpec, RoleSpec};
