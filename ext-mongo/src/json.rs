//! BSON to JSON exactly as Flask-PyMongo answers it: PyMongo's
//! `bson.json_util.dumps` in relaxed mode, byte for byte.
//!
//! The bson crate's `into_relaxed_extjson` differs from PyMongo in date
//! fractions (`.5Z` where PyMongo writes `.500Z`), in key order inside
//! `$regularExpression` and `$timestamp` (a `serde_json::Map` sorts them),
//! and in layout: Python's `json.dumps` writes `", "` and `": "` and escapes
//! every non-ASCII character. So this writer is hand-written; it follows
//! `json_util`'s rules type by type.

use std::fmt::Write as _;

use actix_web::body::BoxBody;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, Responder};
use base64::Engine as _;
use mongodb::bson::{Bson, Document};
use serde::Serialize;

/// PyMongo's relaxed Extended JSON for a document.
///
/// ```
/// use mongodb::bson::{doc, oid::ObjectId, DateTime};
///
/// let id = ObjectId::parse_str("5cf29abb5167a14c9e6e12c4").unwrap();
/// let when = DateTime::from_millis(1_700_000_000_500);
/// assert_eq!(
///     ext_mongo::json::to_pymongo_json(&doc! {"_id": id, "at": when, "n": 1.0, "name": "é"}),
///     r#"{"_id": {"$oid": "5cf29abb5167a14c9e6e12c4"}, "at": {"$date": "2023-11-14T22:13:20.500Z"}, "n": 1.0, "name": "\u00e9"}"#
/// );
/// ```
pub fn to_pymongo_json(document: &Document) -> String {
    let mut out = String::new();
    write_document(&mut out, document);
    out
}

/// The same for any BSON value (an array of documents, say).
pub fn bson_to_pymongo_json(value: &Bson) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_document(out: &mut String, document: &Document) {
    out.push('{');
    for (index, (key, value)) in document.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_string(out, key);
        out.push_str(": ");
        write_value(out, value);
    }
    out.push('}');
}

/// Writes one field's value.
type WriteField<'a> = &'a dyn Fn(&mut String);

