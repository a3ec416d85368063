//! Regression tests for the security review (issue 17): one test per
//! finding, each failing on the code before the fix. `docs/security.md`
//! describes the threat model and each finding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on error"
)]

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use vallum::audit::AuditEntry;
use vallum::config::Durability;
use vallum::cost::{Attribution, Reservation, Usage};
use vallum::storage::{Backend, SqliteBackend};
use vallum::{Context, ErrorCode, MasterKey, Scope, SetOptions, Subject, Vallum};

fn alice() -> Context {
    Context::new("acme").with_user("alice").with_session("s1")
}

fn set(v: &Vallum, ctx: &Context, scope: Scope, key: &str, value: Value) {
    v.memory()
        .set(ctx, scope, key, value, &SetOptions::default())
        .unwrap();
}

/// An instance over a backend shared with other writers.
fn shared(backend: Arc<dyn Backend>) -> Vallum {
    Vallum::builder()
        .backend(backend)
        .master_key(key())
        .clock(clock())
        .build()
        .unwrap()
}

fn sqlite_backend(path: &Path) -> Arc<SqliteBackend> {
    Arc::new(SqliteBackend::open(path, Durability::Durable).unwrap())
}

/// Every value of `ctx`'s user scope, read by a fresh instance.
fn user_values_after_restart(
    path: &Path,
    ctx: &Context,
    keys: &[String],
) -> Vec<Result<Value, ErrorCode>> {
    let v = open(path);
    keys.iter()
        .map(|k| {
            v.memory()
                .get(ctx, Scope::User, k)
                .map(|x| x.unwrap_or(Value::Null))
                .map_err(|e| e.code())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// 1. One writer per store; a keyring safe with other writers.

const LOCK_CHILD: &str = "VALLUM_LOCK_CHILD_DB";

#[test]
fn a_second_process_is_refused_the_store_until_the_first_closes() {
    if let Ok(db) = std::env::var(LOCK_CHILD) {
        // The child: open, write, say so, hold the store until stdin closes.
        let v = open(Path::new(&db));
        set(&v, &alice(), Scope::User, "from-child", json!(1));
        println!("LOCK-CHILD-READY");
        std::io::stdout().flush().unwrap();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locked.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_second_process_is_refused_the_store_until_the_first_closes",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOCK_CHILD, &db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("LOCK-CHILD-READY") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child exited early"
        );
    }
    // While the child holds the store, this process is refused and changes nothing.
    let before = std::fs::read(&db).unwrap();
    let e = Vallum::builder()
        .sqlite(&db)
        .master_key(key())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::StoreLocked, "{e}");
    assert!(e.to_string().contains("process"), "names the holder: {e}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    // A second opener in the same process is refused too.
    drop(child.stdin.take());
    child.wait().unwrap();
    let v = open(&db);
    assert_eq!(
        v.memory().get(&alice(), Scope::User, "from-child").unwrap(),
        Some(json!(1))
    );
    let e = Vallum::builder()
        .sqlite(&db)
        .master_key(key())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::StoreLocked);
    // `close` releases the store for the next opener; later calls are typed errors.
    v.close().unwrap();
    assert_eq!(
        v.memory()
            .get(&alice(), Scope::User, "other")
            .unwrap_err()
            .code(),
        ErrorCode::Storage
    );
    let w = open(&db);
    assert_eq!(
        w.memory().get(&alice(), Scope::User, "from-child").unwrap(),
        Some(json!(1))
    );
}

/// A backend shim over a shared SQLite backend that makes the first key
/// lookup of each writer wait for the other's, so both see an owner
/// without keys before either creates one — the race, every time.
#[derive(Debug)]
struct Racing {
    inner: Arc<SqliteBackend>,
    barrier: Arc<Barrier>,
    waited: std::sync::atomic::AtomicBool,
}

impl Backend for Racing {
    fn apply(&self, ops: &[vallum::storage::Op]) -> vallum::Result<()> {
        self.inner.apply(ops)
    }
    fn get(
        &self,
        s: Scope,
        o: &str,
        k: &str,
    ) -> vallum::Result<Option<vallum::storage::StoredEntry>> {
        self.inner.get(s, o, k)
    }
    fn entries(&self, s: Scope, o: &str) -> vallum::Result<Vec<vallum::storage::StoredEntry>> {
        self.inner.entries(s, o)
    }
    fn entry_sizes(&self, s: Scope, o: &str) -> vallum::Result<Vec<vallum::storage::EntrySize>> {
        self.inner.entry_sizes(s, o)
    }
    fn owners_in_tree(&self, root: &str) -> vallum::Result<Vec<(Scope, String)>> {
        self.inner.owners_in_tree(root)
    }
    fn keys(&self, s: Scope, o: &str) -> vallum::Result<Vec<vallum::storage::KeyRecord>> {
        let keys = self.inner.keys(s, o)?;
        if s == Scope::User && !self.waited.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.barrier.wait();
        }
        Ok(keys)
    }
    fn all_keys(&self) -> vallum::Result<Vec<vallum::storage::KeyRecord>> {
        self.inner.all_keys()
    }
    fn expired(&self, now: i64, limit: usize) -> vallum::Result<Vec<(Scope, String, String)>> {
        self.inner.expired(now, limit)
    }
    fn meta(&self, name: &str) -> vallum::Result<Option<Vec<u8>>> {
        self.inner.meta(name)
    }
    fn usage(&self, s: Scope) -> vallum::Result<vallum::storage::ScopeUsage> {
        self.inner.usage(s)
    }
    fn compact(&self) -> vallum::Result<Option<u64>> {
        self.inner.compact()
    }
    fn is_persistent(&self) -> bool {
        true
    }
    fn append_usage(&self, rows: &[vallum::storage::UsageRow]) -> vallum::Result<()> {
        self.inner.append_usage(rows)
    }
    fn usage_between(&self, from: i64, to: i64) -> vallum::Result<Vec<vallum::storage::UsageRow>> {
        self.inner.usage_between(from, to)
    }
    fn state(
        &self,
        kind: &str,
        after: &str,
        limit: usize,
    ) -> vallum::Result<Vec<(String, Vec<u8>)>> {
        self.inner.state(kind, after, limit)
    }
    fn usage_total(
        &self,
        from: i64,
        to: i64,
        org: Option<&str>,
        f: Option<(vallum::storage::UsageField, &str)>,
    ) -> vallum::Result<i64> {
        self.inner.usage_total(from, to, org, f)
    }
    fn audit_after(
        &self,
        after: u64,
        limit: usize,
    ) -> vallum::Result<Vec<vallum::storage::AuditRow>> {
        self.inner.audit_after(after, limit)
    }
    fn audit_last(&self) -> vallum::Result<Option<vallum::storage::AuditRow>> {
        self.inner.audit_last()
    }
    fn audit_query(
        &self,
        f: &vallum::storage::AuditFilter,
    ) -> vallum::Result<Vec<vallum::storage::AuditRow>> {
        self.inner.audit_query(f)
    }
    fn unencrypted_entries(&self) -> vallum::Result<u64> {
        self.inner.unencrypted_entries()
    }
}

