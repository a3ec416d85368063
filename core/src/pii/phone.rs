//! Telephone numbers without libphonenumber.
//!
//! One regular expression finds digit runs that look like a dialled number
//! (optional `+`, digits separated by at most two of ` .-/()`); each
//! candidate is then parsed: with a `+`, the country calling code decides the
//! allowed national lengths; without, the number must be a valid national
//! number of one of the configured regions (trunk prefix `0`, or the
//! region's country code written without `+`). Leniency follows
//! libphonenumber's levels: 0 accepts numbers glued to letters, 1 (default)
//! needs valid numbers standing apart, 2 also rejects digit groups that split
//! the national format's groups, 3 requires the national grouping exactly
//! (or no grouping).

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Regions whose national (no `+`) formats are recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Region {
    /// United States (NANP).
    US,
    /// Canada (NANP).
    CA,
    /// United Kingdom.
    UK,
    /// Germany.
    DE,
    /// France.
    FR,
    /// Israel.
    IL,
    /// India.
    IN,
    /// Brazil.
    BR,
    /// Japan.
    JP,
    /// China.
    CN,
    /// The Philippines (`PH_MOBILE_NUMBER`).
    PH,
    /// Turkey (`TR_PHONE_NUMBER`).
    TR,
}

impl Region {
    /// Presidio's default regions (the first eight of [`Region::ALL`]).
    pub const DEFAULT: &'static [Region] = Region::ALL.split_at(8).0;

    /// Every region with its own numbering rules, Presidio's defaults
    /// first.
    pub const ALL: &'static [Region] = &[
        Region::US,
        Region::UK,
        Region::DE,
        Region::FR,
        Region::IL,
        Region::IN,
        Region::CA,
        Region::BR,
        Region::JP,
        Region::CN,
        Region::PH,
        Region::TR,
    ];

    /// Parses a region code (`US`, `GB`/`UK`, …).
    pub fn parse(code: &str) -> Option<Region> {
        Some(match code.to_ascii_uppercase().as_str() {
            "US" => Region::US,
            "CA" => Region::CA,
            "UK" | "GB" => Region::UK,
            "DE" => Region::DE,
            "FR" => Region::FR,
            "IL" => Region::IL,
            "IN" => Region::IN,
            "BR" => Region::BR,
            "JP" => Region::JP,
            "CN" => Region::CN,
            "PH" => Region::PH,
            "TR" => Region::TR,
            _ => return None,
        })
    }

    fn calling_code(self) -> &'static str {
        match self {
            Region::US | Region::CA => "1",
            Region::UK => "44",
            Region::DE => "49",
            Region::FR => "33",
            Region::IL => "972",
            Region::IN => "91",
            Region::BR => "55",
            Region::JP => "81",
            Region::CN => "86",
            Region::PH => "63",
            Region::TR => "90",
        }
    }

    /// Whether `nsn` (national significant number, no trunk prefix) is a
    /// valid number of this region.
    fn valid_nsn(self, nsn: &[u8]) -> bool {
        let n = nsn.len();
        let first = nsn.first().copied().unwrap_or(b'0');
        match self {
            Region::US | Region::CA => {
                n == 10
                    && (b'2'..=b'9').contains(&nsn[0])
                    && (b'2'..=b'9').contains(&nsn[3])
                    && !(nsn[1] == b'1' && nsn[2] == b'1')
            }
            Region::UK => {
                (n == 10 && matches!(first, b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9'))
                    || (n == 9 && first == b'1')
            }
            Region::DE => (6..=11).contains(&n) && first != b'0',
            Region::FR => n == 9 && first != b'0',
            Region::IL => {
                (n == 8 && matches!(first, b'2' | b'3' | b'4' | b'8' | b'9'))
                    || (n == 9 && matches!(first, b'5' | b'7'))
            }
            Region::IN => n == 10 && first != b'0',
            Region::BR => {
                (n == 10 || n == 11)
                    && nsn[0] != b'0'
                    && nsn[1] != b'0'
                    && (n == 10 || nsn[2] == b'9')
            }
            Region::JP => (n == 9 || n == 10) && first != b'0',
            // Mobiles 9xx xxx xxxx; landlines an area code and 7–8 digits.
            Region::PH => {
                (n == 10 && first == b'9')
                    || ((8..=9).contains(&n) && (b'2'..=b'8').contains(&first))
            }
            // Geographic (2xx–4xx) and mobile (5xx) numbers.
            Region::TR => n == 10 && (b'2'..=b'5').contains(&first),
            Region::CN => {
                (n == 11 && first == b'1' && (b'3'..=b'9').contains(&nsn[1]))
                    || ((9..=11).contains(&n) && first != b'0' && first != b'1')
            }
        }
    }

    /// Whether a number may be written without trunk prefix or country
    /// code: NANP numbers, and mobile numbers where that is the custom.
    fn valid_bare(self, d: &[u8]) -> bool {
        match self {
            Region::US | Region::CA => d.len() == 10,
            Region::IN => d.len() == 10 && (b'6'..=b'9').contains(&d[0]),
            Region::BR => {
                (d.len() == 11 && d[2] == b'9') || (d.len() == 10 && (b'2'..=b'5').contains(&d[2]))
            }
            Region::CN => d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]),
            Region::TR => d.len() == 10 && (b'2'..=b'5').contains(&d[0]),
            _ => false,
        }
    }

    fn has_trunk_zero(self) -> bool {
        !matches!(self, Region::US | Region::CA)
    }

    /// Group sizes of the national format, where known.
    fn format(self, nsn: &[u8]) -> Option<&'static [usize]> {
        match self {
            Region::US | Region::CA => Some(&[3, 3, 4]),
            Region::IN if nsn.len() == 10 => Some(match nsn[0] {
                b'6'..=b'9' => &[5, 5],
                _ if matches!(
                    &nsn[..2],
                    b"11" | b"20" | b"22" | b"33" | b"40" | b"44" | b"79" | b"80"
                ) =>
                {
                    &[2, 4, 4]
                }
                _ => &[4, 2, 4],
            }),
            Region::FR if nsn.len() == 9 => Some(&[1, 2, 2, 2, 2]),
            _ => None,
        }
    }
}

