//! The five memory scopes and the request context that names their owners.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A memory scope. Every scope but `global` belongs to an owner; `ephemeral`
/// is never persisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One conversation or browser session of one user.
    Session,
    /// One authenticated user, across sessions.
    User,
    /// Shared by every user of one organization.
    Organization,
    /// System-wide, shared by all organizations.
    Global,
    /// Short-lived, in-process only (default time to live: 1 hour).
    Ephemeral,
}

impl Scope {
    /// All scopes, in declaration order.
    pub const ALL: [Scope; 5] = [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Global,
        Scope::Ephemeral,
    ];

    /// The order in which `resolve` looks a key up: most specific first.
    pub const RESOLVE_ORDER: [Scope; 4] = [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Global,
    ];

    /// The lowercase name used in configuration and storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Session => "session",
            Scope::User => "user",
            Scope::Organization => "organization",
            Scope::Global => "global",
            Scope::Ephemeral => "ephemeral",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Result<Self> {
        Scope::ALL
            .into_iter()
            .find(|sc| sc.as_str() == s)
            .ok_or_else(|| {
                Error::invalid_arg(
                    "scope",
                    format!(
                        "unknown scope `{s}`; expected session, user, organization, global or ephemeral"
                    ),
                )
            })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Separates the parts of a composite owner id in storage. Ids may not
/// contain control characters, so the encoding is unambiguous and the owners
/// below one prefix form one contiguous key range.
pub(crate) const SEP: char = '\u{1f}';

/// The permission a context needs to write the global memory scope, which
/// every organization reads through `resolve`.
pub const GLOBAL_WRITE: &str = "memory:global:write";

/// Entry keys starting with this prefix hold Vallum's own state (a session's
/// PII vault): no memory call accepts them.
pub const RESERVED_PREFIX: &str = "vallum.";

/// Who is asking: the organization, and optionally the user and session.
/// Every memory call takes a context, and the owner of each scope is derived
/// from it — a caller can name a key, never another tenant's owner id.
///
/// Permissions are granted by the host (the trusted party that built the
/// context from an authenticated identity), never by the request itself;
/// the one Vallum checks is [`GLOBAL_WRITE`].
///
/// ```
/// let ctx = vallum::Context::new("acme").with_user("alice").with_session("s-1");
/// assert_eq!(ctx.organization(), "acme");
/// let admin = vallum::Context::new("platform").with_permission(vallum::memory::GLOBAL_WRITE);
/// assert!(admin.has_permission("memory:global:write"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    organization: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    session: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    permissions: Vec<String>,
}

impl Context {
    /// A context for `organization` with no user or session.
    pub fn new(organization: impl Into<String>) -> Self {
        Self {
            organization: organization.into(),
            user: None,
            session: None,
            permissions: Vec::new(),
        }
    }

    /// Grants a permission (e.g. [`GLOBAL_WRITE`]) to this context.
    pub fn with_permission(mut self, permission: impl Into<String>) -> Self {
        let p = permission.into();
        if !self.permissions.contains(&p) {
            self.permissions.push(p);
        }
        self
    }

    /// Whether the context holds `permission`, exactly or through a
    /// wildcard grant (`memory:*`, `*`).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| {
            p == permission
                || p == "*"
                || p.strip_suffix('*')
                    .is_some_and(|prefix| prefix.ends_with(':') && permission.starts_with(prefix))
        })
    }

    /// The permissions granted to this context.
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }

    /// Adds the user id.
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Adds the session id.
    pub fn with_session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// The organization id.
    pub fn organization(&self) -> &str {
        &self.organization
    }

    /// The user id, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The session id, if any.
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    pub(crate) fn validate(&self) -> Result<()> {
        check_id("organization", &self.organization)?;
        if let Some(u) = &self.user {
            check_id("user", u)?;
        }
        if let Some(s) = &self.session {
            check_id("session", s)?;
        }
        Ok(())
    }

    /// The storage owner of `scope` for this context.
    pub(crate) fn owner(&self, scope: Scope) -> Result<String> {
        self.validate()?;
        let org = &self.organization;
        let user = self.user.as_deref().unwrap_or("");
        Ok(match scope {
            Scope::Global => String::new(),
            Scope::Organization => org.clone(),
            Scope::User => match &self.user {
                Some(u) => format!("{org}{SEP}{u}"),
                None => {
                    return Err(Error::invalid_arg(
                        "context",
                        "the user scope needs a user id in the context",
                    ))
                }
            },
            Scope::Session => match &self.session {
                Some(s) => format!("{org}{SEP}{user}{SEP}{s}"),
                None => {
                    return Err(Error::invalid_arg(
                        "context",
                        "the session scope needs a session id in the context",
                    ))
                }
            },
            // Ephemeral data belongs to the most specific owner in the context.
            Scope::Ephemeral => match (&self.user, &self.session) {
                (_, Some(s)) => format!("{org}{SEP}{user}{SEP}{s}"),
                (Some(u), None) => format!("{org}{SEP}{u}"),
                (None, None) => org.clone(),
            },
        })
    }

    /// The storage owner that roots `subject`'s tree, for export and forget.
    pub(crate) fn subject_root(&self, subject: Subject) -> Result<String> {
        match subject {
            Subject::Organization => self.owner(Scope::Organization),
            Subject::User => self.owner(Scope::User),
            Subject::Session => self.owner(Scope::Session),
        }
    }
}

