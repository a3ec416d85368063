//! Vallum's wasm binding. It only converts types and errors; all logic lives in
//! the `vallum` core crate. The real binding arrives with its own issue; until
//! then this crate re-exports the core so the workspace builds end to end.

pub use vallum::{Error, ErrorCode, Vallum};

/// The version of the core this binding was built against.
pub fn core_version() -> &'static str {
    vallum::VERSION
}
