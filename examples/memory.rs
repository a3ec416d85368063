//! The README's main job: Vallum's encrypted multi-scope memory on the
//! embedded SQLite default.
//!
//! `cargo run -p vallum-examples --bin memory [-- path/to/file.db]`
//!
//! Opens a SQLite file, stores data in every scope, lets a TTL expire,
//! resolves a key across scopes, exports one user's data, forgets that user
//! and shows that copies of the user's rows can no longer be read, and
//! prints stats. The master key comes from `VALLUM_MASTER_KEY` (64 hex digits
//! or base64) when set; otherwise a random one is made for this run.

use serde_json::json;
use std::time::Duration;
use vallum::{Context, MasterKey, Scope, SetOptions, Subject, Vallum};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "vallum-demo.db".to_string());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let master = match std::env::var("VALLUM_MASTER_KEY") {
        Ok(_) => MasterKey::from_env("VALLUM_MASTER_KEY")?,
        Err(_) => MasterKey::generate()?,
    };
    let config = r#"{
        "name": "Demo Copilot",
        "enterpriseMemory": {
            "scopes": { "enabled": ["session", "user", "organization", "global", "ephemeral"], "default": "organization" },
            "encryption": { "enabled": true, "algorithm": "AES-256-GCM" },
            "retention": {
                "policies": {
                    "session": { "maxAge": 28800000, "maxSize": 104857600 },
                    "user": { "maxAge": 7776000000, "maxSize": 524288000, "evictionPolicy": "lru" }
                },
                "compression": true
            }
        }
    }"#;
    let vallum = Vallum::builder()
        .config_json(config)?
        .sqlite(&path)
        .master_key(master.clone())
        .build()?;
    let memory = vallum.memory();
    println!(
        "== Vallum memory demo: {path} (master key id {}) ==",
        vallum.master_key_id()
    );

    let _events = memory.subscribe(|e| {
        if e.action != vallum::events::MemoryAction::Set {
            println!("   event: {:?} {} {:?}", e.action, e.scope, e.key);
        }
    });

    let alice = Context::new("acme")
        .with_user("alice")
        .with_session("web-1");
    let bob = Context::new("acme")
        .with_user("bob")
        .with_session("mobile-7");

    // Global memory is read by every organization; only a context the host
    // grants `memory:global:write` may change it.
    let platform = Context::new("platform").with_permission(vallum::memory::GLOBAL_WRITE);

    println!("\n1. Store data in every scope");
    memory.set(
        &platform,
        Scope::Global,
        "assistant.tone",
        json!("neutral"),
        &SetOptions::default(),
    )?;
    memory.set(
        &alice,
        Scope::Organization,
        "assistant.tone",
        json!("formal"),
        &SetOptions::default(),
    )?;
    memory.set(
        &alice,
        Scope::Organization,
        "glossary",
        json!({"ARR": "annual recurring revenue"}),
        &SetOptions::default(),
    )?;
    memory.set(
        &alice,
        Scope::User,
        "assistant.tone",
        json!("friendly"),
        &SetOptions::default().tag("preference"),
    )?;
    memory.set(
        &alice,
        Scope::User,
        "profile",
        json!({"name": "Alice Martin", "email": "alice@acme.example"}),
        &SetOptions::default().secret(),
    )?;
    memory.set(
        &alice,
        Scope::Session,
        "draft",
        json!("Summarise Q3 for the board"),
        &SetOptions::default(),
    )?;
    memory.set(
        &alice,
        Scope::Ephemeral,
        "typing",
        json!(true),
        &SetOptions::default(),
    )?;
    memory.set(
        &bob,
        Scope::User,
        "assistant.tone",
        json!("brief"),
        &SetOptions::default(),
    )?;
    for scope in Scope::ALL {
        let v = memory.get(
            &alice,
            scope,
            if scope == Scope::Ephemeral {
                "typing"
            } else if scope == Scope::Session {
                "draft"
            } else {
                "assistant.tone"
            },
        )?;
        println!("   {scope:<12} -> {}", v.unwrap_or_default());
    }

    println!("\n2. A TTL expiring (1.2 s)");
    memory.set(
        &alice,
        Scope::Session,
        "one-time-code",
        json!("417 229"),
        &SetOptions::default().ttl(1_200),
    )?;
    println!(
        "   now:        {:?}",
        memory.get(&alice, Scope::Session, "one-time-code")?
    );
    std::thread::sleep(Duration::from_millis(1_300));
    println!(
        "   after 1.3s: {:?}",
        memory.get(&alice, Scope::Session, "one-time-code")?
    );

    println!("\n3. Resolve `assistant.tone`: session -> user -> organization -> global");
    let show = |ctx: &Context, who: &str| -> Result<(), vallum::Error> {
        match memory.resolve(ctx, "assistant.tone")? {
            Some(r) => println!("   {who:<22} {} (from {})", r.value, r.scope),
            None => println!("   {who:<22} (none)"),
        }
        Ok(())
    };
    show(&alice, "alice:")?;
    show(&bob, "bob:")?;
    show(&Context::new("acme"), "acme, no user:")?;
    show(&Context::new("globex"), "another organization:")?;

    println!("\n4. Export everything stored for alice (data-subject request)");
    let export = memory.export(&alice, Subject::User)?;
    println!("{}", serde_json::to_string_pretty(&export)?);

    println!("\n5. Forget alice (crypto-shredding)");
    let db = rusqlite::Connection::open(&path)?;
    let copied: Vec<(String, String, String, Vec<u8>)> = db
        .prepare("SELECT scope, owner, key, value FROM entries WHERE owner LIKE 'acme' || char(31) || 'alice%'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    println!(
        "   an attacker copied {} encrypted rows of alice's before the erasure",
        copied.len()
    );
    let report = memory.forget(&alice, Subject::User)?;
    println!(
        "   forget: {} entries deleted, {} data keys destroyed",
        report.entries, report.keys
    );
    for (scope, owner, key, value) in &copied {
        db.execute(
            "INSERT OR REPLACE INTO entries (scope, owner, key, value, tags, size, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, '[]', 0, 0, 0)",
            rusqlite::params![scope, owner, key, value],
        )?;
    }
    println!("   the copies are written back into the database; reading them now:");
    for (scope, _, key, _) in &copied {
        match memory.get(&alice, Scope::parse(scope)?, key) {
            Ok(v) => println!("   {scope}/{key}: READABLE {v:?}  <- this must never happen"),
            Err(e) => println!("   {scope}/{key}: {} ({})", e.code(), e),
        }
    }
    println!(
        "   bob is untouched: {:?}",
        memory.get(&bob, Scope::User, "assistant.tone")?
    );
    let removed =
        memory.clear_scope(&alice, Scope::User)? + memory.clear_scope(&alice, Scope::Session)?;
    println!("   the unreadable copies are cleared ({removed} rows)");

    println!("\n6. Stats");
    memory.optimize()?;
    for s in memory.stats(None)? {
        println!(
            "   {:<12} entries={:<3} bytes={:<6} owners={:<2} maxAge={:?} maxSize={:?}",
            s.scope.map(|s| s.to_string()).unwrap_or_default(),
            s.entries,
            s.bytes,
            s.owners,
            s.max_age,
            s.max_size
        );
    }
    println!("\nDone. The database is at {path}; it opens only with this run's master key.");
    Ok(())
}
