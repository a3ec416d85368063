//! Storage backends (DESIGN §3.3). A backend stores opaque, already
//! encrypted rows and wrapped keys; it never sees plaintext or key material.

mod journal;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use journal::{JournaledBackend, RowChange};
pub use memory::MemoryBackend;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteBackend, SqliteOptions};

use crate::error::Result;
use crate::vocab::Scope;
use std::sync::Arc;

/// Storage durability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// fsync on every commit (SQLite `synchronous=FULL`).
    #[default]
    Durable,
    /// WAL without fsync per commit (SQLite `synchronous=NORMAL`).
    Fast,
}

/// One stored entry. `value` is the sealed blob (see `memory::codec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Scope.
    pub scope: Scope,
    /// Composite owner id (`""` for global).
    pub owner: String,
    /// Entry key.
    pub key: String,
    /// Sealed value.
    pub value: Vec<u8>,
    /// Tags (metadata, stored in clear).
    pub tags: Vec<String>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Milliseconds since the epoch.
    pub updated_at: i64,
    /// When the entry expires, if ever.
    pub expires_at: Option<i64>,
}

impl StoredEntry {
    /// Bytes this entry counts against its owner's quota.
    pub fn stored_size(&self) -> u64 {
        (self.key.len() + self.value.len()) as u64
    }
}

/// A wrapped data key of one (scope, owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Scope.
    pub scope: Scope,
    /// Composite owner id.
    pub owner: String,
    /// Data key id, unique within (scope, owner).
    pub key_id: u32,
    /// The data key wrapped by the KEK.
    pub wrapped: Vec<u8>,
    /// Encryptions reserved so far (a crash never lets a nonce budget be reused).
    pub reserved_uses: u64,
    /// Retired keys still decrypt but never encrypt.
    pub retired: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// The size of one (scope, owner)'s entry, for quota bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySize {
    /// Entry key.
    pub key: String,
    /// Stored bytes.
    pub size: u64,
    /// Last write.
    pub updated_at: i64,
}

/// Per-scope usage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeUsage {
    /// Entries stored.
    pub entries: u64,
    /// Stored bytes (keys + sealed values).
    pub bytes: u64,
    /// Distinct owners.
    pub owners: u64,
}

/// One write in an atomic batch.
#[derive(Debug, Clone)]
pub enum Op {
    /// Insert an entry, or replace it keeping its original `created_at`.
    PutEntry(StoredEntry),
    /// Delete one entry.
    DeleteEntry {
        /// Scope.
        scope: Scope,
        /// Owner.
        owner: String,
        /// Key.
        key: String,
    },
    /// Delete every entry of one (scope, owner).
    ClearOwner {
        /// Scope.
        scope: Scope,
        /// Owner.
        owner: String,
    },
    /// Delete every entry and key, in every scope but `global`, whose owner is
    /// `root` or lies below it (`root` followed by the separator).
    ForgetTree {
        /// Owner root.
        root: String,
    },
    /// Insert or replace a wrapped key (master-key re-wrapping, restores).
    PutKey(KeyRecord),
    /// Insert a new wrapped key. Fails with [`crate::error::Error::Conflict`] when
    /// (scope, owner, key id) exists: a key id is never assigned twice, even
    /// by two writers racing for an owner's first key.
    InsertKey(KeyRecord),
    /// Compare-and-set of a key's use reservation and retirement: fails with
    /// [`crate::error::Error::Conflict`] unless the key exists with
    /// `reserved_uses == expected`.
    UpdateKeyUse {
        /// Scope.
        scope: Scope,
        /// Owner.
        owner: String,
        /// Key id.
        key_id: u32,
        /// The reservation the writer last saw.
        expected: u64,
        /// The new reservation.
        reserved_uses: u64,
        /// Whether the key is retired from now on.
        retired: bool,
    },
    /// A precondition: fails the batch with [`crate::error::Error::Conflict`] unless
    /// the key exists and is not retired. Writers that share a store with
    /// others put it in front of rows sealed with a cached key, so a key
    /// destroyed or rotated elsewhere is never used again.
    RequireKey {
        /// Scope.
        scope: Scope,
        /// Owner.
        owner: String,
        /// Key id.
        key_id: u32,
    },
    /// Increments the keyring generation (store metadata
    /// [`KEY_GENERATION`]): every batch that destroys or retires a data key
    /// carries it, so other writers know to drop their cached keys.
    BumpKeyGeneration,
    /// Delete one wrapped key.
    DeleteKey {
        /// Scope.
        scope: Scope,
        /// Owner.
        owner: String,
        /// Key id.
        key_id: u32,
    },
    /// Append an audit record as given (restores and imports).
    AppendAudit(AuditRow),
    /// Append an audit record to the end of the chain: the store assigns
    /// `seq` and `prev_hash` from the last record written before it (in
    /// the order writes reach the store), then lets the seal fill in the
    /// MAC. Concurrent writers thus share one chain without holding a lock
    /// across the commit.
    ChainAudit(ChainedAudit),
    /// Append a usage row.
    AppendUsage(UsageRow),
    /// Delete audit records with `seq <= through` (retention).
    PurgeAudit {
        /// Last sequence number deleted.
        through: u64,
    },
    /// Insert or replace one row of run-time state (policies added at
    /// run time, rate-limit counters, the threat log, alert state, metric
    /// roll-ups): `kind` names the owner module, `id` the row within it.
    PutState {
        /// The module's kind of state.
        kind: String,
        /// The row's id; rows of a kind are read in id order.
        id: String,
        /// The encoded value (JSON).
        value: Vec<u8>,
    },
    /// Delete one row of state.
    DeleteState {
        /// Kind.
        kind: String,
        /// Id.
        id: String,
    },
    /// Delete every row of a kind whose id sorts before `below` (log
    /// retention: ids of log rows start with their zero-padded time).
    PurgeState {
        /// Kind.
        kind: String,
        /// Rows with `id < below` go.
        below: String,
    },
    /// Set a metadata value.
    PutMeta {
        /// Name.
        name: String,
        /// Value.
        value: Vec<u8>,
    },
}

