//! The built-in recognizers: Presidio's pattern entities under Presidio's
//! names, national identifiers with their check digits, and secrets.
//!
//! A recognizer is a list of patterns, each with a base score, plus an
//! optional validator (confirm → 1.0, reject → dropped, no opinion → the
//! pattern's score) and invalidator (reject only). Patterns are written for
//! the `regex` crate, which guarantees linear-time matching; where Presidio
//! uses look-around, the pattern captures the entity in group 1 and the
//! surrounding context is consumed instead, or a `guard` checks it.

use super::validators as v;
use crate::error::{Error, Result};
use crate::text::prepare_regex;
use crate::text::secrets::{
    AWS_KEY_RE, GITHUB_TOKEN_RE, JWT_RE, LLM_API_KEY_RE, PRIVATE_KEY_RE, SLACK_TOKEN_RE,
};
use regex::Regex;

/// Facts a validator may need besides the text (South African ids are
/// checked against today's date).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env {
    /// Today as (year, month, day), from the instance clock.
    pub today: (u32, u32, u32),
    /// `piiProtection.strictChecksums`: a failed check digit rejects.
    pub strict: bool,
}

pub(crate) type Validate = fn(&str, &Env) -> Option<bool>;
pub(crate) type Invalidate = fn(&str) -> bool;
pub(crate) type Guard = fn(&str) -> bool;

/// Prefilter classes: bits set by the one pass over the text's bytes.
pub(crate) mod class {
    pub const DIGIT: u16 = 1;
    pub const AT: u16 = 1 << 1;
    pub const COLON: u16 = 1 << 2;
    pub const DOT: u16 = 1 << 3;
    pub const HYPHEN: u16 = 1 << 4;
    pub const LETTER: u16 = 1 << 5;
    /// Always set: recognizers that must run on any non-empty text.
    pub const ANY: u16 = 1 << 15;
}

/// One byte-class table, built at compile time.
pub(crate) const BYTE_CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = class::DIGIT;
        b += 1;
    }
    let mut b = b'A';
    while b <= b'Z' {
        t[b as usize] = class::LETTER;
        t[(b + 32) as usize] = class::LETTER;
        b += 1;
    }
    t[b'@' as usize] = class::AT;
    t[b':' as usize] = class::COLON;
    t[b'.' as usize] = class::DOT;
    t[b'-' as usize] = class::HYPHEN;
    t
};

/// The classes present in `text` (one pass, no allocation).
pub(crate) fn classes(text: &str) -> u16 {
    let mut acc = 0u16;
    for chunk in text.as_bytes().chunks(64) {
        for &b in chunk {
            acc |= BYTE_CLASS[b as usize];
        }
        if acc == 0x3f {
            break;
        }
    }
    if text.is_empty() {
        acc
    } else {
        acc | class::ANY
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Pat {
    pub name: &'static str,
    pub re: &'static str,
    pub score: f32,
    /// The capture group holding the entity (0 = the whole match).
    pub group: usize,
    /// A check standing in for a look-around Presidio's pattern has.
    pub guard: Option<Guard>,
}

const fn p(name: &'static str, re: &'static str, score: f32) -> Pat {
    Pat {
        name,
        re,
        score,
        group: 0,
        guard: None,
    }
}
const fn pg(name: &'static str, re: &'static str, score: f32) -> Pat {
    Pat {
        name,
        re,
        score,
        group: 1,
        guard: None,
    }
}
const fn pguard(name: &'static str, re: &'static str, score: f32, guard: Guard) -> Pat {
    Pat {
        name,
        re,
        score,
        group: 0,
        guard: Some(guard),
    }
}

/// How a recognizer finds candidates.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Engine {
    /// Regular expressions.
    Patterns(&'static [Pat]),
    /// IBAN: the generic pattern, then the longest prefix that validates.
    Iban,
    /// Telephone numbers (own parser, see `phone.rs`), in the configured
    /// regions or in fixed ones.
    Phone(Option<&'static [super::phone::Region]>),
    /// URLs (scanner around each `.` + TLD, see `url.rs`).
    Url,
    /// Names, places, addresses and the other entities of `ner/`: one
    /// shared pass per text, each recognizer takes its kind.
    #[cfg(feature = "names")]
    Ner(super::ner::NerKind),
}

/// A built-in recognizer's definition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Builtin {
    pub entity: &'static str,
    pub engine: Engine,
    pub context: &'static [&'static str],
    pub validate: Option<Validate>,
    pub invalidate: Option<Invalidate>,
    /// Runs only if every class of one of these masks is present.
    pub needs: &'static [u16],
    /// Secrets and other non-Presidio entities.
    pub kind: Kind,
    /// Runs unless the configuration or the call names its entities.
    /// Country-specific recognizers that Presidio ships disabled are
    /// opt-in ([`OPT_IN`]): named in `piiProtection.entities` or in a
    /// call's entity list.
    pub default_on: bool,
}

/// Where an entity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A Presidio pattern entity (same name, same semantics).
    Presidio,
    /// A credential.
    Secret,
    /// A Presidio NER entity (PERSON, LOCATION, …), found by rules and
    /// gazetteers instead of a statistical model.
    #[cfg(feature = "names")]
    Names,
}

