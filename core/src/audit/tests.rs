use super::*;

#[test]
fn canonical_json_sorts_keys_everywhere() {
    let v = serde_json::json!({"b": 1, "a": {"d": [3, {"z": 1, "y": 2}], "c": "x"}});
    assert_eq!(
        canonical_json(&v),
        r#"{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}"#
    );
}
