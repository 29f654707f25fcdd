//! Property tests over random configurations and requests, 100,000 cases
//! per property. They live inside the crate to call the policy engine
//! directly, without an HTTP round trip per case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};

use crate::headers::{apply, Target};
use crate::options::{CorsOptions, MaxAge, OneOrMany, Resources};
use crate::policy::RequestFacts;
use crate::resources::ResourcePolicies;

const CASES: u32 = 100_000;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn origin_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        Just("null".to_owned()),
        Just("https://a.example".to_owned()),
        Just("http://b.example:8080".to_owned()),
        Just(r"https://.*\.example\.com".to_owned()),
        Just("https://*.example.com".to_owned()),
        Just(r"regex:https?://c\d+\.example".to_owned()),
        Just(".*.example.com".to_owned()),
    ]
}

fn list(values: Vec<String>) -> Option<OneOrMany> {
    match values.len() {
        0 => None,
        1 => Some(OneOrMany::One(values.into_iter().next().unwrap_or_default())),
        _ => Some(OneOrMany::Many(values)),
    }
}

fn options() -> impl Strategy<Value = CorsOptions> {
    (
        (
            prop::collection::vec(origin_pattern(), 0..4),
            prop::collection::vec(
                prop::sample::select(vec!["GET", "POST", "put", "DELETE", "PATCH"]),
                0..3,
            ),
            prop::collection::vec(
                prop::sample::select(vec!["*", "X-A", "x-company-.*", "Content-Type"]),
                0..3,
            ),
            prop::collection::vec(prop::sample::select(vec!["X-Total", "ETag"]), 0..2),
            any::<Option<bool>>(),
            prop::option::of(prop_oneof![
                (0u64..100_000).prop_map(MaxAge::Seconds),
                Just(MaxAge::Text("10m".to_owned())),
                Just(MaxAge::Text("600".to_owned())),
            ]),
        ),
        (
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>(),
            prop::option::of(prop::sample::select(vec![403u16, 400])),
            prop::option::of(prop::sample::select(vec![
                Resources::One("/api/*".to_owned()),
                Resources::Many(vec!["/api/*".to_owned(), "/static".to_owned()]),
                Resources::One("regex:/v[0-9]+/.*".to_owned()),
            ])),
        ),
    )
        .prop_map(
            |(
                (origins, methods, allow_headers, expose, credentials, max_age),
                (
                    wildcard,
                    auto,
                    vary,
                    intercept,
                    always,
                    pna,
                    compat,
                    any_creds,
                    before_routing,
                    rejection,
                    resources,
                ),
            )| CorsOptions {
                origins: list(origins),
                methods: list(methods.into_iter().map(str::to_owned).collect()),
                allow_headers: list(allow_headers.into_iter().map(str::to_owned).collect()),
                expose_headers: list(expose.into_iter().map(str::to_owned).collect()),
                supports_credentials: credentials,
                max_age,
                send_wildcard: wildcard,
                automatic_options: auto,
                vary_header: vary,
                resources,
                intercept_exceptions: intercept,
                always_send: always,
                allow_private_network: pna,
                flask_compatible: compat,
                preflight_rejection_status: rejection,
                allow_credentials_with_any_origin: any_creds,
                preflight_before_routing: before_routing,
            },
        )
}

/// Any header value the `http` crate accepts (no CR, LF or NUL), mostly
/// origin-shaped.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            b"https://a.example".to_vec(),
            b"https://x.example.com".to_vec(),
            b"https://a.example.com.evil.net".to_vec(),
            b"null".to_vec(),
            b"*".to_vec(),
            b"".to_vec(),
        ]),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
    .prop_map(|bytes| {
        bytes
            .into_iter()
            .filter(|b| !matches!(b, b'\r' | b'\n' | 0))
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    origin: Option<Vec<u8>>,
    request_method: Option<String>,
    request_headers: Option<String>,
    private_network: Option<Vec<u8>>,
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(vec![Method::GET, Method::OPTIONS, Method::POST, Method::HEAD]),
        prop_oneof![
            Just("/api/items".to_owned()),
            Just("/api%2541".to_owned()),
            Just("/v2/x".to_owned()),
            Just("/static".to_owned()),
            any::<String>(),
        ],
        prop::option::of(header_bytes()),
        prop::option::of(prop_oneof![
            Just("GET".to_owned()),
            Just("ost".to_owned()),
            "[A-Za-z]{0,8}"
        ]),
        prop::option::of(prop_oneof![
            Just("X-A, x-company-b, Foo".to_owned()),
            "[ -~]{0,30}"
        ]),
        prop::option::of(prop_oneof![Just(b"true".to_vec()), header_bytes()]),
    )
        .prop_map(
            |(method, path, origin, request_method, request_headers, private_network)| Request {
                method,
                path,
                origin,
                request_method,
                request_headers,
                private_network,
            },
        )
}

