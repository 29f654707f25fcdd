//! Content negotiation for error responses: whether a client wants HTML.

use actix_web::http::header::ACCEPT;
use actix_web::HttpRequest;

/// Whether the client ranks `text/html` (or XHTML) above JSON: browsers do,
/// `fetch` (`*/*`) and API clients do not.
pub(crate) fn prefers_html(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let (mut html, mut json) = (0.0f32, 0.0f32);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "application/json" | "application/problem+json" => json = json.max(q),
            _ => {}
        }
    }
    html > 0.0 && html > json
}

/// Writes `text` escaped as Jinja2's markupsafe does (`&`, `<`, `>`, `"`,
/// `'`): safe in element content and quoted attributes.
pub(crate) fn write_escaped_html(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        let (plain, tail) = rest.split_at(at);
        out.write_str(plain)?;
        out.write_str(match tail.as_bytes()[0] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&#34;",
            _ => "&#39;",
        })?;
        rest = &tail[1..];
    }
    out.write_str(rest)
}

/// [`write_escaped_html`] into a new string (for the development error
/// page, which exists only in debug builds).
#[cfg(debug_assertions)]
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = write_escaped_html(&mut out, text);
    out
}
