//! The OpenAPI description: served at `openapi_url`, OpenAPI 3.1, naming
//! the security schemes, and in step with the routes (every documented
//! operation is routed, at the configured prefix and paths). Schemathesis
//! checks the schemas against the running example app
//! (`scripts/api-conformance.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::test::TestRequest;
use common::{send, sqlite, start, FAST_HASHING};

#[actix_rt::test]
async fn the_description_matches_the_routes() {
    let mut env = FAST_HASHING.to_vec();
    env.push(("APP_URL_PREFIXES__USER", "/accounts"));
    env.push(("USER_LOGIN_URL", "/log-in"));
    let h = start(&sqlite(), &env).await;
    let answer = send(&h.app, TestRequest::get().uri("/accounts/openapi.json")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let doc = answer.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
    assert_eq!(
        doc,
        serde_json::to_value(h.manager.openapi()).unwrap(),
        "the same for merging"
    );

    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/accounts/log-in"), "{:?}", paths.keys());
    assert!(paths.len() >= 12, "{:?}", paths.keys());
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let uri = path.replace("{id}", "0123456789abcdef0123456789abcdef");
            let req = TestRequest::default()
                .method(method.to_uppercase().parse().unwrap())
                .uri(&uri)
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{}");
            let status = send(&h.app, req).await.status;
            assert!(
                ![404, 405].contains(&status) || uri.contains("0123456789"),
                "{method} {path}: {status}"
            );
            let responses = item[method]["responses"].as_object().unwrap();
            assert!(
                responses.contains_key(&status.to_string()),
                "{method} {path} answered {status}, not documented: {:?}",
                responses.keys()
            );
        }
    }
}