use class::{AT, COLON, DIGIT, DOT, HYPHEN, LETTER};

const D: &[u16] = &[DIGIT];

macro_rules! secret {
    ($entity:literal, $re:expr, ctx: $ctx:expr, needs: $needs:expr) => {
        Builtin {
            entity: $entity,
            engine: Engine::Patterns(&[Pat {
                name: $entity,
                re: $re,
                score: 0.9,
                group: 0,
                guard: None,
            }]),
            context: $ctx,
            validate: None,
            invalidate: None,
            needs: $needs,
            kind: Kind::Secret,
            default_on: true,
        }
    };
}

macro_rules! b {
    ($entity:literal, $engine:expr, ctx: $ctx:expr, validate: $val:expr, invalidate: $inv:expr, needs: $needs:expr) => {
        Builtin {
            entity: $entity,
            engine: $engine,
            context: $ctx,
            validate: $val,
            invalidate: $inv,
            needs: $needs,
            kind: Kind::Presidio,
            default_on: true,
        }
    };
}

/// An opt-in Presidio recognizer (see [`Builtin::default_on`]).
macro_rules! opt {
    ($entity:literal, $engine:expr, ctx: $ctx:expr, validate: $val:expr, invalidate: $inv:expr) => {
        Builtin {
            default_on: false,
            ..b!($entity, $engine, ctx: $ctx, validate: $val, invalidate: $inv, needs: D)
        }
    };
}

fn za(s: &str, env: &Env) -> Option<bool> {
    v::za_id_number(s, env.today)
}
macro_rules! plain {
    ($f:path) => {{
        fn f(s: &str, _: &Env) -> Option<bool> {
            $f(s)
        }
        f as Validate
    }};
}

/// A validator whose `None` means "the check digit failed, keep the pattern
/// score": with `strictChecksums` it rejects instead.
pub(crate) fn strict(verdict: Option<bool>, env: &Env) -> Option<bool> {
    match verdict {
        None if env.strict => Some(false),
        v => v,
    }
}

fn kr_rrn(s: &str, env: &Env) -> Option<bool> {
    strict(v::kr_rrn(s), env)
}

fn sg_confirm(s: &str, _: &Env) -> Option<bool> {
    if v::sg_nric_check(s) {
        Some(true)
    } else {
        None
    }
}

fn nino_letters_ok(s: &str) -> bool {
    let t = s.trim_start().as_bytes();
    if t.len() < 2 {
        return false;
    }
    let pair = [t[0].to_ascii_uppercase(), t[1].to_ascii_uppercase()];
    !matches!(&pair, b"BG" | b"GB" | b"NK" | b"KN" | b"NT" | b"TN" | b"ZZ")
}

fn same_separators(s: &str) -> bool {
    let mut seps = s.bytes().filter(|b| !b.is_ascii_digit());
    match seps.next() {
        Some(first) => seps.all(|b| b == first),
        None => true,
    }
}

fn ca_sin_invalid(s: &str) -> bool {
    !same_separators(s) || v::ca_sin_invalid(s)
}

fn pan_low_guard(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().any(u8::is_ascii_alphabetic) && b.windows(4).any(|w| w.iter().all(u8::is_ascii_digit))
}

