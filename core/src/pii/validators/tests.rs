#![allow(clippy::unwrap_used, reason = "tests")]
use super::*;

#[test]
fn checksums_on_known_values() {
    assert!(luhn(&digits("4111111111111111")));
    assert!(!luhn(&digits("4111111111111112")));
    assert_eq!(iban("DE89 3704 0044 0532 0130 00"), Some(true));
    assert_eq!(iban("DE89 3704 0044 0532 0130 01"), Some(false));
    assert_eq!(crypto("16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ"), Some(true));
    assert_eq!(
        crypto("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        Some(true)
    );
    assert!(sg_nric_check("S1234567D"));
    assert!(!sg_nric_check("S1234567A"));
    assert_eq!(tr_national_id("10000000146"), Some(true));
    assert_eq!(za_id_number("8001015009087", (2026, 11, 24)), Some(true));
}
