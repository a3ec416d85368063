//! Credential patterns recognized both as PII entities (`AWS_ACCESS_KEY`,
//! …) and as `leaked_secret` threats.

/// The pattern of `AWS_ACCESS_KEY`.
pub(crate) const AWS_KEY_RE: &str = r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b";

/// The pattern of `GITHUB_TOKEN`.
pub(crate) const GITHUB_TOKEN_RE: &str =
    r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b";

/// The pattern of `SLACK_TOKEN`.
pub(crate) const SLACK_TOKEN_RE: &str = r"\bxox[baprs]-[A-Za-z0-9-]{10,250}\b";

/// The pattern of `LLM_API_KEY`.
pub(crate) const LLM_API_KEY_RE: &str = r"\b(?:sk-ant-[A-Za-z0-9_-]{20,}|sk-(?:proj-)?[A-Za-z0-9_-]{32,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,})\b";

/// The pattern of `JWT`.
pub(crate) const JWT_RE: &str =
    r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b";

/// The pattern of `PRIVATE_KEY`.
pub(crate) const PRIVATE_KEY_RE: &str = r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:\s-]*?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=:\s]*)";