/// Italian fiscal code: day of birth 1–31 (women +40), after undoing
/// omocodia (letters standing for digits).
fn it_fiscal_guard(s: &str) -> bool {
    let omo = |c: u8| -> Option<u32> {
        match c.to_ascii_uppercase() {
            c @ b'0'..=b'9' => Some(u32::from(c - b'0')),
            b'L' => Some(0),
            b'M' => Some(1),
            b'N' => Some(2),
            b'P' => Some(3),
            b'Q' => Some(4),
            b'R' => Some(5),
            b'S' => Some(6),
            b'T' => Some(7),
            b'U' => Some(8),
            b'V' => Some(9),
            _ => None,
        }
    };
    let b = s.as_bytes();
    if b.len() != 16 {
        return false;
    }
    match (omo(b[9]), omo(b[10])) {
        (Some(a), Some(c)) => {
            let day = a * 10 + c;
            (1..=31).contains(&day) || (41..=71).contains(&day)
        }
        _ => false,
    }
}

/// Whether a built-in recognizer is a national id or account number whose
/// patterns a bare run of digits can match (see `Detector::shadow_ids`):
/// every pattern recognizer except the entities with their own structure.
pub(super) fn is_id_like(b: &Builtin) -> bool {
    matches!(b.engine, Engine::Patterns(_))
        && !matches!(
            b.entity,
            "CREDIT_CARD"
                // Grouped 3-2-4 like no telephone plan writes its numbers.
                | "US_SSN"
                | "US_ITIN"
                | "CRYPTO"
                | "DATE_TIME"
                | "EMAIL_ADDRESS"
                | "IP_ADDRESS"
                | "MAC_ADDRESS"
                | "MEDICAL_LICENSE"
        )
}

