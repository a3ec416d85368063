//! [`Pii`]: the PII module as [`crate::Vallum::pii`] exposes it — detector,
//! masker with configured operators, session vaults in encrypted memory,
//! streaming, classification.

use super::{
    Classification, DetectOptions, Detector, Finding, Masked, Masker, Operator, PiiKeys,
    PiiSettings, StreamMasker, Vault,
};
use crate::error::{Error, Result};
use crate::memory::{Memory, SetOptions};
use crate::vocab::{Context, Scope};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Memory key a session's vault is kept under (session scope, encrypted).
/// It lies under the reserved prefix `vallum.`: no memory call can read,
/// search, export or overwrite it.
pub const VAULT_KEY: &str = "vallum.pii.vault";

/// Lock stripes for session vaults.
const VAULT_LOCK_STRIPES: usize = 64;

/// Default stream hold-back in bytes.
pub const DEFAULT_HOLD_BACK: usize = 256;

/// The PII module of an instance.
#[derive(Debug)]
pub struct Pii {
    masker: Masker,
    memory: Memory,
    levels: BTreeMap<String, Classification>,
    enabled: bool,
    /// Vault read-modify-writes are serialized per session (striped locks),
    /// so different sessions mask in parallel.
    vault_locks: Box<[parking_lot::Mutex<()>]>,
}

/// Everything `enterpriseSecurity.piiProtection` configures.
#[derive(Debug, Clone, Default)]
pub(crate) struct PiiParts {
    pub enabled: bool,
    pub settings: PiiSettings,
    pub operators: BTreeMap<String, Operator>,
    pub default_operator: Option<Operator>,
    pub rules: Vec<String>,
    pub levels: BTreeMap<String, Classification>,
    /// The gazetteer pack, when not the compiled-in one.
    #[cfg(feature = "names")]
    pub gazetteer: Option<Option<Arc<super::Gazetteer>>>,
}

impl Pii {
    pub(crate) fn new(
        parts: PiiParts,
        keys: PiiKeys,
        memory: Memory,
        clock: crate::clock::SharedClock,
    ) -> Result<Pii> {
        #[allow(unused_mut, reason = "only the names feature sets the pack")]
        let mut detector = Detector::with_settings(&parts.settings, clock)?;
        #[cfg(feature = "names")]
        if let Some(pack) = parts.gazetteer {
            detector.set_gazetteer(pack);
        }
        let detector = Arc::new(detector);
        let mut masker = Masker::new(detector.clone())
            .with_keys(keys)
            .with_named_rules(&parts.rules)?;
        for (i, (entity, op)) in parts.operators.into_iter().enumerate() {
            if !detector.entities().contains(&entity) {
                return Err(Error::config(
                    format!("$.enterpriseSecurity.piiProtection.operators.{entity}"),
                    format!("unknown entity '{entity}' (operator #{i})"),
                ));
            }
            masker = masker.with_operator(entity, op);
        }
        if let Some(op) = parts.default_operator {
            masker = masker.with_default(op);
        }
        Ok(Pii {
            masker,
            memory,
            levels: parts.levels,
            enabled: parts.enabled,
            vault_locks: (0..VAULT_LOCK_STRIPES)
                .map(|_| parking_lot::Mutex::new(()))
                .collect(),
        })
    }

    /// Whether `piiProtection.enabled` is on (detection works either way;
    /// the guard pipeline consults this).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The detector.
    pub fn detector(&self) -> &Detector {
        self.masker.detector()
    }

    /// The masker with the configured operators.
    pub fn masker(&self) -> &Masker {
        &self.masker
    }

    /// Findings in `text` (the spec's `detectPII`).
    pub fn detect(&self, text: &str) -> Result<Vec<Finding>> {
        self.detector().detect(text)
    }

    /// Findings with per-call options (entity selection, threshold).
    pub fn detect_with(&self, text: &str, opts: &DetectOptions) -> Result<Vec<Finding>> {
        self.detector().detect_with(text, opts)
    }

    #[cfg(feature = "host-recognizers")]
    /// Plugs in a recognizer implemented by the host; see
    /// [`Detector::add_recognizer`].
    pub fn add_recognizer(
        &self,
        name: &str,
        entities: &[String],
        offsets: super::Offsets,
        recognizer: Arc<dyn super::HostRecognizer>,
    ) -> Result<()> {
        self.detector()
            .add_recognizer(name, entities, offsets, recognizer)
    }

    #[cfg(feature = "host-recognizers")]
    /// Removes a host recognizer; whether there was one.
    pub fn remove_recognizer(&self, name: &str) -> bool {
        self.detector().remove_recognizer(name)
    }

    /// Detects and masks with the configured operators (the spec's
    /// `maskSensitiveData`). Not reversible except through `decrypt`. An
    /// `encrypt` operator needs an owner for its tokens: use [`Pii::mask_for`].
    pub fn mask(&self, text: &str) -> Result<Masked> {
        self.masker.mask(text)
    }

