//! File names: which ones can be stored, and how a download names them.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::MongoError;

/// The first character of `name` that no header can carry (a control
/// character: CR and LF would split the response), as `U+000D`.
pub(crate) fn unsafe_character(name: &str) -> Option<String> {
    name.chars()
        .find(|c| c.is_control())
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

/// Checks a file name taken from one path segment or form field before it
/// is stored: 1 to 255 bytes, no control character (bidirectional ones
/// included), none of `/ \ ? #`, and not `.` or `..`. It answers 422 `invalid-file-name` naming the reason.
///
/// [`save_file`](crate::save_file) itself refuses only control characters,
/// since stored names such as `notes/7/report.pdf` hold `/` on purpose.
///
/// ```
/// use ext_mongo::check_file_name;
///
/// assert!(check_file_name("report 2026 – Q1.pdf").is_ok());
/// assert!(check_file_name("a\r\nSet-Cookie: x").is_err());
/// assert!(check_file_name("../etc/passwd").is_err());
/// assert!(check_file_name("what?.txt").is_err());
/// assert!(check_file_name("invoice\u{202E}fdp.exe").is_err());
/// assert!(check_file_name("").is_err());
/// ```
pub fn check_file_name(name: &str) -> Result<&str, MongoError> {
    let invalid = |reason: String| Err(MongoError::InvalidFileName(reason));
    if name.is_empty() || name.len() > 255 {
        return invalid("the file name must have 1 to 255 bytes".to_owned());
    }
    if let Some(bad) = unsafe_character(name) {
        return invalid(format!("the file name must not hold a control character ({bad})"));
    }
    // Bidirectional overrides make `invoice\u{202E}fdp.exe` show as
    // `invoiceexe.pdf` in a download dialog.
    if let Some(bad) = name
        .chars()
        .find(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
    {
        return invalid(format!(
            "the file name must not hold a bidirectional control character (U+{:04X})",
            u32::from(bad)
        ));
    }
    if let Some(bad) = name.chars().find(|c| matches!(c, '/' | '\\' | '?' | '#')) {
        return invalid(format!("the file name must not hold `{bad}`"));
    }
    if name == "." || name == ".." {
        return invalid("the file name must not be `.` or `..`".to_owned());
    }
    Ok(name)
}

/// What RFC 8187's `value-chars` must percent-encode: all but `attr-char`
/// (letters, digits and `!#$&+-.^_`|~`).
const NOT_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition: attachment` naming `name` (RFC 6266): an ASCII
/// `filename` always, with any other character (or control character) as
/// `_`, and `filename*` in UTF-8 (RFC 8187) when that lost something. Any
/// stored name gives a valid header, whoever wrote the bucket.
///
/// Written here rather than with actix's `ContentDisposition`, whose
/// `filename*` leaves `=` unencoded (not an RFC 8187 `attr-char`) and whose
/// `filename` passes CR and LF through.
pub(crate) fn disposition(name: &str) -> String {
    let plain = |c: char| c.is_ascii() && !c.is_ascii_control();
    let mut header = String::from("attachment; filename=\"");
    for c in name.chars() {
        match c {
            '"' | '\\' => {
                header.push('\\');
                header.push(c);
            }
            c if plain(c) => header.push(c),
            _ => header.push('_'),
        }
    }
    header.push('"');
    if !name.chars().all(plain) {
        header.push_str("; filename*=UTF-8''");
        header.extend(utf8_percent_encode(name, NOT_ATTR_CHAR));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::disposition;
    use actix_web::http::header::HeaderValue;

    fn header(name: &str) -> HeaderValue {
        HeaderValue::from_str(&disposition(name)).unwrap_or_else(|error| panic!("{name:?}: {error}"))
    }

    #[test]
    fn every_name_gives_a_valid_header() {
        assert_eq!(header("report.pdf"), "attachment; filename=\"report.pdf\"");
        assert_eq!(
            header("say \"hi\".txt"),
            "attachment; filename=\"say \\\"hi\\\".txt\""
        );
        assert_eq!(
            header("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
        assert_eq!(
            header("a\r\nSet-Cookie: x=1"),
            "attachment; filename=\"a__Set-Cookie: x=1\"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1"
        );
        assert_eq!(
            header("\u{7f}\t"),
            "attachment; filename=\"__\"; filename*=UTF-8''%7F%09"
        );
    }
}
