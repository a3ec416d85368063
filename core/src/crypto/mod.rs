//! Envelope encryption (DESIGN §3.1).
//!
//! * The application supplies a 256-bit master key. Vallum derives from it,
//!   with HKDF-SHA256, a key-encryption key (KEK) and a key-check value; the
//!   check value tells a wrong master key apart from corrupt data.
//! * Each (scope, owner) has its own random data key (DEK), stored only
//!   wrapped by the KEK with AES-256-GCM.
//! * Values are sealed with AES-256-GCM under the owner's DEK; the associated
//!   data binds each ciphertext to (format version, scope, owner, entry key,
//!   DEK id), so a row copied elsewhere fails to decrypt.
//!
//! The byte formats are documented in `docs/adr/0001-key-hierarchy-and-storage-format.md`
//! and pinned by `tests/vectors/crypto-kat.json`.

pub(crate) mod aead;
mod keyring;

pub(crate) use aead::header as aead_header;
pub(crate) use aead::{mac_value, maced_key_id, verify_value};
pub use aead::{open_value, seal_value, FORMAT_VERSION};
pub use keyring::{Keyring, MasterRotation, UnreadableKey, DEFAULT_DEK_USE_LIMIT};

use crate::error::{Error, Result};
use hkdf::Hkdf;
use sha2::Sha256;
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of every symmetric key, in bytes.
pub const KEY_LEN: usize = 32;

/// A master key must contain at least this many distinct byte values.
pub const MIN_DISTINCT_BYTES: usize = 12;

/// The application's master key. Zeroized on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKey([u8; KEY_LEN]);

impl MasterKey {
    /// A master key from exactly 32 bytes. Obvious placeholder keys — all
    /// zeros, one repeated byte, a short repeated pattern (fewer than
    /// [`MIN_DISTINCT_BYTES`] distinct byte values) — are refused with
    /// `invalid_key`: generate keys with a CSPRNG ([`MasterKey::generate`],
    /// `os.urandom(32)`, `crypto.getRandomValues`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidKey {
            message: format!("a master key is {KEY_LEN} bytes; got {}", bytes.len()),
        })?;
        let key = Self(arr);
        key.check_strength()?;
        Ok(key)
    }

    /// Refuses keys that no random generator produces in practice. Not an
    /// entropy test: a key derived from a password passes and is still weak.
    fn check_strength(&self) -> Result<()> {
        let mut seen = [false; 256];
        for b in self.0 {
            seen[b as usize] = true;
        }
        let distinct = seen.iter().filter(|s| **s).count();
        if distinct < MIN_DISTINCT_BYTES {
            // The chance that 32 random bytes take fewer than 12 distinct
            // values is below 2^-60.
            return Err(Error::InvalidKey {
                message: format!(
                    "the master key has only {distinct} distinct byte value(s) (all zeros, a repeated byte or a short repeated pattern); generate 32 random bytes with a CSPRNG"
                ),
            });
        }
        Ok(())
    }

    /// A master key from text: 64 hex digits or standard base64 of 32 bytes.
    pub fn from_encoded(text: &str) -> Result<Self> {
        let t = text.trim();
        if t.len() == 2 * KEY_LEN && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut out = [0u8; KEY_LEN];
            let mut bytes = crate::text::hex_decode(t).ok_or_else(bad_encoding)?;
            out.copy_from_slice(&bytes);
            bytes.zeroize();
            let key = Self::from_bytes(&out);
            out.zeroize();
            return key;
        }
        use base64::Engine as _;
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(t)
            .map_err(|_| bad_encoding())?;
        let key = Self::from_bytes(&bytes);
        bytes.zeroize();
        key
    }

    /// [`MasterKey::from_bytes`] for key bytes a binding copied out of its
    /// host: the copy is wiped whether or not it makes a key.
    pub fn take_bytes(bytes: &mut [u8]) -> Result<Self> {
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        key
    }

    /// [`MasterKey::from_encoded`] for key text a binding copied out of its
    /// host: the copy is wiped whether or not it makes a key.
    pub fn take_encoded(text: &mut String) -> Result<Self> {
        let key = Self::from_encoded(text);
        text.zeroize();
        key
    }

    /// Reads the master key from an environment variable (hex or base64).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_env(var: &str) -> Result<Self> {
        let mut text = std::env::var(var).map_err(|_| Error::InvalidKey {
            message: format!("environment variable {var} is not set or not unicode"),
        })?;
        let key = Self::from_encoded(&text);
        text.zeroize();
        key
    }

    /// A fresh random master key (for tests and first-time set-up).
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; KEY_LEN];
        random_bytes(&mut k)?;
        let key = Self(k);
        k.zeroize();
        Ok(key)
    }

    /// Unwraps a stored data key of (scope, owner) — for the known-answer
    /// vectors and for tools that read a Vallum store without the full SDK.
    pub fn unwrap_data_key(
        &self,
        scope: &str,
        owner: &str,
        dek_id: u32,
        wrapped: &[u8],
    ) -> Result<DataKey> {
        aead::unwrap_key(&self.derive()?, scope, owner, dek_id, wrapped)
    }

    /// Wraps a data key for (scope, owner) — the inverse of [`MasterKey::unwrap_data_key`].
    pub fn wrap_data_key(&self, scope: &str, owner: &str, dek: &DataKey) -> Result<Vec<u8>> {
        aead::wrap_key(&self.derive()?, scope, owner, dek)
    }

    /// Derives the key-encryption key and key-check value.
    pub(crate) fn derive(&self) -> Result<Kek> {
        let hk = Hkdf::<Sha256>::new(Some(b"vallum.kek.v1"), &self.0);
        let mut wrap = [0u8; KEY_LEN];
        let mut check = [0u8; KEY_LEN];
        hk.expand(b"wrap", &mut wrap)
            .map_err(|_| Error::internal("hkdf expand"))?;
        hk.expand(b"check", &mut check)
            .map_err(|_| Error::internal("hkdf expand"))?;
        let id = u32::from_be_bytes([check[0], check[1], check[2], check[3]]);
        let kek = Kek { wrap, check, id };
        wrap.zeroize();
        Ok(kek)
    }
}

