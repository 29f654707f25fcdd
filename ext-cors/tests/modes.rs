//! Every way the default mode departs from Flask-Cors, tested in both modes:
//! the Flask-compatible answer first, then the default mode's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::http::StatusCode;
use common::*;
use ext_core::{AppBuilder, Config};
use ext_cors::Cors;

#[actix_web::test]
async fn origin_regexes_must_match_the_whole_origin() {
    let cors = |compat| in_mode(compat).origins(r"https://.*\.example\.com");
    let evil = || {
        request(
            "GET",
            "/api/items",
            &[("Origin", "https://a.example.com.evil.net")],
        )
    };
    let good = || request("GET", "/api/items", &[("Origin", "https://a.example.com")]);

    let res = send(cors(true), evil()).await;
    assert_eq!(
        header(&res, ACAO),
        Some("https://a.example.com.evil.net"),
        "Flask-Cors prefix-matches"
    );
    let res = send(cors(false), evil()).await;
    assert_eq!(header(&res, ACAO), None);

    for compat in [true, false] {
        let res = send(cors(compat), good()).await;
        assert_eq!(header(&res, ACAO), Some("https://a.example.com"));
    }
}

#[actix_web::test]
async fn a_star_in_an_origin_is_one_dns_label_in_the_default_mode() {
    let cors = |compat| in_mode(compat).origins("https://*.example.com");
    let from = |origin: &'static str| request("GET", "/api/items", &[("Origin", origin)]);

    // Flask-Cors reads it as a regex where `*` repeats the `/`.
    let res = send(cors(true), from("https://a.example.com")).await;
    assert_eq!(header(&res, ACAO), None);
    let res = send(cors(true), from("https:/xexample.com")).await;
    assert_eq!(header(&res, ACAO), Some("https:/xexample.com"));

    for (origin, allowed) in [
        ("https://a.example.com", true),
        ("https://API-2.example.com", true),
        ("https://a.b.example.com", false),
        ("https://example.com", false),
        ("https://.example.com", false),
        ("http://a.example.com", false),
        ("https://a.example.com.evil.net", false),
    ] {
        let res = send(cors(false), from(origin)).await;
        assert_eq!(header(&res, ACAO).is_some(), allowed, "{origin}");
    }
}

#[actix_web::test]
async fn credentials_with_any_origin_are_refused_unless_opted_in() {
    let init = |cors: Cors| AppBuilder::new(Config::empty()).register(cors).init();

    let error = init(in_mode(false).supports_credentials(true)).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("`cors.origins`, `cors.supports_credentials`"),
        "{message}"
    );
    assert!(message.contains("allow_credentials_with_any_origin"), "{message}");

    let opted_in = in_mode(false)
        .supports_credentials(true)
        .allow_credentials_with_any_origin(true);
    let res = send(
        opted_in,
        request("GET", "/api/items", &[("Origin", "https://any.example")]),
    )
    .await;
    assert_eq!(header(&res, ACAO), Some("https://any.example"));
    assert_eq!(header(&res, ACAC), Some("true"));

    // Flask-Cors accepts it and reflects every origin with credentials.
    let res = send(
        in_mode(true).supports_credentials(true),
        request("GET", "/api/items", &[("Origin", "https://evil.example")]),
    )
    .await;
    assert_eq!(header(&res, ACAO), Some("https://evil.example"));
    assert_eq!(header(&res, ACAC), Some("true"));
}

#[actix_web::test]
async fn origin_null_is_reflected_only_when_listed() {
    let null = || request("GET", "/api/items", &[("Origin", "null")]);
    let res = send(in_mode(true), null()).await;
    assert_eq!(header(&res, ACAO), Some("null"));
    let res = send(in_mode(false), null()).await;
    assert_eq!(header(&res, ACAO), None);
    let res = send(in_mode(false).send_wildcard(true), null()).await;
    assert_eq!(header(&res, ACAO), None);
    let res = send(in_mode(false).origins(["https://a.example", "null"]), null()).await;
    assert_eq!(header(&res, ACAO), Some("null"));
}