/// Every built-in recognizer, in a fixed order (the order breaks ties).
pub(crate) const BUILTINS: &[Builtin] = &[
    b!("CREDIT_CARD", Engine::Patterns(&[
        p("card (grouped)", r"\b[1-6]\d{3}[- ]?\d{3,4}[- ]?\d{3,4}[- ]?\d{3,5}\b", 0.3),
        p("card (12-19 digits)", r"\b[1-6]\d{11,18}\b", 0.3),
    ]), ctx: &["credit", "card", "visa", "mastercard", "cc", "amex", "discover", "jcb", "diners", "maestro", "instapayment"],
        validate: Some(plain!(card)), invalidate: None, needs: D),
    b!("CRYPTO", Engine::Patterns(&[
        p("bitcoin", r"(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,59}", 0.5),
    ]), ctx: &["wallet", "btc", "bitcoin", "crypto"], validate: Some(plain!(v::crypto)), invalidate: None, needs: D),
    b!("DATE_TIME", Engine::Patterns(&[
        p("ISO 8601 datetime", r"(?i)\b\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:[+-][0-2]\d:[0-5]\d|Z)", 0.8),
        p("date and time", r"\b\d{4}-[01]\d-[0-3]\d [0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?\b", 0.6),
        p("mm/dd/yyyy", r"\b(?:[1-9]|0[1-9]|1[0-2])/(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])/(?:\d{4}|\d{2})\b", 0.6),
        p("dd/mm/yyyy", r"\b(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])/(?:[1-9]|0[1-9]|1[0-2])/(?:\d{4}|\d{2})\b", 0.6),
        p("yyyy/mm/dd", r"\b\d{4}/(?:[1-9]|0[1-9]|1[0-2])/(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])\b", 0.6),
        p("mm-dd-yyyy", r"\b(?:[1-9]|0[1-9]|1[0-2])-(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])-\d{4}\b", 0.6),
        p("dd-mm-yyyy", r"\b(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])-(?:[1-9]|0[1-9]|1[0-2])-\d{4}\b", 0.6),
        p("yyyy-mm-dd", r"\b\d{4}-(?:[1-9]|0[1-9]|1[0-2])-(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])\b", 0.6),
        p("dd.mm.yyyy", r"\b(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])\.(?:[1-9]|0[1-9]|1[0-2])\.(?:\d{4}|\d{2})\b", 0.6),
        p("dd-MMM-yyyy", r"(?i)\b(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])-(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)-(?:\d{4}|\d{2})\b", 0.6),
        p("MMM-yyyy", r"(?i)\b(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)-(?:\d{4}|\d{2})\b", 0.6),
        p("dd-MMM", r"(?i)\b(?:[1-9]|0[1-9]|[1-2][0-9]|3[0-1])-(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\b", 0.6),
        p("mm/yyyy", r"\b(?:[1-9]|0[1-9]|1[0-2])/\d{4}\b", 0.2),
        p("mm/yy", r"\b(?:[1-9]|0[1-9]|1[0-2])/\d{2}\b", 0.1),
    ]), ctx: &["date", "birthday", "born", "dob"], validate: None, invalidate: None, needs: D),
    b!("EMAIL_ADDRESS", Engine::Patterns(&[
        p("email", r"(?:[!#$%&'*+\-/=?^_`{|}~\w](?:[!#$%&'*+\-/=?^_`{|}~.\w]*[!#$%&'*+\-/=?^_`{|}~\w])?)@\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+", 0.5),
    ]), ctx: &["email", "e-mail", "mail"], validate: Some(plain!(email_domain)), invalidate: None, needs: &[AT | DOT]),
    b!("IBAN_CODE", Engine::Iban, ctx: &["iban", "bank", "transaction"], validate: Some(plain!(v::iban)), invalidate: None, needs: D),
    b!("IP_ADDRESS", Engine::Patterns(&[
        pg("IPv4_mapped", concat!(r"(?i)(?:^|[^\w:])(::(?:ffff(?::0{1,4})?:)?(?:", r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)", r"\.){3}", r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)", r"(?:/(?:12[0-8]|1[01]\d|[1-9]?\d))?)\b"), 0.6),
        pg("IPv4_embedded", concat!(r"(?i)(?:^|[^\w:])((?:(?:[0-9a-f]{1,4}:){1,5}:(?:[0-9a-f]{1,4}:){0,4}|(?:[0-9a-f]{1,4}:){6})(?:", r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)", r"\.){3}", r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)", r"(?:/(?:12[0-8]|1[01]\d|[1-9]?\d))?)\b"), 0.6),
        // Not the tail of a longer dotted number ("05.53.18.69.64" is a
        // French phone number, not 53.18.69.64).
        pg("IPv4", concat!(r"(?:^|[^\w.]|[^0-9]\.)(", r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)", r"(?:\.", r"(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)", r"){3}(?:/(?:[0-2]?\d|3[0-2]))?)\b"), 0.6),
        pg("IPv6", r"(?i)(?:^|[^\w:])((?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:|:(?::[0-9a-f]{1,4}){1,7}|(?:[0-9a-f]{1,4}:){1,6}:[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,5}(?::[0-9a-f]{1,4}){1,2}|(?:[0-9a-f]{1,4}:){1,4}(?::[0-9a-f]{1,4}){1,3}|(?:[0-9a-f]{1,4}:){1,3}(?::[0-9a-f]{1,4}){1,4}|(?:[0-9a-f]{1,4}:){1,2}(?::[0-9a-f]{1,4}){1,5}|[0-9a-f]{1,4}:(?::[0-9a-f]{1,4}){1,6}|:(?::[0-9a-f]{1,4}){1,6})(?:%[0-9a-z]+)?(?:/(?:12[0-8]|1[01]\d|[1-9]?\d))?)(?:$|[^\w:.]|\.$|\.[^0-9])", 0.6),
        pg("IPv6_unspecified", r"(?:^|[^\w:])(::(?:/(?:12[0-8]|1[01]\d|[1-9]?\d))?)(?:$|[^\w:])", 0.1),
    ]), ctx: &["ip", "ipv4", "ipv6"], validate: None, invalidate: Some(v::ip_invalid), needs: &[COLON, DOT | DIGIT]),
    b!("MAC_ADDRESS", Engine::Patterns(&[
        p("MAC colon", r"\b[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}\b", 0.6),
        p("MAC hyphen", r"\b[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}\b", 0.6),
        p("MAC Cisco", r"\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b", 0.6),
    ]), ctx: &["mac", "mac address", "hardware address", "physical address", "ethernet"],
        validate: None, invalidate: Some(v::mac_invalid), needs: &[COLON, HYPHEN, DOT]),
    b!("URL", Engine::Url, ctx: &["url", "website", "link"], validate: None, invalidate: None, needs: &[DOT | LETTER]),
    b!("PHONE_NUMBER", Engine::Phone(None), ctx: &["phone", "number", "telephone", "cell", "cellphone", "mobile", "call"],
        validate: None, invalidate: None, needs: D),
    b!("US_SSN", Engine::Patterns(&[
        p("SSN1", r"\b\d{5}-\d{4}\b", 0.05),
        p("SSN2", r"\b\d{3}-\d{6}\b", 0.05),
        p("SSN3", r"\b\d{3}-\d{2}-\d{4}\b", 0.05),
        p("SSN4", r"\b\d{9}\b", 0.05),
        p("SSN5", r"\b\d{3}[- .]\d{2}[- .]\d{4}\b", 0.5),
    ]), ctx: &["social", "security", "ssn", "ssns", "ssid"], validate: None, invalidate: Some(v::us_ssn_invalid), needs: D),
    b!("US_ITIN", Engine::Patterns(&[
        p("ITIN (very weak)", r"\b9\d{2}[- ](?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\d{4}\b|\b9\d{2}(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[- ]\d{4}\b", 0.05),
        p("ITIN (weak)", r"\b9\d{2}(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\d{4}\b", 0.3),
        p("ITIN (medium)", r"\b9\d{2}[- ](?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[- ]\d{4}\b", 0.5),
    ]), ctx: &["individual", "taxpayer", "itin", "tax", "payer", "taxid", "tin"], validate: None, invalidate: None, needs: D),
    b!("US_PASSPORT", Engine::Patterns(&[
        p("passport (very weak)", r"\b\d{9}\b", 0.05),
        p("passport next generation", r"(?i)\b[A-Z]\d{8}\b", 0.1),
    ]), ctx: &["us", "united", "states", "passport", "passport#", "travel", "document"], validate: None, invalidate: None, needs: D),
    b!("US_DRIVER_LICENSE", Engine::Patterns(&[
        p("license (alphanumeric)", r"(?i)\b(?:[A-Z]\d{1,14}|[A-Z]\d{18}|[A-Z]{2}\d{3,7}|\d{2}[A-Z]{3}\d{5,6}|[A-Z]\d{6}R|\d{9}[A-Z]|[A-Z]{2}\d{6}[A-Z]|\d{8}[A-Z]{2}|\d{3}[A-Z]{2}\d{4}|[A-Z]\d[A-Z]\d[A-Z]|\d{7,8}[A-Z])\b", 0.3),
        p("license (digits)", r"\b(?:\d{6,14}|\d{16})\b", 0.01),
    ]), ctx: &["driver", "license", "permit", "lic", "identification", "dls", "cdls", "lic#", "driving"], validate: None, invalidate: None, needs: D),
    b!("US_BANK_NUMBER", Engine::Patterns(&[
        p("bank account (weak)", r"\b\d{8,17}\b", 0.05),
    ]), ctx: &["check", "account", "account#", "acct", "bank", "save", "debit"], validate: None, invalidate: None, needs: D),
    b!("ABA_ROUTING_NUMBER", Engine::Patterns(&[
        p("ABA (weak)", r"\b[0123678]\d{8}\b", 0.05),
        p("ABA", r"\b[0123678]\d{3}-\d{4}-\d\b", 0.3),
    ]), ctx: &["aba", "routing", "abarouting", "association", "bankrouting"], validate: Some(plain!(v::aba_routing)), invalidate: None, needs: D),
    b!("MEDICAL_LICENSE", Engine::Patterns(&[
        p("DEA number", r"(?i)[abcdefghjklmprstux][a-z]\d{7}|[abcdefghjklmprstux]9\d{7}", 0.4),
    ]), ctx: &["medical", "certificate", "dea"], validate: Some(plain!(v::medical_license)), invalidate: None, needs: D),
    b!("UK_NHS", Engine::Patterns(&[
        p("NHS", r"\b\d{3}[- ]?\d{3}[- ]?\d{4}\b", 0.5),
    ]), ctx: &["national health service", "nhs", "health services authority", "health authority"], validate: Some(plain!(v::uk_nhs)), invalidate: None, needs: D),
    b!("UK_NINO", Engine::Patterns(&[
        pguard("NINO", r"(?i)\b ?[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z] ?\d{2} ?\d{2} ?\d{2} ?[a-d]\b", 0.5, nino_letters_ok),
    ]), ctx: &["national insurance", "ni number", "nino"], validate: None, invalidate: None, needs: D),
    b!("CA_SIN", Engine::Patterns(&[
        p("SIN (weak)", r"\b[1-79]\d{8}\b", 0.05),
        p("SIN (medium)", r"\b[1-79]\d{2}[- ]\d{3}[- ]\d{3}\b", 0.5),
    ]), ctx: &["sin", "sin number", "social insurance", "social insurance number", "canada", "nas", "numéro nas", "numéro d'assurance sociale", "assurance sociale"],
        validate: None, invalidate: Some(ca_sin_invalid), needs: D),
    b!("IN_AADHAAR", Engine::Patterns(&[
        p("Aadhaar (12 digits)", r"\b\d{12}\b", 0.01),
        p("Aadhaar (grouped)", r"\b\d{4}[- :]\d{4}[- :]\d{4}\b", 0.01),
    ]), ctx: &["aadhaar", "uidai"], validate: Some(plain!(v::in_aadhaar)), invalidate: None, needs: D),
    b!("IN_PAN", Engine::Patterns(&[
        p("PAN (high)", r"(?i)\b[a-z]{3}[abcfghjlpt][a-z]\d{4}[a-z]\b", 0.5),
        p("PAN (medium)", r"(?i)\b[a-z]{5}\d{4}[a-z]\b", 0.1),
        pguard("PAN (low)", r"\b[\w@#$%^?~-]{10}\b", 0.01, pan_low_guard),
    ]), ctx: &["permanent account number", "pan"], validate: None, invalidate: None, needs: D),
    b!("AU_ABN", Engine::Patterns(&[
        p("ABN (medium)", r"\b\d{2}\s\d{3}\s\d{3}\s\d{3}\b", 0.1),
        p("ABN (low)", r"\b\d{11}\b", 0.01),
    ]), ctx: &["australian business number", "abn"], validate: Some(plain!(v::au_abn)), invalidate: None, needs: D),
    b!("AU_ACN", Engine::Patterns(&[
        p("ACN (medium)", r"\b\d{3}\s\d{3}\s\d{3}\b", 0.1),
        p("ACN (low)", r"\b\d{9}\b", 0.01),
    ]), ctx: &["australian company number", "acn"], validate: Some(plain!(v::au_acn)), invalidate: None, needs: D),
    b!("AU_TFN", Engine::Patterns(&[
        p("TFN (medium)", r"\b\d{3}\s\d{3}\s\d{3}\b", 0.1),
        p("TFN (low)", r"\b\d{9}\b", 0.01),
    ]), ctx: &["tax file number", "tfn"], validate: Some(plain!(v::au_tfn)), invalidate: None, needs: D),
    b!("AU_MEDICARE", Engine::Patterns(&[
        p("Medicare (medium)", r"\b[2-6]\d{3}\s\d{5}\s\d\b", 0.1),
        p("Medicare (low)", r"\b[2-6]\d{9}\b", 0.01),
    ]), ctx: &["medicare"], validate: Some(plain!(v::au_medicare)), invalidate: None, needs: D),
    b!("ES_NIF", Engine::Patterns(&[
        p("NIF", r"(?i)\b\d?\d{7}-?[A-Z]\b", 0.5),
    ]), ctx: &["documento nacional de identidad", "dni", "nif", "identificación"], validate: Some(plain!(v::es_nif)), invalidate: None, needs: D),
    b!("ES_NIE", Engine::Patterns(&[
        p("NIE", r"(?i)\b[X-Z]?\d?\d{7}-?[A-Z]\b", 0.5),
    ]), ctx: &["número de identificación de extranjero", "nie"], validate: Some(plain!(v::es_nie)), invalidate: None, needs: D),
    b!("IT_FISCAL_CODE", Engine::Patterns(&[
        pguard("fiscal code", r"(?i)\b[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]\b", 0.3, it_fiscal_guard),
    ]), ctx: &["codice fiscale", "cf"], validate: Some(plain!(v::it_fiscal_code)), invalidate: None, needs: &[LETTER]),
    b!("PL_PESEL", Engine::Patterns(&[
        p("PESEL", r"\d{2}(?:[02468][1-9]|[13579][012])(?:0[1-9]|1[0-9]|2[0-9]|3[01])\d{5}", 0.4),
    ]), ctx: &["pesel"], validate: Some(plain!(v::pl_pesel)), invalidate: None, needs: D),
    b!("SE_PERSONNUMMER", Engine::Patterns(&[
        p("personnummer (medium)", r"\b\d{6,8}[-+]?\d{4}\b", 0.5),
        p("personnummer (very weak)", r"\d{6,8}[-+]?\d{4}", 0.1),
    ]), ctx: &["personnummer", "svenskt personnummer", "svensk id", "ssn", "personal identity number", "samordningsnummer"],
        validate: Some(plain!(v::se_personnummer)), invalidate: None, needs: D),
    b!("SG_NRIC_FIN", Engine::Patterns(&[
        p("NRIC (weak)", r"(?i)\b[A-Z]\d{7}[A-Z]\b", 0.3),
        p("NRIC (medium)", r"(?i)\b[STFGM]\d{7}[A-Z]\b", 0.5),
    ]), ctx: &["fin", "fin#", "nric", "nric#"], validate: Some(sg_confirm), invalidate: None, needs: D),
    b!("FI_PERSONAL_IDENTITY_CODE", Engine::Patterns(&[
        p("HETU (medium)", r"(?i)\b\d{6}[-+ABCDEFYXWVU]\d{3}[0-9ABCDEFHJKLMNPRSTUVWXY]\b", 0.5),
        p("HETU (very weak)", r"(?i)\d{6}[-+ABCDEFYXWVU]\d{3}[0-9ABCDEFHJKLMNPRSTUVWXY]", 0.1),
    ]), ctx: &["hetu", "henkilötunnus", "personbeteckningen", "personal identity code"],
        validate: Some(plain!(v::fi_personal_identity_code)), invalidate: None, needs: D),
    b!("TR_NATIONAL_ID", Engine::Patterns(&[
        p("TCKN", r"\b[1-9]\d{10}\b", 0.3),
    ]), ctx: &["tc kimlik", "kimlik no", "kimlik numarası", "tckn", "tc no", "nüfus cüzdanı", "national id", "turkish id", "türk kimlik"],
        validate: Some(plain!(v::tr_national_id)), invalidate: None, needs: D),
    b!("KR_RRN", Engine::Patterns(&[
        pg("RRN", r"(?:^|[^0-9])(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-?[1-4]\d{6})(?:[^0-9]|$)", 0.5),
    ]), ctx: &["korean rrn", "korean resident registration number", "resident registration number", "rrn", "rrn#"],
        validate: Some(kr_rrn), invalidate: None, needs: D),
    b!("ZA_ID_NUMBER", Engine::Patterns(&[
        p("ZA id", r"\b\d{10}[0-2][89]\d\b", 0.2),
    ]), ctx: &["id", "identity", "identity number", "id number", "south african id", "rsa id", "smart id", "national id"],
        validate: Some(za), invalidate: None, needs: D),
    b!("DE_TAX_ID", Engine::Patterns(&[
        p("Steuer-ID", r"\b[1-9]\d{10}\b", 0.5),
    ]), ctx: &["steueridentifikationsnummer", "steuer-id", "steuerid", "steuerliche identifikationsnummer", "steuerliche identifikation", "persönliche identifikationsnummer", "steuer identifikation", "idnr", "steuer-idnr", "steuernummer", "bzst"],
        validate: Some(plain!(v::de_tax_id)), invalidate: None, needs: D),
    b!("UUID", Engine::Patterns(&[
        p("UUID", r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", 0.6),
    ]), ctx: &["uuid", "guid", "id"], validate: None, invalidate: None, needs: &[HYPHEN]),
    // ---- names, places, addresses (ner/): Presidio's NER entities -------
    #[cfg(feature = "names")]
    ner(
        NerKind::Person,
        &[
            "name", "mr", "mrs", "ms", "dr", "contact", "signed", "regards",
        ],
    ),
    #[cfg(feature = "names")]
    ner(
        NerKind::Location,
        &[
            "city", "country", "state", "located", "live", "lives", "from", "visit",
        ],
    ),
    #[cfg(feature = "names")]
    ner(
        NerKind::StreetAddress,
        &[
            "address", "street", "live", "lives", "located", "ship", "deliver", "mail", "at", "on",
            "moved",
        ],
    ),
    #[cfg(feature = "names")]
    ner(
        NerKind::Organization,
        &[
            "company",
            "employer",
            "work",
            "works",
            "organization",
            "organisation",
        ],
    ),
    #[cfg(feature = "names")]
    ner(
        NerKind::Nrp,
        &["nationality", "religion", "citizen", "ethnicity"],
    ),
    #[cfg(feature = "names")]
    ner(NerKind::Age, &["age", "old", "aged"]),
    #[cfg(feature = "names")]
    ner(NerKind::Title, &[]),
    #[cfg(feature = "names")]
    ner(NerKind::ZipCode, &["zip", "postcode", "postal"]),
    // ---- secrets: not Presidio entities; always validated by shape ----------
    secret!("AWS_ACCESS_KEY", AWS_KEY_RE, ctx: &["aws", "access key", "key id"], needs: &[LETTER]),
    secret!("GITHUB_TOKEN", GITHUB_TOKEN_RE, ctx: &["github", "token"], needs: &[LETTER]),
    secret!("SLACK_TOKEN", SLACK_TOKEN_RE, ctx: &["slack", "token"], needs: &[HYPHEN]),
    secret!("LLM_API_KEY", LLM_API_KEY_RE, ctx: &["api key", "openai", "anthropic", "key"], needs: &[LETTER]),
    secret!("JWT", JWT_RE, ctx: &["jwt", "bearer", "token"], needs: &[DOT]),
    secret!("PRIVATE_KEY", PRIVATE_KEY_RE, ctx: &["private key"], needs: &[HYPHEN]),
];

