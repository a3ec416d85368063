//! The stored value blob.
//!
//! Inner form: `flags: u8 ‖ payload`, flags bit 0 = lz4 block compressed
//! (payload is `len: u32 LE ‖ block`), bit 7 = secret (never held in the hot
//! cache, never compressed). The payload is the value's JSON text.
//!
//! Stored form: for values written with encryption off, the MAC'ed form of
//! `crypto::aead` (first byte 0x00; readable in the database but bound to its
//! scope, owner and key like a ciphertext); otherwise the sealed form (first
//! byte = format version 1). Either way the inner form, flags included, is
//! authenticated.

use crate::crypto::{open_value, seal_value, DataKey};
use crate::error::{Error, Result};

pub(crate) const PLAIN: u8 = 0x00;
const COMPRESSED: u8 = 0x01;
pub(crate) const SECRET: u8 = 0x80;

/// Builds the inner form.
pub(crate) fn encode_inner(json: &[u8], compress: bool, secret: bool) -> Vec<u8> {
    let mut flags = if secret { SECRET } else { 0 };
    if compress && !secret {
        let block = lz4_flex::block::compress(json);
        if block.len() + 4 < json.len() {
            flags |= COMPRESSED;
            let mut out = Vec::with_capacity(5 + block.len());
            out.push(flags);
            out.extend_from_slice(&(json.len() as u32).to_le_bytes());
            out.extend_from_slice(&block);
            return out;
        }
    }
    let mut out = Vec::with_capacity(1 + json.len());
    out.push(flags);
    out.extend_from_slice(json);
    out
}

/// Parses the inner form: (JSON bytes, flags).
pub(crate) fn decode_inner(inner: &[u8], max_len: usize, what: &str) -> Result<(Vec<u8>, u8)> {
    let corrupt = |m: &str| Error::CorruptStore {
        message: format!("{what}: {m}"),
    };
    let (&flags, rest) = inner.split_first().ok_or_else(|| corrupt("empty value"))?;
    if flags & !(COMPRESSED | SECRET) != 0 {
        return Err(corrupt("unknown value flags"));
    }
    if flags & COMPRESSED == 0 {
        return Ok((rest.to_vec(), flags));
    }
    if rest.len() < 4 {
        return Err(corrupt("truncated compressed value"));
    }
    let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    if len > max_len {
        return Err(corrupt("compressed value claims an oversized length"));
    }
    let out = lz4_flex::block::decompress(&rest[4..], len)
        .map_err(|_| corrupt("bad compressed value"))?;
    Ok((out, flags))
}

/// The stored form of a value written without encryption.
pub(crate) fn plain(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    inner: &[u8],
) -> Result<Vec<u8>> {
    crate::crypto::mac_value(dek, scope, owner, key, inner)
}

/// The stored form of an encrypted value.
pub(crate) fn sealed(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    inner: &[u8],
) -> Result<Vec<u8>> {
    seal_value(dek, scope, owner, key, inner)
}

/// Opens an encrypted stored form.
pub(crate) fn open(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    blob: &[u8],
) -> Result<Vec<u8>> {
    open_value(dek, scope, owner, key, blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_round_trip_and_bounds() {
        let json = format!("\"{}\"", "abc".repeat(1000));
        let inner = encode_inner(json.as_bytes(), true, false);
        assert!(inner.len() < json.len());
        assert_eq!(
            decode_inner(&inner, 1 << 20, "t").unwrap().0,
            json.as_bytes()
        );
        assert!(decode_inner(&inner, 10, "t").is_err());
        let secret = encode_inner(json.as_bytes(), true, true);
        assert_eq!(secret[0], SECRET);
        assert_eq!(secret.len(), json.len() + 1);
        assert!(decode_inner(&[], 10, "t").is_err());
        assert!(decode_inner(&[0x40, 1], 10, "t").is_err());
        assert!(decode_inner(&[COMPRESSED, 1, 0], 10, "t").is_err());
        assert!(decode_inner(&[COMPRESSED, 5, 0, 0, 0, 0xff, 0xff], 10, "t").is_err());
    }
}