/// Computes an audit record's MAC once the store has placed it in the chain.
pub type AuditSeal = Arc<dyn Fn(&mut AuditRow) -> Result<()> + Send + Sync>;

/// An audit record waiting for its place in the chain (see [`Op::ChainAudit`]).
#[derive(Clone)]
pub struct ChainedAudit {
    /// The record; `seq`, `prev_hash` and `mac` are filled in by the store.
    pub row: AuditRow,
    /// Where the chain starts when the store holds no record yet: the last
    /// sequence number and MAC before it (0 and 64 zeros for a new store,
    /// the signed anchor after a retention purge).
    pub genesis: (u64, String),
    /// Computes the record's MAC once `seq` and `prev_hash` are set, and
    /// learns the sequence number it got.
    pub seal: AuditSeal,
}

impl std::fmt::Debug for ChainedAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainedAudit")
            .field("row", &self.row)
            .field("genesis", &self.genesis)
            .finish_non_exhaustive()
    }
}

impl ChainedAudit {
    /// Links the record after `last` (the chain's current end, or `None`
    /// for an empty store) and seals it.
    pub(crate) fn link(&self, last: Option<(u64, &str)>) -> Result<AuditRow> {
        let (seq, prev) = last.unwrap_or((self.genesis.0, self.genesis.1.as_str()));
        let mut row = self.row.clone();
        row.seq = seq + 1;
        row.prev_hash = prev.to_owned();
        (self.seal)(&mut row)?;
        Ok(row)
    }
}

/// One recorded LLM call: tokens, charge and attribution.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    /// Milliseconds since the epoch.
    pub at: i64,
    /// Model.
    pub model: String,
    /// Prompt tokens, cached ones included.
    pub input_tokens: i64,
    /// Completion tokens, reasoning ones included.
    pub output_tokens: i64,
    /// Prompt tokens read from the provider's cache.
    pub cached_input_tokens: i64,
    /// Completion tokens spent on reasoning.
    pub reasoning_tokens: i64,
    /// Tokens written to the provider's cache.
    pub cache_write_tokens: i64,
    /// The charge in micro-dollars.
    pub cost_micros: i64,
    /// The organization (tenant) the call belongs to.
    pub organization: Option<String>,
    /// Attribution: user.
    pub user: Option<String>,
    /// Attribution: team.
    pub team: Option<String>,
    /// Attribution: department.
    pub department: Option<String>,
    /// Attribution: cost center.
    pub cost_center: Option<String>,
    /// Attribution: project.
    pub project: Option<String>,
}

/// Attribution columns of [`UsageRow`] that budgets and reports filter on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum UsageField {
    /// `organization`.
    Organization,
    /// `user`.
    User,
    /// `team`.
    Team,
    /// `department`.
    Department,
    /// `cost_center`.
    CostCenter,
    /// `project`.
    Project,
    /// `model`.
    Model,
}