/// Random configurations that load, compiled once: compiling regexes for
/// every one of 100,000 cases would dominate the run.
fn pool() -> &'static [(CorsOptions, ResourcePolicies)] {
    static POOL: OnceLock<Vec<(CorsOptions, ResourcePolicies)>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut runner = TestRunner::deterministic();
        let strategy = options();
        let mut pool = Vec::new();
        while pool.len() < 2_000 {
            let options = strategy.new_tree(&mut runner).expect("generates").current();
            if let Ok(policies) = ResourcePolicies::compile(&options) {
                pool.push((options, policies));
            }
        }
        pool
    })
}

fn pooled() -> impl Strategy<Value = &'static (CorsOptions, ResourcePolicies)> {
    (0..2_000usize).prop_map(|index| &pool()[index])
}

/// Runs the whole decision for one request; `None` when the configuration
/// does not load (which is allowed: the properties are about loaded ones).
fn respond(policies: &ResourcePolicies, request: &Request) -> Option<HeaderMap> {
    let origin = request
        .origin
        .as_ref()
        .and_then(|bytes| HeaderValue::from_bytes(bytes).ok());
    // A real request's header is bytes that may not be text: the hook then
    // sees no requested headers, as here.
    let request_headers = request
        .request_headers
        .as_deref()
        .and_then(|text| HeaderValue::from_str(text).ok());
    let facts = RequestFacts {
        method: &request.method,
        origin: origin.as_ref().filter(|origin| !origin.is_empty()),
        request_method: request.request_method.as_deref(),
        request_headers: request_headers.as_ref(),
        request_private_network: request.private_network.as_deref(),
    };
    let policy = policies.find(&request.path)?;
    let mut headers = HeaderMap::new();
    apply(policy.decide(&facts), &mut headers, policy.mode, Target::Fresh);
    Some(headers)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn never_a_wildcard_origin_with_credentials(pooled in pooled(), request in request()) {
        let (options, policies) = pooled;
        if let Some(headers) = respond(policies, &request) {
            let star = headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_some_and(|v| v == "*");
            let credentials = headers.get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_some_and(|v| v == "true");
            prop_assert!(!(star && credentials), "{options:?} {request:?} → {headers:?}");
        }
    }

    #[test]
    fn no_header_value_carries_cr_or_lf(pooled in pooled(), request in request()) {
        if let Some(headers) = respond(&pooled.1, &request) {
            for (name, value) in &headers {
                prop_assert!(
                    !value.as_bytes().iter().any(|b| matches!(b, b'\r' | b'\n')),
                    "{name}: {value:?}"
                );
            }
        }
    }

    #[test]
    fn matching_never_panics_on_any_bytes(
        pooled in pooled(),
        origin in prop::collection::vec(any::<u8>(), 0..64),
        path in prop::collection::vec(any::<u8>(), 0..64),
        requested in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        {
            let policies = &pooled.1;
            let path = String::from_utf8_lossy(&path).into_owned();
            let requested = String::from_utf8_lossy(&requested).into_owned();
            let request = Request {
                method: Method::OPTIONS,
                path,
                origin: Some(origin),
                request_method: Some(requested.clone()),
                request_headers: Some(requested),
                private_network: Some(b"true".to_vec()),
            };
            let _ = respond(policies, &request);
        }
    }

    #[test]
    fn a_loaded_configuration_serialises_back_to_the_same_policy(options in options()) {
        if let Ok(policies) = ResourcePolicies::compile(&options) {
            #[derive(serde::Serialize)]
            struct File<'a> {
                cors: &'a CorsOptions,
            }
            let text = toml::to_string(&File { cors: &options }).expect("serialises");
            let config = ext_core::Config::builder()
                .toml_str(text.clone())
                .env_vars(Vec::<(String, String)>::new())
                .build()
                .expect("reads back");
            let reloaded: CorsOptions = config.section(&ext_core::Section::new("cors")).expect("loads");
            prop_assert_eq!(&reloaded, &options, "{}", text);
            let again = ResourcePolicies::compile(&reloaded).expect("compiles");
            prop_assert_eq!(format!("{again:?}"), format!("{policies:?}"));
        }
    }
}
