//! Compliance reports (DESIGN §3.9): for GDPR, HIPAA, SOX, PCI DSS and SOC 2,
//! the controls this SDK can see in its own process — encryption at rest,
//! retention, audit log on and verifying, audit retention, access control,
//! erasure and export, unencrypted values, key rotation, threat detection.
//! A report states what it checked; it does not certify an organisation.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// A framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    /// EU General Data Protection Regulation.
    Gdpr,
    /// US Health Insurance Portability and Accountability Act.
    Hipaa,
    /// Sarbanes-Oxley.
    Sox,
    /// Payment Card Industry Data Security Standard.
    PciDss,
    /// SOC 2 (Trust Services Criteria).
    Soc2,
}

impl Framework {
    /// Parses `gdpr`, `hipaa`, `sox`, `pci_dss` (or `pci-dss`, `pcidss`, `pci`), `soc2` (or `soc_2`, `soc-2`), any case.
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "gdpr" => Ok(Self::Gdpr),
            "hipaa" => Ok(Self::Hipaa),
            "sox" => Ok(Self::Sox),
            "pci_dss" | "pcidss" | "pci" => Ok(Self::PciDss),
            "soc2" | "soc_2" => Ok(Self::Soc2),
            other => Err(Error::invalid_arg(
                "framework",
                format!("`{other}` is not gdpr, hipaa, sox, pci_dss or soc2"),
            )),
        }
    }

    /// Audit records must be kept at least this many days (None: no minimum).
    fn audit_retention_days(self) -> Option<u32> {
        match self {
            Framework::Sox => Some(2555),   // 7 years
            Framework::Hipaa => Some(2190), // 6 years
            Framework::PciDss => Some(365), // 1 year (10.5.1)
            Framework::Soc2 => Some(365),
            Framework::Gdpr => None,
        }
    }
}

/// What the SDK observed, gathered by `Vallum::compliance_check`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// `enterpriseMemory.encryption.enabled`.
    pub encryption_enabled: bool,
    /// Entries stored without encryption.
    pub unencrypted_entries: u64,
    /// Scopes with a `maxAge`.
    pub scopes_with_retention: Vec<String>,
    /// Audit on.
    pub audit_enabled: bool,
    /// `Some(true)` when the log verified, `Some(false)` when broken, `None` when off.
    pub audit_verified: Option<bool>,
    /// Audit records.
    pub audit_records: u64,
    /// Configured audit retention in days.
    pub audit_retention_days: u32,
    /// Roles defined in RBAC (0: no role-based access control).
    pub rbac_roles: usize,
    /// Policies loaded.
    pub policies: usize,
    /// Rate limits configured.
    pub rate_limits: usize,
    /// Threat detection on.
    pub threat_detection: bool,
    /// Days since the last master-key rotation recorded in the audit log.
    pub days_since_key_rotation: Option<i64>,
    /// Days the store has been audited (age of the first audit record).
    pub audit_age_days: Option<i64>,
    /// `enterpriseSecurity.piiProtection` enabled.
    pub pii_protection_configured: bool,
    /// Whether this build has the PII masking module.
    pub pii_module_available: bool,
}

/// Control status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The control holds.
    Pass,
    /// The control does not hold.
    Fail,
    /// The SDK cannot check it here (not counted in the score).
    NotChecked,
}

/// One control's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Control id, e.g. `encryption_at_rest`.
    pub control: String,
    /// The framework's reference.
    pub reference: String,
    /// Status.
    pub status: Status,
    /// What was observed.
    pub evidence: String,
    /// What to do when it fails.
    pub remediation: String,
}

/// A compliance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceReport {
    /// Framework.
    pub framework: Framework,
    /// When (ms).
    pub generated_at: i64,
    /// `passed / (passed + failed)`, 0–100.
    pub score: u8,
    /// Controls passed.
    pub passed: u32,
    /// Controls failed.
    pub failed: u32,
    /// One entry per control checked.
    pub findings: Vec<Finding>,
    /// What this report is and is not.
    pub scope: String,
}

const SCOPE: &str = "Checks the controls the Vallum SDK can observe in this process (its configuration, its store and its audit log). It is evidence for an assessment, not a certification of compliance; organisational, physical and infrastructure controls are out of its view.";

fn finding(
    control: &str,
    reference: &str,
    ok: Option<bool>,
    evidence: String,
    remediation: &str,
) -> Finding {
    Finding {
        control: control.into(),
        reference: reference.into(),
        status: match ok {
            Some(true) => Status::Pass,
            Some(false) => Status::Fail,
            None => Status::NotChecked,
        },
        evidence,
        remediation: if ok == Some(true) {
            String::new()
        } else {
            remediation.into()
        },
    }
}

