//! The two sealed formats: values and wrapped data keys.
//!
//! Value (format version 1):
//! `0x01 ‖ dek_id: u32 BE ‖ nonce: 12 bytes ‖ AES-256-GCM(ciphertext ‖ tag)`,
//! associated data `"vallum.value.v1" ‖ 0x01 ‖ lp(scope) ‖ lp(owner) ‖ lp(key) ‖ dek_id`,
//! where `lp(x)` is `len(x): u32 BE ‖ x`.
//!
//! Wrapped key (format version 1):
//! `0x01 ‖ kek_id: u32 BE ‖ nonce: 12 bytes ‖ AES-256-GCM(dek ‖ tag)` (65 bytes),
//! associated data `"vallum.dek.v1" ‖ lp(scope) ‖ lp(owner) ‖ dek_id ‖ kek_id`.

use super::{random_bytes, DataKey, Kek, KEY_LEN};
use crate::error::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

/// The current value and wrapped-key format version.
pub const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
const WRAPPED_LEN: usize = HEADER_LEN + KEY_LEN + TAG_LEN;

fn lp(out: &mut Vec<u8>, part: &[u8]) {
    // Parts are bounded (ids ≤ 256 bytes, keys ≤ 1 KiB), so the length fits.
    out.extend_from_slice(&(part.len() as u32).to_be_bytes());
    out.extend_from_slice(part);
}

fn value_aad(scope: &str, owner: &str, key: &str, dek_id: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + scope.len() + owner.len() + key.len());
    aad.extend_from_slice(b"vallum.value.v1");
    aad.push(FORMAT_VERSION);
    lp(&mut aad, scope.as_bytes());
    lp(&mut aad, owner.as_bytes());
    lp(&mut aad, key.as_bytes());
    aad.extend_from_slice(&dek_id.to_be_bytes());
    aad
}

fn wrap_aad(scope: &str, owner: &str, dek_id: u32, kek_id: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + scope.len() + owner.len());
    aad.extend_from_slice(b"vallum.dek.v1");
    lp(&mut aad, scope.as_bytes());
    lp(&mut aad, owner.as_bytes());
    aad.extend_from_slice(&dek_id.to_be_bytes());
    aad.extend_from_slice(&kek_id.to_be_bytes());
    aad
}

fn seal(key: &[u8; KEY_LEN], id: u32, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    seal_with(&Aes256Gcm::new(key.into()), id, plaintext, aad)
}

