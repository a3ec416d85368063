//! Validators of the opt-in recognizers (`recognizers/opt_in.rs`): the
//! country-specific identifiers Presidio ships disabled by default. Each
//! follows the same three-way contract as the rest of this module and the
//! rules of Presidio's `validate_result` / `invalidate_result` for the entity.

use super::{digits, luhn, verhoeff, weighted};

/// Upper-cased `s` without spaces, hyphens and the other `seps`
/// (Presidio's `replacement_pairs`).
fn squeeze(s: &str, seps: &[u8]) -> Vec<u8> {
    s.bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'-' && !seps.contains(b))
        .map(|b| b.to_ascii_uppercase())
        .collect()
}

fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

fn num(b: &[u8]) -> u32 {
    b.iter()
        .fold(0u32, |a, &d| a.saturating_mul(10) + u32::from(d - b'0'))
}

/// ICAO Doc 9303 check digit (weights 7, 3, 1; letters A=10 … Z=35) over
/// all but the last character, which must be that digit.
fn icao_check(b: &[u8]) -> bool {
    let Some((&last, body)) = b.split_last() else {
        return false;
    };
    if !last.is_ascii_digit() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in body.iter().enumerate() {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    sum % 10 == u32::from(last - b'0')
}

// ---- Germany ---------------------------------------------------------------

/// Betriebsstättennummer: no public check digit; only malformed or all-zero
/// values are rejected.
pub(crate) fn de_bsnr(s: &str) -> Option<bool> {
    let b = s.trim().as_bytes();
    if b.len() != 9 || !all_digits(b) || b.iter().all(|&c| c == b'0') {
        return Some(false);
    }
    None
}

/// Lebenslange Arztnummer: check digit at position 7 (weights 4, 9).
pub(crate) fn de_lanr(s: &str) -> Option<bool> {
    let b = s.trim().as_bytes();
    if b.len() != 9 || !all_digits(b) {
        return Some(false);
    }
    let ds = digits(s);
    let total = weighted(&ds[..6], &[4, 9, 4, 9, 4, 9]);
    Some((10 - total % 10) % 10 == ds[6])
}

/// Reisepass: ICAO charset (no A, B, D, E, I, O, Q, S, U) and check digit.
pub(crate) fn de_passport(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 9 || b[..8].iter().any(|c| b"ABDEIOQSU".contains(c)) {
        return Some(false);
    }
    Some(icao_check(&b))
}

/// Personalausweis: the nPA's ICAO check digit; the legacy `T` + 8 digits
/// has none (no opinion).
pub(crate) fn de_id_card(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 9 {
        return Some(false);
    }
    if b[0] == b'T' && all_digits(&b[1..]) {
        return None;
    }
    Some(icao_check(&b))
}

/// Krankenversichertennummer: the letter as two digits, then alternating
/// weights 1, 2 with cross sums; the 10th character is the check digit.
pub(crate) fn de_health_insurance(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 10 || !b[0].is_ascii_uppercase() || !all_digits(&b[1..]) {
        return Some(false);
    }
    let letter = u32::from(b[0] - b'A') + 1;
    let mut eff = vec![letter / 10, letter % 10];
    eff.extend(b[1..9].iter().map(|&c| u32::from(c - b'0')));
    let total: u32 = eff
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let p = d * if i % 2 == 0 { 1 } else { 2 };
            p / 10 + p % 10
        })
        .sum();
    Some(total % 10 == u32::from(b[9] - b'0'))
}

/// Rentenversicherungsnummer: birth day (women +50) and month, then the
/// weighted cross-sum check digit with the letter as two digits.
pub(crate) fn de_social_security(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 12 || !all_digits(&b[..8]) || !b[8].is_ascii_uppercase() || !all_digits(&b[9..]) {
        return Some(false);
    }
    let day = num(&b[2..4]);
    let month = num(&b[4..6]);
    if !((1..=31).contains(&day) || (51..=81).contains(&day)) || !(1..=12).contains(&month) {
        return Some(false);
    }
    let letter = u32::from(b[8] - b'A') + 1;
    let mut eff: Vec<u32> = b[..8].iter().map(|&c| u32::from(c - b'0')).collect();
    eff.extend([letter / 10, letter % 10]);
    eff.extend(b[9..11].iter().map(|&c| u32::from(c - b'0')));
    let total: u32 = eff
        .iter()
        .zip([2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1])
        .map(|(&d, w)| {
            let p = d * w;
            p / 10 + p % 10
        })
        .sum();
    Some(total % 10 == u32::from(b[11] - b'0'))
}