/// `{"key": <raw json>, ...}` with keys in the given order.
fn write_wrapper(out: &mut String, fields: &[(&str, WriteField<'_>)]) {
    out.push('{');
    for (index, (key, write)) in fields.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_string(out, key);
        out.push_str(": ");
        write(out);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Bson) {
    match value {
        Bson::Double(number) => write_double(out, *number),
        Bson::String(text) => write_string(out, text),
        Bson::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Bson::Document(document) => write_document(out, document),
        Bson::Boolean(true) => out.push_str("true"),
        Bson::Boolean(false) => out.push_str("false"),
        Bson::Null => out.push_str("null"),
        Bson::RegularExpression(regex) => {
            let mut options: Vec<char> = regex.options.chars().collect();
            options.sort_unstable();
            let options: String = options.into_iter().collect();
            write_wrapper(
                out,
                &[("$regularExpression", &|out: &mut String| {
                    write_wrapper(
                        out,
                        &[
                            ("pattern", &|out: &mut String| write_string(out, &regex.pattern)),
                            ("options", &|out: &mut String| write_string(out, &options)),
                        ],
                    )
                })],
            );
        }
        Bson::JavaScriptCode(code) => {
            write_wrapper(out, &[("$code", &|out: &mut String| write_string(out, code))])
        }
        Bson::JavaScriptCodeWithScope(code) => write_wrapper(
            out,
            &[
                ("$code", &|out: &mut String| write_string(out, &code.code)),
                ("$scope", &|out: &mut String| write_document(out, &code.scope)),
            ],
        ),
        Bson::Int32(number) => {
            let _ = write!(out, "{number}");
        }
        Bson::Int64(number) => {
            let _ = write!(out, "{number}");
        }
        Bson::Timestamp(stamp) => write_wrapper(
            out,
            &[("$timestamp", &|out: &mut String| {
                write_wrapper(
                    out,
                    &[
                        ("t", &|out: &mut String| {
                            let _ = write!(out, "{}", stamp.time);
                        }),
                        ("i", &|out: &mut String| {
                            let _ = write!(out, "{}", stamp.increment);
                        }),
                    ],
                )
            })],
        ),
        Bson::Binary(binary) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&binary.bytes);
            let subtype = format!("{:02x}", u8::from(binary.subtype));
            write_wrapper(
                out,
                &[("$binary", &|out: &mut String| {
                    write_wrapper(
                        out,
                        &[
                            ("base64", &|out: &mut String| write_string(out, &encoded)),
                            ("subType", &|out: &mut String| write_string(out, &subtype)),
                        ],
                    )
                })],
            );
        }
        Bson::ObjectId(id) => write_wrapper(
            out,
            &[("$oid", &|out: &mut String| write_string(out, &id.to_hex()))],
        ),
        Bson::DateTime(date) => write_date(out, date.timestamp_millis()),
        // PyMongo decodes a symbol as a `str` and undefined as `None`.
        Bson::Symbol(symbol) => write_string(out, symbol),
        Bson::Decimal128(decimal) => write_wrapper(
            out,
            &[("$numberDecimal", &|out: &mut String| {
                write_string(out, &decimal.to_string())
            })],
        ),
        Bson::Undefined => out.push_str("null"),
        Bson::MaxKey => out.push_str(r#"{"$maxKey": 1}"#),
        Bson::MinKey => out.push_str(r#"{"$minKey": 1}"#),
        Bson::DbPointer(_) => {
            // The driver keeps a DbPointer's fields private; its own
            // Extended JSON has them, in a sorted map: reorder as PyMongo.
            let json = value.clone().into_relaxed_extjson();
            let pointer = &json["$dbPointer"];
            let namespace = pointer["$ref"].as_str().unwrap_or_default();
            let id = pointer["$id"]["$oid"].as_str().unwrap_or_default();
            write_wrapper(
                out,
                &[("$dbPointer", &|out: &mut String| {
                    write_wrapper(
                        out,
                        &[
                            ("$ref", &|out: &mut String| write_string(out, namespace)),
                            ("$id", &|out: &mut String| {
                                write_wrapper(out, &[("$oid", &|out: &mut String| write_string(out, id))])
                            }),
                        ],
                    )
                })],
            );
        }
    }
}

/// `{"$date": "…Z"}` with three-digit milliseconds when they are not zero,
/// for years 1970 to 9999; `{"$date": {"$numberLong": "…"}}` otherwise.
fn write_date(out: &mut String, millis: i64) {
    const MAX: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    if !(0..=MAX).contains(&millis) {
        let _ = write!(out, r#"{{"$date": {{"$numberLong": "{millis}"}}}}"#);
        return;
    }
    let seconds = millis.div_euclid(1000);
    let fraction = millis.rem_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        out,
        r#"{{"$date": "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}"#,
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    );
    if fraction != 0 {
        let _ = write!(out, ".{fraction:03}");
    }
    out.push_str("Z\"}");
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`, a few lines of integer arithmetic rather than a date
/// crate for one conversion).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Python's `repr(float)`, or `{"$numberDouble": …}` for NaN and infinities.
fn write_double(out: &mut String, number: f64) {
    if number.is_nan() {
        out.push_str(r#"{"$numberDouble": "NaN"}"#);
        return;
    }
    if number.is_infinite() {
        out.push_str(if number > 0.0 {
            r#"{"$numberDouble": "Infinity"}"#
        } else {
            r#"{"$numberDouble": "-Infinity"}"#
        });
        return;
    }
    // Shortest round-trip digits and exponent, as Python's repr uses them.
    let scientific = format!("{number:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if !(-4..16).contains(&exponent) {
        // 1e+16, 1.5e-05
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    } else if exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-exponent - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = exponent as usize + 1;
        if digits.len() <= point {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`).
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// A responder that answers any serialisable value (a `Document`, a
/// `Vec<Document>`, a model) as Flask-PyMongo's `jsonify` would: PyMongo's
/// relaxed Extended JSON, `application/json`.
///
/// A value that does not serialise to BSON answers a 500 problem.
#[derive(Debug)]
pub struct BsonJson<T>(pub T);

impl<T: Serialize> Responder for BsonJson<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        match mongodb::bson::to_bson(&self.0) {
            Ok(value) => HttpResponse::Ok()
                .content_type(ContentType::json())
                .body(bson_to_pymongo_json(&value)),
            Err(error) => {
                tracing::error!(%error, "a response value does not serialise to BSON");
                ext_core::Problem::new(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR).to_response()
            }
        }
    }
}
