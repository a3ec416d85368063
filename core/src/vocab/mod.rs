//! Floor 0: the vocabulary every layer speaks — scopes and the request
//! context that names their owners, outcomes, stages, severities, threats
//! and periods. It imports nothing of Vallum but `error`, so storage,
//! crypto, events and audit can use these words without reaching up into
//! the domains that act on them.

mod kinds;
mod period;
mod scope;
mod zone;

pub use kinds::{Effect, Severity, Stage, ThreatKind, ThreatRecord};
pub use period::Period;
pub(crate) use scope::{check_key, check_user_key};
pub use scope::{Context, OwnerRef, Scope, Subject, GLOBAL_WRITE, RESERVED_PREFIX};
pub use zone::Zone;
pub use zone::{set_zone_source, ZoneSource};