/// USt-IdNr.: ISO 7064 MOD 11,10. A failed check keeps the pattern score
/// (Presidio's default, non-strict mode).
pub(crate) fn de_vat_id(s: &str) -> Option<bool> {
    let b = squeeze(s, b".");
    if b.len() != 11 || !b.starts_with(b"DE") || !all_digits(&b[2..]) {
        return Some(false);
    }
    let mut product = 10u32;
    for &c in &b[2..10] {
        let mut total = (u32::from(c - b'0') + product) % 10;
        if total == 0 {
            total = 10;
        }
        product = total * 2 % 11;
    }
    let check = match 11 - product {
        10 => 0,
        c => c,
    };
    (check == u32::from(b[10] - b'0')).then_some(true)
}

// ---- India -----------------------------------------------------------------

/// GSTIN: state code 01–37, a PAN-shaped middle, `Z` in 14th place.
pub(crate) fn in_gstin(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 15 || !all_digits(&b[..2]) || !(1..=37).contains(&num(&b[..2])) {
        return Some(false);
    }
    let pan = &b[2..12];
    let pan_ok = pan[..5].iter().filter(|c| c.is_ascii_alphabetic()).count() >= 3
        && all_digits(&pan[5..9])
        && pan[9].is_ascii_alphabetic();
    Some(pan_ok && b[12].is_ascii_alphanumeric() && b[13] == b'Z' && b[14].is_ascii_alphanumeric())
}

/// Districts (RTO codes) per state or union territory, one bit per number.
#[allow(
    clippy::unreadable_literal,
    reason = "bit masks generated from Presidio's district lists"
)]
const IN_RTO: &[([u8; 2], u128)] = &[
    (*b"AN", 0x2),
    (*b"AP", 0x18000000000),
    (*b"AR", 0x5bfffe),
    (*b"AS", 0x7ffdffffe),
    (*b"BR", 0x1bc78e7ff680ffe),
    (*b"CG", 0x7ffffffe),
    (*b"CH", 0x1e),
    (*b"DD", 0xe),
    (*b"DL", 0x3ffe),
    (*b"DN", 0x200),
    (*b"GA", 0x1ffe),
    (*b"GJ", 0xfffffffffe),
    (*b"HP", 0xfffffffffffffffffffdffffe),
    (*b"HR", 0xfffffffffffffffffffdffffe),
    (*b"JH", 0x1dffffe),
    (*b"JK", 0x5ffffe),
    (*b"KA", 0xffffffffffffdffffe),
    (*b"KL", 0xfffffffffffffffffffdffffe),
    (*b"LA", 0x6),
    (*b"LD", 0x3fe),
    (*b"MH", 0xfffffffdffffe),
    (*b"ML", 0x7fe),
    (*b"MN", 0xfe),
    (*b"MP", 0xffffffffffffdffffe),
    (*b"MZ", 0x1fe),
    (*b"NL", 0x7fe),
    (*b"OD", 0xfffdffffe),
    (*b"OR", 0xffdffffe),
    (*b"PB", 0xfffffffffffffffffffdffffe),
    (*b"PY", 0x3e),
    (*b"RJ", 0x7ffffffffdffffe),
    (*b"SK", 0x1fe),
    (*b"TN", 0xfffffffffffffffffffdffffe),
    (*b"TR", 0x1fe),
    (*b"TS", 0x7fffdffffe),
    (*b"UK", 0x1ffffe),
    (*b"UP", 0x1ffffffffffffffffffdff800),
    (*b"WB", 0x7ffffffffffffffffffdffffe),
];

/// Vehicle registration: a known state and district confirm the number;
/// anything else keeps the pattern score (Presidio never rejects).
pub(crate) fn in_vehicle_registration(s: &str) -> Option<bool> {
    let b = squeeze(s, b":");
    if b.len() < 8 || !b[2].is_ascii_digit() {
        return None;
    }
    let (_, districts) = IN_RTO.iter().find(|(st, _)| st[..] == b[..2])?;
    let code = if b[3].is_ascii_digit() {
        &b[2..4]
    } else {
        // One-digit districts are written so only where the list is.
        if !matches!(&b[..2], b"DL" | b"GJ") {
            return None;
        }
        &b[2..3]
    };
    let serial = &b[b.len() - 4..];
    if !all_digits(serial) || num(serial) == 0 {
        return None;
    }
    let d = num(code);
    (d < 128 && districts >> d & 1 == 1).then_some(true)
}