/// Whose data an `export` or `forget` covers. A user's data includes the
/// user's sessions; an organization's includes all its users and sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// The context's session.
    Session,
    /// The context's user and all of the user's sessions.
    User,
    /// The context's organization, its users and their sessions.
    Organization,
}

/// Splits a composite storage owner back into its parts for events and exports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRef {
    /// Organization id (absent for `global`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// User id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

impl OwnerRef {
    pub(crate) fn parse(owner: &str) -> Self {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let mut parts = owner.split(SEP);
        OwnerRef {
            organization: parts.next().and_then(non_empty),
            user: parts.next().and_then(non_empty),
            session: parts.next().and_then(non_empty),
        }
    }
}

pub(crate) const MAX_ID_LEN: usize = 256;
pub(crate) const MAX_KEY_LEN: usize = 1024;

fn check_id(name: &'static str, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid_arg(name, "must not be empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::invalid_arg(
            name,
            format!("is {} bytes; at most {MAX_ID_LEN} are allowed", id.len()),
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid_arg(
            name,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Keys a caller may use: [`check_key`], and not under [`RESERVED_PREFIX`].
pub(crate) fn check_user_key(key: &str) -> Result<()> {
    if key.starts_with(RESERVED_PREFIX) {
        return Err(Error::invalid_arg(
            "key",
            format!("keys starting with `{RESERVED_PREFIX}` are reserved for Vallum's own state"),
        ));
    }
    check_key(key)
}

/// Entry keys: non-empty, at most 1 KiB, no control characters.
pub(crate) fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_arg("key", "must not be empty"));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(Error::invalid_arg(
            "key",
            format!("is {} bytes; at most {MAX_KEY_LEN} are allowed", key.len()),
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(Error::invalid_arg(
            "key",
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_namespaced_by_organization() {
        let a = Context::new("acme").with_user("alice").with_session("s");
        let b = Context::new("beta").with_user("alice").with_session("s");
        for scope in [
            Scope::Session,
            Scope::User,
            Scope::Organization,
            Scope::Ephemeral,
        ] {
            assert_ne!(a.owner(scope).unwrap(), b.owner(scope).unwrap(), "{scope}");
        }
        assert_eq!(a.owner(Scope::Global).unwrap(), "");
    }

    #[test]
    fn missing_parts_are_typed_errors() {
        let ctx = Context::new("acme");
        assert_eq!(
            ctx.owner(Scope::User).unwrap_err().code(),
            crate::error::ErrorCode::InvalidArgument
        );
        assert!(ctx.owner(Scope::Session).is_err());
        assert!(Context::new("").owner(Scope::Organization).is_err());
        assert!(Context::new("a\u{1f}b").owner(Scope::Organization).is_err());
        assert!(check_key("").is_err());
        assert!(check_key(&"k".repeat(MAX_KEY_LEN + 1)).is_err());
        assert!(check_key("a\nb").is_err());
        assert!(check_key("prefs.theme").is_ok());
    }

    #[test]
    fn owner_ref_round_trip() {
        let ctx = Context::new("acme").with_user("alice").with_session("s1");
        let r = OwnerRef::parse(&ctx.owner(Scope::Session).unwrap());
        assert_eq!(r.organization.as_deref(), Some("acme"));
        assert_eq!(r.user.as_deref(), Some("alice"));
        assert_eq!(r.session.as_deref(), Some("s1"));
        let anon = Context::new("acme").with_session("s2");
        let r = OwnerRef::parse(&anon.owner(Scope::Session).unwrap());
        assert_eq!(r.user, None);
        assert_eq!(r.session.as_deref(), Some("s2"));
    }

    #[test]
    fn scope_names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()).unwrap(), s);
        }
        assert!(Scope::parse("team").is_err());
    }
}
