//! AES-256-GCM, RustCrypto `aes-gcm` against `ring`, on this machine:
//! seal and open of one 1 KB value with a 60-byte AAD (what one encrypted
//! memory entry costs), and sealing a batch of 1,000 such values (the
//! batched write path). Median of repeated runs, in ns per value.
//!
//! `cargo run --release --manifest-path benches/compare/aead/Cargo.toml`

use aes_gcm::aead::{AeadInPlace, KeyInit};
use std::hint::black_box;
use std::time::Instant;

const KEY: [u8; 32] = *b"vallum-aead-compare-key-01234567";
const AAD: &[u8] = b"vallum/v1|user|acme\x1falice|profile-notes-0000000000000000000";

fn median_ns(runs: usize, per_run: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..per_run {
                f();
            }
            s.elapsed().as_nanos() as f64 / per_run as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let value = vec![0x5a_u8; 1024];
    let rc = aes_gcm::Aes256Gcm::new_from_slice(&KEY).unwrap();
    let rk = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &KEY).unwrap(),
    );
    let mut counter = 0u64;
    let mut nonce = move || {
        counter += 1;
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&counter.to_be_bytes());
        n
    };

    // Both produce the same ciphertext for the same nonce.
    let n = nonce();
    let mut a = value.clone();
    let tag = rc
        .encrypt_in_place_detached((&n).into(), AAD, &mut a)
        .unwrap();
    let mut b = value.clone();
    let rtag = rk
        .seal_in_place_separate_tag(
            ring::aead::Nonce::assume_unique_for_key(n),
            ring::aead::Aad::from(AAD),
            &mut b,
        )
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(tag.as_slice(), rtag.as_ref());

    let mut buf = value.clone();
    let rc_seal = median_ns(31, 2000, || {
        buf.copy_from_slice(&value);
        let n = nonce();
        black_box(rc.encrypt_in_place_detached((&n).into(), AAD, &mut buf).unwrap());
    });
    let ring_seal = median_ns(31, 2000, || {
        buf.copy_from_slice(&value);
        let n = nonce();
        black_box(
            rk.seal_in_place_separate_tag(
                ring::aead::Nonce::assume_unique_for_key(n),
                ring::aead::Aad::from(AAD),
                &mut buf,
            )
            .unwrap(),
        );
    });
    let n = [9u8; 12];
    let mut sealed = value.clone();
    let t = rc.encrypt_in_place_detached((&n).into(), AAD, &mut sealed).unwrap();
    let rc_open = median_ns(31, 2000, || {
        buf.copy_from_slice(&sealed);
        rc.decrypt_in_place_detached((&n).into(), AAD, &mut buf, &t).unwrap();
        black_box(&buf);
    });
    let mut with_tag = sealed.clone();
    with_tag.extend_from_slice(&t);
    let mut rbuf = with_tag.clone();
    let ring_open = median_ns(31, 2000, || {
        rbuf.copy_from_slice(&with_tag);
        black_box(
            rk.open_in_place(
                ring::aead::Nonce::assume_unique_for_key(n),
                ring::aead::Aad::from(AAD),
                &mut rbuf,
            )
            .unwrap(),
        );
    });
    // The batched write path: 1,000 values sealed into fresh buffers.
    let rc_batch = median_ns(15, 1, || {
        for _ in 0..1000 {
            let mut v = value.clone();
            let n = nonce();
            black_box(rc.encrypt_in_place_detached((&n).into(), AAD, &mut v).unwrap());
            black_box(v);
        }
    }) / 1000.0;
    let ring_batch = median_ns(15, 1, || {
        for _ in 0..1000 {
            let mut v = value.clone();
            let n = nonce();
            black_box(
                rk.seal_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(n),
                    ring::aead::Aad::from(AAD),
                    &mut v,
                )
                .unwrap(),
            );
            black_box(v);
        }
    }) / 1000.0;
    println!("AES-256-GCM, 1 KB value + 60 B AAD, ns per value (median):");
    println!("  {:<28} {:>9} {:>9} {:>7}", "", "aes-gcm", "ring", "ratio");
    for (what, a, b) in [
        ("seal", rc_seal, ring_seal),
        ("open", rc_open, ring_open),
        ("seal, 1,000-value batch", rc_batch, ring_batch),
    ] {
        println!("  {what:<28} {a:>9.0} {b:>9.0} {:>6.1}x", a / b);
    }
}