impl UsageField {
    /// Column name.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageField::Organization => "organization",
            UsageField::User => "user",
            UsageField::Team => "team",
            UsageField::Department => "department",
            UsageField::CostCenter => "cost_center",
            UsageField::Project => "project",
            UsageField::Model => "model",
        }
    }

    /// The field's value in a row.
    pub fn of(self, row: &UsageRow) -> Option<&str> {
        match self {
            UsageField::Organization => row.organization.as_deref(),
            UsageField::User => row.user.as_deref(),
            UsageField::Team => row.team.as_deref(),
            UsageField::Department => row.department.as_deref(),
            UsageField::CostCenter => row.cost_center.as_deref(),
            UsageField::Project => row.project.as_deref(),
            UsageField::Model => Some(row.model.as_str()),
        }
    }
}

/// One audit record as stored (see `audit`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// Milliseconds since the epoch.
    pub ts: i64,
    /// Who acted.
    pub actor: String,
    /// What was done (`memory.forget`, `policy.decision`, …).
    pub action: String,
    /// On what.
    pub resource: String,
    /// `success`, `failure`, `denied`, …
    pub outcome: String,
    /// Canonical JSON of further details (never values or key material).
    pub details: String,
    /// MAC of the previous record (hex; 64 zeros for the first).
    pub prev_hash: String,
    /// HMAC-SHA256 over prev_hash ‖ the canonical record (hex).
    pub mac: String,
}

/// Filters of an audit query.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AuditFilter {
    /// From this time (ms, inclusive).
    pub from: Option<i64>,
    /// Before this time (ms).
    pub to: Option<i64>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// At most this many records (default 1,000).
    pub limit: Option<usize>,
}

/// The metadata row holding the keyring generation (8 bytes, big-endian).
pub const KEY_GENERATION: &str = "keyring_generation";

/// Decodes the keyring generation from its metadata value.
pub(crate) fn decode_generation(raw: Option<&[u8]>) -> Result<u64> {
    match raw {
        None => Ok(0),
        Some(b) => <[u8; 8]>::try_from(b).map(u64::from_be_bytes).map_err(|_| {
            crate::error::Error::CorruptStore {
                message: format!("{KEY_GENERATION}: expected 8 bytes, found {}", b.len()),
            }
        }),
    }
}

/// Transactional storage of sealed rows and wrapped keys.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Applies all `ops` atomically: all or none. The fallible operations
    /// ([`Op::InsertKey`], [`Op::UpdateKeyUse`], [`Op::RequireKey`]) fail
    /// the whole batch with [`crate::error::Error::Conflict`].
    fn apply(&self, ops: &[Op]) -> Result<()>;
    /// The keyring generation (0 for a store that never destroyed a key).
    fn key_generation(&self) -> Result<u64> {
        decode_generation(self.meta(KEY_GENERATION)?.as_deref())
    }
    /// Makes deleted rows unrecoverable from the live files where the
    /// backend can (SQLite: a WAL checkpoint that truncates the log, with
    /// `secure_delete` zeroing freed content). Called after erasure and key
    /// rotation. The default does nothing.
    fn scrub(&self) -> Result<()> {
        Ok(())
    }
    /// Releases the store (and its writer lock): later calls fail with
    /// `storage_error`. Writes still queued are written first. The default
    /// does nothing.
    fn close(&self) -> Result<()> {
        Ok(())
    }
    /// Writes every acknowledged write that is still queued (the `fast`
    /// durability mode) and returns once it is on disk. The default does
    /// nothing: backends that acknowledge only written data need no flush.
    fn flush(&self) -> Result<()> {
        Ok(())
    }
    /// One entry.
    fn get(&self, scope: Scope, owner: &str, key: &str) -> Result<Option<StoredEntry>>;
    /// Several entries of one owner, in the order of `keys`.
    fn get_many(
        &self,
        scope: Scope,
        owner: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<StoredEntry>>> {
        keys.iter().map(|k| self.get(scope, owner, k)).collect()
    }
    /// Every entry of one (scope, owner), ordered by key.
    fn entries(&self, scope: Scope, owner: &str) -> Result<Vec<StoredEntry>>;
    /// Key, size and last write of every entry of one (scope, owner).
    fn entry_sizes(&self, scope: Scope, owner: &str) -> Result<Vec<EntrySize>>;
    /// Every (scope, owner) with entries or keys at or below `root`, excluding `global`.
    fn owners_in_tree(&self, root: &str) -> Result<Vec<(Scope, String)>>;
    /// The wrapped keys of one (scope, owner).
    fn keys(&self, scope: Scope, owner: &str) -> Result<Vec<KeyRecord>>;
    /// Every wrapped key (for master-key rotation).
    fn all_keys(&self) -> Result<Vec<KeyRecord>>;
    /// Up to `limit` entries whose `expires_at` is at or before `now`.
    fn expired(&self, now: i64, limit: usize) -> Result<Vec<(Scope, String, String)>>;
    /// A metadata value.
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// Usage of one scope.
    fn usage(&self, scope: Scope) -> Result<ScopeUsage>;
    /// Reclaims free space; returns the size in bytes after compaction, if known.
    fn compact(&self) -> Result<Option<u64>>;
    /// Whether data survives the process.
    fn is_persistent(&self) -> bool;
    /// Queues `ops` to be written with the next batch, without waiting
    /// for it: for state that must survive a restart but not hold up the
    /// call (rate-limit counters). In `durable` mode the ops reach disk
    /// with the next write of any caller, or on flush and close. The
    /// default writes them at once.
    fn apply_later(&self, ops: Vec<Op>) -> Result<()> {
        self.apply(&ops)
    }
    /// Up to `limit` rows of state of `kind` with `id > after`, in id order.
    fn state(&self, kind: &str, after: &str, limit: usize) -> Result<Vec<(String, Vec<u8>)>>;
    /// Appends usage rows in one transaction.
    fn append_usage(&self, rows: &[UsageRow]) -> Result<()> {
        let ops: Vec<Op> = rows.iter().cloned().map(Op::AppendUsage).collect();
        self.apply(&ops)
    }
    /// Usage rows with `from <= at < to`, oldest first.
    fn usage_between(&self, from: i64, to: i64) -> Result<Vec<UsageRow>>;
    /// Sum of `cost_micros` with `from <= at < to` of one organization
    /// (`None`: rows without one), optionally only rows whose `field`
    /// equals a value.
    fn usage_total(
        &self,
        from: i64,
        to: i64,
        organization: Option<&str>,
        filter: Option<(UsageField, &str)>,
    ) -> Result<i64>;
    /// Up to `limit` audit records with `seq > after`, in sequence order.
    fn audit_after(&self, after: u64, limit: usize) -> Result<Vec<AuditRow>>;
    /// The audit record with the highest sequence number.
    fn audit_last(&self) -> Result<Option<AuditRow>>;
    /// Audit records matching `filter`, in sequence order.
    fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>>;
    /// Entries stored without encryption (readable in the store).
    fn unencrypted_entries(&self) -> Result<u64>;
}

