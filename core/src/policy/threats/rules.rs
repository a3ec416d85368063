//! The threat rules: phrase rules (prompt injection, jailbreaks, role
//! manipulation) and data rules (secrets, encoded payloads), each with the
//! lowest sensitivity at which it runs, compiled into one `RegexSet` per
//! family.

use super::super::Sensitivity;
use super::ThreatKind;
use crate::error::{Error, Result};
use crate::text::secrets;
use crate::vocab::Severity;
use regex::{Regex, RegexSet};

pub(super) struct Rule {
    pub(super) kind: ThreatKind,
    pub(super) name: &'static str,
    pub(super) severity: Severity,
    /// The lowest sensitivity at which the rule runs.
    pub(super) from: Sensitivity,
    pub(super) pattern: &'static str,
}

pub(super) const fn rule(
    kind: ThreatKind,
    name: &'static str,
    severity: Severity,
    from: Sensitivity,
    pattern: &'static str,
) -> Rule {
    Rule {
        kind,
        name,
        severity,
        from,
        pattern,
    }
}

use Sensitivity::{High as H, Low as L, Medium as M};
use Severity::{Critical as SC, High as SH, Low as SL, Medium as SM};
use ThreatKind::*;

/// Phrase rules, matched case-insensitively on the normalized text.
pub(super) const PHRASES: &[Rule] = &[
    rule(
        PromptInjection,
        "ignore_previous",
        SH,
        L,
        r"(?i)(?-u:\b)(ignore|disregard|forget|skip|override|bypass)(?-u:\b)[a-z0-9_\s,'-]{0,40}(?-u:\b)(previous|prior|above|earlier|preceding|all|any|your|the|system|initial|original)(?-u:\b)[a-z0-9_\s,'-]{0,30}(?-u:\b)(instructions?|prompts?|rules|directions|guidelines|directives|context|constraints)",
    ),
    rule(
        PromptInjection,
        "new_instructions",
        SM,
        M,
        r"(?i)(?-u:\b)(new|updated|real|actual|true)\s+(instructions?|directives?|rules|system\s+prompt)\s*[:\-]",
    ),
    rule(
        PromptInjection,
        "fake_delimiter",
        SH,
        M,
        r"(?i)(</?\s*(system|assistant|instructions?)\s*>|\[/?(system|inst)\]|<\|(im_start|im_end|system|endoftext)\|>|###\s*(system|instruction))",
    ),
    rule(
        PromptInjection,
        "you_are_now",
        SM,
        H,
        r"(?i)(?-u:\b)(from now on|starting now|henceforth)(?-u:\b)[a-z0-9_\s,]{0,30}(?-u:\b)(you (are|will|must|shall)|act|respond|behave)(?-u:\b)",
    ),
    rule(
        PromptInjection,
        "obey_me",
        SM,
        M,
        r"(?i)(?-u:\b)(you must|you will|always) (now )?(obey|comply with|follow) (me|my|only my|these)(?-u:\b)",
    ),
    rule(
        Jailbreak,
        "dan",
        SH,
        L,
        r"(?i)(?-u:\b)(DAN|do anything now|STAN|DUDE mode|AIM mode)(?-u:\b)",
    ),
    rule(
        Jailbreak,
        "developer_mode",
        SH,
        L,
        r"(?i)(?-u:\b)(developer|god|jailbreak|unrestricted|unfiltered|sudo|debug|admin) mode(?-u:\b)",
    ),
    rule(
        Jailbreak,
        "no_restrictions",
        SH,
        M,
        r"(?i)(?-u:\b)(without|no|free (of|from)|ignore( all)?|bypass( all)?) (any |all |your )?(restrictions|limitations|filters|guardrails|safety (guidelines|rules|filters)|content polic(y|ies)|ethical guidelines|censorship)(?-u:\b)",
    ),
    rule(
        Jailbreak,
        "roleplay_unbound",
        SM,
        H,
        r"(?i)(?-u:\b)(pretend|imagine|act as if|roleplay as|role-play as)(?-u:\b)[a-z0-9_\s,']{0,40}(?-u:\b)(no|without|not bound by|free from)(?-u:\b)[a-z0-9_\s]{0,20}(?-u:\b)(rules|restrictions|limits|ethics|guidelines)",
    ),
    rule(
        Jailbreak,
        "evil_persona",
        SM,
        H,
        r"(?i)(?-u:\b)(act|behave|respond) as (an? )?(evil|unethical|malicious|uncensored|amoral)(?-u:\b)",
    ),
    rule(
        SystemPromptExtraction,
        "reveal_system_prompt",
        SH,
        L,
        r"(?i)(?-u:\b)(reveal|show|print|display|output|repeat|tell me|give me|leak|dump|share|what (is|are|was|were))(?-u:\b)[a-z0-9_\s,']{0,30}(?-u:\b)(system|initial|hidden|original|secret|developer|internal)\s+(prompt|instructions?|message|rules|guidelines|configuration)",
    ),
    rule(
        SystemPromptExtraction,
        "repeat_above",
        SH,
        M,
        r"(?i)(?-u:\b)(repeat|print|output|copy|reproduce|echo)(?-u:\b)[a-z0-9_\s,]{0,30}(?-u:\b)(the )?(text|words|everything|all|content)\s+(above|before|preceding|prior)(?-u:\b)",
    ),
    rule(
        SystemPromptExtraction,
        "verbatim_instructions",
        SM,
        M,
        r"(?i)(?-u:\b)verbatim(?-u:\b)[a-z0-9_\s,]{0,40}(?-u:\b)(instructions?|prompt|rules)(?-u:\b)|(?-u:\b)(instructions?|prompt|rules)(?-u:\b)[a-z0-9_\s,]{0,40}(?-u:\b)verbatim(?-u:\b)",
    ),
    rule(
        SystemPromptExtraction,
        "what_were_you_told",
        SM,
        H,
        r"(?i)(?-u:\b)what (were|are) you (told|instructed|programmed)(?-u:\b)|(?-u:\b)your (first|initial) (message|instruction)s?(?-u:\b)",
    ),
];