/// Evaluates `framework` over `e`.
pub fn evaluate(framework: Framework, e: &Evidence, now: i64) -> ComplianceReport {
    use Framework::*;
    let refs = |g: &str, h: &str, x: &str, p: &str, s: &str| {
        match framework {
            Gdpr => g,
            Hipaa => h,
            Sox => x,
            PciDss => p,
            Soc2 => s,
        }
        .to_string()
    };
    let mut f = Vec::new();
    f.push(finding(
        "encryption_at_rest",
        &refs(
            "Art. 32(1)(a)",
            "164.312(a)(2)(iv)",
            "ITGC data protection",
            "Req. 3.5",
            "CC6.1",
        ),
        Some(e.encryption_enabled),
        format!(
            "enterpriseMemory.encryption.enabled = {} (AES-256-GCM, per-owner data keys)",
            e.encryption_enabled
        ),
        "Set enterpriseMemory.encryption.enabled to true.",
    ));
    f.push(finding(
        "no_unencrypted_values",
        &refs("Art. 32(1)(a)", "164.312(a)(2)(iv)", "ITGC data protection", "Req. 3.5.1", "CC6.1"),
        Some(e.unencrypted_entries == 0),
        format!("{} stored value(s) written with encryption off", e.unencrypted_entries),
        "Rewrite those values with encryption on, or remove them; do not pass encrypt: false for sensitive data.",
    ));
    f.push(finding(
        "audit_log_enabled",
        &refs(
            "Art. 30",
            "164.312(b)",
            "Sec. 404 ITGC",
            "Req. 10.2",
            "CC7.2",
        ),
        Some(e.audit_enabled),
        format!(
            "audit enabled = {}, {} record(s)",
            e.audit_enabled, e.audit_records
        ),
        "Set enterpriseSecurity.audit.enabled to true.",
    ));
    f.push(finding(
        "audit_log_integrity",
        &refs("Art. 5(1)(f)", "164.312(c)(1)", "Sec. 404 ITGC", "Req. 10.3.2", "CC7.2"),
        e.audit_verified,
        match e.audit_verified {
            Some(true) => "the hash chain verified end to end".into(),
            Some(false) => "the hash chain is broken (see audit().verify())".into(),
            None => "audit is off".into(),
        },
        "Investigate the broken link reported by audit().verify(); restore the log from a trusted copy.",
    ));
    if let Some(min) = framework.audit_retention_days() {
        f.push(finding(
            "audit_retention",
            &refs(
                "",
                "164.316(b)(2)(i)",
                "Sec. 802 (7 years)",
                "Req. 10.5.1",
                "CC7.2",
            ),
            Some(e.audit_retention_days >= min),
            format!(
                "audit retention {} days; {min} required",
                e.audit_retention_days
            ),
            "Raise enterpriseSecurity.audit.retention.",
        ));
    }
    if matches!(framework, Gdpr | Soc2) {
        f.push(finding(
            "retention_limits",
            &refs("Art. 5(1)(e)", "", "", "", "C1.2"),
            Some(!e.scopes_with_retention.is_empty()),
            if e.scopes_with_retention.is_empty() {
                "no scope has a maxAge: data is kept indefinitely".into()
            } else {
                format!("maxAge set for: {}", e.scopes_with_retention.join(", "))
            },
            "Set enterpriseMemory.retention.policies.<scope>.maxAge for personal data.",
        ));
    }
    if framework == Gdpr {
        f.push(finding(
            "right_to_erasure",
            "Art. 17",
            Some(true),
            "memory.forget crypto-shreds an owner's data keys and rows".into(),
            "",
        ));
        f.push(finding(
            "right_of_access_portability",
            "Art. 15, Art. 20",
            Some(true),
            "memory.export returns all of a subject's data as JSON".into(),
            "",
        ));
    }
    if framework != Gdpr {
        f.push(finding(
            "access_control",
            &refs("", "164.312(a)(1)", "ITGC access", "Req. 7.2", "CC6.1"),
            Some(e.rbac_roles > 0),
            format!("{} RBAC role(s), {} policy(ies)", e.rbac_roles, e.policies),
            "Define roles (enterpriseSecurity.rbac or the rbac: YAML) and grant least privilege.",
        ));
    }
    if framework == PciDss {
        f.push(finding(
            "key_rotation",
            "Req. 3.7.4",
            Some(
                e.days_since_key_rotation.is_some_and(|d| d <= 365)
                    || e.audit_age_days.is_some_and(|d| d <= 365),
            ),
            match (e.days_since_key_rotation, e.audit_age_days) {
                (Some(d), _) => format!("master key rotated {d} day(s) ago"),
                (None, Some(a)) => {
                    format!("no rotation recorded; the store has been audited for {a} day(s)")
                }
                (None, None) => "no rotation recorded".into(),
            },
            "Rotate the master key at least yearly (rotate_master_key).",
        ));
    }
    if matches!(framework, Gdpr | Hipaa | PciDss) {
        f.push(finding(
            "pii_masking",
            &refs("Art. 25", "164.514(b)", "", "Req. 3.4.1", ""),
            if e.pii_module_available { Some(e.pii_protection_configured) } else { None },
            if e.pii_module_available {
                format!("enterpriseSecurity.piiProtection.enabled = {}", e.pii_protection_configured)
            } else {
                "this build has no PII masking module yet; masking before the model cannot be verified".into()
            },
            "Enable enterpriseSecurity.piiProtection.",
        ));
    }
    if framework == Soc2 {
        f.push(finding(
            "threat_detection",
            "CC7.1",
            Some(e.threat_detection),
            format!("threat detection enabled = {}", e.threat_detection),
            "Enable enterpriseSecurity.threatDetection.",
        ));
        f.push(finding(
            "rate_limiting",
            "A1.1",
            Some(e.rate_limits > 0),
            format!("{} rate limit(s) configured", e.rate_limits),
            "Configure rate limits (enterpriseSecurity.rateLimits or api.rateLimit).",
        ));
    }
    let passed = f.iter().filter(|x| x.status == Status::Pass).count() as u32;
    let failed = f.iter().filter(|x| x.status == Status::Fail).count() as u32;
    let score = (100 * passed).checked_div(passed + failed).unwrap_or(0) as u8;
    ComplianceReport {
        framework,
        generated_at: now,
        score,
        passed,
        failed,
        findings: f,
        scope: SCOPE.into(),
    }
}