/// Calls `each` with every row of state of `kind`, in id order, decoded
/// from JSON; a row that does not decode is `corrupt_store` naming `what`
/// and the row.
pub(crate) fn each_state<T: serde::de::DeserializeOwned>(
    store: &dyn Backend,
    kind: &str,
    what: &str,
    mut each: impl FnMut(String, T) -> Result<()>,
) -> Result<()> {
    let mut after = String::new();
    loop {
        let rows = store.state(kind, &after, 1024)?;
        let Some(last) = rows.last().map(|(id, _)| id.clone()) else {
            return Ok(());
        };
        for (id, raw) in rows {
            let value =
                serde_json::from_slice(&raw).map_err(|e| crate::error::Error::CorruptStore {
                    message: format!("stored {what} {id:?}: {e}"),
                })?;
            each(id, value)?;
        }
        after = last;
    }
}

/// The conflict a refused key precondition reports.
pub(crate) fn key_conflict(scope: Scope, key_id: u32, what: &str) -> crate::error::Error {
    crate::error::Error::conflict(format!("data key {key_id} of a {scope} owner {what}"))
}

/// The exclusive upper bound of the owners below `root`: the separator
/// (U+001F) is followed by U+0020 in code-point and UTF-8 byte order.
#[cfg(any(test, feature = "sqlite"))]
pub(crate) fn tree_bounds(root: &str) -> (String, String) {
    (format!("{root}\u{1f}"), format!("{root}\u{20}"))
}

/// Whether `owner` is `root` or below it.
pub(crate) fn in_tree(root: &str, owner: &str) -> bool {
    owner == root
        || (owner.len() > root.len()
            && owner.starts_with(root)
            && owner[root.len()..].starts_with('\u{1f}'))
}

#[cfg(test)]
pub(crate) mod conformance {
    //! The same behavioural tests for every backend.
    use super::*;

    fn entry(scope: Scope, owner: &str, key: &str, expires_at: Option<i64>) -> StoredEntry {
        StoredEntry {
            scope,
            owner: owner.into(),
            key: key.into(),
            value: vec![1, 2, 3, key.len() as u8],
            tags: vec!["t".into()],
            created_at: 1,
            updated_at: 2,
            expires_at,
        }
    }

