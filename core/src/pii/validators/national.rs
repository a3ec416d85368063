//! Check digits and date checks of national identifiers, by country.

use super::{digits, luhn, strip, valid_date, verhoeff, weighted};

// ---- United States ---------------------------------------------------------

/// SSN rules: one kind of separator, not all one digit, no zero group or
/// serial, not 000/666 areas or well-known samples.
pub(crate) fn us_ssn_invalid(s: &str) -> bool {
    let mut seps = s.chars().filter(|c| matches!(c, '.' | '-' | ' '));
    if let Some(first) = seps.next() {
        if seps.any(|c| c != first) {
            return true;
        }
    }
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    let Some(f) = d.chars().next() else {
        return true;
    };
    if d.chars().all(|c| c == f) {
        return true;
    }
    if d.get(3..5) == Some("00") || d.get(5..) == Some("0000") {
        return true;
    }
    ["000", "666", "123456789", "98765432", "078051120"]
        .iter()
        .any(|p| d.starts_with(p))
}

/// DEA registration number check digit.
pub(crate) fn medical_license(s: &str) -> Option<bool> {
    let ds = digits(s.get(2..).unwrap_or(""));
    if ds.len() != 7 {
        return Some(false);
    }
    let odd = ds[0] + ds[2] + ds[4];
    let even = ds[1] + ds[3] + ds[5];
    Some((odd + 2 * even) % 10 == ds[6])
}

// ---- United Kingdom --------------------------------------------------------

pub(crate) fn uk_nhs(s: &str) -> Option<bool> {
    let ds = digits(s);
    Some(ds.len() == 10 && weighted(&ds, &[10, 9, 8, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11))
}

// ---- Canada, Australia, India ------------------------------------------

pub(crate) fn ca_sin_invalid(s: &str) -> bool {
    !luhn(&digits(s))
}

pub(crate) fn au_abn(s: &str) -> Option<bool> {
    let mut ds = digits(s);
    if ds.len() != 11 || ds[0] == 0 {
        return Some(false);
    }
    ds[0] -= 1;
    Some(weighted(&ds, &[10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]).is_multiple_of(89))
}

pub(crate) fn au_acn(s: &str) -> Option<bool> {
    let ds = digits(s);
    if ds.len() != 9 {
        return Some(false);
    }
    let r = weighted(&ds, &[8, 7, 6, 5, 4, 3, 2, 1]) % 10;
    Some((10 - r) % 10 == ds[8])
}

pub(crate) fn au_tfn(s: &str) -> Option<bool> {
    let ds = digits(s);
    Some(ds.len() == 9 && weighted(&ds, &[1, 4, 3, 7, 5, 8, 6, 9, 10]).is_multiple_of(11))
}

pub(crate) fn au_medicare(s: &str) -> Option<bool> {
    let ds = digits(s);
    Some(ds.len() >= 9 && weighted(&ds, &[1, 3, 7, 9, 1, 3, 7, 9]) % 10 == ds[8])
}

pub(crate) fn in_aadhaar(s: &str) -> Option<bool> {
    let ds = digits(s);
    let palindrome = ds.iter().eq(ds.iter().rev());
    Some(ds.len() == 12 && ds[0] >= 2 && verhoeff(&ds) && !palindrome)
}

// ---- Europe ------------------------------------------------------------------

const NIF_LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";

pub(crate) fn es_nif(s: &str) -> Option<bool> {
    let v = strip(s, &['-']).to_ascii_uppercase();
    let letter = v.bytes().last()?;
    let n: u64 = v.get(..v.len() - 1)?.parse().ok()?;
    Some(NIF_LETTERS[(n % 23) as usize] == letter)
}

pub(crate) fn es_nie(s: &str) -> Option<bool> {
    let v = strip(s, &['-']).to_ascii_uppercase();
    if !(8..=9).contains(&v.len()) {
        return Some(false);
    }
    let b = v.as_bytes();
    let lead = match b[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        _ => return Some(false),
    };
    let Ok(n) = v[1..v.len() - 1].parse::<u64>() else {
        return Some(false);
    };
    let width = v.len() - 2;
    let n = lead * 10u64.pow(width as u32) + n;
    Some(NIF_LETTERS[(n % 23) as usize] == b[v.len() - 1])
}

pub(crate) fn it_fiscal_code(s: &str) -> Option<bool> {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let v = s.to_ascii_uppercase();
    let b = v.as_bytes();
    if b.len() != 16 {
        return None;
    }
    let value = |c: u8| -> Option<usize> {
        match c {
            b'0'..=b'9' => Some(usize::from(c - b'0')),
            b'A'..=b'Z' => Some(usize::from(c - b'A')),
            _ => None,
        }
    };
    let mut sum = 0u32;
    for (i, &c) in b[..15].iter().enumerate() {
        let n = value(c)?;
        sum += if i % 2 == 0 { ODD[n] } else { n as u32 };
    }
    let check = b'A' + (sum % 26) as u8;
    // A wrong check letter leaves the pattern's score (Presidio does the same).
    if check == b[15] {
        Some(true)
    } else {
        None
    }
}

pub(crate) fn pl_pesel(s: &str) -> Option<bool> {
    if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(false);
    }
    let ds = digits(s);
    let sum = weighted(&ds, &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3]);
    Some((10 - sum % 10) % 10 == ds[10])
}

