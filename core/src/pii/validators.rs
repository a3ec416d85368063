//! Check-digit and structure validators for the built-in recognizers.
//!
//! Each validator takes the matched text as it appears (with separators) and
//! answers `Some(true)` (confirmed: score 1.0), `Some(false)` (rejected: the
//! candidate is dropped) or `None` (no opinion: the pattern's score stands),
//! the same three-way contract Presidio's `validate_result` has, so results
//! line up entity by entity.

use sha2::{Digest, Sha256};

/// The ASCII digits of `s`, as numbers, ignoring every other character.
fn digits(s: &str) -> Vec<u32> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .collect()
}

/// `s` without the given separator characters.
fn strip(s: &str, seps: &[char]) -> String {
    s.chars().filter(|c| !seps.contains(c)).collect()
}

/// Luhn (mod 10) over a digit sequence.
pub(crate) fn luhn(ds: &[u32]) -> bool {
    if ds.is_empty() {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Verhoeff check digit (Aadhaar).
pub(crate) fn verhoeff(ds: &[u32]) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0usize;
    for (i, &d) in ds.iter().rev().enumerate() {
        let p = P[i % 8][d as usize] as usize;
        c = D[c][p] as usize;
    }
    c == 0
}

/// Weighted digit sum.
fn weighted(ds: &[u32], weights: &[u32]) -> u32 {
    ds.iter().zip(weights).map(|(d, w)| d * w).sum()
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Whether `d/m/y` is a calendar date.
pub(crate) fn valid_date(y: u32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

// ---- generic -------------------------------------------------------------

pub(crate) fn aba_routing(s: &str) -> Option<bool> {
    let ds = digits(s);
    Some(ds.len() == 9 && weighted(&ds, &[3, 7, 1, 3, 7, 1, 3, 7, 1]).is_multiple_of(10))
}

/// IBAN: mod-97 over the rearranged string, then the country's BBAN shape.
pub(crate) fn iban(s: &str) -> Option<bool> {
    let v = strip(s, &[' ', '-']);
    if v.len() < 5 || !v.is_ascii() {
        return Some(false);
    }
    let (head, rest) = v.split_at(4);
    let mut rem: u64 = 0;
    for c in rest.chars().chain(head.chars()) {
        let n = match c.to_digit(36) {
            Some(n) => u64::from(n),
            None => return Some(false),
        };
        rem = if n >= 10 {
            (rem * 100 + n) % 97
        } else {
            (rem * 10 + n) % 97
        };
    }
    if rem != 1 {
        return Some(false);
    }
    if iban_format_ok(&v) {
        Some(true)
    } else if iban_format_ok(&v.to_ascii_uppercase()) {
        None
    } else {
        Some(false)
    }
}

/// BBAN structure per country in the IBAN registry's notation
/// (`n` digits, `a` upper-case letters, `c` alphanumerics).
const IBAN_FORMATS: &[(&str, &str)] = &[
    ("AD", "4n4n12c"),
    ("AE", "3n16n"),
    ("AL", "8n16c"),
    ("AT", "16n"),
    ("AZ", "4c20n"),
    ("BA", "16n"),
    ("BE", "12n"),
    ("BG", "4a6n8c"),
    ("BH", "4a14c"),
    ("BI", "23n"),
    ("BR", "23n1a1c"),
    ("BY", "4c4n16c"),
    ("CH", "5n12c"),
    ("CR", "18n"),
    ("CY", "8n16c"),
    ("CZ", "20n"),
    ("DE", "18n"),
    ("DJ", "23n"),
    ("DK", "14n"),
    ("DO", "4c20n"),
    ("EE", "16n"),
    ("EG", "25n"),
    ("ES", "20n"),
    ("FI", "14n"),
    ("FK", "2a12n"),
    ("FO", "14n"),
    ("FR", "10n11c2n"),
    ("GB", "4a14n"),
    ("GE", "2c16n"),
    ("GI", "4a15c"),
    ("GL", "14n"),
    ("GR", "7n16c"),
    ("GT", "4c20c"),
    ("HN", "4a20n"),
    ("HR", "17n"),
    ("HU", "24n"),
    ("IE", "4c14n"),
    ("IL", "19n"),
    ("IQ", "4a15n"),
    ("IS", "22n"),
    ("IT", "1a10n12c"),
    ("JO", "4a4n18c"),
    ("KW", "4a22c"),
    ("KZ", "3n13c"),
    ("LB", "4n20c"),
    ("LC", "4a24c"),
    ("LI", "5n12c"),
    ("LT", "16n"),
    ("LU", "3n13c"),
    ("LV", "4a13c"),
    ("LY", "21n"),
    ("MC", "10n11c2n"),
    ("MD", "2c18c"),
    ("ME", "18n"),
    ("MK", "3n10c2n"),
    ("MN", "16n"),
    ("MR", "23n"),
    ("MT", "4a5n18c"),
    ("MU", "4a19n3a"),
    ("NI", "4a20n"),
    ("NL", "4a10n"),
    ("NO", "11n"),
    ("OM", "3n16c"),
    ("PK", "4c16c"),
    ("PL", "24n"),
    ("PS", "4c21c"),
    ("PT", "21n"),
    ("QA", "4a21c"),
    ("RO", "4a16c"),
    ("RS", "18n"),
    ("RU", "14n15c"),
    ("SA", "2n18c"),
    ("SC", "4a20n3a"),
    ("SD", "14n"),
    ("SE", "20n"),
    ("SI", "15n"),
    ("SK", "20n"),
    ("SM", "1a10n12c"),
    ("SO", "19n"),
    ("ST", "21n"),
    ("SV", "4a20n"),
    ("TL", "19n"),
    ("TN", "20n"),
    ("TR", "5n1c16c"),
    ("UA", "6n19c"),
    ("VA", "18n"),
    ("VG", "4c16n"),
    ("XK", "16n"),
    ("YE", "4a4n18c"),
];

/// Whether `v` (separators removed) starts with its country's IBAN shape.
fn iban_format_ok(v: &str) -> bool {
    let b = v.as_bytes();
    let Some(&(_, fmt)) = IBAN_FORMATS
        .iter()
        .find(|(cc, _)| b.starts_with(cc.as_bytes()))
    else {
        return false;
    };
    if b.len() < 4 || !b[2].is_ascii_digit() || !b[3].is_ascii_digit() {
        return false;
    }
    let mut i = 4;
    let mut n = 0usize;
    for ch in fmt.bytes() {
        if ch.is_ascii_digit() {
            n = n * 10 + usize::from(ch - b'0');
            continue;
        }
        for _ in 0..n {
            let Some(&c) = b.get(i) else { return false };
            let ok = match ch {
                b'n' => c.is_ascii_digit(),
                b'a' => c.is_ascii_uppercase(),
                _ => c.is_ascii_alphanumeric(),
            };
            if !ok {
                return false;
            }
            i += 1;
        }
        n = 0;
    }
    true
}

/// Bitcoin addresses: Base58Check for `1…`/`3…`, bech32/bech32m for `bc1…`.
pub(crate) fn crypto(s: &str) -> Option<bool> {
    if s.starts_with('1') || s.starts_with('3') {
        return Some(base58check(s));
    }
    if s.starts_with("bc1") {
        return Some(bech32(s));
    }
    Some(false)
}

fn base58check(s: &str) -> bool {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let zeros = s.bytes().take_while(|&b| b == b'1').count();
    // Big-endian base-256 accumulator.
    let mut num: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes().skip(zeros) {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            return false;
        };
        let mut carry = v as u32;
        for byte in num.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            num.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut bytes = vec![0u8; zeros];
    bytes.extend_from_slice(&num);
    if bytes.len() < 5 {
        return false;
    }
    let (payload, check) = bytes.split_at(bytes.len() - 4);
    let hash = Sha256::digest(Sha256::digest(payload));
    hash[..4] == *check
}

fn bech32(s: &str) -> bool {
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    if s.bytes().any(|b| !(33..=126).contains(&b))
        || (s.to_ascii_lowercase() != s && s.to_ascii_uppercase() != s)
        || s.len() > 90
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let Some(pos) = lower.rfind('1') else {
        return false;
    };
    if pos < 1 || pos + 7 > lower.len() {
        return false;
    }
    let (hrp, data) = (&lower[..pos], &lower[pos + 1..]);
    let mut values: Vec<u32> = hrp.bytes().map(|b| u32::from(b >> 5)).collect();
    values.push(0);
    values.extend(hrp.bytes().map(|b| u32::from(b & 31)));
    for b in data.bytes() {
        let Some(v) = CHARSET.iter().position(|&c| c == b) else {
            return false;
        };
        values.push(v as u32);
    }
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ v;
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk == 1 || chk == 0x2bc8_30a3
}

/// A MAC address other than all-zeros and broadcast.
pub(crate) fn mac_invalid(s: &str) -> bool {
    let hex: String = strip(s, &[':', '-', '.']);
    hex.len() != 12
        || !hex.bytes().all(|b| b.is_ascii_hexdigit())
        || hex.bytes().all(|b| b == b'0')
        || hex.bytes().all(|b| b == b'f' || b == b'F')
}

/// Python's `ipaddress.ip_interface` acceptance: an address with an optional
/// `/prefix` and, for IPv6, an optional `%scope`.
pub(crate) fn ip_invalid(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    if let Ok(_v4) = addr.parse::<std::net::Ipv4Addr>() {
        // Python rejects leading zeros in IPv4 octets.
        if addr.split('.').any(|o| o.len() > 1 && o.starts_with('0')) {
            return true;
        }
        return !prefix.is_none_or(|p| prefix_ok(p, 32));
    }
    let addr = match addr.split_once('%') {
        Some((a, scope)) if !scope.is_empty() => a,
        Some(_) => return true,
        None => addr,
    };
    match addr.parse::<std::net::Ipv6Addr>() {
        Ok(_) => !prefix.is_none_or(|p| prefix_ok(p, 128)),
        Err(_) => true,
    }
}

fn prefix_ok(p: &str, max: u32) -> bool {
    !p.is_empty()
        && p.len() <= 3
        && p.bytes().all(|b| b.is_ascii_digit())
        && p.parse::<u32>().is_ok_and(|n| n <= max)
}

mod national;

pub(crate) use national::*;
mod opt_in;
pub(crate) use opt_in::*;

#[cfg(test)]
mod tests;
