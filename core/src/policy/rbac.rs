//! Role-based access control: roles → permissions (with wildcards), role
//! inheritance, user groups → roles with cost centers, and identity-provider
//! claims → roles. The spec's YAML `rbac:` block loads as is.
//!
//! Permission patterns: an exact permission (`code:generate`); a prefix
//! wildcard `code:*` or the spec's `code:all` (everything under `code:`);
//! `*` or the spec's `admin:full` (everything).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleSpec {
    /// Permission patterns.
    pub permissions: Vec<String>,
    /// Roles whose permissions this role also has.
    pub inherits: Vec<String>,
    /// Free text.
    pub description: Option<String>,
}

/// One user group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupSpec {
    /// Roles of every member.
    pub roles: Vec<String>,
    /// Cost center charged for members' usage.
    pub cost_center: Option<String>,
}

/// Grants roles to principals whose identity-provider claim has a value
/// (`{claim: "groups", value: "eng-admins", roles: ["admin"]}`); a claim that
/// is a list matches when it contains the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimMapping {
    /// Claim name, e.g. `groups` or `department`.
    pub claim: String,
    /// Value to match.
    pub value: String,
    /// Roles granted.
    pub roles: Vec<String>,
}

/// The `rbac:` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RbacSpec {
    /// Whether RBAC is enforced (a disabled RBAC grants nothing).
    pub enabled: Option<bool>,
    /// Roles by name.
    pub roles: BTreeMap<String, RoleSpec>,
    /// Groups by name.
    pub user_groups: BTreeMap<String, GroupSpec>,
    /// Identity-provider claims → roles.
    pub claim_mappings: Vec<ClaimMapping>,
}

/// Who is asking: an id, directly assigned roles, group memberships and
/// identity-provider claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Principal {
    /// User or service id.
    pub id: String,
    /// Roles assigned directly.
    pub roles: Vec<String>,
    /// Groups the principal belongs to.
    pub groups: Vec<String>,
    /// Claims from the identity provider (OIDC/SAML attributes).
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl Principal {
    /// A principal with an id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
    /// Adds a role.
    pub fn role(mut self, r: impl Into<String>) -> Self {
        self.roles.push(r.into());
        self
    }
    /// Adds a group.
    pub fn group(mut self, g: impl Into<String>) -> Self {
        self.groups.push(g.into());
        self
    }
    /// Adds a claim.
    pub fn claim(mut self, k: impl Into<String>, v: serde_json::Value) -> Self {
        self.claims.insert(k.into(), v);
        self
    }
}

/// A compiled permission pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    All,
    Prefix(String),
    Exact(String),
}

impl Pattern {
    fn parse(p: &str, path: &str) -> Result<Self> {
        if p.is_empty() || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::config(path, format!("`{p}` is not a permission")));
        }
        if p == "*" || p == "admin:full" {
            return Ok(Pattern::All);
        }
        if let Some(prefix) = p.strip_suffix(":*").or_else(|| p.strip_suffix(":all")) {
            return Ok(Pattern::Prefix(format!("{prefix}:")));
        }
        if p.contains('*') {
            return Err(Error::config(
                path,
                format!("`{p}`: `*` is only allowed as the last segment"),
            ));
        }
        Ok(Pattern::Exact(p.to_string()))
    }

    fn grants(&self, permission: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Prefix(p) => permission.starts_with(p.as_str()),
            Pattern::Exact(e) => e == permission,
        }
    }
}

/// Compiled RBAC.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    spec: RbacSpec,
    /// Role → every pattern it grants, inheritance resolved.
    effective: HashMap<String, Vec<Pattern>>,
}