#[test]
fn two_writers_racing_for_an_owners_first_key_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("race.db");
    let keys: Vec<String> = (0..600).map(|i| format!("k{i}")).collect();
    {
        let store = sqlite_backend(&db);
        let barrier = Arc::new(Barrier::new(2));
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let racing: Arc<dyn Backend> = Arc::new(Racing {
                    inner: store.clone(),
                    barrier: barrier.clone(),
                    waited: Default::default(),
                });
                let v = shared(racing);
                let keys = keys.clone();
                std::thread::spawn(move || {
                    for k in keys.iter().skip(w).step_by(2) {
                        set(&v, &alice(), Scope::User, k, json!(k));
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
    }
    let values = user_values_after_restart(&db, &alice(), &keys);
    let unreadable = values.iter().filter(|v| v.is_err()).count();
    assert_eq!(unreadable, 0, "rows unreadable after reopening");
    for (k, v) in keys.iter().zip(values) {
        assert_eq!(v.unwrap(), json!(k));
    }
}

#[test]
fn a_key_forgotten_by_one_writer_is_never_used_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("forget.db");
    {
        let store = sqlite_backend(&db);
        let a = shared(store.clone());
        let b = shared(store);
        set(&a, &alice(), Scope::User, "x", json!("before"));
        // B has alice's key in its cache.
        assert_eq!(
            b.memory().get(&alice(), Scope::User, "x").unwrap(),
            Some(json!("before"))
        );
        a.memory().forget(&alice(), Subject::User).unwrap();
        set(&a, &alice(), Scope::User, "y", json!("a-after"));
        set(&b, &alice(), Scope::User, "z", json!("b-after"));
        // B sees A's erasure at once.
        assert_eq!(b.memory().get(&alice(), Scope::User, "x").unwrap(), None);
    }
    let values = user_values_after_restart(&db, &alice(), &["x".into(), "y".into(), "z".into()]);
    assert_eq!(
        values,
        vec![Ok(Value::Null), Ok(json!("a-after")), Ok(json!("b-after"))]
    );
}

#[test]
fn a_key_rotated_by_one_writer_is_never_used_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rotate.db");
    {
        let store = sqlite_backend(&db);
        let a = shared(store.clone());
        let b = shared(store);
        set(&a, &alice(), Scope::User, "x", json!(1));
        assert_eq!(
            b.memory().get(&alice(), Scope::User, "x").unwrap(),
            Some(json!(1))
        );
        assert_eq!(
            a.memory().rotate_data_key(&alice(), Scope::User).unwrap(),
            1
        );
        set(&b, &alice(), Scope::User, "z", json!(2));
        set(&a, &alice(), Scope::User, "y", json!(3));
    }
    let values = user_values_after_restart(&db, &alice(), &["x".into(), "y".into(), "z".into()]);
    assert_eq!(values, vec![Ok(json!(1)), Ok(json!(3)), Ok(json!(2))]);
    // Only the new key is left.
    let n: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM data_keys WHERE scope = 'user'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

// ---------------------------------------------------------------------------
// 2. `<ENC:…>` tokens belong to their owner.

fn ssn_config() -> vallum::Config {
    config(
        r#"{"enterpriseSecurity": {"piiProtection": {"enabled": true, "maskingRules": ["ssn-encryption"]}}}"#,
    )
}

#[test]
fn encrypted_pii_tokens_open_only_for_their_organization() {
    let dir = tempfile::tempdir().unwrap();
    let v = open_with(&dir.path().join("t.db"), ssn_config(), clock());
    let a = Context::new("acme").with_user("ann").with_session("s-a");
    let b = Context::new("beta").with_user("bob").with_session("s-b");
    let masked = v
        .pii()
        .mask_in_session(&a, "my SSN is 078-05-1123")
        .unwrap();
    let token = masked.text.trim_start_matches("my SSN is ").to_string();
    assert!(token.starts_with("<ENC:US_SSN:o:"), "{token}");
    // B gets the model to echo A's token: it stays a token.
    let echoed = format!("Sure: {token}");
    assert_eq!(v.pii().unmask_in_session(&b, &echoed).unwrap(), echoed);
    assert_eq!(
        v.pii().decrypt(&b, &echoed).unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
    // The same through the JSON call surface the JavaScript bindings use.
    let out = vallum::api::call(
        &v,
        "pii.unmaskInSession",
        &json!([{"organization": "beta", "user": "bob", "session": "s-b"}, echoed]).to_string(),
    )
    .unwrap();
    assert!(!out.contains("078-05-1123"), "{out}");
    // A, in any session of the organization, restores it.
    let a2 = Context::new("acme").with_user("amy").with_session("s-2");
    assert_eq!(
        v.pii().unmask_in_session(&a2, &echoed).unwrap(),
        "Sure: 078-05-1123"
    );
    // Tokens die with their owner.
    v.memory().forget(&a, Subject::Organization).unwrap();
    assert_eq!(v.pii().unmask_in_session(&a2, &echoed).unwrap(), echoed);
    assert_eq!(
        v.pii().decrypt(&a2, &echoed).unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
}

#[test]
fn encrypted_pii_tokens_can_be_bound_to_a_user() {
    let cfg = config(
        r#"{"enterpriseSecurity": {"piiProtection": {"enabled": true,
            "operators": {"US_SSN": {"type": "encrypt", "bind": "user"}}}}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let v = open_with(&dir.path().join("t.db"), cfg, clock());
    let ann = Context::new("acme").with_user("ann");
    let amy = Context::new("acme").with_user("amy");
    let out = v.pii().mask_for(&ann, "078-05-1123").unwrap();
    assert!(out.text.starts_with("<ENC:US_SSN:u:"), "{}", out.text);
    assert_eq!(v.pii().decrypt(&ann, &out.text).unwrap(), "078-05-1123");
    assert_eq!(
        v.pii().decrypt(&amy, &out.text).unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
    // A token whose binding letter was changed does not open either.
    let forged = out.text.replacen(":u:", ":o:", 1);
    assert_eq!(
        v.pii().decrypt(&ann, &forged).unwrap_err().code(),
        ErrorCode::DecryptionFailed
    );
}

/// Found by the `vault_restore` fuzz target: a broken `<ENC:` fragment in
/// a model's answer swallowed the real token after it, which then stayed
/// unrestored.
#[test]
fn a_broken_token_fragment_does_not_hide_the_token_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let v = open_with(&dir.path().join("t.db"), ssn_config(), clock());
    let a = Context::new("acme").with_user("ann").with_session("s-a");
    let masked = v.pii().mask_for(&a, "078-05-1123").unwrap();
    for noise in ["<ENC:US", "<ENC:US_SSN:o", "<ENC:US <ENC:", "<ENC:<ENC:"] {
        let answer = format!("{noise} and SSN {}.", masked.text);
        assert_eq!(
            v.pii().unmask_in_session(&a, &answer).unwrap(),
            format!("{noise} and SSN 078-05-1123."),
        );
        assert_eq!(
            v.pii().decrypt(&a, &answer).unwrap(),
            format!("{noise} and SSN 078-05-1123."),
        );
    }
    // A token-shaped word that does not open is still refused by decrypt.
    assert_eq!(
        v.pii()
            .decrypt(&a, "<ENC:US_SSN:o:AAAA>")
            .unwrap_err()
            .code(),
        ErrorCode::DecryptionFailed
    );
}

// ---------------------------------------------------------------------------
// 3. Erasure and rotation leave nothing recoverable in the live files.

fn raw_files(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap();
    for suffix in ["-wal", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(Path::new(&p)) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// (wrapped keys, sealed values) of the user scope, read from the file.
fn user_secrets(db: &Path) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let c = rusqlite::Connection::open(db).unwrap();
    let col = |sql: &str| -> Vec<Vec<u8>> {
        let mut s = c.prepare(sql).unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    (
        col("SELECT wrapped FROM data_keys WHERE scope = 'user'"),
        col("SELECT value FROM entries WHERE scope = 'user'"),
    )
}

#[test]
fn forget_leaves_no_wrapped_key_or_ciphertext_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erase.db");
    let v = open(&db);
    for i in 0..50 {
        set(
            &v,
            &alice(),
            Scope::User,
            &format!("k{i}"),
            json!({"secret": "x".repeat(300), "i": i}),
        );
    }
    let (wrapped, sealed) = user_secrets(&db);
    assert!(!wrapped.is_empty() && sealed.len() == 50);
    v.memory().forget(&alice(), Subject::User).unwrap();
    let raw = raw_files(&db);
    for w in &wrapped {
        assert!(
            !contains(&raw, w),
            "a destroyed wrapped key is still in the files"
        );
    }
    for s in &sealed {
        assert!(
            !contains(&raw, &s[..64]),
            "a forgotten ciphertext is still in the files"
        );
    }
}

#[test]
fn rotation_leaves_no_old_wrapped_key_or_ciphertext_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rotate.db");
    let v = open(&db);
    for i in 0..20 {
        set(
            &v,
            &alice(),
            Scope::User,
            &format!("k{i}"),
            json!("y".repeat(200)),
        );
    }
    let (wrapped, sealed) = user_secrets(&db);
    v.memory().rotate_data_key(&alice(), Scope::User).unwrap();
    let raw = raw_files(&db);
    for w in &wrapped {
        assert!(
            !contains(&raw, w),
            "the rotated-out wrapped key is still in the files"
        );
    }
    for s in &sealed {
        assert!(
            !contains(&raw, &s[..64]),
            "an old ciphertext is still in the files"
        );
    }
    // Master-key rotation leaves no key wrapped under the old master key.
    let (wrapped, _) = user_secrets(&db);
    v.rotate_master_key(&MasterKey::generate().unwrap())
        .unwrap();
    let raw = raw_files(&db);
    for w in &wrapped {
        assert!(
            !contains(&raw, w),
            "a key wrapped by the old master key is still in the files"
        );
    }
}

// ---------------------------------------------------------------------------
// 4. Rotating the global key does not drop other organizations' writes.

#[test]
fn rotating_the_global_key_keeps_every_concurrent_global_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("global.db");
    let admin_a = Context::new("acme").with_permission(vallum::memory::GLOBAL_WRITE);
    let admin_b = Context::new("beta").with_permission(vallum::memory::GLOBAL_WRITE);
    let keys: Vec<String> = (0..300).map(|i| format!("g{i}")).collect();
    {
        let v = open(&db);
        set(&v, &admin_a, Scope::Global, "seed", json!(0));
        let writer = {
            let v = v.clone();
            let keys = keys.clone();
            std::thread::spawn(move || {
                for k in &keys {
                    set(&v, &admin_b, Scope::Global, k, json!(k));
                }
            })
        };
        for _ in 0..30 {
            v.memory().rotate_data_key(&admin_a, Scope::Global).unwrap();
        }
        writer.join().unwrap();
    }
    let v = open(&db);
    for k in &keys {
        assert_eq!(
            v.memory()
                .get(&Context::new("gamma"), Scope::Global, k)
                .unwrap(),
            Some(json!(k)),
            "global entry {k}"
        );
    }
}

// ---------------------------------------------------------------------------
// 5. The PII vault is out of reach of the memory API.

#[test]
fn the_pii_vault_cannot_be_read_or_overwritten_through_memory() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(r#"{"enterpriseSecurity": {"piiProtection": {"enabled": true}}}"#);
    let v = open_with(&dir.path().join("vault.db"), cfg, clock());
    let ctx = alice();
    let masked = v
        .pii()
        .mask_in_session(&ctx, "write to ann@example.com")
        .unwrap();
    assert_eq!(masked.text, "write to <EMAIL_ADDRESS_1>");
    let vault_key = vallum::pii::VAULT_KEY;
    let m = v.memory();
    for e in [
        m.get(&ctx, Scope::Session, vault_key).unwrap_err(),
        m.get_entry(&ctx, Scope::Session, vault_key).unwrap_err(),
        m.set(
            &ctx,
            Scope::Session,
            vault_key,
            json!({"entries": {"EMAIL_ADDRESS": ["evil@attacker.example"]}}),
            &SetOptions::default(),
        )
        .unwrap_err(),
        m.remove(&ctx, Scope::Session, vault_key).unwrap_err(),
        m.resolve(&ctx, vault_key).unwrap_err(),
        m.get_batch(&ctx, Scope::Session, &[vault_key]).unwrap_err(),
        m.set_batch(
            &ctx,
            Scope::Session,
            [(vault_key, json!(1))],
            &SetOptions::default(),
        )
        .unwrap_err(),
        m.set(
            &ctx,
            Scope::Session,
            "vallum.anything",
            json!(1),
            &SetOptions::default(),
        )
        .unwrap_err(),
    ] {
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
        assert!(e.to_string().contains("reserved"), "{e}");
    }
    assert!(m
        .search(&ctx, Scope::Session, &Default::default())
        .unwrap()
        .is_empty());
    let export = m.export(&ctx, Subject::User).unwrap().to_string();
    assert!(!export.contains("ann@example.com"), "{export}");
    // Clearing the session's memory keeps the vault; the answer is restored.
    set(&v, &ctx, Scope::Session, "note", json!(1));
    assert_eq!(m.clear_scope(&ctx, Scope::Session).unwrap(), 1);
    assert_eq!(
        v.pii()
            .unmask_in_session(&ctx, "sent to <EMAIL_ADDRESS_1>")
            .unwrap(),
        "sent to ann@example.com"
    );
}

// ---------------------------------------------------------------------------
// 6. Budgets per tenant; reservations only their holder can settle or release.

fn usage(org: &str, user: &str) -> Usage {
    Usage::new("gpt-4o", 1000, 1000).by(Attribution {
        organization: Some(org.into()),
        user: Some(user.into()),
        ..Attribution::default()
    })
}

#[test]
fn per_user_budgets_are_separate_per_organization() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        r#"{"costManagement": {"budgets": [
            {"id": "per-user", "level": "user", "period": "monthly", "limitMicros": 20000}]}}"#,
    );
    let v = open_with(&dir.path().join("b.db"), cfg, clock());
    let costs = v.costs();
    // gpt-4o: 1000 in + 1000 out = 12,500 µ$.
    costs.record_usage(&usage("acme", "bob")).unwrap();
    assert_eq!(
        costs.reserve(&usage("acme", "bob")).unwrap_err().code(),
        ErrorCode::BudgetExceeded
    );
    // Beta's bob is someone else, with a budget of his own.
    let r = costs.reserve(&usage("beta", "bob")).unwrap();
    assert_eq!(r.organization.as_deref(), Some("beta"));
    let status = costs.budget_status().unwrap();
    let acme = status
        .iter()
        .find(|s| s.organization.as_deref() == Some("acme"))
        .unwrap();
    let beta = status
        .iter()
        .find(|s| s.organization.as_deref() == Some("beta"))
        .unwrap();
    assert_eq!((acme.spent_micros, acme.reserved_micros), (12_500, 0));
    assert_eq!((beta.spent_micros, beta.reserved_micros), (0, 12_500));
    // The Prometheus text keeps the lines apart.
    let prom = v.prometheus().unwrap();
    assert!(
        prom.contains(r#"organization="acme",subject="bob""#),
        "{prom}"
    );
    assert!(
        prom.contains(r#"organization="beta",subject="bob""#),
        "{prom}"
    );
}

#[test]
fn reservations_are_unguessable_and_bound_to_their_organization() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        r#"{"costManagement": {"budgets": [
            {"id": "org", "level": "organization", "period": "monthly", "limitMicros": 30000}]}}"#,
    );
    let v = open_with(&dir.path().join("r.db"), cfg, clock());
    let costs = v.costs();
    let r1 = costs.reserve(&usage("acme", "ann")).unwrap();
    let r2 = costs.reserve(&usage("acme", "ann")).unwrap();
    assert!(r1.id.starts_with("rsv_") && r1.id.len() == 36, "{}", r1.id);
    assert_ne!(r1.id, r2.id);
    // Guessing a handle, or presenting one for another organization, frees nothing.
    let guessed = Reservation {
        id: "rsv_00000000000000000000000000000001".into(),
        ..r1.clone()
    };
    assert!(!costs.release(&guessed));
    let other_org = Reservation {
        organization: Some("beta".into()),
        ..r1.clone()
    };
    assert!(!costs.release(&other_org));
    assert_eq!(costs.reservations_held(), 2);
    // Settling charges the reservation's organization only.
    let e = costs.settle(&r1, &usage("beta", "bob")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    assert_eq!(costs.reservations_held(), 2);
    assert!(costs.release(&r1));
    assert!(!costs.release(&r1));
    let mut no_org = usage("acme", "ann");
    no_org.attribution.organization = None;
    let charge = costs.settle(&r2, &no_org).unwrap();
    assert_eq!(charge.cost_micros, 12_500);
    let s = &costs.budget_status().unwrap()[0];
    assert_eq!(
        (s.organization.as_deref(), s.spent_micros, s.reserved_micros),
        (Some("acme"), 12_500, 0)
    );
    // Through the JSON surface, a forged id is refused as well.
    let forged = json!([{"id": "rsv_1", "amountMicros": 1, "expiresAt": 0}]).to_string();
    assert_eq!(
        vallum::api::call(&v, "costs.release", &forged).unwrap(),
        "false"
    );
}

