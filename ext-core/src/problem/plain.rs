//! Deserializer messages without Rust's own names.
//!
//! serde's messages name the Rust type that was expected ("expected struct
//! NewNote with 2 elements", "expected u64"): a client learns the server's
//! internals and nothing it can act on. [`plain_message`] says the same in
//! the words of JSON and query strings.

/// What a Rust type is called in a client's terms, by the word serde uses
/// after "expected".
const SHAPES: &[(&str, &str)] = &[
    ("struct variant ", "an object"),
    ("tuple variant ", "an array"),
    ("newtype variant ", "a value"),
    ("unit variant ", "one of the allowed values"),
    ("tuple struct ", "an array"),
    ("unit struct ", "null"),
    ("newtype struct ", "a value"),
    ("struct ", "an object"),
    ("enum ", "one of the allowed values"),
];

/// Rust's number types, with what a client may send for each.
const NUMBERS: &[(&str, &str)] = &[
    ("u8", "a whole number from 0 to 255"),
    ("u16", "a whole number from 0 to 65535"),
    ("u32", "a whole number from 0 to 4294967295"),
    ("u64", "a whole number from 0 to 18446744073709551615"),
    ("u128", "a whole number of at least 0"),
    ("usize", "a whole number of at least 0"),
    ("i8", "a whole number from -128 to 127"),
    ("i16", "a whole number from -32768 to 32767"),
    ("i32", "a whole number from -2147483648 to 2147483647"),
    (
        "i64",
        "a whole number from -9223372036854775808 to 9223372036854775807",
    ),
    ("i128", "a whole number"),
    ("isize", "a whole number"),
    ("f32", "a number"),
    ("f64", "a number"),
    ("char", "a single character"),
];

/// `message` with every Rust type name that serde (or actix's path and
/// query deserializers) put in it replaced by what a client may send.
///
/// ```
/// use ext_core::problem::plain_message;
///
/// assert_eq!(
///     plain_message("invalid type: sequence, expected struct NewNote with 2 elements at line 1 column 1"),
///     "invalid type: sequence, expected an object at line 1 column 1",
/// );
/// assert_eq!(
///     plain_message("invalid value: integer `-1`, expected u64"),
///     "invalid value: integer `-1`, expected a whole number from 0 to 18446744073709551615",
/// );
/// assert_eq!(
///     plain_message("can not parse \"abc\" to a i64"),
///     "can not parse \"abc\" as a whole number from -9223372036854775808 to 9223372036854775807",
/// );
/// // What names a field or a JSON value stays as it was.
/// assert_eq!(plain_message("missing field `title`"), "missing field `title`");
/// ```
pub fn plain_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let expected = rest.find("expected ").map(|at| (at, "expected ", "expected "));
        let parse_to = rest.find(" to a ").map(|at| (at, " to a ", " as "));
        let next = match (expected, parse_to) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((at, marker, said)) = next else {
            out.push_str(rest);
            return out;
        };
        let before = &rest[..at];
        let after = &rest[at + marker.len()..];
        match replace_type(after) {
            Some((plain, consumed)) => {
                out.push_str(before);
                out.push_str(said);
                out.push_str(plain);
                rest = &after[consumed..];
            }
            None => {
                out.push_str(before);
                out.push_str(marker);
                rest = after;
            }
        }
    }
}

/// The plain words for the Rust type at the start of `text`, and how many
/// bytes of `text` named it.
fn replace_type(text: &str) -> Option<(&'static str, usize)> {
    for (shape, plain) in SHAPES {
        if let Some(named) = text.strip_prefix(shape) {
            let mut consumed = shape.len() + word_len(named);
            // "expected struct NewNote with 2 elements"
            if let Some(count) = text[consumed..].strip_prefix(" with ") {
                let digits = count.bytes().take_while(u8::is_ascii_digit).count();
                let tail = &count[digits..];
                for noun in [" elements", " element"] {
                    if digits > 0 && tail.starts_with(noun) {
                        consumed += " with ".len() + digits + noun.len();
                        break;
                    }
                }
            }
            return Some((plain, consumed));
        }
    }
    let word = &text[..word_len(text)];
    NUMBERS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, plain)| (*plain, word.len()))
}

/// The length of the Rust path at the start of `text` (`NewNote`,
/// `Kind::Open`).
fn word_len(text: &str) -> usize {
    text.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len())
}
