#![doc = include_str!("../../README.md")]
#![cfg_attr(not(test), warn(missing_docs))]

pub mod api;
pub mod audit;
mod builder;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod cost;
pub mod crypto;
mod csv;
mod error;
pub mod events;
mod facade;
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
pub mod memory;
pub mod metrics;
pub mod pii;
pub mod policy;
pub mod storage;
mod text;
pub mod vocab;

pub use builder::VallumBuilder;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use config::Config;
#[cfg(not(target_arch = "wasm32"))]
pub use crypto::EnvKeyProvider;
pub use crypto::{KeyProvider, MasterKey};
pub use error::{Error, ErrorCode, Result};
pub use events::{Event, EventKind, Subscription};
pub use facade::Vallum;
pub use memory::{Context, Entry, Memory, Scope, SearchQuery, SetOptions, Subject};

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
