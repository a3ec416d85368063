//! Recognizers plugged in by the host: their spans join the built-in
//! findings by the same overlap rules and reach every path that detects
//! (detect, mask, the guard, vaults, streams); bad spans and failures are
//! typed errors that name the recognizer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

mod common;

use std::sync::Arc;
use vallum::guard::PromptInput;
use vallum::pii::{
    DetectOptions, Detector, HostSpan, Masker, Offsets, Operator, StreamMasker, Vault,
};
use vallum::policy::Principal;
use vallum::{Error, ErrorCode, SystemClock};

/// Finds the words of `vocab` as `entity`, offsets in `unit`.
fn words(
    entity: &'static str,
    vocab: &'static [&'static str],
    unit: Offsets,
) -> Arc<dyn vallum::pii::HostRecognizer> {
    Arc::new(move |text: &str| -> vallum::Result<Vec<HostSpan>> {
        let mut out = Vec::new();
        for w in vocab {
            let mut at = 0;
            while let Some(i) = text[at..].find(w) {
                let (s, e) = (at + i, at + i + w.len());
                let conv = |b: usize| match unit {
                    Offsets::Bytes => b,
                    Offsets::Chars => text[..b].chars().count(),
                    Offsets::Utf16 => text[..b].encode_utf16().count(),
                };
                out.push(HostSpan {
                    entity: entity.to_owned(),
                    start: conv(s),
                    end: conv(e),
                    score: None,
                });
                at = e;
            }
        }
        Ok(out)
    })
}

fn detector() -> Arc<Detector> {
    Arc::new(Detector::new(Arc::new(SystemClock)).unwrap())
}

fn spans(d: &Detector, text: &str) -> Vec<(String, String, String)> {
    d.detect(text)
        .unwrap()
        .iter()
        .map(|f| {
            (
                f.entity.clone(),
                f.text(text).to_owned(),
                f.recognizer.clone(),
            )
        })
        .collect()
}

#[test]
fn host_spans_are_findings_in_every_offset_unit() {
    for unit in [Offsets::Bytes, Offsets::Chars, Offsets::Utf16] {
        let d = detector();
        d.add_recognizer(
            "conditions",
            &["MEDICAL_CONDITION".to_owned()],
            unit,
            words("MEDICAL_CONDITION", &["type 2 diabetes"], unit),
        )
        .unwrap();
        let text = "🎉 Zoë has type 2 diabetes, mail zoe@example.com";
        let got = spans(&d, text);
        assert!(
            got.contains(&(
                "MEDICAL_CONDITION".into(),
                "type 2 diabetes".into(),
                "conditions".into()
            )),
            "{unit:?}: {got:?}"
        );
        assert!(got.iter().any(|(e, _, _)| e == "EMAIL_ADDRESS"), "{got:?}");
        assert!(d.entities().contains(&"MEDICAL_CONDITION".to_owned()));
        // Selecting the host entity runs it alone; it is not an unknown name.
        let opts = DetectOptions::default().entities(["MEDICAL_CONDITION"]);
        d.check_options(&opts).unwrap();
        let only = d.detect_with(text, &opts).unwrap();
        assert_eq!(only.len(), 1);
        // Masking replaces it like any entity.
        let masked = Masker::new(d.clone()).mask(text).unwrap();
        assert!(
            masked.text.contains("<MEDICAL_CONDITION>"),
            "{}",
            masked.text
        );
        assert!(!masked.text.contains("diabetes"));
    }
}

#[test]
fn host_and_built_in_findings_merge_by_the_same_rules() {
    let d = detector();
    // A model that sees the whole "Dr. Dana Scott" as one person.
    d.add_recognizer(
        "model",
        &["PERSON".to_owned()],
        Offsets::Bytes,
        words("PERSON", &["Dr. Dana Scott"], Offsets::Bytes),
    )
    .unwrap();
    let text = "Please ask Dr. Dana Scott about it";
    let found = d.detect(text).unwrap();
    // One finding covers the span (merged), never two overlapping ones.
    for w in found.windows(2) {
        assert!(w[0].end <= w[1].start, "{found:?}");
    }
    let m = Masker::new(d.clone()).mask(text).unwrap();
    assert!(
        !m.text.contains("Dana") && !m.text.contains("Scott"),
        "{}",
        m.text
    );
    assert!(d.remove_recognizer("model"));
    assert!(!d.remove_recognizer("model"));
    assert!(d.host_recognizers().is_empty());
}

