//! Masking operators and the [`Masker`] that applies them.

use super::tokens::{PiiKeys, TokenBinding, TokenOwner};
use super::vault::Vault;
use super::{Detector, Finding};
use crate::error::{Error, Result};
use crate::vocab::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What to do with a finding. JSON: `{"type": "mask", "keepLast": 4}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub enum Operator {
    /// Remove the value.
    Redact,
    /// Replace with `new_value`, or `<ENTITY>`; `numbered` gives
    /// `<ENTITY_1>`, the same value the same number.
    #[serde(rename_all = "camelCase")]
    Replace {
        /// Fixed replacement text.
        #[serde(default)]
        new_value: Option<String>,
        /// Number placeholders per distinct value.
        #[serde(default)]
        numbered: bool,
    },
    /// Overwrite letters and digits with `masking_char` (separators stay).
    #[serde(rename_all = "camelCase")]
    Mask {
        /// The character written instead.
        #[serde(default = "star")]
        masking_char: char,
        /// How many letters/digits to mask; all if `None`.
        #[serde(default)]
        chars_to_mask: Option<usize>,
        /// Mask from the end instead of the start.
        #[serde(default)]
        from_end: bool,
        /// Leave this many trailing letters/digits visible (a card's last 4).
        #[serde(default)]
        keep_last: Option<usize>,
    },
    /// Keyed HMAC-SHA256 pseudonym (32 hex digits), stable per key.
    Hash,
    /// AES-256-GCM under the data key of the caller's organization (or
    /// user, or session: `bind`): `<ENC:ENTITY:o:…>`. Only a context of the
    /// same owner restores it ([`Masker::decrypt`]); it dies with the
    /// owner's key (`forget`, key rotation).
    Encrypt {
        /// Whose key seals the token (default: the organization).
        #[serde(default)]
        bind: TokenBinding,
    },
    /// Leave the value (still reported as a finding).
    Keep,
}

fn star() -> char {
    '*'
}

impl Default for Operator {
    fn default() -> Self {
        Operator::Replace {
            new_value: None,
            numbered: false,
        }
    }
}

impl Operator {
    /// The operator a specification rule name stands for
    /// (`email-masking`, `ssn-encryption`, …), with the entity it applies to.
    pub fn named_rule(name: &str) -> Option<(&'static str, Operator)> {
        let mask_last4 = Operator::Mask {
            masking_char: '*',
            chars_to_mask: None,
            from_end: false,
            keep_last: Some(4),
        };
        let mask_all = Operator::Mask {
            masking_char: '*',
            chars_to_mask: None,
            from_end: false,
            keep_last: None,
        };
        Some(match name {
            "email-masking" => ("EMAIL_ADDRESS", mask_all),
            "ssn-encryption" => (
                "US_SSN",
                Operator::Encrypt {
                    bind: TokenBinding::default(),
                },
            ),
            "ssn-masking" => ("US_SSN", mask_last4),
            "card-masking" | "credit-card-masking" => ("CREDIT_CARD", mask_last4),
            "phone-masking" => ("PHONE_NUMBER", mask_last4),
            "iban-masking" => ("IBAN_CODE", mask_last4),
            "card-encryption" => (
                "CREDIT_CARD",
                Operator::Encrypt {
                    bind: TokenBinding::default(),
                },
            ),
            "email-hashing" => ("EMAIL_ADDRESS", Operator::Hash),
            _ => return None,
        })
    }
}

/// When `replace` numbers its placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbering {
    /// Always, through the vault (reversible masking).
    All,
    /// When the operator says `numbered`.
    AsConfigured,
    /// Never: `<ENTITY>` or the fixed `new_value`.
    Never,
}

/// One replacement made by [`Masker::mask`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    /// Entity type.
    pub entity: String,
    /// Byte range in the masked text.
    pub start: usize,
    /// End of the byte range in the masked text.
    pub end: usize,
    /// The operator's name.
    pub operator: String,
}

/// The result of masking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Masked {
    /// The text with every finding replaced.
    pub text: String,
    /// What was found (offsets in the input text).
    pub findings: Vec<Finding>,
    /// What was written (offsets in `text`).
    pub replacements: Vec<Replacement>,
}

/// Applies operators per entity type.
#[derive(Debug, Clone)]
pub struct Masker {
    detector: Arc<Detector>,
    operators: BTreeMap<String, Operator>,
    default: Operator,
    keys: Option<PiiKeys>,
}

impl Masker {
    /// A masker replacing every finding with `<ENTITY>`.
    pub fn new(detector: Arc<Detector>) -> Self {
        Masker {
            detector,
            operators: BTreeMap::new(),
            default: Operator::default(),
            keys: None,
        }
    }

    /// The operator for `entity`.
    pub fn with_operator(mut self, entity: impl Into<String>, op: Operator) -> Self {
        self.operators.insert(entity.into(), op);
        self
    }

    /// The operator for entities without their own.
    pub fn with_default(mut self, op: Operator) -> Self {
        self.default = op;
        self
    }

    /// Keys for `hash` and `encrypt`.
    pub fn with_keys(mut self, keys: PiiKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Adds the specification's named rules (`email-masking`, …); an unknown
    /// name is an `invalid_config` error.
    pub fn with_named_rules(mut self, names: &[String]) -> Result<Self> {
        for (i, n) in names.iter().enumerate() {
            let (entity, op) = Operator::named_rule(n).ok_or_else(|| {
                Error::config(
                    format!("$.enterpriseSecurity.piiProtection.maskingRules[{i}]"),
                    format!("unknown masking rule '{n}' (known: email-masking, ssn-encryption, ssn-masking, card-masking, phone-masking, iban-masking, card-encryption, email-hashing)"),
                )
            })?;
            self.operators.insert(entity.to_owned(), op);
        }
        Ok(self)
    }

    /// The detector this masker uses.
    pub fn detector(&self) -> &Arc<Detector> {
        &self.detector
    }

    /// The operator that applies to `entity`.
    pub fn operator_for(&self, entity: &str) -> &Operator {
        self.operators.get(entity).unwrap_or(&self.default)
    }

    /// Detects and masks. Numbered placeholders are consistent within the
    /// text. Without a context, an `encrypt` operator has no owner to bind
    /// its tokens to and fails with `invalid_argument`: use [`Masker::mask_for`].
    pub fn mask(&self, text: &str) -> Result<Masked> {
        let findings = self
            .detector
            .detect_with(text, &super::DetectOptions::default().merge_overlaps(true))?;
        self.apply(text, findings, &mut Vault::new(), false, None)
    }

    /// [`Masker::mask`] on behalf of `ctx`: `encrypt` tokens are bound to
    /// its organization (or user or session, as the operator says).
    pub fn mask_for(&self, ctx: &Context, text: &str) -> Result<Masked> {
        let findings = self
            .detector
            .detect_with(text, &super::DetectOptions::default().merge_overlaps(true))?;
        self.apply(text, findings, &mut Vault::new(), false, Some(ctx))
    }

    /// Detects and masks through `vault`: every `replace` placeholder is
    /// numbered and remembered, so [`Vault::unmask`] can restore it.
    pub fn mask_reversible(
        &self,
        text: &str,
        vault: &mut Vault,
        ctx: Option<&Context>,
    ) -> Result<Masked> {
        let findings = self
            .detector
            .detect_with(text, &super::DetectOptions::default().merge_overlaps(true))?;
        self.apply(text, findings, vault, true, ctx)
    }

    /// Masks given findings (non-overlapping, as [`Detector::detect`]
    /// returns them); `ctx` owns the `encrypt` tokens.
    pub fn apply(
        &self,
        text: &str,
        mut findings: Vec<Finding>,
        vault: &mut Vault,
        reversible: bool,
        ctx: Option<&Context>,
    ) -> Result<Masked> {
        findings.sort_unstable_by_key(|f| (f.start, f.end));
        let mut out = String::with_capacity(text.len() + findings.len() * 8);
        let mut replacements = Vec::with_capacity(findings.len());
        let numbering = if reversible {
            Numbering::All
        } else {
            Numbering::AsConfigured
        };
        let mut at = 0;
        for f in &findings {
            if f.start < at
                || f.end > text.len()
                || !text.is_char_boundary(f.start)
                || !text.is_char_boundary(f.end)
            {
                return Err(Error::invalid_arg(
                    "findings",
                    "findings overlap or do not lie on the text's character boundaries",
                ));
            }
            out.push_str(&text[at..f.start]);
            let value = &text[f.start..f.end];
            let start = out.len();
            let name = self.render(&f.entity, value, vault, numbering, ctx, &mut out)?;
            replacements.push(Replacement {
                entity: f.entity.clone(),
                start,
                end: out.len(),
                operator: name.to_owned(),
            });
            at = f.end;
        }
        out.push_str(&text[at..]);
        Ok(Masked {
            text: out,
            findings,
            replacements,
        })
    }

    /// Writes the replacement of one value (`entity`) to `out`; returns
    /// the operator's name. Invisible characters in the value are ignored.
    fn render(
        &self,
        entity: &str,
        value: &str,
        vault: &mut Vault,
        numbering: Numbering,
        ctx: Option<&Context>,
        out: &mut String,
    ) -> Result<&'static str> {
        let visible: String = value.chars().filter(|c| !super::is_invisible(*c)).collect();
        let op = self.operator_for(entity);
        let name = match op {
            Operator::Redact => "redact",
            Operator::Keep => {
                out.push_str(value);
                "keep"
            }
            Operator::Replace {
                new_value,
                numbered,
            } => {
                let number = match numbering {
                    Numbering::All => true,
                    Numbering::AsConfigured => *numbered,
                    Numbering::Never => false,
                };
                if number {
                    out.push_str(&vault.placeholder(entity, &visible));
                } else if let Some(v) = new_value {
                    out.push_str(v);
                } else {
                    out.push('<');
                    out.push_str(entity);
                    out.push('>');
                }
                "replace"
            }
            Operator::Mask {
                masking_char,
                chars_to_mask,
                from_end,
                keep_last,
            } => {
                out.push_str(&mask_value(
                    &visible,
                    *masking_char,
                    *chars_to_mask,
                    *from_end,
                    *keep_last,
                ));
                "mask"
            }
            Operator::Hash => {
                let keys = self.keys.as_ref().ok_or_else(|| {
                    Error::config(
                        "$.enterpriseSecurity.piiProtection.operators",
                        "the hash operator needs PII keys",
                    )
                })?;
                out.push_str(&keys.pseudonym(entity, &visible)?);
                "hash"
            }
            Operator::Encrypt { bind } => {
                let keys = self.keys.as_ref().ok_or_else(|| {
                    Error::config(
                        "$.enterpriseSecurity.piiProtection.operators",
                        "the encrypt operator needs PII keys",
                    )
                })?;
                let ctx = ctx.ok_or_else(|| {
                    Error::invalid_arg(
                        "context",
                        format!("the encrypt operator for {entity} binds each token to its owner: mask with a context (mask_for, mask_in_session, the guard)"),
                    )
                })?;
                out.push_str(&keys.seal(&TokenOwner::of(ctx, *bind, entity)?, entity, &visible)?);
                "encrypt"
            }
        };
        Ok(name)
    }

    /// The replacement of one value with the configured operator, never a
    /// numbered placeholder (`replace` gives `<ENTITY>`): for values that
    /// must not be mistaken for a session's placeholders.
    pub(crate) fn mask_value(
        &self,
        entity: &str,
        value: &str,
        ctx: Option<&Context>,
    ) -> Result<String> {
        let mut out = String::new();
        self.render(
            entity,
            value,
            &mut Vault::new(),
            Numbering::Never,
            ctx,
            &mut out,
        )?;
        Ok(out)
    }

    /// Restores every `<ENC:ENTITY:b:…>` token in `text` that belongs to
    /// `ctx`. A token that does not open for it — another tenant's, one
    /// whose owner was forgotten, a forged or legacy one — is a
    /// `decryption_failed` error naming the entity; nothing is returned.
    pub fn decrypt(&self, ctx: &Context, text: &str) -> Result<String> {
        self.restore_tokens(ctx, text, true)
    }

    /// Restores the tokens of `text` that belong to `ctx` and leaves every
    /// other token as it is (a model's answer may echo anything).
    pub(crate) fn decrypt_own(&self, ctx: &Context, text: &str) -> Result<String> {
        self.restore_tokens(ctx, text, false)
    }

    fn restore_tokens(&self, ctx: &Context, text: &str, strict: bool) -> Result<String> {
        let keys = self.keys.as_ref().ok_or_else(|| {
            Error::config(
                "$.enterpriseSecurity.piiProtection.operators",
                "decrypt needs PII keys",
            )
        })?;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("<ENC:") {
            out.push_str(&rest[..i]);
            let tail = &rest[i + 5..];
            // A token's body is one word: a `<ENC:` whose `>` lies past a
            // space or another `<` is text (a model may echo a broken
            // fragment right before a real token), so scanning goes on
            // just after it.
            let Some(close) = tail
                .find('>')
                .filter(|&c| !tail[..c].contains(|ch: char| ch == '<' || ch.is_whitespace()))
            else {
                out.push_str("<ENC:");
                rest = tail;
                continue;
            };
            let token = &rest[i..i + 5 + close + 1];
            let mut parts = tail[..close].splitn(3, ':');
            let parsed = match (parts.next(), parts.next(), parts.next()) {
                (Some(entity), Some(b), Some(b64)) => {
                    TokenBinding::from_letter(b).map(|binding| (entity, binding, b64))
                }
                _ => None,
            };
            let opened = match parsed {
                Some((entity, binding, b64)) => match TokenOwner::of(ctx, binding, entity) {
                    Ok(to) => keys.open(&to, entity, b64).map_err(|e| (entity, e)),
                    Err(e) => Err((entity, e)),
                },
                None => Err(("", Error::decryption("not a token of this Vallum version"))),
            };
            match opened {
                Ok(plain) => out.push_str(&plain),
                Err((entity, e)) if strict => {
                    return Err(Error::decryption(format!(
                        "PII token {entity}: it does not belong to this context's owner, its owner was forgotten, or it was altered ({})",
                        e.code()
                    )))
                }
                Err(_) => out.push_str(token),
            }
            rest = &tail[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Masks letters and digits of `value`; other characters stay.
fn mask_value(
    value: &str,
    ch: char,
    count: Option<usize>,
    from_end: bool,
    keep_last: Option<usize>,
) -> String {
    let maskable = value.chars().filter(|c| c.is_alphanumeric()).count();
    let mut to_mask = count.unwrap_or(maskable).min(maskable);
    if let Some(k) = keep_last {
        to_mask = to_mask.min(maskable.saturating_sub(k));
    }
    let mut seen = 0usize;
    value
        .chars()
        .map(|c| {
            if !c.is_alphanumeric() {
                return c;
            }
            let i = seen;
            seen += 1;
            let masked = if from_end {
                i >= maskable - to_mask
            } else {
                i < to_mask
            };
            if masked {
                ch
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
