//! Fuzzes vault restore: a stored vault (JSON, before the first NUL) and a
//! model's answer (after it) through `vallum::fuzzing::vault_restore` —
//! placeholders come back for their own session only, tokens of another
//! organization stay sealed; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn instance() -> &'static vallum::Vallum {
    static V: OnceLock<vallum::Vallum> = OnceLock::new();
    V.get_or_init(|| vallum::fuzzing::instance().expect("instance"))
}

fuzz_target!(|data: &[u8]| {
    vallum::fuzzing::vault_restore(instance(), data);
});
