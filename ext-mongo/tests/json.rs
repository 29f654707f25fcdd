//! Responses in PyMongo's relaxed Extended JSON, byte for byte: each BSON
//! type against a written-down expectation, then every document against
//! PyMongo itself (`bson.json_util.dumps` from the services virtualenv),
//! and Flask-PyMongo's three JSON tests over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use actix_web::{test as http, web};
use common::{ext_app, service, TestMongo};
use ext_mongo::json::to_pymongo_json;
use ext_mongo::{BsonJson, MongoDb, MongoError};
use futures_util::TryStreamExt;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{
    doc, Binary, Bson, DateTime, Decimal128, Document, JavaScriptCodeWithScope, Regex, Timestamp,
};

fn oid() -> ObjectId {
    ObjectId::parse_str("5cf29abb5167a14c9e6e12c4").unwrap()
}

/// Every BSON type, with what PyMongo 4 writes for it.
fn table() -> Vec<(Document, &'static str)> {
    vec![
        (
            doc! {"a": oid()},
            r#"{"a": {"$oid": "5cf29abb5167a14c9e6e12c4"}}"#,
        ),
        (doc! {"a": 1_i32, "b": -7_i64}, r#"{"a": 1, "b": -7}"#),
        (
            doc! {"a": 1.0, "b": 0.1, "c": -2.5},
            r#"{"a": 1.0, "b": 0.1, "c": -2.5}"#,
        ),
        (
            doc! {"a": 1e16, "b": 1.5e-5, "c": 123456789.125},
            r#"{"a": 1e+16, "b": 1.5e-05, "c": 123456789.125}"#,
        ),
        (
            doc! {"a": f64::NAN, "b": f64::INFINITY, "c": f64::NEG_INFINITY},
            r#"{"a": {"$numberDouble": "NaN"}, "b": {"$numberDouble": "Infinity"}, "c": {"$numberDouble": "-Infinity"}}"#,
        ),
        (
            doc! {"a": "plain", "b": "é ☃ 𝄞", "c": "q\"\\\n\t\u{1}"},
            r#"{"a": "plain", "b": "\u00e9 \u2603 \ud834\udd1e", "c": "q\"\\\n\t\u0001"}"#,
        ),
        (
            doc! {"a": true, "b": false, "c": Bson::Null},
            r#"{"a": true, "b": false, "c": null}"#,
        ),
        (
            doc! {"a": [1, "x", {"y": []}], "b": {}},
            r#"{"a": [1, "x", {"y": []}], "b": {}}"#,
        ),
        (
            doc! {"a": DateTime::from_millis(1_700_000_000_000)},
            r#"{"a": {"$date": "2023-11-14T22:13:20Z"}}"#,
        ),
        (
            doc! {"a": DateTime::from_millis(1_700_000_000_500)},
            r#"{"a": {"$date": "2023-11-14T22:13:20.500Z"}}"#,
        ),
        (
            doc! {"a": DateTime::from_millis(1_700_000_000_007)},
            r#"{"a": {"$date": "2023-11-14T22:13:20.007Z"}}"#,
        ),
        (
            doc! {"a": DateTime::from_millis(-1)},
            r#"{"a": {"$date": {"$numberLong": "-1"}}}"#,
        ),
        (
            doc! {"a": DateTime::from_millis(253_402_300_800_000)},
            r#"{"a": {"$date": {"$numberLong": "253402300800000"}}}"#,
        ),
        (
            doc! {"a": Binary { subtype: BinarySubtype::Generic, bytes: b"hello".to_vec() }},
            r#"{"a": {"$binary": {"base64": "aGVsbG8=", "subType": "00"}}}"#,
        ),
        (
            doc! {"a": Binary { subtype: BinarySubtype::UserDefined(0x80), bytes: vec![0, 255] }},
            r#"{"a": {"$binary": {"base64": "AP8=", "subType": "80"}}}"#,
        ),
        (
            doc! {"a": Regex { pattern: "^a.c$".into(), options: "mi".into() }},
            r#"{"a": {"$regularExpression": {"pattern": "^a.c$", "options": "im"}}}"#,
        ),
        (
            doc! {"a": Timestamp { time: 1_700_000_000, increment: 7 }},
            r#"{"a": {"$timestamp": {"t": 1700000000, "i": 7}}}"#,
        ),
        (
            doc! {"a": "1.50".parse::<Decimal128>().unwrap()},
            r#"{"a": {"$numberDecimal": "1.50"}}"#,
        ),
        (
            doc! {"a": Bson::JavaScriptCode("x + 1".into())},
            r#"{"a": {"$code": "x + 1"}}"#,
        ),
        (
            doc! {"a": JavaScriptCodeWithScope { code: "x".into(), scope: doc! {"x": 1} }},
            r#"{"a": {"$code": "x", "$scope": {"x": 1}}}"#,
        ),
        (
            doc! {"a": Bson::MinKey, "b": Bson::MaxKey},
            r#"{"a": {"$minKey": 1}, "b": {"$maxKey": 1}}"#,
        ),
        (doc! {"a": Bson::Symbol("sym".into())}, r#"{"a": "sym"}"#),
        (doc! {"a": Bson::Undefined}, r#"{"a": null}"#),
        (doc! {"z": 1, "a": 2, "m": 3}, r#"{"z": 1, "a": 2, "m": 3}"#),
    ]
}

#[test]
fn each_type_as_pymongo_writes_it() {
    for (document, expected) in table() {
        assert_eq!(to_pymongo_json(&document), expected, "{document:?}");
    }
}

/// PyMongo's own output for each document, from its raw BSON.
fn pymongo_dumps(documents: &[Document]) -> Vec<String> {
    let python = ext_tests::services::services_venv().join("bin/python");
    let mut child = Command::new(&python)
        .args([
            "-c",
            "import sys, struct, bson\nfrom bson import json_util\ndata = sys.stdin.buffer.read()\nat = 0\n\
             opts = bson.CodecOptions(tz_aware=True, tzinfo=__import__('datetime').timezone.utc)\n\
             while at < len(data):\n    n = struct.unpack('<i', data[at:at+4])[0]\n    \
             doc = bson.decode(data[at:at+n], codec_options=json_util.RELAXED_JSON_OPTIONS.with_options(tz_aware=True, datetime_conversion=bson.DatetimeConversion.DATETIME_AUTO))\n    \
             print(json_util.dumps(doc))\n    at += n\n",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{} did not run ({error}): run scripts/services.sh", python.display()));
    let mut bytes = Vec::new();
    for document in documents {
        document.to_writer(&mut bytes).unwrap();
    }
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "PyMongo failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn byte_for_byte_what_pymongo_writes() {
    let mut documents: Vec<Document> = table().into_iter().map(|(document, _)| document).collect();
    // Floats are where hand-written formatting goes wrong: the edges of
    // Python's repr switching between fixed and exponent notation.
    let floats = [
        0.0,
        -0.0,
        1e-4,
        1e-5,
        0.00012345,
        1234567890123456.0,
        12345678901234567.0,
        1e15,
        1e16,
        1e22,
        5e-324,
        1.7976931348623157e308,
        2.0_f64.sqrt(),
        -1.0 / 3.0,
        100.0,
        1.25e-7,
    ];
    for number in floats {
        documents.push(doc! {"x": number});
    }
    documents.push(doc! {"nested": {"list": [DateTime::from_millis(0), {"b": Bson::Null}], "e": ""}});
    let expected = pymongo_dumps(&documents);
    assert_eq!(expected.len(), documents.len());
    for (document, pymongo) in documents.iter().zip(expected) {
        assert_eq!(to_pymongo_json(document), pymongo, "{document:?}");
    }
}

async fn encode(db: MongoDb) -> Result<BsonJson<Vec<Document>>, MongoError> {
    let cursor = db
        .collection::<Document>("things")
        .find(doc! {})
        .sort(doc! {"foo": 1})
        .projection(doc! {"_id": 0})
        .await?;
    Ok(BsonJson(cursor.try_collect().await?))
}

#[actix_web::test]
async fn flask_pymongo_json_tests() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, |cfg| {
        cfg.route("/cursor", web::get().to(encode))
            .route(
                "/plain",
                web::get().to(|| async { BsonJson(doc! {"foo": "bar"}) }),
            )
            .route("/oid", web::get().to(|| async { BsonJson(doc! {"id": oid()}) }));
    })
    .await;
    let things = mongo.db().await.collection::<Document>("things");
    things
        .insert_many([doc! {"foo": "baz"}, doc! {"foo": "bar"}])
        .await
        .unwrap();

    let res = http::call_service(&app, http::TestRequest::get().uri("/plain").to_request()).await;
    assert_eq!(res.headers().get("content-type").unwrap(), "application/json");
    assert_eq!(http::read_body(res).await, r#"{"foo": "bar"}"#);
    let res = http::call_service(&app, http::TestRequest::get().uri("/oid").to_request()).await;
    assert_eq!(
        http::read_body(res).await,
        r#"{"id": {"$oid": "5cf29abb5167a14c9e6e12c4"}}"#
    );
    let res = http::call_service(&app, http::TestRequest::get().uri("/cursor").to_request()).await;
    assert_eq!(http::read_body(res).await, r#"[{"foo": "bar"}, {"foo": "baz"}]"#);
    mongo.cleanup().await;
}
