//! One error type for the whole core, with a stable machine-readable code per
//! variant. Bindings map [`ErrorCode`] to their host's exceptions in one place.
//!
//! Messages say what was wrong and where; they never contain a stored value or
//! key material (DESIGN §7, invariant 1).

use std::fmt;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a Vallum call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is malformed: unknown field, wrong type or an invalid
    /// value. `path` is the JSON path of the offending field (`$.enterpriseMemory.scopes`).
    #[error("invalid configuration at {path}: {message}")]
    InvalidConfig {
        /// JSON path of the field that is wrong.
        path: String,
        /// What is wrong with it.
        message: String,
    },

    /// A policy is malformed: unknown operator or field, bad regex, wrong
    /// value type. `path` is the JSON path inside the policy (`$.conditions[1].operator`).
    #[error("invalid policy at {path}: {message}")]
    InvalidPolicy {
        /// JSON path inside the policy.
        path: String,
        /// What is wrong.
        message: String,
    },

    /// An argument to an API call is not acceptable (empty key, owner id with
    /// control characters, missing owner for a scope that needs one, …).
    #[error("invalid argument `{name}`: {message}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// Why it was rejected.
        message: String,
    },

    /// A value exceeds the configured maximum size for one entry.
    #[error("value of {size} bytes exceeds the limit of {limit} bytes")]
    ValueTooLarge {
        /// Size of the serialized value.
        size: usize,
        /// The configured limit.
        limit: usize,
    },

    /// A write would not fit into the owner's quota even after eviction.
    #[error("quota exceeded for {scope} scope: {message}")]
    QuotaExceeded {
        /// The scope whose quota applies.
        scope: String,
        /// Details.
        message: String,
    },

    /// A stored ciphertext or wrapped key failed authentication: it was
    /// modified, moved to another owner, scope or key name, or its data key was
    /// forgotten. The plaintext is never returned in this case.
    #[error("decryption failed: {context}")]
    DecryptionFailed {
        /// Which object failed (never contains secret material).
        context: String,
    },

    /// The supplied master key is not the key this store was created with.
    /// Nothing was read or written.
    #[error("master key mismatch: {message}")]
    KeyMismatch {
        /// Details (key ids only, never key material).
        message: String,
    },

    /// A master key could not be obtained or has the wrong form.
    #[error("invalid master key: {message}")]
    InvalidKey {
        /// What is wrong with the key (never the key itself).
        message: String,
    },

    /// The storage backend failed (I/O error, locked database, …).
    #[error("storage error: {message}")]
    Storage {
        /// The backend's message.
        message: String,
    },

    /// The storage file is not a Vallum database, is corrupt, or was written
    /// by a newer version of Vallum.
    #[error("corrupt or incompatible store: {message}")]
    CorruptStore {
        /// What was found.
        message: String,
    },

    /// A stored value or import could not be (de)serialized.
    #[error("serialization error: {message}")]
    Serialization {
        /// Details.
        message: String,
    },

    /// The requested item does not exist.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for.
        what: String,
    },

    /// The scope is not enabled in the configuration.
    #[error("scope `{scope}` is not enabled in enterpriseMemory.scopes.enabled")]
    ScopeDisabled {
        /// The disabled scope.
        scope: String,
    },

    /// The model is not in the price catalog and no default price is configured.
    #[error("unknown model `{model}`: add it to the price catalog or configure a default price")]
    UnknownModel {
        /// The model name.
        model: String,
    },

    /// A call was refused because it would take a budget past its limit.
    #[error("budget `{budget}` exceeded: {spent_micros} µ$ spent + {reserved_micros} µ$ reserved + {requested_micros} µ$ requested > limit {limit_micros} µ$")]
    BudgetExceeded {
        /// Budget id.
        budget: String,
        /// Limit in micro-dollars.
        limit_micros: i64,
        /// Spent in the current period.
        spent_micros: i64,
        /// Held by reservations in flight.
        reserved_micros: i64,
        /// The refused estimate.
        requested_micros: i64,
    },

    /// The store is open in another Vallum instance (another process, or
    /// another tab of the same browser profile). One writer per store: the
    /// second opener is refused, nothing was read or written.
    #[error("store locked: {message}")]
    StoreLocked {
        /// Which store, and who holds it when known.
        message: String,
    },

    /// The caller lacks the permission an operation requires (e.g. a write
    /// to the global memory scope without `memory:global:write`).
    #[error("permission denied: {message}")]
    PermissionDenied {
        /// The permission that was missing and for what.
        message: String,
    },

    /// Another writer changed the same state first (a data key was created,
    /// rotated or destroyed elsewhere). Vallum retries these itself; this
    /// error means the retries ran out. Nothing was written; try again.
    #[error("conflict: {message}")]
    Conflict {
        /// What changed underneath the call.
        message: String,
    },

    /// A bug in Vallum (a broken internal invariant or a caught panic).
    #[error("internal error: {message}")]
    Internal {
        /// Details.
        message: String,
    },
}