impl Rbac {
    /// Compiles and checks a spec: unknown roles and inheritance cycles are
    /// `invalid_config` errors naming the path.
    pub fn new(spec: RbacSpec) -> Result<Self> {
        let mut effective = HashMap::new();
        for name in spec.roles.keys() {
            let mut patterns = Vec::new();
            let mut stack = vec![(name.clone(), vec![name.clone()])];
            let mut seen = BTreeSet::new();
            while let Some((role, chain)) = stack.pop() {
                if !seen.insert(role.clone()) {
                    continue;
                }
                let r = spec.roles.get(&role).ok_or_else(|| {
                    Error::config(
                        format!("$.rbac.roles.{}.inherits", chain[chain.len() - 2]),
                        format!("unknown role `{role}`"),
                    )
                })?;
                for (i, p) in r.permissions.iter().enumerate() {
                    patterns.push(Pattern::parse(
                        p,
                        &format!("$.rbac.roles.{role}.permissions[{i}]"),
                    )?);
                }
                for parent in &r.inherits {
                    if chain.contains(parent) {
                        return Err(Error::config(
                            format!("$.rbac.roles.{role}.inherits"),
                            format!("inheritance cycle: {} → {parent}", chain.join(" → ")),
                        ));
                    }
                    let mut c = chain.clone();
                    c.push(parent.clone());
                    stack.push((parent.clone(), c));
                }
            }
            effective.insert(name.clone(), patterns);
        }
        for (g, spec_g) in &spec.user_groups {
            for (i, r) in spec_g.roles.iter().enumerate() {
                if !spec.roles.contains_key(r) {
                    return Err(Error::config(
                        format!("$.rbac.user_groups.{g}.roles[{i}]"),
                        format!("unknown role `{r}`"),
                    ));
                }
            }
        }
        for (i, m) in spec.claim_mappings.iter().enumerate() {
            for r in &m.roles {
                if !spec.roles.contains_key(r) {
                    return Err(Error::config(
                        format!("$.rbac.claim_mappings[{i}].roles"),
                        format!("unknown role `{r}`"),
                    ));
                }
            }
        }
        Ok(Self { spec, effective })
    }

    /// Loads YAML with a top-level `rbac:` block (or the block itself).
    pub fn from_yaml(yaml: &str) -> Result<Self> {
        let doc: serde_norway::Value = serde_norway::from_str(yaml)
            .map_err(|e| Error::config("$", format!("not valid YAML: {e}")))?;
        let block = doc.get("rbac").cloned().unwrap_or(doc);
        let json =
            serde_json::to_value(&block).map_err(|e| Error::config("$.rbac", e.to_string()))?;
        let spec: RbacSpec = serde_path_to_error::deserialize(json)
            .map_err(|e| Error::config(format!("$.rbac.{}", e.path()), e.inner().to_string()))?;
        Self::new(spec)
    }

    /// The spec it was built from.
    pub fn spec(&self) -> &RbacSpec {
        &self.spec
    }

    /// Whether RBAC is on (absent `enabled` means on).
    pub fn enabled(&self) -> bool {
        self.spec.enabled != Some(false)
    }

