use super::mask_value;

#[test]
fn mask_keeps_separators_and_last_digits() {
    assert_eq!(
        mask_value("4111-1111-1111-1111", '*', None, false, Some(4)),
        "****-****-****-1111"
    );
    assert_eq!(
        mask_value("john@example.com", '#', Some(4), false, None),
        "####@example.com"
    );
    assert_eq!(mask_value("abc", '*', Some(10), true, None), "***");
    assert_eq!(mask_value("abcdef", '*', Some(2), true, None), "abcd**");
}
