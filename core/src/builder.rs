//! [`VallumBuilder`]: storage, master key, clock and configuration in;
//! a [`Vallum`] with every module assembled out.

use crate::clock::{SharedClock, SystemClock};
use crate::config::{self, assemble, Config};
use crate::crypto::{KeyProvider, Keyring, MasterKey};
use crate::error::{Error, Result};
use crate::events::EventBus;
use crate::facade::{Inner, Vallum};
use crate::memory::Memory;
use crate::storage::{Backend, MemoryBackend};
use crate::{audit, cost, crypto, pii};
use std::sync::Arc;

enum StorageChoice {
    Default,
    InMemory,
    #[cfg(feature = "sqlite")]
    Sqlite(std::path::PathBuf),
    Custom(Arc<dyn Backend>),
    Exclusive(Arc<dyn Backend>),
}

enum KeySource {
    None,
    Key(MasterKey),
    Provider(Arc<dyn KeyProvider>),
    #[cfg(not(target_arch = "wasm32"))]
    Env(String),
}

/// Builds a [`Vallum`]. Storage defaults to the config's `databasePath`
/// (SQLite) when set, else to memory; a master key is required.
pub struct VallumBuilder {
    config: Config,
    storage: StorageChoice,
    key: KeySource,
    clock: Option<SharedClock>,
    dek_use_limit: u64,
    /// Set by [`VallumBuilder::durability`]; wins over the config whatever
    /// the order of the calls.
    durability: Option<config::Durability>,
    /// `None`: the compiled-in pack (`Gazetteer::english`).
    #[cfg(feature = "names")]
    gazetteer: Option<Option<Arc<pii::Gazetteer>>>,
}

impl Vallum {
    /// Starts building a Vallum instance.
    pub fn builder() -> VallumBuilder {
        VallumBuilder::default()
    }
}

impl Default for VallumBuilder {
    fn default() -> Self {
        Self {
            config: Config::default(),
            storage: StorageChoice::Default,
            key: KeySource::None,
            clock: None,
            dek_use_limit: crypto::DEFAULT_DEK_USE_LIMIT,
            durability: None,
            #[cfg(feature = "names")]
            gazetteer: None,
        }
    }
}

impl VallumBuilder {
    /// Uses `config`.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Parses and uses a JSON configuration (`AICopilotConfig`).
    pub fn config_json(mut self, json: &str) -> Result<Self> {
        self.config = Config::from_json_str(json)?;
        Ok(self)
    }

    /// Stores data in the SQLite file at `path` (created if missing).
    #[cfg(feature = "sqlite")]
    pub fn sqlite(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.storage = StorageChoice::Sqlite(path.into());
        self
    }

    /// Keeps everything in process memory.
    pub fn in_memory(mut self) -> Self {
        self.storage = StorageChoice::InMemory;
        self
    }

