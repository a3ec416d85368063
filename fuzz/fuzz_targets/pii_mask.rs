//! Fuzzes PII detection, masking, the vault and the streaming masker:
//! arbitrary bytes must give a typed error (invalid UTF-8) or a masked text
//! in which no finding's original text survives, whose vault round trip
//! restores the input, and which the streaming masker reproduces chunk by
//! chunk — never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use vallum::pii::{Detector, Masker, Operator};

fn masker() -> &'static Masker {
    static M: OnceLock<Masker> = OnceLock::new();
    M.get_or_init(|| {
        let d = Detector::new(Arc::new(vallum::ManualClock::new(1_700_000_000_000))).expect("detector");
        Masker::new(Arc::new(d)).with_default(Operator::Replace { new_value: None, numbered: true })
    })
}

fuzz_target!(|data: &[u8]| {
    vallum::pii::fuzz_check(masker(), data);
});
