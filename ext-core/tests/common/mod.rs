//! Helpers shared by ext-core's web-layer tests.

#![allow(dead_code, clippy::unwrap_used)]

use actix_web::dev::ServiceResponse;
use actix_web::http::header::SET_COOKIE;
use actix_web::test::read_body;

/// A secret that passes ext-core's checks.
pub const KEY: &str = "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh";

/// The `Set-Cookie` lines of a response.
pub fn set_cookies(res: &ServiceResponse) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// `name=value` of the one `Set-Cookie` line, to send back.
pub fn cookie_pair(res: &ServiceResponse) -> String {
    let lines = set_cookies(res);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].split(';').next().unwrap().to_owned()
}

/// The body as text.
pub async fn body_text(res: ServiceResponse) -> String {
    String::from_utf8(read_body(res).await.to_vec()).unwrap()
}