#[actix_web::test]
async fn a_literal_star_origin_is_never_reflected() {
    let star = || request("GET", "/api/items", &[("Origin", "*")]);
    for compat in [true, false] {
        let cors = in_mode(compat)
            .origins(["*"])
            .supports_credentials(true)
            .allow_credentials_with_any_origin(true);
        let res = send(cors, star()).await;
        assert_eq!(header(&res, ACAO), None, "compat: {compat}");
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[actix_web::test]
async fn requested_methods_are_exact_tokens() {
    let preflight = |method: &'static str| {
        request(
            "OPTIONS",
            "/api/items",
            &[("Origin", "https://a.example"), (ACRM, method)],
        )
    };
    let cors = |compat| in_mode(compat).methods(["POST"]);
    let res = send(cors(true), preflight("OST")).await;
    assert_eq!(header(&res, ACAM), Some("POST"), "Flask-Cors's substring test");
    let res = send(cors(false), preflight("OST")).await;
    assert_eq!(header(&res, ACAM), None);
    for compat in [true, false] {
        let res = send(cors(compat), preflight("post")).await;
        assert_eq!(header(&res, ACAM), Some("POST"));
        let res = send(cors(compat), preflight("PUT")).await;
        assert_eq!(header(&res, ACAM), None);
        assert_eq!(res.status(), StatusCode::OK, "no 400 on a refused preflight");
    }
}

#[actix_web::test]
async fn max_age_zero_is_sent() {
    let preflight = || {
        request(
            "OPTIONS",
            "/api/items",
            &[("Origin", "https://a.example"), (ACRM, "GET")],
        )
    };
    let res = send(in_mode(true).max_age(0), preflight()).await;
    assert_eq!(header(&res, ACMA), None);
    let res = send(in_mode(false).max_age(0), preflight()).await;
    assert_eq!(header(&res, ACMA), Some("0"));
    let res = send(
        in_mode(false).max_age(std::time::Duration::from_secs(90)),
        preflight(),
    )
    .await;
    assert_eq!(header(&res, ACMA), Some("90"));
}

#[actix_web::test]
async fn the_path_is_percent_decoded_once() {
    let cors = |compat| in_mode(compat).resources("/apiA");
    let twice_encoded = || request("GET", "/api%2541", &[("Origin", "https://a.example")]);
    let res = send(cors(true), twice_encoded()).await;
    assert_eq!(
        header(&res, ACAO),
        Some("https://a.example"),
        "Flask-Cors decodes twice"
    );
    let res = send(cors(false), twice_encoded()).await;
    assert_eq!(header(&res, ACAO), None);
    for compat in [true, false] {
        let once = request("GET", "/api%41", &[("Origin", "https://a.example")]);
        let res = send(cors(compat), once).await;
        assert_eq!(header(&res, ACAO), Some("https://a.example"));
    }
}

#[actix_web::test]
async fn vary_origin_is_on_every_answer_that_depends_on_the_origin() {
    let listed = |compat| in_mode(compat).origins(["https://a.example"]);
    let from = |origin: &'static str| request("GET", "/api/items", &[("Origin", origin)]);

    // Refused origin: Flask-Cors adds nothing, so a cache may serve this
    // answer to the allowed origin.
    let res = send(listed(true), from("https://evil.example")).await;
    assert!(lines(&res, "vary").is_empty());
    let res = send(listed(false), from("https://evil.example")).await;
    assert_eq!(lines(&res, "vary"), ["Origin"]);
    assert_eq!(header(&res, ACAO), None);

    // One literal origin, accepted.
    let res = send(listed(true), from("https://a.example")).await;
    assert!(lines(&res, "vary").is_empty());
    let res = send(listed(false), from("https://a.example")).await;
    assert_eq!(lines(&res, "vary"), ["Origin"]);

    // No Origin at all.
    let res = send(in_mode(true), request("GET", "/api/items", &[])).await;
    assert!(lines(&res, "vary").is_empty());
    let res = send(in_mode(false), request("GET", "/api/items", &[])).await;
    assert_eq!(header(&res, ACAO), Some("*"));
    assert_eq!(lines(&res, "vary"), ["Origin"]);

    // `*` whatever the request: nothing varies.
    let constant = in_mode(false).send_wildcard(true);
    let res = send(constant, from("https://a.example")).await;
    assert_eq!(header(&res, ACAO), Some("*"));
    assert!(lines(&res, "vary").is_empty());

    // A path no resource matches is not touched at all.
    let res = send(in_mode(false).resources("/other"), from("https://a.example")).await;
    assert!(lines(&res, "vary").is_empty());
}

#[actix_web::test]
async fn vary_is_merged_without_duplicates() {
    let from = |path: &'static str| request("GET", path, &[("Origin", "https://a.example")]);
    let cors = |compat| in_mode(compat).origins(["https://a.example", "https://b.example"]);

    let res = send(cors(true), from("/api/vary")).await;
    assert_eq!(
        lines(&res, "vary"),
        ["Accept-Encoding", "Origin"],
        "Flask-Cors adds its own line"
    );
    let res = send(cors(false), from("/api/vary")).await;
    assert_eq!(lines(&res, "vary"), ["Accept-Encoding, Origin"]);

    let res = send(cors(true), from("/api/vary-origin")).await;
    assert_eq!(lines(&res, "vary"), ["origin", "Origin"]);
    let res = send(cors(false), from("/api/vary-origin")).await;
    assert_eq!(lines(&res, "vary"), ["origin"]);
}

#[actix_web::test]
async fn a_cors_header_the_handler_set_is_replaced_not_doubled() {
    let cors = |compat| {
        in_mode(compat)
            .origins(["https://a.example"])
            .supports_credentials(true)
            .max_age(600)
    };
    let preflight = || {
        request(
            "OPTIONS",
            "/api/own-cors",
            &[("Origin", "https://a.example"), (ACRM, "GET")],
        )
    };

    // Flask-Cors adds its headers as new lines (`headers.add`): browsers
    // then see `true, true` and `5, 600`, and refuse both.
    let res = send(cors(true), preflight()).await;
    assert_eq!(lines(&res, ACAC), ["true", "true"]);
    assert_eq!(lines(&res, ACMA), ["5", "600"]);

    let res = send(cors(false), preflight()).await;
    assert_eq!(lines(&res, ACAC), ["true"]);
    assert_eq!(lines(&res, ACMA), ["600"]);
    assert_eq!(header(&res, ACAO), Some("https://a.example"));
}

#[actix_web::test]
async fn private_network_access_is_answered_only_on_allowed_preflights() {
    let get = || {
        request(
            "GET",
            "/api/items",
            &[("Origin", "https://a.example"), (ACRPN, "true")],
        )
    };
    let preflight = |value: &'static str| {
        request(
            "OPTIONS",
            "/api/items",
            &[("Origin", "https://a.example"), (ACRM, "GET"), (ACRPN, value)],
        )
    };
    // Flask-Cors: on any request, `false` when disabled.
    let res = send(in_mode(true), get()).await;
    assert_eq!(header(&res, ACAPN), Some("false"));
    let res = send(in_mode(true).allow_private_network(true), get()).await;
    assert_eq!(header(&res, ACAPN), Some("true"));

    let res = send(in_mode(false).allow_private_network(true), get()).await;
    assert_eq!(header(&res, ACAPN), None);
    let res = send(in_mode(false), preflight("true")).await;
    assert_eq!(header(&res, ACAPN), None);
    let res = send(in_mode(false).allow_private_network(true), preflight("true")).await;
    assert_eq!(header(&res, ACAPN), Some("true"));
    for compat in [true, false] {
        let res = send(in_mode(compat).allow_private_network(true), preflight("TRUE")).await;
        assert_eq!(header(&res, ACAPN), None, "only exactly `true`");
    }
}

