//! The keys of reversible masking: the `encrypt` operator's tokens, sealed
//! under a data key of their owner (bound by [`TokenBinding`]), and the
//! `hash` operator's HMAC key.

use crate::crypto::aead::{open_token, seal_token};
use crate::crypto::{DataKey, Keyring};
use crate::error::{Error, Result};
use crate::storage::Backend;
use crate::vocab::{Context, Scope};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::sync::Arc;

/// Keyring owner of the instance-wide `hash` key (global scope).
pub const PII_KEY_OWNER: &str = "vallum.pii";

/// The owner an `encrypt` token is bound to: `"organization"`, `"user"`
/// or `"session"` in JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TokenBinding {
    /// Any user of the organization that masked it.
    #[default]
    Organization,
    /// Only the user who masked it.
    User,
    /// Only the session that masked it.
    Session,
}

impl TokenBinding {
    fn scope(self) -> Scope {
        match self {
            TokenBinding::Organization => Scope::Organization,
            TokenBinding::User => Scope::User,
            TokenBinding::Session => Scope::Session,
        }
    }

    /// The letter naming the binding inside a token.
    fn letter(self) -> char {
        match self {
            TokenBinding::Organization => 'o',
            TokenBinding::User => 'u',
            TokenBinding::Session => 's',
        }
    }

    const NAMES: [&'static str; 3] = ["organization", "user", "session"];

    fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub(super) fn from_letter(s: &str) -> Option<Self> {
        match s {
            "o" => Some(TokenBinding::Organization),
            "u" => Some(TokenBinding::User),
            "s" => Some(TokenBinding::Session),
            _ => None,
        }
    }
}

// By hand rather than derived: a unit enum inside the internally tagged
// `Operator` would pull serde's buffered enum machinery into every build.
impl Serialize for TokenBinding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for TokenBinding {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match name.as_str() {
            "organization" => Ok(TokenBinding::Organization),
            "user" => Ok(TokenBinding::User),
            "session" => Ok(TokenBinding::Session),
            other => Err(serde::de::Error::unknown_variant(other, &Self::NAMES)),
        }
    }
}

/// Keys for `hash` and `encrypt`. With an instance (the usual case), `hash`
/// uses one instance-wide key (global scope, owner `vallum.pii`, created on
/// first use) and `encrypt` seals each token under the data key of the
/// owner it is bound to, counted against that key's use limit and rotated
/// with it. Standalone ([`PiiKeys::from_bytes`]), one given key does both;
/// tokens are still bound to the owner through their associated data.
#[derive(Debug, Clone)]
pub struct PiiKeys {
    source: Arc<KeySource>,
}

enum KeySource {
    Fixed(Arc<DataKey>),
    Keyring {
        keyring: Arc<Keyring>,
        backend: Arc<dyn Backend>,
        hash_key: parking_lot::Mutex<Option<Arc<DataKey>>>,
    },
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeySource::Fixed(_) => "KeySource::Fixed",
            KeySource::Keyring { .. } => "KeySource::Keyring",
        })
    }
}

/// Where an `encrypt` token belongs: (binding, storage owner).
pub(super) struct TokenOwner {
    binding: TokenBinding,
    owner: String,
}

impl TokenOwner {
    pub(super) fn of(ctx: &Context, binding: TokenBinding, entity: &str) -> Result<Self> {
        let owner = ctx.owner(binding.scope()).map_err(|_| {
            Error::invalid_arg(
                "context",
                format!(
                    "the encrypt operator for {entity} binds tokens to the {}: the context needs one",
                    binding.scope()
                ),
            )
        })?;
        Ok(TokenOwner { binding, owner })
    }
}

impl PiiKeys {
    /// Keys from the instance keyring; keys are created on first use, so
    /// an instance that never hashes or encrypts PII stores no extra key.
    pub(crate) fn from_keyring(keyring: Arc<Keyring>, backend: Arc<dyn Backend>) -> Self {
        PiiKeys {
            source: Arc::new(KeySource::Keyring {
                keyring,
                backend,
                hash_key: parking_lot::Mutex::new(None),
            }),
        }
    }

    /// Keys from 32 raw bytes (standalone use; keep them secret).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(PiiKeys {
            source: Arc::new(KeySource::Fixed(Arc::new(DataKey::from_bytes(bytes, 1)?))),
        })
    }

    fn hash_key(&self) -> Result<Arc<DataKey>> {
        match &*self.source {
            KeySource::Fixed(k) => Ok(k.clone()),
            KeySource::Keyring {
                keyring,
                backend,
                hash_key,
            } => {
                let mut slot = hash_key.lock();
                if let Some(k) = &*slot {
                    return Ok(k.clone());
                }
                // The first key of the owner, for stable pseudonyms; it
                // never seals anything.
                let k = match keyring.key_for_decrypt(&**backend, Scope::Global, PII_KEY_OWNER, 1) {
                    Ok(k) => k,
                    Err(Error::DecryptionFailed { .. })
                        if backend.keys(Scope::Global, PII_KEY_OWNER)?.is_empty() =>
                    {
                        keyring.key_for_encrypt(&**backend, Scope::Global, PII_KEY_OWNER)?
                    }
                    Err(e) => return Err(e),
                };
                *slot = Some(k.clone());
                Ok(k)
            }
        }
    }

    pub(super) fn pseudonym(&self, entity: &str, value: &str) -> Result<String> {
        let dek = self.hash_key()?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&dek.mac)
            .map_err(|_| Error::internal("hmac key"))?;
        mac.update(b"vallum-pii-hash-v1\0");
        mac.update(entity.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        let tag = mac.finalize().into_bytes();
        Ok(crate::text::hex_encode(&tag[..16]))
    }

    pub(super) fn seal(&self, to: &TokenOwner, entity: &str, value: &str) -> Result<String> {
        let scope = to.binding.scope();
        let dek = match &*self.source {
            KeySource::Fixed(k) => k.clone(),
            KeySource::Keyring {
                keyring, backend, ..
            } => keyring.key_for_encrypt(&**backend, scope, &to.owner)?,
        };
        let blob = seal_token(&dek, scope.as_str(), &to.owner, entity, value.as_bytes())?;
        Ok(format!(
            "<ENC:{entity}:{}:{}>",
            to.binding.letter(),
            B64.encode(blob)
        ))
    }

    pub(super) fn open(&self, to: &TokenOwner, entity: &str, b64: &str) -> Result<String> {
        let scope = to.binding.scope();
        let blob = B64
            .decode(b64)
            .map_err(|_| Error::decryption("PII token: not base64url"))?;
        let dek = match &*self.source {
            KeySource::Fixed(k) => k.clone(),
            KeySource::Keyring {
                keyring, backend, ..
            } => {
                let id = crate::crypto::aead_header(&blob, "PII token")?;
                keyring.key_for_decrypt(&**backend, scope, &to.owner, id)?
            }
        };
        let plain = open_token(&dek, scope.as_str(), &to.owner, entity, &blob)?;
        String::from_utf8(plain).map_err(|_| Error::decryption("PII token: not UTF-8"))
    }
}
