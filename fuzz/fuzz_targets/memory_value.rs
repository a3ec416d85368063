//! Fuzzes the memory API's value path: arbitrary bytes as a JSON value (or a
//! string) with options picked by the first byte, set and read back through
//! `vallum::fuzzing::memory_value` — a write is refused with a typed error
//! and changes nothing, or it reads back exactly; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn instance() -> &'static vallum::Vallum {
    static V: OnceLock<vallum::Vallum> = OnceLock::new();
    V.get_or_init(|| vallum::fuzzing::instance().expect("instance"))
}

fuzz_target!(|data: &[u8]| {
    vallum::fuzzing::memory_value(instance(), data);
});