/// National significant number lengths by country calling code.
const CALLING_CODES: &[(&str, u8, u8)] = &[
    ("1", 10, 10),
    ("7", 10, 10),
    ("20", 8, 10),
    ("27", 9, 9),
    ("30", 10, 10),
    ("225", 10, 10),
    ("378", 6, 10),
    ("31", 9, 9),
    ("32", 8, 9),
    ("33", 9, 9),
    ("34", 9, 9),
    ("36", 8, 9),
    ("39", 6, 11),
    ("40", 9, 9),
    ("41", 9, 9),
    ("43", 4, 13),
    ("44", 9, 10),
    ("45", 8, 8),
    ("46", 7, 10),
    ("47", 8, 8),
    ("48", 9, 9),
    ("49", 6, 13),
    ("51", 8, 9),
    ("52", 10, 10),
    ("53", 8, 8),
    ("54", 10, 11),
    ("55", 10, 11),
    ("56", 9, 9),
    ("57", 10, 10),
    ("58", 10, 10),
    ("60", 8, 10),
    ("61", 9, 9),
    ("62", 8, 12),
    ("63", 8, 10),
    ("64", 8, 10),
    ("65", 8, 8),
    ("66", 8, 9),
    ("81", 9, 10),
    ("82", 8, 10),
    ("84", 9, 10),
    ("86", 8, 12),
    ("90", 10, 10),
    ("91", 10, 10),
    ("92", 9, 10),
    ("93", 9, 9),
    ("94", 9, 9),
    ("95", 8, 10),
    ("98", 10, 10),
    ("212", 9, 9),
    ("213", 9, 9),
    ("216", 8, 8),
    ("234", 8, 10),
    ("254", 9, 9),
    ("255", 9, 9),
    ("256", 9, 9),
    ("351", 9, 9),
    ("352", 8, 11),
    ("353", 7, 9),
    ("354", 7, 9),
    ("358", 5, 12),
    ("370", 8, 8),
    ("371", 8, 8),
    ("372", 7, 8),
    ("380", 9, 9),
    ("420", 9, 9),
    ("421", 9, 9),
    ("852", 8, 8),
    ("886", 8, 9),
    ("961", 7, 8),
    ("962", 8, 9),
    ("966", 9, 9),
    ("971", 8, 9),
    ("972", 8, 9),
    ("974", 8, 8),
];

/// The compiled candidate finder.
#[derive(Debug)]
pub(crate) struct PhoneFinder {
    re: Regex,
    regions: Vec<Region>,
    leniency: u8,
}

impl PhoneFinder {
    pub(crate) fn new(regions: &[Region], leniency: u8) -> PhoneFinder {
        #[expect(clippy::expect_used, reason = "a constant pattern, covered by tests")]
        let re = Regex::new(r"\+?\(?[0-9](?:[ .\-/()]{0,2}[0-9]){5,18}\)?")
            .expect("phone pattern compiles");
        PhoneFinder {
            re,
            regions: regions.to_vec(),
            leniency: leniency.min(3),
        }
    }