    /// Uses a custom storage backend. Vallum treats it as shared with other
    /// writers (other instances or processes may use it at the same time):
    /// the keyring re-validates cached keys against the store's generation,
    /// every write requires its data key to be live, and the hot cache of
    /// decrypted values is off. See `docs/security.md`.
    pub fn backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.storage = StorageChoice::Custom(backend);
        self
    }

    /// Uses a custom storage backend that no other writer uses while this
    /// instance is open — the host guarantees it, as `@vallum/wasm` does
    /// with an exclusive Web Lock on its IndexedDB database. Unlike
    /// [`VallumBuilder::backend`], keys and values are cached freely.
    pub fn exclusive_backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.storage = StorageChoice::Exclusive(backend);
        self
    }

    /// The master key.
    pub fn master_key(mut self, key: MasterKey) -> Self {
        self.key = KeySource::Key(key);
        self
    }

    /// Reads the master key from an environment variable (hex or base64) at build time.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn master_key_from_env(mut self, var: impl Into<String>) -> Self {
        self.key = KeySource::Env(var.into());
        self
    }

    /// Asks `provider` for the master key at build time.
    pub fn key_provider(mut self, provider: Arc<dyn KeyProvider>) -> Self {
        self.key = KeySource::Provider(provider);
        self
    }

    /// Sets storage durability. It overrides
    /// `enterpriseMemory.storage.durability` of any configuration given to
    /// this builder, before or after this call.
    pub fn durability(mut self, durability: config::Durability) -> Self {
        self.durability = Some(durability);
        self
    }

    /// Uses `clock` instead of the system clock.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Retires a data key after this many encryptions (default 2^31 − 1; lower it in tests).
    pub fn data_key_use_limit(mut self, limit: u64) -> Self {
        self.dek_use_limit = limit.max(1);
        self
    }

    /// The gazetteer pack that names and places are looked up in, instead
    /// of the one compiled in (feature `gazetteer-en`); `None` runs only
    /// the rules that need no word lists. The browser build compiles no
    /// pack in: `@vallum/wasm` loads one as a separate asset and passes it
    /// here. See `docs/pii.md` on language packs.
    #[cfg(feature = "names")]
    pub fn gazetteer(mut self, pack: Option<Arc<pii::Gazetteer>>) -> Self {
        self.gazetteer = Some(pack);
        self
    }

    /// Opens storage, checks the master key, and returns the instance.
    pub fn build(mut self) -> Result<Vallum> {
        if let Some(d) = self.durability {
            let mut mem = self.config.memory();
            mem.storage.durability = d;
            self.config.enterprise_memory = Some(mem);
        }
        self.config.validate()?;
        let master =
            match self.key {
                KeySource::Key(k) => k,
                KeySource::Provider(p) => p.master_key()?,
                #[cfg(not(target_arch = "wasm32"))]
                KeySource::Env(var) => MasterKey::from_env(&var)?,
                KeySource::None => return Err(Error::InvalidKey {
                    message:
                        "no master key: call master_key(), master_key_from_env() or key_provider()"
                            .into(),
                }),
            };
        let mem_cfg = self.config.memory();
        // A backend this builder opened is this instance's alone (SQLite
        // holds an exclusive lock); one handed in may be shared.
        let shared = matches!(self.storage, StorageChoice::Custom(_));
        let store: Arc<dyn Backend> = match self.storage {
            StorageChoice::InMemory => Arc::new(MemoryBackend::new()),
            StorageChoice::Custom(b) | StorageChoice::Exclusive(b) => b,
            #[cfg(feature = "sqlite")]
            StorageChoice::Sqlite(p) => Arc::new(crate::storage::SqliteBackend::open_with(
                p,
                mem_cfg.storage.sqlite_options(),
            )?),
            StorageChoice::Default => match &self.config.database_path {
                #[cfg(feature = "sqlite")]
                Some(p) => Arc::new(crate::storage::SqliteBackend::open_with(
                    p,
                    mem_cfg.storage.sqlite_options(),
                )?),
                #[cfg(not(feature = "sqlite"))]
                Some(_) => {
                    return Err(Error::config(
                        "$.databasePath",
                        "this build has no SQLite backend (feature `sqlite`)",
                    ))
                }
                None => Arc::new(MemoryBackend::new()),
            },
        };
        let clock: SharedClock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let keyring = Arc::new(Keyring::open(
            &*store,
            &master,
            clock.clone(),
            self.dek_use_limit,
            shared,
        )?);
        let events = EventBus::default();
        let cost_cfg = self.config.cost_management.clone().unwrap_or_default();
        let costs = cost::Costs::new(&cost_cfg, store.clone(), clock.clone(), events.clone())?;
        let audit_cfg = self
            .config
            .enterprise_security
            .as_ref()
            .and_then(|s| s.audit.clone())
            .unwrap_or_default();
        let audit = audit::Audit::new(
            store.clone(),
            keyring.clone(),
            clock.clone(),
            audit_cfg.enabled.unwrap_or(true),
            audit_cfg.retention.unwrap_or(2555),
        );
        let pii_keys = pii::PiiKeys::from_keyring(keyring.clone(), store.clone());
        let memory = Memory::new(
            mem_cfg,
            store.clone(),
            keyring.clone(),
            clock.clone(),
            events.clone(),
            audit.clone(),
        )?;
        let (rbac, limits) = assemble::security(&self.config, clock.clone())?;
        // Run-time state kept in the store: counters, policies, threats.
        let limits = limits.with_store(store.clone())?;
        let policies = assemble::policies(&self.config, clock.clone())?;
        policies.load_from(store.clone())?;
        let threats =
            assemble::threat_detector(&self.config, clock.clone(), events.clone(), audit.clone())?;
        threats.load_from(store.clone())?;
        #[allow(unused_mut, reason = "only the names feature sets the pack")]
        let mut pii_parts = assemble::pii_parts(&self.config);
        #[cfg(feature = "names")]
        {
            pii_parts.gazetteer = self.gazetteer;
        }
        let pii = pii::Pii::new(pii_parts, pii_keys, memory.clone(), clock.clone())?;
        let entities = pii.detector().entities();
        let entities: Vec<&str> = entities.iter().map(String::as_str).collect();
        let guard = assemble::guard(&self.config, &limits, &entities)?;
        let metrics = assemble::metrics(&self.config, clock.clone(), events.clone())?;
        metrics.load_from(store)?;
        Ok(Vallum {
            inner: Arc::new(Inner {
                config: self.config,
                clock,
                events,
                keyring,
                memory,
                metrics,
                costs,
                audit,
                rbac: parking_lot::RwLock::new(Arc::new(rbac)),
                limits,
                policies,
                threats,
                pii,
                guard,
            }),
        })
    }
}