    /// [`Pii::mask`] on behalf of `ctx`, which owns the `encrypt` tokens.
    pub fn mask_for(&self, ctx: &Context, text: &str) -> Result<Masked> {
        self.masker.mask_for(ctx, text)
    }

    /// Masks with reversible numbered placeholders kept in the session's
    /// vault (`ctx` must name a session). The same value gets the same
    /// placeholder for the whole session.
    pub fn mask_in_session(&self, ctx: &Context, text: &str) -> Result<Masked> {
        let _g = self.vault_lock(ctx).lock();
        let mut vault = self.load_vault(ctx)?;
        let before = vault.len();
        let masked = self.masker.mask_reversible(text, &mut vault, Some(ctx))?;
        if vault.len() != before {
            self.save_vault(ctx, &vault)?;
        }
        Ok(masked)
    }

    /// Masks given findings (from [`Pii::detect`] with overlaps merged)
    /// with reversible placeholders in the session's vault.
    pub(crate) fn mask_findings_in_session(
        &self,
        ctx: &Context,
        text: &str,
        findings: Vec<Finding>,
    ) -> Result<Masked> {
        let _g = self.vault_lock(ctx).lock();
        let mut vault = self.load_vault(ctx)?;
        let before = vault.len();
        let masked = self
            .masker
            .apply(text, findings, &mut vault, true, Some(ctx))?;
        if vault.len() != before {
            self.save_vault(ctx, &vault)?;
        }
        Ok(masked)
    }

    /// Restores the session's placeholders in `text` (a model's answer),
    /// tolerating case changes and reformatted brackets; `<ENC:…>` tokens
    /// that belong to the context's owner are decrypted too, any other
    /// token (another tenant's, a forgotten owner's) stays as it is.
    pub fn unmask_in_session(&self, ctx: &Context, text: &str) -> Result<String> {
        let vault = self.load_vault(ctx)?;
        let restored = vault.unmask(text);
        if restored.contains("<ENC:") {
            self.masker.decrypt_own(ctx, &restored)
        } else {
            Ok(restored)
        }
    }

    /// Restores the `<ENC:…>` tokens written by the `encrypt` operator for
    /// `ctx`'s owner; any other token is `decryption_failed`.
    pub fn decrypt(&self, ctx: &Context, text: &str) -> Result<String> {
        self.masker.decrypt(ctx, text)
    }

    /// A streaming masker. With a session, placeholders are reversible and
    /// numbered in the session's vault; call [`Pii::finish_stream`] to
    /// store it back.
    pub fn stream(&self, ctx: Option<&Context>) -> Result<StreamMasker> {
        let vault = match ctx {
            Some(c) => self.load_vault(c)?,
            None => Vault::new(),
        };
        let stream =
            StreamMasker::new(self.masker.clone(), vault, ctx.is_some(), DEFAULT_HOLD_BACK);
        Ok(match ctx {
            Some(c) => stream.for_context(c.clone()),
            None => stream,
        })
    }

    /// Releases the rest of a stream and saves its vault into the session.
    pub fn finish_stream(&self, ctx: &Context, mut stream: StreamMasker) -> Result<String> {
        let rest = stream.finish()?;
        let _g = self.vault_lock(ctx).lock();
        let mut vault = self.load_vault(ctx)?;
        vault.merge(stream.vault());
        self.save_vault(ctx, &vault)?;
        Ok(rest)
    }

    /// The session's vault (empty if none yet).
    pub fn load_vault(&self, ctx: &Context) -> Result<Vault> {
        Self::require_session(ctx)?;
        match self.memory.get_internal(ctx, Scope::Session, VAULT_KEY)? {
            Some(v) => serde_json::from_value(v).map_err(|e| Error::CorruptStore {
                message: format!("the session's PII vault does not parse: {e}"),
            }),
            None => Ok(Vault::new()),
        }
    }

    fn save_vault(&self, ctx: &Context, vault: &Vault) -> Result<()> {
        let value = serde_json::to_value(vault).map_err(|e| Error::internal(e.to_string()))?;
        self.memory.set_internal(
            ctx,
            Scope::Session,
            VAULT_KEY,
            value,
            &SetOptions::default().encrypt(true).secret(),
        )
    }

    fn vault_lock(&self, ctx: &Context) -> &parking_lot::Mutex<()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (ctx.organization(), ctx.user(), ctx.session()).hash(&mut h);
        let i = (h.finish() % self.vault_locks.len() as u64) as usize;
        &self.vault_locks[i]
    }

    fn require_session(ctx: &Context) -> Result<()> {
        if ctx.session().is_none() {
            return Err(Error::invalid_arg(
                "ctx",
                "the PII vault lives in session memory: give the context a session (with_session)",
            ));
        }
        Ok(())
    }

    /// The highest classification among `findings` (configured overrides
    /// first, then [`super::default_level`]).
    pub fn classify(&self, findings: &[Finding]) -> Classification {
        super::classify(findings, &self.levels)
    }
}
