//! Conditional GET and HEAD, as Werkzeug's `make_conditional` answers them
//! for Flask-PyMongo's `send_file` (one deliberate difference: `If-Match: *`
//! matches, as RFC 9110 says, where Werkzeug answers 412).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{self, HttpDate};
use actix_web::http::Method;
use actix_web::HttpRequest;

/// What the validators decide.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Send the file.
    Send,
    /// 304.
    NotModified,
    /// 412.
    PreconditionFailed,
}

/// One entity tag from a list: its opaque value, and whether it was weak.
/// Unquoted tags are accepted, as Werkzeug accepts them (Flask-PyMongo's
/// own test sends the bare SHA-1).
fn tags(value: &str) -> impl Iterator<Item = (bool, &str)> {
    value
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(|tag| {
            let (weak, tag) = match tag.strip_prefix("W/").or_else(|| tag.strip_prefix("w/")) {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            (weak, tag.trim_matches('"'))
        })
}

pub(crate) fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|value| value.to_str().ok())
}

/// An HTTP-date as whole seconds since the epoch.
pub(crate) fn parse_http_date(text: &str) -> Option<u64> {
    let date: HttpDate = text.parse().ok()?;
    SystemTime::from(date)
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|elapsed| elapsed.as_secs())
}

/// The last second an HTTP-date can name: 9999-12-31T23:59:59Z.
const LAST_HTTP_DATE: u64 = 253_402_300_799;

/// Whole seconds since the epoch as an HTTP-date. A later time (an
/// `uploadDate` past the year 9999, read from a bucket someone else
/// wrote) is the last date HTTP can name: `HttpDate` would panic on it.
pub(crate) fn http_date(seconds: u64) -> String {
    HttpDate::from(UNIX_EPOCH + Duration::from_secs(seconds.min(LAST_HTTP_DATE))).to_string()
}

/// Evaluates `If-Match`, `If-None-Match` and `If-Modified-Since` against the
/// file's strong `etag` and `last_modified` (seconds). Other methods than
/// GET and HEAD always send.
pub(crate) fn evaluate(req: &HttpRequest, etag: &str, last_modified: u64) -> Outcome {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Outcome::Send;
    }
    let mut unmodified = header_str(req, header::IF_MODIFIED_SINCE)
        .and_then(parse_http_date)
        .is_some_and(|since| last_modified <= since);
    if let Some(none_match) = header_str(req, header::IF_NONE_MATCH) {
        unmodified = tags(none_match).any(|(_, tag)| tag == "*" || tag == etag);
    }
    let if_match = header_str(req, header::IF_MATCH);
    if let Some(if_match) = if_match {
        unmodified = !tags(if_match).any(|(weak, tag)| tag == "*" || (!weak && tag == etag));
    }
    match (unmodified, if_match.is_some()) {
        (false, _) => Outcome::Send,
        (true, true) => Outcome::PreconditionFailed,
        (true, false) => Outcome::NotModified,
    }
}

/// Whether `If-Range` (if any) still names this version of the file.
pub(crate) fn if_range_holds(req: &HttpRequest, etag: &str, last_modified: u64) -> bool {
    let Some(value) = header_str(req, header::IF_RANGE) else {
        return true;
    };
    let value = value.trim();
    if value.starts_with('"') || value.starts_with("W/") {
        // A weak tag never matches here (RFC 9110 §13.1.5).
        return tags(value).any(|(weak, tag)| !weak && tag == etag);
    }
    parse_http_date(value) == Some(last_modified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_past_9999_are_the_last_http_date_not_a_panic() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(LAST_HTTP_DATE), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(LAST_HTTP_DATE + 1), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(u64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
    }
}