/// Stable, snake_case codes for every [`Error`] variant. These strings are part
/// of the public contract of every binding and never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// See [`Error::InvalidConfig`].
    InvalidConfig,
    /// See [`Error::InvalidPolicy`].
    InvalidPolicy,
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::ValueTooLarge`].
    ValueTooLarge,
    /// See [`Error::QuotaExceeded`].
    QuotaExceeded,
    /// See [`Error::DecryptionFailed`].
    DecryptionFailed,
    /// See [`Error::KeyMismatch`].
    KeyMismatch,
    /// See [`Error::InvalidKey`].
    InvalidKey,
    /// See [`Error::Storage`].
    Storage,
    /// See [`Error::CorruptStore`].
    CorruptStore,
    /// See [`Error::Serialization`].
    Serialization,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::ScopeDisabled`].
    ScopeDisabled,
    /// See [`Error::UnknownModel`].
    UnknownModel,
    /// See [`Error::BudgetExceeded`].
    BudgetExceeded,
    /// See [`Error::StoreLocked`].
    StoreLocked,
    /// See [`Error::PermissionDenied`].
    PermissionDenied,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::Internal`].
    Internal,
}

impl ErrorCode {
    /// Every code, for bindings that build one exception class per code.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidPolicy,
        ErrorCode::InvalidArgument,
        ErrorCode::ValueTooLarge,
        ErrorCode::QuotaExceeded,
        ErrorCode::DecryptionFailed,
        ErrorCode::KeyMismatch,
        ErrorCode::InvalidKey,
        ErrorCode::Storage,
        ErrorCode::CorruptStore,
        ErrorCode::Serialization,
        ErrorCode::NotFound,
        ErrorCode::ScopeDisabled,
        ErrorCode::UnknownModel,
        ErrorCode::BudgetExceeded,
        ErrorCode::StoreLocked,
        ErrorCode::PermissionDenied,
        ErrorCode::Conflict,
        ErrorCode::Internal,
    ];

    /// The stable string forms of [`ErrorCode::ALL`], in order: the list
    /// every binding exports (`errorCodes()`, `ERROR_CODES`) and tests its
    /// error classes against.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.as_str()).collect()
    }

    /// The code named `name` (its [`ErrorCode::as_str`] form).
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// The stable string form, e.g. `"decryption_failed"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidPolicy => "invalid_policy",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::ValueTooLarge => "value_too_large",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::DecryptionFailed => "decryption_failed",
            ErrorCode::KeyMismatch => "key_mismatch",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::Storage => "storage_error",
            ErrorCode::CorruptStore => "corrupt_store",
            ErrorCode::Serialization => "serialization_error",
            ErrorCode::NotFound => "not_found",
            ErrorCode::ScopeDisabled => "scope_disabled",
            ErrorCode::UnknownModel => "unknown_model",
            ErrorCode::BudgetExceeded => "budget_exceeded",
            ErrorCode::StoreLocked => "store_locked",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Internal => "internal_error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The stable code of this error.
    ///
    /// ```
    /// let err = vallum::Error::NotFound { what: "policy p1".into() };
    /// assert_eq!(err.code().as_str(), "not_found");
    /// ```
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidConfig { .. } => ErrorCode::InvalidConfig,
            Error::InvalidPolicy { .. } => ErrorCode::InvalidPolicy,
            Error::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            Error::ValueTooLarge { .. } => ErrorCode::ValueTooLarge,
            Error::QuotaExceeded { .. } => ErrorCode::QuotaExceeded,
            Error::DecryptionFailed { .. } => ErrorCode::DecryptionFailed,
            Error::KeyMismatch { .. } => ErrorCode::KeyMismatch,
            Error::InvalidKey { .. } => ErrorCode::InvalidKey,
            Error::Storage { .. } => ErrorCode::Storage,
            Error::CorruptStore { .. } => ErrorCode::CorruptStore,
            Error::Serialization { .. } => ErrorCode::Serialization,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::ScopeDisabled { .. } => ErrorCode::ScopeDisabled,
            Error::UnknownModel { .. } => ErrorCode::UnknownModel,
            Error::BudgetExceeded { .. } => ErrorCode::BudgetExceeded,
            Error::StoreLocked { .. } => ErrorCode::StoreLocked,
            Error::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// An `invalid_argument` error naming the argument `name` (for the
    /// bindings' [`crate::api::Wire`]s).
    pub fn invalid_arg(name: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            message: message.into(),
        }
    }

    pub(crate) fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidConfig {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn decryption(context: impl Into<String>) -> Self {
        Error::DecryptionFailed {
            context: context.into(),
        }
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn storage(message: impl fmt::Display) -> Self {
        Error::Storage {
            message: message.to_string(),
        }
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
        }
        assert_eq!(seen.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn config_error_names_path() {
        let e = Error::config("$.enterpriseMemory.scopes.default", "unknown scope `team`");
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert!(e.to_string().contains("$.enterpriseMemory.scopes.default"));
    }
}