// ---- Italy -----------------------------------------------------------------

/// Partita IVA: Luhn-style check digit over 11 digits.
pub(crate) fn it_vat_code(s: &str) -> Option<bool> {
    let b = squeeze(s, b"_");
    if b.len() != 11 || !all_digits(&b) || b.iter().all(|&c| c == b'0') {
        return Some(false);
    }
    let d = |i: usize| u32::from(b[i] - b'0');
    let (mut x, mut y) = (0, 0);
    for i in 0..5 {
        x += d(2 * i);
        let t = d(2 * i + 1) * 2;
        y += if t > 9 { t - 9 } else { t };
    }
    Some((10 - (x + y) % 10) % 10 == d(10))
}

// ---- Korea -----------------------------------------------------------------

/// Business registration number check digit.
pub(crate) fn kr_brn(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 10 || !all_digits(&b) {
        return Some(false);
    }
    let ds = digits(s);
    let mut sum = weighted(&ds[..8], &[1, 3, 7, 1, 3, 7, 1, 3]);
    let last = ds[8] * 5;
    sum += last / 10 + last;
    Some((10 - sum % 10) % 10 == ds[9])
}

/// Driver's licence: 12 digits starting with a region code.
pub(crate) fn kr_driver_license(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 12 || !all_digits(&b) {
        return Some(false);
    }
    Some(matches!(num(&b[..2]), 11..=26 | 28))
}

/// Foreigner registration number: region code and check digit confirm; a
/// failed check keeps the pattern score (as for the RRN).
pub(crate) fn kr_frn(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() != 13 || !all_digits(&b) {
        return Some(false);
    }
    let ds = digits(s);
    let sum = weighted(&ds, &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]);
    let region = ds[7] * 10 + ds[8];
    (region <= 95 && (13 - sum % 11) % 10 == ds[12]).then_some(true)
}

// ---- Nigeria, Philippines, Thailand, Sweden, Singapore, Turkey -------------

/// National identification number: 11 digits, Verhoeff check.
pub(crate) fn ng_nin(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    Some(b.len() == 11 && all_digits(b) && verhoeff(&digits(s)))
}