    pub(crate) fn run(b: &dyn Backend) {
        let e1 = entry(Scope::User, "acme\u{1f}alice", "k1", None);
        let e2 = entry(Scope::User, "acme\u{1f}alice", "k2", Some(100));
        let e3 = entry(Scope::Session, "acme\u{1f}alice\u{1f}s1", "k1", None);
        let e4 = entry(Scope::User, "acme\u{1f}alicex", "k1", None);
        let e5 = entry(Scope::Global, "", "g", None);
        let ops: Vec<Op> = [&e1, &e2, &e3, &e4, &e5]
            .iter()
            .map(|e| Op::PutEntry((*e).clone()))
            .collect();
        b.apply(&ops).unwrap();
        assert_eq!(
            b.get(Scope::User, "acme\u{1f}alice", "k1").unwrap(),
            Some(e1.clone())
        );
        assert_eq!(
            b.get(Scope::Session, "acme\u{1f}alice", "k1").unwrap(),
            None
        );
        let many = b
            .get_many(Scope::User, "acme\u{1f}alice", &["k2", "nope", "k1"])
            .unwrap();
        assert_eq!(many, vec![Some(e2.clone()), None, Some(e1.clone())]);
        assert_eq!(
            b.entries(Scope::User, "acme\u{1f}alice").unwrap(),
            vec![e1.clone(), e2.clone()]
        );
        let sizes = b.entry_sizes(Scope::User, "acme\u{1f}alice").unwrap();
        assert_eq!(sizes.len(), 2);
        assert_eq!(sizes[0].size, e1.stored_size());
        assert_eq!(
            b.expired(100, 10).unwrap(),
            vec![(Scope::User, "acme\u{1f}alice".to_string(), "k2".to_string())]
        );
        assert!(b.expired(99, 10).unwrap().is_empty());
        let mut tree = b.owners_in_tree("acme\u{1f}alice").unwrap();
        tree.sort();
        assert_eq!(
            tree,
            vec![
                (Scope::Session, "acme\u{1f}alice\u{1f}s1".to_string()),
                (Scope::User, "acme\u{1f}alice".to_string()),
            ]
        );
        let u = b.usage(Scope::User).unwrap();
        assert_eq!((u.entries, u.owners), (3, 2));

        let key = KeyRecord {
            scope: Scope::User,
            owner: "acme\u{1f}alice".into(),
            key_id: 1,
            wrapped: vec![9; 65],
            reserved_uses: 10,
            retired: false,
            created_at: 5,
        };
        b.apply(&[
            Op::PutKey(key.clone()),
            Op::PutMeta {
                name: "m".into(),
                value: vec![4],
            },
        ])
        .unwrap();
        assert_eq!(
            b.keys(Scope::User, "acme\u{1f}alice").unwrap(),
            vec![key.clone()]
        );
        assert_eq!(b.all_keys().unwrap().len(), 1);
        assert_eq!(b.meta("m").unwrap(), Some(vec![4]));
        assert_eq!(b.meta("n").unwrap(), None);

        // Forgetting alice removes her user and session rows and keys, not alicex's.
        b.apply(&[Op::ForgetTree {
            root: "acme\u{1f}alice".into(),
        }])
        .unwrap();
        assert!(b
            .entries(Scope::User, "acme\u{1f}alice")
            .unwrap()
            .is_empty());
        assert!(b
            .entries(Scope::Session, "acme\u{1f}alice\u{1f}s1")
            .unwrap()
            .is_empty());
        assert!(b.keys(Scope::User, "acme\u{1f}alice").unwrap().is_empty());
        assert_eq!(b.entries(Scope::User, "acme\u{1f}alicex").unwrap().len(), 1);
        assert_eq!(b.entries(Scope::Global, "").unwrap().len(), 1);

        b.apply(&[Op::ClearOwner {
            scope: Scope::User,
            owner: "acme\u{1f}alicex".into(),
        }])
        .unwrap();
        assert!(b
            .entries(Scope::User, "acme\u{1f}alicex")
            .unwrap()
            .is_empty());
        b.apply(&[Op::DeleteEntry {
            scope: Scope::Global,
            owner: String::new(),
            key: "g".into(),
        }])
        .unwrap();
        assert_eq!(b.get(Scope::Global, "", "g").unwrap(), None);
        b.compact().unwrap();
    }

    #[test]
    fn tree_membership() {
        assert!(in_tree("a", "a"));
        assert!(in_tree("a", "a\u{1f}b"));
        assert!(!in_tree("a", "ab"));
        assert!(!in_tree("a\u{1f}b", "a"));
        let (lo, hi) = tree_bounds("a");
        assert!(lo.as_str() < "a\u{1f}zzz" && "a\u{1f}zzz" < hi.as_str());
        assert!(!("ab" > lo.as_str() && "ab" < hi.as_str()));
    }
}