#[actix_web::test]
async fn a_methods_string_is_sorted_in_the_default_mode() {
    let preflight = || {
        request(
            "OPTIONS",
            "/api/items",
            &[("Origin", "https://a.example"), (ACRM, "GET")],
        )
    };
    let res = send(in_mode(true).methods("put, get"), preflight()).await;
    assert_eq!(header(&res, ACAM), Some("PUT, GET"));
    let res = send(in_mode(false).methods("put, get"), preflight()).await;
    assert_eq!(header(&res, ACAM), Some("GET, PUT"));
    for compat in [true, false] {
        let res = send(in_mode(compat).methods(["PUT", "DELETE", "GET"]), preflight()).await;
        assert_eq!(header(&res, ACAM), Some("DELETE, GET, PUT"));
    }
}

#[actix_web::test]
async fn intercept_exceptions_off_leaves_error_responses_alone_in_the_default_mode() {
    let fail = || request("GET", "/api/fail", &[("Origin", "https://a.example")]);
    for compat in [true, false] {
        let res = send(in_mode(compat), fail()).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(header(&res, ACAO), Some("https://a.example"));
    }
    let res = send(in_mode(true).intercept_exceptions(false), fail()).await;
    assert_eq!(
        header(&res, ACAO),
        Some("https://a.example"),
        "a no-op since Flask 1.1"
    );
    let res = send(in_mode(false).intercept_exceptions(false), fail()).await;
    assert_eq!(header(&res, ACAO), None);
}

#[actix_web::test]
async fn origins_are_checked_at_start_up_in_the_default_mode() {
    let init = |cors: Cors| AppBuilder::new(Config::empty()).register(cors).init();
    for (origin, complaint) in [
        ("https://a.example/", "trailing slash"),
        ("https://a.example/app", "path"),
        ("a.example", "no scheme"),
        ("https://", "no host"),
    ] {
        let error = init(in_mode(false).origins([origin])).await.unwrap_err();
        let message = error.to_string();
        assert!(message.contains("config key `cors.origins`"), "{message}");
        assert!(message.contains(complaint), "{origin}: {message}");
        // Flask-Cors takes them as they are (and never matches the first two).
        assert!(init(in_mode(true).origins([origin])).await.is_ok());
    }
}