#[cfg(feature = "names")]
use super::ner::NerKind;

#[cfg(feature = "names")]
const fn ner(kind: NerKind, context: &'static [&'static str]) -> Builtin {
    Builtin {
        entity: kind.entity(),
        engine: Engine::Ner(kind),
        context,
        validate: None,
        invalidate: None,
        needs: &[LETTER, DIGIT],
        kind: Kind::Names,
        default_on: true,
    }
}

/// Card validation: Luhn plus issuer rules Presidio does not check
/// (UATP cards have 15 digits; the 2-series is Mastercard's 2221–2720).
fn card(s: &str) -> Option<bool> {
    let ds: Vec<u8> = s.bytes().filter(u8::is_ascii_digit).collect();
    if !(12..=19).contains(&ds.len()) {
        return Some(false);
    }
    match ds[0] {
        b'1' if ds.len() != 15 => return Some(false),
        b'2' => {
            let iin: u32 = ds[..4].iter().fold(0, |a, &d| a * 10 + u32::from(d - b'0'));
            if !(2221..=2720).contains(&iin) || ds.len() != 16 {
                return Some(false);
            }
        }
        _ => {}
    }
    let digits: Vec<u32> = ds.iter().map(|&d| u32::from(d - b'0')).collect();
    Some(v::luhn(&digits))
}