/// Taxpayer identification number: weights 9…2 mod 11 give the 9th digit.
pub(crate) fn ph_tin_invalid(s: &str) -> bool {
    let b = squeeze(s, &[]);
    if !all_digits(&b) || !matches!(b.len(), 9 | 12) {
        return true;
    }
    let ds = digits(s);
    weighted(&ds[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) % 11 != ds[8]
}

/// Thai national id: weights 13…2 mod 11.
pub(crate) fn th_tnin(s: &str) -> Option<bool> {
    let b = s.as_bytes();
    if b.len() != 13 || !all_digits(b) {
        return Some(false);
    }
    let ds = digits(s);
    let x = weighted(&ds[..12], &[13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let want = if x <= 1 { 1 - x } else { 11 - x };
    Some(want == ds[12])
}

/// Organisationsnummer: third digit ≥ 2 (a person's number has a month
/// there), then Luhn.
pub(crate) fn se_organisationsnummer(s: &str) -> Option<bool> {
    let ds = digits(s);
    Some(ds.len() == 10 && ds[2] >= 2 && luhn(&ds))
}

/// Unique Entity Number, formats A (business), B (local company, with its
/// year of registration) and C (other entities).
pub(crate) fn sg_uen(s: &str, year: u32) -> Option<bool> {
    let b = s.as_bytes();
    let pick = |alphabet: &[u8], sum: u32| alphabet[(sum % 11) as usize];
    let wsum = |body: &[u8], w: &[u32]| -> Option<u32> {
        body.iter()
            .zip(w)
            .map(|(&c, &w)| c.is_ascii_digit().then(|| u32::from(c - b'0') * w))
            .sum()
    };
    Some(match b.len() {
        9 => match wsum(&b[..8], &[10, 4, 9, 3, 8, 2, 7, 1]) {
            Some(sum) => pick(b"XMKECAWLJDB", sum) == b[8],
            None => false,
        },
        10 if b[0].is_ascii_alphabetic() => {
            const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWX0123456789";
            const TYPES: &[&[u8; 2]] = &[
                b"LP", b"LL", b"FC", b"PF", b"RF", b"MQ", b"MM", b"NB", b"CC", b"CS", b"MB", b"FM",
                b"GS", b"DP", b"CP", b"NR", b"CM", b"CD", b"MD", b"HS", b"VH", b"CH", b"MH", b"CL",
                b"XL", b"CX", b"HC", b"RP", b"TU", b"TC", b"FB", b"FN", b"PA", b"PB", b"SS", b"MC",
                b"SM", b"GA", b"GB",
            ];
            if !matches!(b[0], b'T' | b'S' | b'R') || !TYPES.iter().any(|t| t[..] == b[3..5]) {
                return Some(false);
            }
            let mut sum = 0u32;
            for (&c, w) in b[..9].iter().zip([4u32, 3, 5, 3, 10, 2, 2, 5, 7]) {
                let Some(i) = ALPHABET.iter().position(|&a| a == c) else {
                    return Some(false);
                };
                sum += i as u32 * w;
            }
            ALPHABET[((sum + 11 - 5) % 11) as usize] == b[9]
        }
        10 => {
            if !all_digits(&b[..4]) || num(&b[..4]) > year {
                return Some(false);
            }
            match wsum(&b[..9], &[10, 8, 6, 4, 9, 7, 5, 3, 1]) {
                Some(sum) => pick(b"ZKCMDNERGWH", sum) == b[9],
                None => false,
            }
        }
        _ => false,
    })
}

/// Licence plate: the province code 01–81.
pub(crate) fn tr_license_plate(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() < 3 || !all_digits(&b[..2]) {
        return None;
    }
    Some((1..=81).contains(&num(&b[..2])))
}

// ---- United Kingdom, United States -----------------------------------------

/// Driving licence: the surname field is letters padded with `9`s.
pub(crate) fn uk_driving_licence(s: &str) -> Option<bool> {
    let b = s.to_ascii_uppercase().into_bytes();
    let surname = b.get(..5)?;
    if surname == b"99999" {
        return Some(false);
    }
    let letters = surname
        .iter()
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    if letters == 0 || surname[letters..].iter().any(|&c| c != b'9') {
        return Some(false);
    }
    None
}

/// Vehicle registration (current format): the age identifier is a
/// half-year that has been issued (02–29, 51–79).
pub(crate) fn uk_vehicle_registration(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if b.len() == 7 && b[..2].iter().all(u8::is_ascii_alphabetic) && all_digits(&b[2..4]) {
        let age = num(&b[2..4]);
        return Some((2..=29).contains(&age) || (51..=79).contains(&age));
    }
    None
}

/// National Provider Identifier: Luhn over `80840` + the 10 digits.
pub(crate) fn us_npi(s: &str) -> Option<bool> {
    let b = squeeze(s, &[]);
    if !all_digits(&b) {
        return Some(false);
    }
    let mut ds = vec![8, 0, 8, 4, 0];
    ds.extend(b.iter().map(|&c| u32::from(c - b'0')));
    Some(luhn(&ds))
}

/// An NPI whose first nine digits are all the same is a placeholder.
pub(crate) fn us_npi_invalid(s: &str) -> bool {
    let b = squeeze(s, &[]);
    match b.split_last() {
        Some((_, body)) if !body.is_empty() => body.iter().all(|&c| c == body[0]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_on_published_examples() {
        assert_eq!(de_health_insurance("A000500015"), Some(true));
        assert_eq!(de_health_insurance("A000500016"), Some(false));
        assert_eq!(de_id_card("L01X00T44"), Some(true));
        assert_eq!(de_id_card("T22000124"), None);
        assert_eq!(de_vat_id("DE136695976"), Some(true));
        assert_eq!(de_vat_id("DE136695977"), None);
        assert_eq!(de_bsnr("000000000"), Some(false));
        assert_eq!(it_vat_code("07643520567"), Some(true));
        assert_eq!(ng_nin("12345678901"), Some(false));
        assert_eq!(in_vehicle_registration("KA53ME3456"), Some(true));
        assert_eq!(in_vehicle_registration("KA99ME3456"), None);
        assert_eq!(in_vehicle_registration("DL3CJI0001"), Some(true));
        assert_eq!(tr_license_plate("82 ABC 123"), Some(false));
        assert!(us_npi_invalid("1111111111"));
        assert_eq!(uk_driving_licence("99999801019AB9CD"), Some(false));
    }
}