#[test]
fn bad_registrations_and_bad_spans_are_typed_errors_naming_the_recognizer() {
    let d = detector();
    let ok = words("X", &["x"], Offsets::Bytes);
    let code = |r: Result<(), Error>| r.unwrap_err().code();
    assert_eq!(
        code(d.add_recognizer("", &["X".into()], Offsets::Bytes, ok.clone())),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(d.add_recognizer("a b", &["X".into()], Offsets::Bytes, ok.clone())),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(d.add_recognizer("r", &[], Offsets::Bytes, ok.clone())),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        code(d.add_recognizer("r", &["BAD NAME".into()], Offsets::Bytes, ok.clone())),
        ErrorCode::InvalidArgument
    );
    d.add_recognizer("r", &["X".into()], Offsets::Bytes, ok.clone())
        .unwrap();
    let dup = d
        .add_recognizer("r", &["X".into()], Offsets::Bytes, ok)
        .unwrap_err();
    assert!(dup.to_string().contains("already"), "{dup}");
    d.remove_recognizer("r");

    let cases: Vec<(HostSpan, &str)> = vec![
        (
            HostSpan {
                entity: "OTHER".into(),
                start: 0,
                end: 1,
                score: None,
            },
            "entity 'OTHER'",
        ),
        (
            HostSpan {
                entity: "X".into(),
                start: 0,
                end: 99,
                score: None,
            },
            "not inside the text",
        ),
        (
            HostSpan {
                entity: "X".into(),
                start: 3,
                end: 1,
                score: None,
            },
            "after end",
        ),
        (
            HostSpan {
                entity: "X".into(),
                start: 0,
                end: 1,
                score: Some(1.5),
            },
            "score 1.5",
        ),
        // Inside the two bytes of "é".
        (
            HostSpan {
                entity: "X".into(),
                start: 1,
                end: 2,
                score: None,
            },
            "not inside the text",
        ),
    ];
    for (span, want) in cases {
        let d = detector();
        let s = span.clone();
        d.add_recognizer(
            "broken",
            &["X".into()],
            Offsets::Bytes,
            Arc::new(move |_: &str| -> vallum::Result<Vec<HostSpan>> { Ok(vec![s.clone()]) }),
        )
        .unwrap();
        let err = d.detect("é and more").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(
            err.to_string().contains("broken") && err.to_string().contains(want),
            "{span:?}: {err}"
        );
        // Masking fails too: nothing is released unmasked.
        assert!(Masker::new(d.clone()).mask("é and more").is_err());
    }
    let d = detector();
    d.add_recognizer(
        "failing",
        &["X".into()],
        Offsets::Bytes,
        Arc::new(|_: &str| -> vallum::Result<Vec<HostSpan>> {
            Err(Error::invalid_arg("model", "the model is not loaded"))
        }),
    )
    .unwrap();
    let err = d.detect("anything").unwrap_err();
    assert!(
        err.to_string().contains("recognizer 'failing' failed")
            && err.to_string().contains("not loaded"),
        "{err}"
    );
}

#[test]
fn the_guard_vaults_and_streams_use_host_recognizers() {
    let dir = tempfile::tempdir().unwrap();
    let v = common::open_with(
        &dir.path().join("v.db"),
        common::config(r#"{"enterpriseSecurity": {"piiProtection": {"enabled": true}}}"#),
        common::clock(),
    );
    v.pii()
        .add_recognizer(
            "projects",
            &["PROJECT".to_owned()],
            Offsets::Chars,
            words("PROJECT", &["Project Nightingale"], Offsets::Chars),
        )
        .unwrap();
    let p = PromptInput {
        principal: Principal::new("ann"),
        organization: "acme".into(),
        session: "s1".into(),
        text: "Summarise the status of Project Nightingale for me".into(),
        model: "gpt-4o".into(),
        ..Default::default()
    };
    let verdict = v.guard_prompt(&p).unwrap();
    let sent = verdict.text_to_send.clone().unwrap();
    assert!(!sent.contains("Nightingale"), "{sent}");
    assert!(sent.contains("PROJECT"), "{sent}");
    assert!(verdict.findings.iter().any(|f| f.entity == "PROJECT"));

    // A vault restores it; a stream masks it like one pass does.
    let masker = v.pii().masker().clone();
    let mut vault = Vault::new();
    let text = "Project Nightingale ships Friday; Project Nightingale slips.";
    let m = masker.mask_reversible(text, &mut vault, None).unwrap();
    assert_eq!(vault.unmask(&m.text), text);
    let one = masker
        .clone()
        .with_default(Operator::Replace {
            new_value: None,
            numbered: true,
        })
        .mask(text)
        .unwrap()
        .text;
    let mut s = StreamMasker::new(
        masker.with_default(Operator::Replace {
            new_value: None,
            numbered: true,
        }),
        Vault::new(),
        false,
        32,
    );
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(5) {
        out.push_str(&s.push(std::str::from_utf8(chunk).unwrap()).unwrap());
    }
    out.push_str(&s.finish().unwrap());
    assert_eq!(out, one);
}