    /// Phone numbers in `text` as (start, end).
    pub(crate) fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(m) = self.re.find_at(text, at) {
            let (mut s, mut e) = (m.start(), m.end());
            at = e;
            // Trim an unbalanced bracket at either end.
            let body = &b[s..e];
            let opens = body.iter().filter(|&&c| c == b'(').count();
            let closes = body.iter().filter(|&&c| c == b')').count();
            if b[e - 1] == b')' && closes > opens {
                e -= 1;
            }
            if b[s] == b'(' && opens > closes {
                s += 1;
            }
            // The whole run, else its longest prefix ending at a digit group
            // ("+44 20 7123 4567 2001:…" overruns into the next number).
            let mut ends: Vec<usize> = (s + 1..e)
                .filter(|&i| b[i - 1].is_ascii_digit() && !b[i].is_ascii_digit())
                .collect();
            ends.push(e);
            let mut hit = None;
            for &end in ends.iter().rev() {
                let mut end = end;
                if b[end - 1] == b'(' {
                    end -= 1;
                }
                let cand = &text[s..end];
                if cand.matches('(').count() != cand.matches(')').count() {
                    continue;
                }
                // An extension ("x7928", " ext. 12") belongs to the number.
                let full = end + extension_len(&b[end..]);
                // Glued to other digits, or the date and hour of a timestamp
                // ("2008-05-29 18:36").
                let glued = s > 0
                    && (b[s - 1].is_ascii_digit() || matches!(b[s - 1], b'+' | b':' | b'.'))
                    || b.get(full).is_some_and(u8::is_ascii_digit)
                    || (b.get(full) == Some(&b':')
                        && b.get(full + 1).is_some_and(u8::is_ascii_digit))
                    || date_shaped(&b[s..end]);
                let lettered = self.leniency >= 1
                    && (letter_before(text, s)
                        || text[full..].chars().next().is_some_and(char::is_alphabetic));
                let accepted = !glued
                    && !lettered
                    && (self.accept(cand)
                        || (self.leniency <= 1
                            && end == e
                            && local_shape(cand)
                            && cued(text, s, full)));
                if accepted {
                    hit = Some(full);
                    break;
                }
            }
            if let Some(end) = hit {
                out.push((s, end));
                at = end;
                continue;
            }
            // Rejected: another number may start later in this run
            // ("4111 1111 1111 1111 (415) 555-0132"). Retry at the next `(`
            // or `+`, or at a group that follows whitespace after a group of
            // four or more digits; groups joined by `-`/`.` or following a
            // short (country-code-like) group belong to the same number.
            let mut i = m.start() + 1;
            let mut group = usize::from(b[m.start()].is_ascii_digit());
            while i < m.end() {
                let c = b[i];
                if c.is_ascii_digit() {
                    if i > m.start() && b[i - 1].is_ascii_whitespace() && group >= 4 {
                        break;
                    }
                    group = if b[i - 1].is_ascii_digit() {
                        group + 1
                    } else {
                        1
                    };
                } else if c == b'(' || c == b'+' {
                    break;
                }
                i += 1;
            }
            if i < m.end() {
                at = i;
            }
        }
        out
    }

    fn accept(&self, cand: &str) -> bool {
        // A trunk prefix in brackets after the country code ("+41 (0)23 …",
        // "+44 (0)20 …") is not dialled from abroad.
        let trunk_marked = cand.starts_with('+') && cand.contains("(0)");
        let mut digits: Vec<u8> = Vec::with_capacity(cand.len());
        let mut rest = cand;
        while let Some(c) = rest.chars().next() {
            if trunk_marked && rest.starts_with("(0)") {
                rest = &rest[3..];
                continue;
            }
            if c.is_ascii_digit() {
                digits.push(c as u8);
            }
            rest = &rest[c.len_utf8()..];
        }
        let groups = group_lengths(cand);
        if cand.starts_with('+') {
            return (7..=15).contains(&digits.len()) && self.international(&digits, &groups, 0);
        }
        // The international call prefix written instead of `+`: "00" in
        // most of the world, "011" from NANP countries ("001-415-…").
        for prefix in [&b"011"[..], b"00"] {
            if let Some(rest) = digits.strip_prefix(prefix) {
                if (7..=15).contains(&rest.len()) && self.international(rest, &groups, prefix.len())
                {
                    return true;
                }
            }
        }
        if !(7..=15).contains(&digits.len()) {
            return false;
        }
        for &r in &self.regions {
            let cc = r.calling_code().as_bytes();
            // National number with trunk prefix.
            if r.has_trunk_zero() && digits.first() == Some(&b'0') {
                let nsn = &digits[1..];
                if r.valid_nsn(nsn) && self.grouping_ok(r, nsn, &groups, 1) {
                    return true;
                }
            }
            // Bare national number (NANP, mobile formats).
            if r.valid_bare(&digits)
                && r.valid_nsn(&digits)
                && self.grouping_ok(r, &digits, &groups, 0)
            {
                return true;
            }
            // Country code without `+`.
            if digits
                .strip_prefix(cc)
                .is_some_and(|nsn| r.valid_nsn(nsn) && self.grouping_ok(r, nsn, &groups, cc.len()))
            {
                return true;
            }
        }
        false
    }

    /// Whether `digits` (after `+` or an international call prefix of
    /// `skip` digits) is a country calling code and a national number of an
    /// allowed length.
    fn international(&self, digits: &[u8], groups: &[usize], skip: usize) -> bool {
        for (cc, lo, hi) in CALLING_CODES {
            let Some(nsn) = digits.strip_prefix(cc.as_bytes()) else {
                continue;
            };
            if !(usize::from(*lo)..=usize::from(*hi)).contains(&nsn.len()) {
                continue;
            }
            let region = Region::ALL.iter().find(|r| r.calling_code() == *cc);
            // Leading trunk `0` written after the code: "+44 020 …".
            let nsn = match region {
                Some(r) if r.has_trunk_zero() && nsn.first() == Some(&b'0') => &nsn[1..],
                _ => nsn,
            };
            let ok = match region {
                Some(r) => r.valid_nsn(nsn) && self.grouping_ok(*r, nsn, groups, skip + cc.len()),
                // Italy and a few others keep the leading 0 in the number.
                None => nsn.first() != Some(&b'0') || matches!(*cc, "39" | "378" | "379" | "225"),
            };
            if ok {
                return true;
            }
        }
        false
    }

    /// libphonenumber's strict (2) and exact (3) grouping, on the national
    /// part: `skip` leading digits (country code or trunk prefix) are not
    /// part of it.
    fn grouping_ok(&self, r: Region, nsn: &[u8], groups: &[usize], skip: usize) -> bool {
        if self.leniency < 2 {
            return true;
        }
        let Some(format) = r.format(nsn) else {
            return true;
        };
        // Boundaries of the candidate's groups inside the national number.
        let mut bounds = Vec::new();
        let mut at = 0usize;
        for g in groups {
            at += g;
            if at > skip && at - skip < nsn.len() {
                bounds.push(at - skip);
            }
        }
        let mut fmt_bounds = Vec::new();
        let mut at = 0;
        for g in &format[..format.len() - 1] {
            at += g;
            fmt_bounds.push(at);
        }
        if self.leniency == 2 {
            bounds.iter().all(|b| fmt_bounds.contains(b))
        } else {
            bounds.is_empty() || bounds == fmt_bounds
        }
    }
}

