//! The two costs of reading a signed-cookie session, in process: verifying
//! the cookie's HMAC-SHA256 tag and decoding its JSON payload (the figures
//! BENCHMARKS.md quotes).
//!
//! ```sh
//! cargo bench -p ext-core --bench session_cookie
//! ```

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use ext_core::SecretKeys;

/// The payload `GET /login` of the web bench server signs: base64url of
/// `{"e":<expiry>,"d":{"user_id":42}}`.
const BODY: &[u8] = b"eyJlIjoxNzk4Nzk3NzU4LCJkIjp7InVzZXJfaWQiOjQyfX0";
const JSON: &[u8] = br#"{"e":1798797758,"d":{"user_id":42}}"#;

fn session_cookie(c: &mut Criterion) {
    let key = SecretKeys::new("a bench secret of at least thirty-two bytes", &[])
        .unwrap()
        .derive("session");
    let tag = key.sign(BODY);
    c.bench_function("verify the cookie's tag", |b| {
        b.iter(|| assert!(key.verify(std::hint::black_box(BODY), &tag)))
    });
    c.bench_function("decode the cookie's JSON payload", |b| {
        b.iter(|| {
            let payload: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(std::hint::black_box(JSON)).unwrap();
            payload
        })
    });
}

criterion_group!(benches, session_cookie);
criterion_main!(benches);