#[test]
fn the_guard_charges_the_requests_organization() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("g.db"));
    let input: vallum::guard::PromptInput = serde_json::from_value(json!({
        "principal": {"id": "bob"}, "organization": "acme", "session": "s",
        "text": "hello", "model": "gpt-4o", "estimated_output_tokens": 10,
        "attribution": {"organization": "beta"}
    }))
    .unwrap();
    let e = v.guard_prompt(&input).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.to_string().contains("beta"), "{e}");
}

// ---------------------------------------------------------------------------
// 7. One depth limit, enforced on write.

#[test]
fn values_nested_too_deep_are_refused_on_write_and_the_owner_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("deep.db"));
    let ctx = alice();
    set(&v, &ctx, Scope::User, "fine", json!({"a": [1, 2]}));
    let mut deep = json!(1);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let e = v
        .memory()
        .set(&ctx, Scope::User, "deep", deep, &SetOptions::default())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.to_string().contains("levels deep"), "{e}");
    let mut ok = json!(1);
    for _ in 0..vallum::memory::MAX_VALUE_DEPTH {
        ok = json!({"k": ok});
    }
    set(&v, &ctx, Scope::User, "deepest-allowed", ok.clone());
    let reopened = {
        drop(v);
        open(&dir.path().join("deep.db"))
    };
    let m = reopened.memory();
    assert_eq!(
        m.get(&ctx, Scope::User, "deepest-allowed").unwrap(),
        Some(ok)
    );
    assert_eq!(
        m.search(&ctx, Scope::User, &Default::default())
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        m.export(&ctx, Subject::User).unwrap()["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

// ---------------------------------------------------------------------------
// 8. PII token encryptions count against the data key's use limit.

#[test]
fn pii_token_encryptions_are_counted_and_the_key_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("uses.db");
    let v = Vallum::builder()
        .sqlite(&db)
        .config(ssn_config())
        .master_key(key())
        .data_key_use_limit(3)
        .build()
        .unwrap();
    let ctx = Context::new("acme").with_user("ann");
    let tokens: Vec<String> = (0..10)
        .map(|_| v.pii().mask_for(&ctx, "078-05-1123").unwrap().text)
        .collect();
    let c = rusqlite::Connection::open(&db).unwrap();
    let keys: i64 = c
        .query_row(
            "SELECT count(*) FROM data_keys WHERE scope = 'organization' AND owner = 'acme'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        keys >= 4,
        "10 encryptions with a limit of 3 need at least 4 keys, found {keys}"
    );
    let live: i64 = c
        .query_row(
            "SELECT count(*) FROM data_keys WHERE scope = 'organization' AND owner = 'acme' AND retired = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(live, 1);
    for t in &tokens {
        assert_eq!(v.pii().decrypt(&ctx, t).unwrap(), "078-05-1123");
    }
}

// ---------------------------------------------------------------------------
// 9. A checkpoint taken before a retention purge still verifies.

#[test]
fn a_checkpoint_covered_by_a_retention_purge_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let cfg = config(r#"{"enterpriseSecurity": {"audit": {"enabled": true, "retention": 30}}}"#);
    let v = open_with(&dir.path().join("a.db"), cfg, clock.clone());
    let audit = v.audit();
    for i in 0..5 {
        audit
            .append(AuditEntry::new(
                "ops",
                "test.event",
                format!("r{i}"),
                "success",
            ))
            .unwrap();
    }
    let early = audit.checkpoint().unwrap();
    audit
        .append(AuditEntry::new("ops", "test.event", "r5", "success"))
        .unwrap();
    let at_anchor = audit.checkpoint().unwrap();
    clock.advance(40 * 86_400_000);
    audit
        .append(AuditEntry::new("ops", "test.event", "recent", "success"))
        .unwrap();
    assert_eq!(audit.purge_expired().unwrap(), 6);
    for cp in [&early, &at_anchor] {
        let r = audit.verify_against(cp).unwrap();
        assert!(r.ok, "checkpoint #{}: {r:?}", cp.seq);
    }
    // A later checkpoint still detects truncation.
    let late = audit.checkpoint().unwrap();
    rusqlite::Connection::open(dir.path().join("a.db"))
        .unwrap()
        .execute("DELETE FROM audit WHERE seq = ?1", [late.seq as i64])
        .unwrap();
    let r = audit.verify_against(&late).unwrap();
    assert!(!r.ok);
    assert_eq!(r.broken.unwrap().kind, vallum::audit::TamperKind::Truncated);
}

// ---------------------------------------------------------------------------
// 10. Rate-limiter and budget state stays bounded.

#[test]
fn a_million_distinct_ids_keep_rate_limiter_and_ledger_bounded() {
    let clock = clock();
    let cfg = config(
        r#"{"enterpriseSecurity": {"rateLimits": {"api": {"requests": 10, "window": 1}}},
            "costManagement": {"budgets": [
              {"id": "per-user", "level": "user", "period": "daily", "limitMicros": 1000000}]}}"#,
    );
    let v = Vallum::builder()
        .in_memory()
        .config(cfg)
        .master_key(key())
        .clock(clock.clone())
        .build()
        .unwrap();
    for i in 0..1_000_000u32 {
        if i % 1000 == 0 {
            clock.advance(2_000); // every key's bucket has refilled since
        }
        let id = format!("user-{i}");
        assert!(v.limits().check("api", &id).unwrap().allowed);
        let r = v.costs().reserve(&usage("acme", &id)).unwrap();
        assert!(v.costs().release(&r));
    }
    let tracked = v.limits().tracked_keys();
    // Bounded by 16 shards × 1.5 × 4,096 idle keys plus the active ones,
    // whatever the number of ids seen.
    assert!(tracked < 100_000, "rate limiter holds {tracked} keys");
    let lines = v.costs().ledger_lines();
    assert!(lines <= 11_000, "ledger holds {lines} lines");
    // Pruning changed no decision: a key that is still active keeps its state.
    let mut spec = vallum::policy::RateLimitSpec::new(1, 3600);
    spec.burst = Some(1);
    v.limits().set_limit("slow", spec).unwrap();
    assert!(v.limits().check("slow", "kept").unwrap().allowed);
    for i in 0..20_000 {
        v.limits().check("slow", &format!("other-{i}")).unwrap();
    }
    assert!(!v.limits().check("slow", "kept").unwrap().allowed);
}

// ---------------------------------------------------------------------------
// 11. Weak master keys are refused; the docs show key generation.

#[test]
fn weak_master_keys_are_refused_and_no_doc_shows_one() {
    for weak in [[0u8; 32], [7u8; 32], [0x11; 32]] {
        assert_eq!(
            MasterKey::from_bytes(&weak).unwrap_err().code(),
            ErrorCode::InvalidKey
        );
    }
    assert_eq!(
        MasterKey::from_encoded(&"0".repeat(64)).unwrap_err().code(),
        ErrorCode::InvalidKey
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut docs = vec![
        root.join("README.md"),
        root.join("bindings-python/README.md"),
        root.join("bindings-node/README.md"),
        root.join("bindings-wasm/README.md"),
        root.join("bindings-python/python/vallum/__init__.py"),
    ];
    for dir in ["docs", "examples", "examples/python", "examples/node"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            docs.extend(rd.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
    }
    let weak_forms = [
        "bytes(32)",
        "[0u8; 32]",
        "[7u8; 32]",
        "masterKey: new Uint8Array(32)",
        "new Uint8Array(32).fill(",
        "Buffer.alloc(32)",
        "'00'.repeat(32)",
    ];
    for p in docs {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        for w in weak_forms {
            assert!(
                !text.contains(w),
                "{} shows a weak master key: {w}",
                p.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 12. Key bytes handed over by a binding are wiped.

#[test]
fn key_bytes_taken_from_a_binding_are_zeroized() {
    let mut buf = b"vallum-test-key/12-0123456789abc".to_vec();
    let k = MasterKey::take_bytes(&mut buf).unwrap();
    assert!(buf.iter().all(|b| *b == 0));
    let mut again = b"vallum-test-key/12-0123456789abc".to_vec();
    assert_eq!(
        format!("{:?}", MasterKey::take_bytes(&mut again).unwrap()),
        format!("{k:?}")
    );
    let mut bad = vec![7u8; 32];
    assert!(MasterKey::take_bytes(&mut bad).is_err());
    assert!(bad.iter().all(|b| *b == 0), "wiped on failure too");
    let mut hex = "7a".repeat(16) + &"5b".repeat(4) + "0102030405060708090a0b0c";
    let _ = MasterKey::take_encoded(&mut hex);
    assert!(hex.bytes().all(|b| b == 0));
}

// ---------------------------------------------------------------------------
// 13. A store that lost its key-check row does not adopt a new master key.

#[test]
fn a_store_without_its_key_check_row_refuses_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("check.db");
    {
        let v = open(&db);
        set(&v, &alice(), Scope::User, "k", json!("v"));
    }
    sql(&db, "DELETE FROM meta WHERE name = 'kek_check'");
    let other = MasterKey::generate().unwrap();
    for k in [other, key()] {
        let e = Vallum::builder()
            .sqlite(&db)
            .master_key(k)
            .build()
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::CorruptStore, "{e}");
        assert!(e.to_string().contains("check"), "{e}");
    }
    let n: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM meta WHERE name = 'kek_check'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0, "nothing was recorded");
}

// ---------------------------------------------------------------------------
// 14. A damaged wrapped key fails only what depends on it.

#[test]
fn one_damaged_wrapped_key_fails_only_its_own_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("damaged.db");
    {
        let v = Vallum::builder()
            .sqlite(&db)
            .master_key(key())
            .data_key_use_limit(2)
            .build()
            .unwrap();
        for i in 0..4 {
            set(&v, &alice(), Scope::User, &format!("k{i}"), json!(i));
        }
    }
    // Keys 1 and 2 sealed k0–k3; damage key 1.
    sql(
        &db,
        "UPDATE data_keys SET wrapped = zeroblob(65) WHERE scope = 'user' AND key_id = 1",
    );
    let v = open(&db);
    let m = v.memory();
    let e = m.get(&alice(), Scope::User, "k0").unwrap_err();
    assert_eq!(e.code(), ErrorCode::DecryptionFailed);
    assert!(e.to_string().contains("data key 1"), "names the key: {e}");
    assert_eq!(m.get(&alice(), Scope::User, "k2").unwrap(), Some(json!(2)));
    assert_eq!(m.get(&alice(), Scope::User, "k3").unwrap(), Some(json!(3)));
    set(&v, &alice(), Scope::User, "new", json!("still writable"));
    assert_eq!(
        m.get(&alice(), Scope::User, "new").unwrap(),
        Some(json!("still writable"))
    );
    // Master-key rotation re-wraps every other key and names the damaged one.
    let new_key = MasterKey::generate().unwrap();
    // Key 2 (which also sealed "new") is re-wrapped; key 1 cannot be.
    assert_eq!(v.rotate_master_key(&new_key).unwrap(), 1);
    let record = v
        .audit()
        .query(&vallum::storage::AuditFilter {
            action: Some("key.rotate_master".into()),
            ..Default::default()
        })
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(record.outcome, "partial");
    let details: Value = serde_json::from_str(&record.details).unwrap();
    assert_eq!(details["unreadable"][0]["keyId"], json!(1));
    assert_eq!(details["unreadable"][0]["scope"], json!("user"));
    drop(v);
    let v = Vallum::builder()
        .sqlite(&db)
        .master_key(new_key)
        .build()
        .unwrap();
    assert_eq!(
        v.memory().get(&alice(), Scope::User, "k3").unwrap(),
        Some(json!(3))
    );
}

// ---------------------------------------------------------------------------
// 15. Writing the global scope takes an explicit permission.

#[test]
fn global_scope_writes_need_the_global_write_permission() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("perm.db"));
    let tenant = Context::new("acme").with_user("mallory");
    let admin = Context::new("platform").with_permission("memory:global:write");
    set(&v, &admin, Scope::Global, "banner", json!("hello"));
    let m = v.memory();
    for e in [
        m.set(
            &tenant,
            Scope::Global,
            "banner",
            json!("pwned"),
            &SetOptions::default(),
        )
        .unwrap_err(),
        m.set_batch(
            &tenant,
            Scope::Global,
            [("banner", json!("pwned"))],
            &SetOptions::default(),
        )
        .unwrap_err(),
        m.remove(&tenant, Scope::Global, "banner").unwrap_err(),
        m.clear_scope(&tenant, Scope::Global).unwrap_err(),
        m.rotate_data_key(&tenant, Scope::Global).unwrap_err(),
    ] {
        assert_eq!(e.code(), ErrorCode::PermissionDenied, "{e}");
        assert!(e.to_string().contains("memory:global:write"), "{e}");
    }
    // Everyone still reads it; wildcards grant it.
    assert_eq!(
        m.resolve(&tenant, "banner").unwrap().unwrap().value,
        json!("hello")
    );
    let wildcard = Context::new("platform").with_permission("memory:*");
    assert_eq!(m.rotate_data_key(&wildcard, Scope::Global).unwrap(), 1);
    assert_eq!(m.clear_scope(&admin, Scope::Global).unwrap(), 1);
    // The JSON surface carries the permission too.
    vallum::api::call(
        &v,
        "memory.set",
        &json!([{"organization": "platform", "permissions": ["memory:global:write"]}, "k", 1, "global", null]).to_string(),
    )
    .unwrap();
    let e = vallum::api::call(
        &v,
        "memory.set",
        &json!([{"organization": "acme"}, "k", 2, "global", null]).to_string(),
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
}

// ---------------------------------------------------------------------------
// Found by the `memory_value` fuzz target: numbers must read back exactly.

#[test]
fn stored_numbers_read_back_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(&dir.path().join("floats.db"));
    let ctx = alice();
    let texts = [
        "3e88",
        "2.9999999999999997e88",
        "0.1",
        "1e-300",
        "5e-324",
        "1.7976931348623157e308",
        "-0.0",
        "123456789.12345678",
    ];
    for (i, t) in texts.iter().enumerate() {
        let value: Value = serde_json::from_str(t).unwrap();
        // Secret values skip the hot cache: this reads what storage holds.
        v.memory()
            .set(
                &ctx,
                Scope::User,
                &format!("f{i}"),
                value.clone(),
                &SetOptions::default().secret(),
            )
            .unwrap();
        let back = v
            .memory()
            .get(&ctx, Scope::User, &format!("f{i}"))
            .unwrap()
            .unwrap();
        assert_eq!(
            back.as_f64().map(f64::to_bits),
            value.as_f64().map(f64::to_bits),
            "{t} came back as {back}"
        );
    }
}