impl ComplianceReport {
    /// JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Serialization {
            message: e.to_string(),
        })
    }

    /// CSV: one row per control.
    pub fn to_csv(&self) -> String {
        let q = crate::csv::cell;
        let mut out = String::from("framework,control,reference,status,evidence,remediation\n");
        let fw = serde_json::to_value(self.framework)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        for f in &self.findings {
            let st = serde_json::to_value(f.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                q(&fw),
                q(&f.control),
                q(&f.reference),
                q(&st),
                q(&f.evidence),
                q(&f.remediation)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Evidence {
        Evidence {
            encryption_enabled: true,
            unencrypted_entries: 0,
            scopes_with_retention: vec!["session".into()],
            audit_enabled: true,
            audit_verified: Some(true),
            audit_records: 10,
            audit_retention_days: 2555,
            rbac_roles: 3,
            policies: 2,
            rate_limits: 1,
            threat_detection: true,
            days_since_key_rotation: Some(30),
            audit_age_days: Some(100),
            pii_protection_configured: true,
            pii_module_available: true,
        }
    }

    #[test]
    fn compliant_evidence_scores_100_for_every_framework() {
        for fw in ["gdpr", "HIPAA", "sox", "pci-dss", "SOC 2"] {
            let r = evaluate(Framework::parse(fw).unwrap(), &good(), 0);
            assert_eq!((r.score, r.failed), (100, 0), "{fw}: {:?}", r.findings);
            assert!(r.passed >= 5);
            assert!(r.scope.contains("not a certification"));
        }
        assert!(Framework::parse("iso27001").is_err());
    }

    #[test]
    fn non_compliant_evidence_names_each_failed_control() {
        let mut e = good();
        e.encryption_enabled = false;
        e.unencrypted_entries = 4;
        e.audit_verified = Some(false);
        e.audit_retention_days = 90;
        e.rbac_roles = 0;
        e.days_since_key_rotation = None;
        e.audit_age_days = Some(500);
        let r = evaluate(Framework::PciDss, &e, 0);
        let failed: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| f.control.as_str())
            .collect();
        assert_eq!(
            failed,
            vec![
                "encryption_at_rest",
                "no_unencrypted_values",
                "audit_log_integrity",
                "audit_retention",
                "access_control",
                "key_rotation"
            ]
        );
        assert!(r.score < 50);
        assert!(r
            .findings
            .iter()
            .all(|f| f.status != Status::Fail || !f.remediation.is_empty()));
        let sox = evaluate(
            Framework::Sox,
            &Evidence {
                audit_retention_days: 2190,
                ..good()
            },
            0,
        );
        assert!(
            sox.findings
                .iter()
                .any(|f| f.control == "audit_retention" && f.status == Status::Fail),
            "SOX needs 7 years"
        );
        let csv = r.to_csv();
        assert!(csv.starts_with("framework,control,reference,status,evidence,remediation\n"));
        assert!(
            csv.contains("\"pci_dss\",\"key_rotation\",\"Req. 3.7.4\",\"fail\""),
            "{csv}"
        );
    }

    #[test]
    fn missing_pii_module_is_not_checked_rather_than_passed() {
        let e = Evidence {
            pii_module_available: false,
            ..good()
        };
        let r = evaluate(Framework::Gdpr, &e, 0);
        let pii = r
            .findings
            .iter()
            .find(|f| f.control == "pii_masking")
            .unwrap();
        assert_eq!(pii.status, Status::NotChecked);
        assert_eq!(r.score, 100, "not-checked controls do not count either way");
    }
}
