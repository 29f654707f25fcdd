//! Per-request cost of a 50-resource policy against a 1-resource policy:
//! finding the resource for the path, deciding, and writing the headers.
//!
//! ```sh
//! cargo bench -p ext-cors --bench resources
//! ```

#![allow(clippy::panic, missing_docs)]

use std::hint::black_box;

use actix_web::http::header::{HeaderMap, HeaderValue, ORIGIN};
use actix_web::http::Method;
use criterion::{criterion_group, criterion_main, Criterion};
use ext_cors::CorsPolicy;

mod support;

fn policy(count: usize) -> CorsPolicy {
    match CorsPolicy::new(&support::resources(count)) {
        Ok(policy) => policy,
        Err(error) => panic!("benchmark policy does not load: {error}"),
    }
}

fn bench(c: &mut Criterion) {
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_static("https://app.example"));
    let one = policy(1);
    let fifty = policy(50);
    // The last string-regex resource tried for 50; the only one for 1.
    let path_fifty = "/api/v48/items";
    let path_one = "/api/v0/items";
    assert!(fifty.evaluate(&Method::GET, path_fifty, &headers).is_some());
    assert!(one.evaluate(&Method::GET, path_one, &headers).is_some());

    let mut group = c.benchmark_group("cors_resources");
    group.bench_function("1 resource", |b| {
        b.iter(|| one.evaluate(black_box(&Method::GET), black_box(path_one), black_box(&headers)))
    });
    group.bench_function("50 resources", |b| {
        b.iter(|| {
            fifty.evaluate(
                black_box(&Method::GET),
                black_box(path_fifty),
                black_box(&headers),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