    /// Every role the principal has: direct, through groups and through claims.
    /// Roles unknown to this RBAC are ignored.
    pub fn roles_of(&self, p: &Principal) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = p
            .roles
            .iter()
            .filter(|r| self.spec.roles.contains_key(*r))
            .cloned()
            .collect();
        for g in &p.groups {
            if let Some(gs) = self.spec.user_groups.get(g) {
                out.extend(gs.roles.iter().cloned());
            }
        }
        for m in &self.spec.claim_mappings {
            let hit = match p.claims.get(&m.claim) {
                Some(serde_json::Value::String(s)) => s == &m.value,
                Some(serde_json::Value::Array(a)) => {
                    a.iter().any(|v| v.as_str() == Some(m.value.as_str()))
                }
                _ => false,
            };
            if hit {
                out.extend(m.roles.iter().cloned());
            }
        }
        out
    }

    /// Whether the principal holds `permission`. A disabled RBAC grants nothing.
    pub fn has_permission(&self, p: &Principal, permission: &str) -> bool {
        self.enabled()
            && self
                .roles_of(p)
                .iter()
                .filter_map(|r| self.effective.get(r))
                .any(|ps| ps.iter().any(|pat| pat.grants(permission)))
    }

    /// Whether any of `roles` grants `permission` (for callers that computed
    /// the roles once).
    pub fn roles_grant(&self, roles: &BTreeSet<String>, permission: &str) -> bool {
        self.enabled()
            && roles
                .iter()
                .filter_map(|r| self.effective.get(r))
                .any(|ps| ps.iter().any(|pat| pat.grants(permission)))
    }

    /// Whether the principal has `role` (directly, by group or by claim).
    pub fn has_role(&self, p: &Principal, role: &str) -> bool {
        self.roles_of(p).contains(role)
    }

    /// The cost center of the principal's first group that has one.
    pub fn cost_center(&self, p: &Principal) -> Option<String> {
        p.groups.iter().find_map(|g| {
            self.spec
                .user_groups
                .get(g)
                .and_then(|s| s.cost_center.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
rbac:
  enabled: true
  roles:
    admin:
      permissions:
        - "config:write"
        - "users:manage"
        - "audit:read"
        - "billing:read"
    team_lead:
      permissions:
        - "config:read"
        - "team:manage"
        - "usage:read"
    developer:
      permissions:
        - "models:use"
        - "code:analyze"
        - "code:generate"
  user_groups:
    engineering:
      roles: ["developer", "team_lead"]
      cost_center: "ENG-001"
    architects:
      roles: ["team_lead", "admin"]
      cost_center: "ENG-002"
"#;

    #[test]
    fn the_spec_block_loads_and_groups_grant_roles() {
        let r = Rbac::from_yaml(SPEC).unwrap();
        let dev = Principal::new("alice").group("engineering");
        assert!(r.has_permission(&dev, "code:generate"));
        assert!(r.has_permission(&dev, "team:manage"));
        assert!(!r.has_permission(&dev, "config:write"));
        assert_eq!(r.cost_center(&dev).as_deref(), Some("ENG-001"));
        let arch = Principal::new("bob").group("architects");
        assert!(r.has_permission(&arch, "config:write"));
        assert!(!r.has_permission(&arch, "code:generate"));
        assert!(!r.has_permission(&Principal::new("nobody"), "models:use"));
        assert!(r.has_role(&arch, "admin"));
    }

    #[test]
    fn wildcards_inheritance_and_claims() {
        let yaml = r#"
roles:
  enterprise_admin: {permissions: ["admin:full"]}
  senior_developer: {permissions: ["code:all", "analysis:advanced"], inherits: [developer]}
  developer: {permissions: ["models:use", "docs:*"]}
  auditor: {permissions: ["audit:read"]}
claim_mappings:
  - {claim: groups, value: "sec-team", roles: [auditor]}
  - {claim: department, value: "it", roles: [enterprise_admin]}
"#;
        let r = Rbac::from_yaml(yaml).unwrap();
        let senior = Principal::new("s").role("senior_developer");
        for perm in [
            "code:generate",
            "code:review:deep",
            "models:use",
            "docs:generate",
            "analysis:advanced",
        ] {
            assert!(r.has_permission(&senior, perm), "{perm}");
        }
        assert!(
            !r.has_permission(&senior, "codex:run"),
            "prefix wildcards match whole segments"
        );
        assert!(!r.has_permission(&senior, "billing:read"));
        let sso = Principal::new("c").claim("groups", serde_json::json!(["eng", "sec-team"]));
        assert!(r.has_permission(&sso, "audit:read"));
        let it = Principal::new("d").claim("department", serde_json::json!("it"));
        assert!(r.has_permission(&it, "anything:at:all"));
        assert!(
            !r.has_permission(&Principal::new("e").role("ghost"), "models:use"),
            "unknown roles grant nothing"
        );
    }

    #[test]
    fn bad_specs_are_typed_errors_with_paths() {
        let cases = [
            ("roles: {a: {inherits: [b]}, b: {inherits: [a]}}", "cycle"),
            ("roles: {a: {inherits: [nope]}}", "unknown role `nope`"),
            (
                "roles: {a: {}}\nuser_groups: {g: {roles: [zz]}}",
                "$.rbac.user_groups.g.roles[0]",
            ),
            (
                "roles: {a: {permissions: [\"co*de\"]}}",
                "$.rbac.roles.a.permissions[0]",
            ),
            ("roles: {a: {permisions: []}}", "permisions"),
            ("roles: [1, 2]", "$.rbac.roles"),
            (": : :", "YAML"),
        ];
        for (yaml, needle) in cases {
            let e = Rbac::from_yaml(yaml).unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::InvalidConfig, "{yaml}");
            assert!(e.to_string().contains(needle), "{yaml}: {e}");
        }
        let off = Rbac::from_yaml("enabled: false\nroles: {a: {permissions: ['*']}}").unwrap();
        assert!(!off.has_permission(&Principal::new("x").role("a"), "y"));
    }
}
