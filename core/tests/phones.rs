//! Telephone numbers: exact spans with country codes, trunk prefixes and
//! extensions, international call prefixes, and national ids that are only
//! digits losing to a phone reading unless their context words are present.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::sync::Arc;
use vallum::pii::{Detector, Masker};
use vallum::SystemClock;

fn detector() -> Arc<Detector> {
    Arc::new(Detector::new(Arc::new(SystemClock)).unwrap())
}

/// Every finding as (entity, text).
fn found(text: &str) -> Vec<(String, String)> {
    detector()
        .detect(text)
        .unwrap()
        .iter()
        .map(|f| (f.entity.clone(), f.text(text).to_owned()))
        .collect()
}

fn phone(text: &str, want: &str) {
    let got = found(text);
    assert!(
        got.contains(&("PHONE_NUMBER".to_owned(), want.to_owned())),
        "{text:?}: want PHONE_NUMBER {want:?}, got {got:?}"
    );
}

#[test]
fn exact_spans_with_country_code_trunk_prefix_and_extension() {
    for (text, want) in [
        ("reach me on +447700731905 today", "+447700731905"),
        ("office +41 63 123 68 65, ask for Ana", "+41 63 123 68 65"),
        ("Tel: +41 (0)23 542 56 95.", "+41 (0)23 542 56 95"),
        ("+44 (0)20 7946 0958 is the desk", "+44 (0)20 7946 0958"),
        ("call (274)612-3302x7928 now", "(274)612-3302x7928"),
        ("call 415-555-0199 ext. 12 after 5", "415-555-0199 ext. 12"),
        ("call 415.555.0199 extension 4", "415.555.0199 extension 4"),
        ("desk: +1-415-555-0199x123", "+1-415-555-0199x123"),
        ("dial 001-415-555-0199x531", "001-415-555-0199x531"),
        ("dial 0044 20 7946 0958 from France", "0044 20 7946 0958"),
        ("from the US: 011 44 20 7946 0958", "011 44 20 7946 0958"),
        ("Ruf an: +49 30 901820", "+49 30 901820"),
        ("appelle le 01 42 68 53 00", "01 42 68 53 00"),
    ] {
        phone(text, want);
    }
}

#[test]
fn an_extension_needs_digits_standing_apart() {
    // "x" followed by letters is a word, not an extension; the number alone
    // is still not glued to a letter.
    let got = found("call 415-555-0199 xylophone");
    assert!(
        got.contains(&("PHONE_NUMBER".to_owned(), "415-555-0199".to_owned())),
        "{got:?}"
    );
    let got = found("call 415-555-0199x12345678");
    assert!(got.iter().all(|(e, _)| e != "PHONE_NUMBER"), "{got:?}");
}

#[test]
fn digits_only_national_ids_lose_to_a_phone_without_their_context() {
    // 401 023 2137 passes the NHS checksum, and so does the tail of this
    // US number; with no NHS context they are phone numbers.
    for text in [
        "Call Jane Doe at +1 415-555-0199",
        "call 415-555-0105 tomorrow",
        "call (415) 555-0113",
    ] {
        let got = found(text);
        assert!(
            got.iter()
                .all(|(e, _)| e != "UK_NHS" && e != "AU_TFN" && e != "CA_SIN"),
            "{text:?}: {got:?}"
        );
        assert!(
            got.iter().any(|(e, _)| e == "PHONE_NUMBER"),
            "{text:?}: {got:?}"
        );
    }
    // With its context word the id wins.
    let got = found("my NHS number is 401 023 2137");
    assert!(
        got.contains(&("UK_NHS".to_owned(), "401 023 2137".to_owned())),
        "{got:?}"
    );
}

#[test]
fn detect_and_mask_report_the_same_findings() {
    let d = detector();
    let masker = Masker::new(d.clone());
    for text in [
        "Call Jane Doe at +1 415-555-0199",
        "call (274)612-3302x7928 or +41 (0)23 542 56 95",
        "my NHS number is 401 023 2137, phone 0044 20 7946 0958",
    ] {
        let a: Vec<_> = d
            .detect(text)
            .unwrap()
            .iter()
            .map(|f| (f.entity.clone(), f.start, f.end))
            .collect();
        let b: Vec<_> = masker
            .mask(text)
            .unwrap()
            .findings
            .iter()
            .map(|f| (f.entity.clone(), f.start, f.end))
            .collect();
        assert_eq!(a, b, "{text:?}");
    }
}

#[test]
fn local_numbers_after_a_cue_word() {
    for (text, want) in [
        ("Mobile: 719 6619\nDesk: +1-711-630-4038x154", "719 6619"),
        (
            "Mobile: 719 6619\nDesk: +1-711-630-4038x154",
            "+1-711-630-4038x154",
        ),
        ("no message on my registered 9850 1142 yet", "9850 1142"),
        ("Phone:\\n26 952706\\n\\nE-mail:", "26 952706"),
        ("You can call 35 20 43", "35 20 43"),
        ("25 750307-Office", "25 750307"),
        ("fax: +46 (0)05 34 59 45", "+46 (0)05 34 59 45"),
    ] {
        phone(text, want);
    }
    // No cue, or not a number's shape: no phone.
    for text in [
        "order 123456 shipped",
        "Date: 2008-05-29 18:36:14.501158",
        "call me in 2 3 4 5 6 7 minutes",
        "the call lasted 123456",
    ] {
        let got = found(text);
        assert!(
            got.iter().all(|(e, _)| e != "PHONE_NUMBER"),
            "{text:?}: {got:?}"
        );
    }
}
