//! Checks shared by the fuzz targets (`fuzz/fuzz_targets/`) and the replay
//! of their past crashers (`core/tests/fuzz_regressions.rs`). Not part of
//! the API.

use crate::memory::{Context, Scope, SetOptions, Subject};
use crate::{MasterKey, Vallum};
use serde_json::Value;

/// The instance the targets run against: in memory, PII protection on with
/// the `encrypt` operator for SSNs, a small value limit.
pub fn instance() -> crate::Result<Vallum> {
    Vallum::builder()
        .config_json(
            r#"{"enterpriseMemory": {"maxValueSize": 65536},
                "enterpriseSecurity": {"piiProtection": {"enabled": true, "maskingRules": ["ssn-encryption", "email-masking"]}}}"#,
        )?
        .in_memory()
        .master_key(MasterKey::from_bytes(b"vallum-fuzzing-key-0123456789abc")?)
        .clock(std::sync::Arc::new(crate::ManualClock::new(1_700_000_000_000)))
        .build()
}

fn ctx() -> Context {
    Context::new("fuzz").with_user("u").with_session("s")
}

/// The memory API's value path: the first byte picks a scope and options,
/// the rest is a JSON value (or, if it is not JSON, a string). A write either
/// fails with a typed error and changes nothing, or reads back exactly, and
/// the owner's `search` and `export` keep working. Returns whether the value
/// was stored.
///
/// # Panics
/// When an invariant is broken (that is the point).
#[expect(
    clippy::panic,
    reason = "a fuzz check reports a broken invariant by panicking"
)]
pub fn memory_value(v: &Vallum, data: &[u8]) -> bool {
    let Some((&mode, rest)) = data.split_first() else {
        return false;
    };
    let value: Value = serde_json::from_slice(rest)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(rest).into_owned()));
    let scope = [
        Scope::Session,
        Scope::User,
        Scope::Organization,
        Scope::Ephemeral,
    ][(mode & 3) as usize];
    let mut opts = SetOptions::default();
    if mode & 4 != 0 {
        opts = opts.encrypt(false);
    }
    if mode & 8 != 0 && mode & 4 == 0 {
        opts = opts.secret();
    }
    if mode & 16 != 0 {
        opts = opts.tag("t");
    }
    let key = format!("k{}", mode >> 5);
    let m = v.memory();
    let before = m.get(&ctx(), scope, &key);
    let stored = match m.set(&ctx(), scope, &key, value.clone(), &opts) {
        Ok(()) => {
            let back = m.get(&ctx(), scope, &key);
            match back {
                Ok(Some(b)) if b == value => {}
                other => panic!("{scope} `{key}`: stored {value} but read {other:?}"),
            }
            true
        }
        Err(e) => {
            let code = e.code();
            if !matches!(
                code,
                crate::ErrorCode::InvalidArgument
                    | crate::ErrorCode::ValueTooLarge
                    | crate::ErrorCode::QuotaExceeded
            ) {
                panic!("unexpected error for a value: {e}");
            }
            let after = m.get(&ctx(), scope, &key);
            if format!("{before:?}") != format!("{after:?}") {
                panic!("a refused write changed `{key}`: {before:?} → {after:?}");
            }
            false
        }
    };
    if let Err(e) = m.search(&ctx(), scope, &Default::default()) {
        panic!("search failed after a write: {e}");
    }
    if let Err(e) = m.export(&ctx(), Subject::User) {
        panic!("export failed after a write: {e}");
    }
    stored
}

/// Vault restore: bytes before the first NUL are a vault as stored (JSON),
/// the rest a model's answer. Parsing either fails with an error or gives a
/// vault whose `unmask` never panics; the session's own vault restores
/// every placeholder it handed out and never decrypts another owner's
/// token. Returns how many placeholders were restored.
///
/// # Panics
/// When an invariant is broken.
#[expect(
    clippy::panic,
    reason = "a fuzz check reports a broken invariant by panicking"
)]
pub fn vault_restore(v: &Vallum, data: &[u8]) -> usize {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (stored, answer) = data.split_at(split);
    let answer = String::from_utf8_lossy(answer.get(1..).unwrap_or_default()).into_owned();
    let mut restored = 0;
    if let Ok(vault) = serde_json::from_slice::<crate::pii::Vault>(stored) {
        let (text, n) = vault.unmask_counted(&answer);
        restored += n;
        if n == 0 && text != answer {
            panic!("unmask changed a text it restored nothing in");
        }
    }
    // Through the session: mask the answer, then restore it.
    let me = ctx();
    let masked = match v.pii().mask_in_session(&me, &answer) {
        Ok(m) => m,
        Err(e) => panic!("masking an answer failed: {e}"),
    };
    match v.pii().unmask_in_session(&me, &masked.text) {
        Ok(back) => {
            let reversible = masked
                .findings
                .iter()
                .zip(&masked.replacements)
                .filter(|(_, r)| r.operator == "replace" || r.operator == "encrypt")
                .map(|(f, _)| f);
            for f in reversible {
                let original = &answer[f.start..f.end];
                let visible: String = original
                    .chars()
                    .filter(|c| !crate::pii::is_invisible(*c))
                    .collect();
                if !back.contains(&visible) {
                    panic!("the session did not restore `{visible}`: {back}");
                }
                restored += 1;
            }
        }
        Err(e) => panic!("restoring a masked answer failed: {e}"),
    }
    // Another organization restores nothing of it.
    let other = Context::new("other").with_user("u").with_session("s");
    match v.pii().unmask_in_session(&other, &masked.text) {
        Ok(text) => {
            for f in masked
                .findings
                .iter()
                .filter(|f| f.entity == "US_SSN" && f.end - f.start >= 9)
            {
                if text.contains(&answer[f.start..f.end])
                    && !masked.text.contains(&answer[f.start..f.end])
                {
                    panic!("another organization decrypted an SSN token");
                }
            }
        }
        Err(e) => panic!("restoring in another session failed: {e}"),
    }
    restored
}
