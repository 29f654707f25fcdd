//! The development error page (Werkzeug's debugger, without its console):
//! for a 5xx answered to a browser while `[app] debug = true`, an HTML page
//! with the error, its debug form (which shows the causes of most error
//! types), a template's source around the failing line, the matched route and the request, secrets
//! redacted. It never runs code.
//!
//! It exists only in builds with debug assertions (`cargo run`, `cargo
//! test`): in a release build the code is not compiled in, and
//! `debug = true` still answers the generic page.

use actix_web::dev::ServiceResponse;

/// Whether this build can show the page at all.
pub(crate) const AVAILABLE: bool = cfg!(debug_assertions);

/// The page for a 5xx that carries an error, for a client that prefers
/// HTML; anything else passes unchanged.
#[cfg(debug_assertions)]
pub(crate) fn apply(res: ServiceResponse) -> ServiceResponse {
    use actix_web::body::BoxBody;
    use actix_web::http::header::{self, HeaderValue};

    use crate::negotiate::prefers_html;

    if !res.status().is_server_error() || !prefers_html(res.request()) {
        return res;
    }
    let Some(error) = res.response().error() else {
        return res;
    };
    let page = render(res.request(), res.status(), error);
    res.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        head.headers.remove(header::CONTENT_LENGTH);
        BoxBody::new(page)
    })
}

/// In release builds there is no page.
#[cfg(not(debug_assertions))]
pub(crate) fn apply(res: ServiceResponse) -> ServiceResponse {
    res
}

/// Headers whose values are credentials.
#[cfg(debug_assertions)]
const SECRET_HEADERS: &[&str] = &[
    "cookie",
    "authorization",
    "proxy-authorization",
    "x-csrf-token",
    "x-csrftoken",
    "x-api-key",
];

/// Query parameters whose values look like credentials.
#[cfg(debug_assertions)]
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "secret", "token", "key", "auth", "session", "csrf"]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(debug_assertions)]
fn render(
    req: &actix_web::HttpRequest,
    status: actix_web::http::StatusCode,
    error: &actix_web::Error,
) -> String {
    use std::fmt::Write;

    use crate::negotiate::escape_html as e;

    let mut chain = String::new();
    let _ = write!(chain, "<li>{}</li>", e(&error.to_string()));
    // actix's `Error` hides its cause's `source()`; the debug form below
    // shows the chain for most error types.
    #[cfg(feature = "templates")]
    if let Some(crate::templates::TemplateError::Render(inner)) =
        error.as_error::<crate::templates::TemplateError>()
    {
        let _ = write!(
            chain,
            "<li><pre>{}</pre></li>",
            e(&inner.display_debug_info().to_string())
        );
    }
    let mut headers = String::new();
    for (name, value) in req.headers() {
        let shown = if SECRET_HEADERS.contains(&name.as_str()) {
            "[redacted]".to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        let _ = write!(
            headers,
            "<tr><th>{}</th><td>{}</td></tr>",
            e(name.as_str()),
            e(&shown)
        );
    }
    let mut query = String::new();
    for pair in req.query_string().split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let shown = if is_secret_name(name) { "[redacted]" } else { value };
        let _ = write!(query, "<tr><th>{}</th><td>{}</td></tr>", e(name), e(shown));
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{status} — development error page</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}th{{text-align:left;padding-right:1rem;vertical-align:top}}
pre{{background:#f4f4f4;padding:.5rem;overflow:auto}}.warn{{color:#a00}}</style></head>
<body><h1>{status}</h1>
<p class="warn">Development error page: shown because <code>[app] debug = true</code> in a debug build. Release builds never show it.</p>
<h2>Error</h2><ol>{chain}</ol>
<h2>Debug form</h2><pre>{debug}</pre>
<h2>Route</h2><table><tr><th>method</th><td>{method}</td></tr><tr><th>path</th><td>{path}</td></tr>
<tr><th>pattern</th><td>{pattern}</td></tr><tr><th>name</th><td>{name}</td></tr></table>
<h2>Query</h2><table>{query}</table>
<h2>Headers</h2><table>{headers}</table>
<p>Backtraces appear in the debug form when the error carries one (for example an <code>anyhow</code> error with <code>RUST_BACKTRACE=1</code>).</p>
</body></html>"#,
        status = e(&status.to_string()),
        debug = e(&format!("{error:?}")),
        method = e(req.method().as_str()),
        path = e(req.path()),
        pattern = e(req.match_pattern().as_deref().unwrap_or("(no route matched)")),
        name = e(req.match_name().unwrap_or("")),
    )
}