fn seal_with(cipher: &Aes256Gcm, id: u32, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::internal("AES-GCM encryption failed"))?;
    let mut out = Vec::with_capacity(HEADER_LEN + ct.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Reads the header of a sealed blob: (format version, key id).
pub(crate) fn header(blob: &[u8], what: &str) -> Result<u32> {
    if blob.len() < HEADER_LEN + TAG_LEN {
        return Err(Error::decryption(format!("{what}: truncated ciphertext")));
    }
    if blob[0] != FORMAT_VERSION {
        return Err(Error::decryption(format!(
            "{what}: unknown format version {}",
            blob[0]
        )));
    }
    Ok(u32::from_be_bytes([blob[1], blob[2], blob[3], blob[4]]))
}

fn open(key: &[u8; KEY_LEN], blob: &[u8], aad: &[u8], what: &str) -> Result<Vec<u8>> {
    open_with(&Aes256Gcm::new(key.into()), blob, aad, what)
}

fn open_with(cipher: &Aes256Gcm, blob: &[u8], aad: &[u8], what: &str) -> Result<Vec<u8>> {
    let nonce = Nonce::from_slice(&blob[5..HEADER_LEN]);
    cipher
        .decrypt(
            nonce,
            Payload {
                msg: &blob[HEADER_LEN..],
                aad,
            },
        )
        .map_err(|_| Error::decryption(format!("{what}: authentication failed")))
}

/// Seals a value for (scope, owner, key) under `dek`.
pub fn seal_value(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    seal_with(
        &dek.cipher,
        dek.id,
        plaintext,
        &value_aad(scope, owner, key, dek.id),
    )
}

/// Opens a sealed value; `dek` must be the key named in the header.
pub fn open_value(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    blob: &[u8],
) -> Result<Vec<u8>> {
    let id = header(blob, "value")?;
    if id != dek.id {
        return Err(Error::decryption("value: sealed under another data key"));
    }
    open_with(
        &dek.cipher,
        blob,
        &value_aad(scope, owner, key, id),
        "value",
    )
}

fn token_aad(scope: &str, owner: &str, entity: &str, dek_id: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(40 + scope.len() + owner.len() + entity.len());
    aad.extend_from_slice(b"vallum.pii-token.v1");
    aad.push(FORMAT_VERSION);
    lp(&mut aad, scope.as_bytes());
    lp(&mut aad, owner.as_bytes());
    lp(&mut aad, entity.as_bytes());
    aad.extend_from_slice(&dek_id.to_be_bytes());
    aad
}

/// Seals a PII token (the `encrypt` operator) for `entity` under the data
/// key of (scope, owner): the token opens only for that owner, and dies
/// with the owner's key (`forget`, rotation). The associated data's label
/// differs from a stored value's, so neither can stand in for the other.
pub fn seal_token(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    entity: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    seal_with(
        &dek.cipher,
        dek.id,
        plaintext,
        &token_aad(scope, owner, entity, dek.id),
    )
}

/// Opens a token sealed by [`seal_token`]; `dek` must be the key its header names.
pub fn open_token(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    entity: &str,
    blob: &[u8],
) -> Result<Vec<u8>> {
    let id = header(blob, "PII token")?;
    if id != dek.id {
        return Err(Error::decryption(
            "PII token: sealed under another data key",
        ));
    }
    open_with(
        &dek.cipher,
        blob,
        &token_aad(scope, owner, entity, id),
        "PII token",
    )
}

/// Format byte of a value stored in clear but authenticated.
pub(crate) const MACED: u8 = 0x00;
const MAC_LEN: usize = 32;

fn value_mac(dek: &DataKey, aad: &[u8], body: &[u8]) -> Result<Hmac<Sha256>> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&dek.mac).map_err(|_| Error::internal("hmac key"))?;
    mac.update(aad);
    mac.update(body);
    Ok(mac)
}