fn bad_encoding() -> Error {
    Error::InvalidKey {
        message: "expected 64 hex digits or base64 of 32 bytes".into(),
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// Supplies the master key, e.g. from a KMS. Called once when a [`crate::Vallum`]
/// is built and once per master-key rotation.
pub trait KeyProvider: Send + Sync {
    /// Returns the current master key.
    fn master_key(&self) -> Result<MasterKey>;
}

/// A [`KeyProvider`] reading an environment variable (hex or base64).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone)]
pub struct EnvKeyProvider {
    var: String,
}

#[cfg(not(target_arch = "wasm32"))]
impl EnvKeyProvider {
    /// Reads `var` on each call.
    pub fn new(var: impl Into<String>) -> Self {
        Self { var: var.into() }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl KeyProvider for EnvKeyProvider {
    fn master_key(&self) -> Result<MasterKey> {
        MasterKey::from_env(&self.var)
    }
}

/// Keys derived from the master key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Kek {
    pub(crate) wrap: [u8; KEY_LEN],
    /// Stored in the database to recognise the right master key. It is an
    /// HKDF output, so it reveals nothing about the key.
    pub(crate) check: [u8; KEY_LEN],
    #[zeroize(skip)]
    pub(crate) id: u32,
}

/// A data key: 32 random bytes with an id unique within its (scope, owner).
/// A MAC key for values stored without encryption is derived from it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey {
    pub(crate) bytes: [u8; KEY_LEN],
    pub(crate) mac: [u8; KEY_LEN],
    /// The expanded AES key schedule, kept so a value costs no key setup.
    /// The `aes` crate zeroizes it on drop (feature `zeroize`).
    #[zeroize(skip)]
    pub(crate) cipher: aes_gcm::Aes256Gcm,
    #[zeroize(skip)]
    pub(crate) id: u32,
}

impl DataKey {
    /// A data key from 32 bytes (known-answer tests; normal use generates keys).
    pub fn from_bytes(bytes: &[u8], id: u32) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidKey {
            message: format!("a data key is {KEY_LEN} bytes; got {}", bytes.len()),
        })?;
        Self::with_bytes(arr, id)
    }

    pub(crate) fn with_bytes(mut bytes: [u8; KEY_LEN], id: u32) -> Result<Self> {
        let mut mac = [0u8; KEY_LEN];
        Hkdf::<Sha256>::new(Some(b"vallum.dek.v1"), &bytes)
            .expand(b"mac", &mut mac)
            .map_err(|_| Error::internal("hkdf expand"))?;
        use aes_gcm::KeyInit as _;
        let cipher = aes_gcm::Aes256Gcm::new((&bytes).into());
        let k = Self {
            bytes,
            mac,
            cipher,
            id,
        };
        bytes.zeroize();
        mac.zeroize();
        Ok(k)
    }

    /// A fresh random data key.
    pub(crate) fn generate(id: u32) -> Result<Self> {
        let mut bytes = [0u8; KEY_LEN];
        random_bytes(&mut bytes)?;
        Self::with_bytes(bytes, id)
    }

    /// Whether this key's bytes are `bytes` (known-answer tests). Compares
    /// every byte, whatever the position of the first difference.
    pub fn matches_bytes(&self, bytes: &[u8]) -> bool {
        bytes.len() == KEY_LEN
            && self
                .bytes
                .iter()
                .zip(bytes)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// The key's id (stored in every ciphertext header).
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey(id={}, <redacted>)", self.id)
    }
}