/// The length of a telephone extension at the start of `rest`: up to two
/// spaces, then `x`, `ext`, `ext.`, `extn`, `extension` or `#` (any case),
/// an optional `.`/`:` and space, and one to six digits standing apart.
/// Zero when there is none.
fn extension_len(rest: &[u8]) -> usize {
    let mut i = rest.iter().take(2).take_while(|c| **c == b' ').count();
    let lower = |j: usize| rest.get(j).map(u8::to_ascii_lowercase);
    let mut marker = 0;
    for word in [&b"extension"[..], b"extn", b"ext", b"x", b"#"] {
        if (0..word.len()).all(|k| lower(i + k) == Some(word[k])) {
            marker = word.len();
            break;
        }
    }
    if marker == 0 {
        return 0;
    }
    i += marker;
    if matches!(rest.get(i), Some(b'.' | b':')) {
        i += 1;
    }
    if rest.get(i) == Some(&b' ') {
        i += 1;
    }
    let digits = rest[i.min(rest.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = i + digits;
    let apart = rest.get(end).is_none_or(|c| !c.is_ascii_alphanumeric());
    if (1..=6).contains(&digits) && apart {
        end
    } else {
        0
    }
}

/// Whether the character before `at` is a letter, other than the letter of
/// an escape written out (`\n`, `\t`, `\r` in JSON-escaped text).
fn letter_before(text: &str, at: usize) -> bool {
    let mut rev = text[..at].chars().rev();
    match rev.next() {
        Some(c @ ('n' | 't' | 'r')) => rev.next() != Some('\\') && c.is_alphabetic(),
        Some(c) => c.is_alphabetic(),
        None => false,
    }
}

/// A date at the start of a candidate: `yyyy-mm-dd`, `yyyy/mm/dd`,
/// `dd.mm.yyyy` and the like, which a timestamp's digits resemble.
fn date_shaped(c: &[u8]) -> bool {
    let groups: Vec<&[u8]> = c
        .split(|b| matches!(b, b'-' | b'/' | b'.'))
        .take(3)
        .collect();
    let all_digits = |g: &[u8]| !g.is_empty() && g.iter().all(u8::is_ascii_digit);
    if groups.len() < 3 || !groups.iter().take(2).all(|g| all_digits(g)) {
        return false;
    }
    let third: Vec<u8> = groups[2]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    let len = [groups[0].len(), groups[1].len(), third.len()];
    matches!(len, [4, 1 | 2, 1 | 2] | [1 | 2, 1 | 2, 4])
}

/// Words that announce a telephone number ("Phone:", "call me on", "Fax")
/// or follow one ("… office", "-Mobile").
const CUES_BEFORE: &[&str] = &[
    "phone",
    "phones",
    "telephone",
    "tel",
    "mobile",
    "mob",
    "cell",
    "cellphone",
    "fax",
    "desk",
    "office",
    "home",
    "work",
    "landline",
    "call",
    "calling",
    "ring",
    "dial",
    "text",
    "texts",
    "sms",
    "message",
    "messages",
    "whatsapp",
    "signal",
    "telegram",
    "reach",
    "reached",
    "contact",
    "answering",
    "ph",
    "hotline",
    "helpline",
];
const CUES_AFTER: &[&str] = &[
    "phone", "tel", "mobile", "mob", "cell", "fax", "desk", "office", "home", "work", "landline",
    "whatsapp",
];

/// Whether a cue word stands within three words before `start` or right
/// after `end` (past separators and written-out `\n` escapes).
fn cued(text: &str, start: usize, end: usize) -> bool {
    // ASCII words only: every cue is ASCII. A written-out `\n` or `\t`
    // separates words like a space does.
    let word_at = |b: &[u8], i: usize| {
        b[i].is_ascii_alphanumeric() && !(i > 0 && b[i - 1] == b'\\' && matches!(b[i], b'n' | b't'))
    };
    let b = text.as_bytes();
    let is_in = |w: &[u8], list: &[&str]| list.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(w));
    // Between the cue and the number: "me", "on", "at", "is", "my", ….
    const FILLER: &[&str] = &[
        "me",
        "on",
        "at",
        "is",
        "us",
        "no",
        "nr",
        "number",
        "to",
        "my",
        "the",
        "registered",
    ];
    let floor = start.saturating_sub(48);
    let mut i = start;
    for _ in 0..4 {
        while i > floor && !word_at(b, i - 1) {
            i -= 1;
        }
        let e = i;
        while i > floor && word_at(b, i - 1) {
            i -= 1;
        }
        let w = &b[i..e];
        if w.is_empty() || i == floor && floor > 0 {
            break;
        }
        if is_in(w, CUES_BEFORE) {
            return true;
        }
        if !is_in(w, FILLER) {
            break;
        }
    }
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return false;
    }
    let ceil = (end + 24).min(b.len());
    let mut k = end;
    while k < ceil && !word_at(b, k) {
        k += 1;
    }
    let s = k;
    while k < ceil && word_at(b, k) {
        k += 1;
    }
    s < k && is_in(&b[s..k], CUES_AFTER)
}

/// A number written as a local or national number of a plan this module
/// does not know, after a cue word: with `+`, eight to fifteen digits;
/// else six to fifteen digits in groups of at least two (a bracketed area
/// code may be a single digit).
fn local_shape(cand: &str) -> bool {
    let digits = cand.bytes().filter(u8::is_ascii_digit).count();
    let groups = group_lengths(cand);
    if cand.starts_with('+') {
        return (8..=15).contains(&digits);
    }
    (6..=15).contains(&digits)
        && groups.iter().skip(1).all(|&g| g >= 2)
        && (cand.starts_with('(') || groups.first().is_some_and(|&g| g >= 2))
}

/// The lengths of the digit groups of a candidate (`(415) 555-0199` → 3, 3, 4).
fn group_lengths(cand: &str) -> Vec<usize> {
    cand.split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect()
}