/// Rules that find data rather than phrasing; matched on the original text.
pub(super) const DATA: &[Rule] = &[
    rule(LeakedSecret, "aws_access_key", SC, L, secrets::AWS_KEY_RE),
    rule(
        LeakedSecret,
        "github_token",
        SC,
        L,
        secrets::GITHUB_TOKEN_RE,
    ),
    rule(LeakedSecret, "slack_token", SC, L, secrets::SLACK_TOKEN_RE),
    rule(LeakedSecret, "llm_api_key", SC, L, secrets::LLM_API_KEY_RE),
    rule(LeakedSecret, "jwt", SH, L, secrets::JWT_RE),
    rule(LeakedSecret, "private_key", SC, L, secrets::PRIVATE_KEY_RE),
    rule(
        ExfiltrationLink,
        "markdown_image_with_data",
        SH,
        L,
        r"!\[[^\]]{0,200}\]\(\s*https?://[^\s)]+\?[^\s)]*=[^\s)&]{16,}",
    ),
    rule(
        ExfiltrationLink,
        "link_with_template_data",
        SH,
        M,
        r"https?://[^\s)]+\?[^\s)]*=\s*(\{\{?|\$\{|%7B%7B)[^\s)]{0,80}",
    ),
    rule(
        ExfiltrationLink,
        "html_image_with_data",
        SH,
        M,
        r#"(?i)<img[^>]{0,200}(?-u:\b)src\s*=\s*["']?https?://[^\s"'>]+\?[^\s"'>]*=[^\s"'>&]{16,}"#,
    ),
    rule(
        ExfiltrationLink,
        "link_with_long_query",
        SM,
        H,
        r"https?://[^\s)]+\?[^\s)]*=[A-Za-z0-9+/=_%-]{64,}",
    ),
    rule(
        EncodedBlob,
        "base64_blob",
        SM,
        M,
        r"[A-Za-z0-9+/]{200,}={0,2}",
    ),
    rule(
        EncodedBlob,
        "hex_blob",
        SM,
        M,
        r"(?-u:\b)[0-9a-fA-F]{256,}(?-u:\b)",
    ),
    rule(
        EncodedBlob,
        "short_base64_blob",
        SL,
        H,
        r"(?-u:\b)[A-Za-z0-9+/]{60,}={1,2}",
    ),
];

pub(super) fn rank(s: Sensitivity) -> u8 {
    match s {
        Sensitivity::Low => 0,
        Sensitivity::Medium => 1,
        Sensitivity::High => 2,
    }
}

pub(super) struct Compiled {
    pub(super) phrase_set: RegexSet,
    pub(super) phrases: Vec<(&'static Rule, Regex)>,
    pub(super) data_set: RegexSet,
    pub(super) data: Vec<(&'static Rule, Regex)>,
}

pub(super) fn compile(
    rules: &'static [Rule],
    s: Sensitivity,
) -> Result<(RegexSet, Vec<(&'static Rule, Regex)>)> {
    let active: Vec<&'static Rule> = rules.iter().filter(|r| rank(r.from) <= rank(s)).collect();
    // Patterns shared with the PII recognizers use `\b`/`\d`; `prepare`
    // makes them ASCII (a no-op for the threat rules' own patterns).
    let set = RegexSet::new(active.iter().map(|r| crate::text::prepare_regex(r.pattern)))
        .map_err(|e| Error::internal(e.to_string()))?;
    let each = active
        .into_iter()
        .map(|r| {
            Regex::new(&crate::text::prepare_regex(r.pattern))
                .map(|re| (r, re))
                .map_err(|e| Error::internal(e.to_string()))
        })
        .collect::<Result<_>>()?;
    Ok((set, each))
}