/// A value stored without encryption, still bound to (scope, owner, key):
/// `0x00 ‖ dek_id: u32 BE ‖ plaintext ‖ HMAC-SHA256(mac_key, aad ‖ plaintext)`.
pub(crate) fn mac_value(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let aad = value_aad(scope, owner, key, dek.id);
    let tag = value_mac(dek, &aad, plaintext)?.finalize().into_bytes();
    let mut out = Vec::with_capacity(5 + plaintext.len() + MAC_LEN);
    out.push(MACED);
    out.extend_from_slice(&dek.id.to_be_bytes());
    out.extend_from_slice(plaintext);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// The key id of a MAC'ed value.
pub(crate) fn maced_key_id(blob: &[u8], what: &str) -> Result<u32> {
    if blob.len() < 5 + MAC_LEN || blob[0] != MACED {
        return Err(Error::decryption(format!("{what}: truncated value")));
    }
    Ok(u32::from_be_bytes([blob[1], blob[2], blob[3], blob[4]]))
}

/// Checks a MAC'ed value and returns its plaintext.
pub(crate) fn verify_value(
    dek: &DataKey,
    scope: &str,
    owner: &str,
    key: &str,
    blob: &[u8],
    what: &str,
) -> Result<Vec<u8>> {
    let id = maced_key_id(blob, what)?;
    if id != dek.id {
        return Err(Error::decryption(format!(
            "{what}: authenticated under another data key"
        )));
    }
    let (body, tag) = blob[5..].split_at(blob.len() - 5 - MAC_LEN);
    value_mac(dek, &value_aad(scope, owner, key, id), body)?
        .verify_slice(tag)
        .map_err(|_| Error::decryption(format!("{what}: integrity check failed")))?;
    Ok(body.to_vec())
}

/// Wraps a data key for (scope, owner) under the KEK.
pub(crate) fn wrap_key(kek: &Kek, scope: &str, owner: &str, dek: &DataKey) -> Result<Vec<u8>> {
    seal(
        &kek.wrap,
        kek.id,
        &dek.bytes,
        &wrap_aad(scope, owner, dek.id, kek.id),
    )
}

/// Unwraps a data key stored for (scope, owner) under id `dek_id`.
pub(crate) fn unwrap_key(
    kek: &Kek,
    scope: &str,
    owner: &str,
    dek_id: u32,
    blob: &[u8],
) -> Result<DataKey> {
    if blob.len() != WRAPPED_LEN {
        return Err(Error::decryption("wrapped data key: wrong length"));
    }
    let kek_id = header(blob, "wrapped data key")?;
    if kek_id != kek.id {
        // The master key was checked when the store opened, so a different
        // id here means the wrapped key was altered or copied from elsewhere.
        return Err(Error::decryption(format!(
            "wrapped data key: wrapped by master key {kek_id:08x}, the current one is {:08x}",
            kek.id
        )));
    }
    let mut raw = open(
        &kek.wrap,
        blob,
        &wrap_aad(scope, owner, dek_id, kek_id),
        "wrapped data key",
    )?;
    let mut bytes = [0u8; KEY_LEN];
    bytes.copy_from_slice(&raw);
    raw.zeroize();
    DataKey::with_bytes(bytes, dek_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;

    fn dek() -> DataKey {
        DataKey::from_bytes(&[7; 32], 3).unwrap()
    }

    #[test]
    fn maced_values_detect_every_flip_and_move() {
        let k = dek();
        let blob = mac_value(&k, "user", "o", "k", b"\"visible\"").unwrap();
        assert_eq!(
            verify_value(&k, "user", "o", "k", &blob, "t").unwrap(),
            b"\"visible\""
        );
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0x04;
            assert!(
                verify_value(&k, "user", "o", "k", &b, "t").is_err(),
                "byte {i}"
            );
        }
        assert!(verify_value(&k, "user", "p", "k", &blob, "t").is_err());
        assert!(verify_value(&k, "session", "o", "k", &blob, "t").is_err());
        assert!(verify_value(&k, "user", "o", "j", &blob, "t").is_err());
    }

    #[test]
    fn value_round_trip_and_binding() {
        let k = dek();
        let blob = seal_value(&k, "user", "acme\u{1f}alice", "theme", b"\"dark\"").unwrap();
        assert_eq!(
            open_value(&k, "user", "acme\u{1f}alice", "theme", &blob).unwrap(),
            b"\"dark\""
        );
        for (s, o, key) in [
            ("session", "acme\u{1f}alice", "theme"),
            ("user", "acme\u{1f}bob", "theme"),
            ("user", "acme\u{1f}alice", "other"),
        ] {
            let e = open_value(&k, s, o, key, &blob).unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::DecryptionFailed);
        }
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let k = dek();
        let blob = seal_value(&k, "user", "o", "k", b"secret value").unwrap();
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0x01;
            assert!(open_value(&k, "user", "o", "k", &b).is_err(), "byte {i}");
        }
        assert!(open_value(&k, "user", "o", "k", &blob[..10]).is_err());
    }

    #[test]
    fn nonces_are_fresh() {
        let k = dek();
        let a = seal_value(&k, "user", "o", "k", b"x").unwrap();
        let b = seal_value(&k, "user", "o", "k", b"x").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn wrap_round_trip_and_wrong_kek() {
        let kek = MasterKey::from_bytes(b"vallum-test-key/09-0123456789abc")
            .unwrap()
            .derive()
            .unwrap();
        let other = MasterKey::from_bytes(b"vallum-test-key/08-0123456789abc")
            .unwrap()
            .derive()
            .unwrap();
        let w = wrap_key(&kek, "user", "o", &dek()).unwrap();
        assert_eq!(w.len(), WRAPPED_LEN);
        assert_eq!(unwrap_key(&kek, "user", "o", 3, &w).unwrap().bytes, [7; 32]);
        assert_eq!(
            unwrap_key(&other, "user", "o", 3, &w).unwrap_err().code(),
            crate::error::ErrorCode::DecryptionFailed
        );
        assert!(unwrap_key(&kek, "user", "p", 3, &w).is_err());
        assert!(unwrap_key(&kek, "user", "o", 4, &w).is_err());
        for i in 0..w.len() {
            let mut b = w.clone();
            b[i] ^= 0x80;
            assert_eq!(
                unwrap_key(&kek, "user", "o", 3, &b).unwrap_err().code(),
                crate::error::ErrorCode::DecryptionFailed
            );
        }
    }
}