pub(crate) fn se_personnummer(s: &str) -> Option<bool> {
    let all = digits(s);
    if all.len() < 10 {
        return Some(false);
    }
    let ds = &all[all.len() - 10..];
    if all.len() != 10 && all.len() != 12 {
        return Some(false);
    }
    let month = ds[2] * 10 + ds[3];
    let mut day = ds[4] * 10 + ds[5];
    if day >= 61 {
        day -= 60; // samordningsnummer
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Some(false);
    }
    Some(luhn(ds))
}

pub(crate) fn fi_personal_identity_code(s: &str) -> Option<bool> {
    const CONTROL: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let b = s.as_bytes();
    if b.len() != 11 {
        return Some(false);
    }
    let ds = digits(&s[..6]);
    if ds.len() != 6 {
        return Some(false);
    }
    let (d, m, y) = (ds[0] * 10 + ds[1], ds[2] * 10 + ds[3], ds[4] * 10 + ds[5]);
    // Python's `%y` pivots at 69: 00–68 → 2000s, 69–99 → 1900s.
    let year = if y < 69 { 2000 + y } else { 1900 + y };
    if !valid_date(year, m, d) {
        return Some(false);
    }
    let Ok(n) = format!("{}{}", &s[..6], &s[7..10]).parse::<u64>() else {
        return Some(false);
    };
    Some(CONTROL[(n % 31) as usize] == b[10])
}

pub(crate) fn de_tax_id(s: &str) -> Option<bool> {
    if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0') {
        return Some(false);
    }
    let ds = digits(s);
    let mut counts = [0u8; 10];
    for &d in &ds[..10] {
        counts[d as usize] += 1;
    }
    if counts.iter().any(|&c| c > 3) {
        return Some(false);
    }
    let mut product = 10;
    for &d in &ds[..10] {
        let mut total = (d + product) % 10;
        if total == 0 {
            total = 10;
        }
        product = (total * 2) % 11;
    }
    let check = (11 - product) % 10;
    Some(check == ds[10])
}

// ---- Turkey, Korea, Singapore, South Africa ----------------------------------

pub(crate) fn tr_national_id(s: &str) -> Option<bool> {
    let ds = digits(s);
    if ds.len() != 11 || ds[0] == 0 {
        return Some(false);
    }
    let odd: u32 = ds[0] + ds[2] + ds[4] + ds[6] + ds[8];
    let even: u32 = ds[1] + ds[3] + ds[5] + ds[7];
    let tenth = (odd * 7 + 10 * 10 - even) % 10;
    let eleventh = ds[..10].iter().sum::<u32>() % 10;
    Some(tenth == ds[9] && eleventh == ds[10])
}

pub(crate) fn kr_rrn(s: &str) -> Option<bool> {
    let ds = digits(s);
    if ds.len() != 13 {
        return Some(false);
    }
    let region = ds[7] * 10 + ds[8];
    let sum = weighted(&ds, &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]);
    let check = (11 - sum % 11) % 10;
    // A failed checksum keeps the pattern score: numbers issued since
    // October 2020 no longer carry one.
    if region <= 95 && check == ds[12] {
        Some(true)
    } else {
        None
    }
}

/// Singapore NRIC/FIN check letter (S/T, F/G, M series).
pub(crate) fn sg_nric_check(s: &str) -> bool {
    let v = s.to_ascii_uppercase();
    let b = v.as_bytes();
    if b.len() != 9 {
        return false;
    }
    let ds = digits(&v[1..8]);
    if ds.len() != 7 {
        return false;
    }
    let mut sum = weighted(&ds, &[2, 7, 6, 5, 4, 3, 2]);
    let (offset, table): (u32, &[u8]) = match b[0] {
        b'S' => (0, b"JZIHGFEDCBA"),
        b'T' => (4, b"JZIHGFEDCBA"),
        b'F' => (0, b"XWUTRQPNMLK"),
        b'G' => (4, b"XWUTRQPNMLK"),
        b'M' => (3, b"XWUTRQPNJLK"),
        _ => return false,
    };
    sum += offset;
    table[(sum % 11) as usize] == b[8]
}

/// South African ID: birth date not in the future, citizenship 0–2, legacy
/// digit 8 or 9, Luhn. `today` is (year, month, day).
pub(crate) fn za_id_number(s: &str, today: (u32, u32, u32)) -> Option<bool> {
    if s.len() != 13 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(false);
    }
    let ds = digits(s);
    let (yy, m, d) = (ds[0] * 10 + ds[1], ds[2] * 10 + ds[3], ds[4] * 10 + ds[5]);
    let pivot = today.0 % 100;
    let year = if yy > pivot { 1900 + yy } else { 2000 + yy };
    if !valid_date(year, m, d) || (year, m, d) > today {
        return Some(false);
    }
    if ds[10] > 2 || !(ds[11] == 8 || ds[11] == 9) {
        return Some(false);
    }
    Some(luhn(&ds))
}