/// Fills `buf` from the operating system's CSPRNG (`crypto.getRandomValues` in
/// the browser).
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::getrandom(buf).map_err(|e| Error::internal(format!("system RNG failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_key_encodings() {
        let hex = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";
        let k = MasterKey::from_encoded(hex).unwrap();
        assert_eq!((k.0[0], k.0[31]), (0x1f, 0x00));
        let b64 = "Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";
        assert_eq!(MasterKey::from_encoded(b64).unwrap().0, k.0);
        for bad in ["", "zz", &"0".repeat(63), "AAAA"] {
            assert_eq!(
                MasterKey::from_encoded(bad).unwrap_err().code(),
                crate::error::ErrorCode::InvalidKey
            );
        }
        assert!(MasterKey::from_bytes(&[0u8; 31]).is_err());
    }

    #[test]
    fn weak_master_keys_are_refused() {
        let mut pattern = [0u8; 32];
        for (i, b) in pattern.iter_mut().enumerate() {
            *b = b"abcdefghijk"[i % 11];
        }
        for weak in [[0u8; 32], [0xff; 32], [7; 32], pattern] {
            let e = MasterKey::from_bytes(&weak).unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::InvalidKey);
            assert!(e.to_string().contains("distinct byte"), "{e}");
        }
        let e = MasterKey::from_encoded(&"00".repeat(32)).unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidKey);
        let e =
            MasterKey::from_encoded("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidKey);
        // Twelve distinct values pass; random keys always do.
        let mut twelve = [0u8; 32];
        for (i, b) in twelve.iter_mut().enumerate() {
            *b = (i % 12) as u8;
        }
        assert!(MasterKey::from_bytes(&twelve).is_ok());
        for _ in 0..100 {
            MasterKey::generate().unwrap();
        }
    }

    #[test]
    fn debug_never_prints_key_material() {
        let bytes = *b"\xab\xab-debug-key-0123456789abcdefghi";
        let k = MasterKey::from_bytes(&bytes[..32]).unwrap();
        let s = format!("{k:?}");
        assert!(
            !s.to_lowercase().contains("ab") && !s.contains("debug-key"),
            "{s}"
        );
        let d = DataKey::from_bytes(&[0xCD; 32], 7).unwrap();
        assert!(!format!("{d:?}").to_lowercase().contains("cd"));
    }

    #[test]
    fn kek_derivation_is_deterministic_and_key_dependent() {
        let a = MasterKey::from_bytes(b"vallum-test-key/01-0123456789abc")
            .unwrap()
            .derive()
            .unwrap();
        let a2 = MasterKey::from_bytes(b"vallum-test-key/01-0123456789abc")
            .unwrap()
            .derive()
            .unwrap();
        let b = MasterKey::from_bytes(b"vallum-test-key/02-0123456789abc")
            .unwrap()
            .derive()
            .unwrap();
        assert_eq!(a.check, a2.check);
        assert_eq!(a.id, a2.id);
        assert_ne!(a.check, b.check);
        assert_ne!(a.wrap, a.check);
    }
}