/// E-mail domains must end in a known top-level domain.
fn email_domain(s: &str) -> Option<bool> {
    let domain = s.rsplit_once('@').map_or("", |(_, d)| d);
    let tld = domain.rsplit_once('.').map_or("", |(_, t)| t);
    Some(super::url::is_tld(tld))
}

/// A compiled pattern.
#[derive(Debug)]
pub(crate) struct CompiledPat {
    pub name: String,
    pub re: Regex,
    pub score: f32,
    pub group: usize,
    pub guard: Option<Guard>,
}

pub(crate) fn compile(
    name: &str,
    re: &str,
    score: f32,
    group: usize,
    guard: Option<Guard>,
) -> Result<CompiledPat> {
    let re = regex::RegexBuilder::new(&prepare_regex(re))
        .size_limit(1 << 24)
        .build()
        .map_err(|e| {
            Error::internal(format!(
                "built-in PII pattern '{name}' does not compile: {e}"
            ))
        })?;
    Ok(CompiledPat {
        name: name.to_owned(),
        re,
        score,
        group,
        guard,
    })
}

mod opt_in;
pub(crate) use opt_in::OPT_IN;

/// Every built-in recognizer: the default ones, then the opt-in ones.
pub(crate) fn all() -> impl Iterator<Item = &'static Builtin> {
    BUILTINS.iter().chain(OPT_IN)
}
