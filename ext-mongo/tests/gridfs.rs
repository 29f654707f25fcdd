//! GridFS: Flask-PyMongo's twelve `save_file` / `send_file` tests, its
//! conditional-request semantics, and what it lacks: size limits that keep
//! nothing partial, byte ranges, HEAD and streaming.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::{test as http, web, HttpRequest, HttpResponse};
use common::{ext_app, service, TestMongo};
use ext_mongo::{
    delete_files, save_payload, send_file, sweep_orphan_chunks, MongoClient, MongoDb, MongoError, SaveFile,
    SendFile,
};
use futures_util::future::poll_fn;
use mongodb::bson::{doc, Document};
use serde::Deserialize;
use sha1::{Digest, Sha1};

#[derive(Deserialize)]
struct Knobs {
    max: Option<u64>,
    db: Option<String>,
    cache_for: Option<u32>,
    version: Option<i32>,
    owner: Option<String>,
    replace: Option<bool>,
}

impl Knobs {
    /// `?db=other` picks another database of the client (Flask-PyMongo's `db=`).
    fn database(&self, client: &MongoClient, db: MongoDb) -> mongodb::Database {
        match &self.db {
            Some(other) => client.database(other),
            None => db.into_inner(),
        }
    }
}

async fn upload(
    req: HttpRequest,
    payload: web::Payload,
    client: MongoClient,
    db: MongoDb,
    name: web::Path<String>,
    knobs: web::Query<Knobs>,
) -> Result<HttpResponse, MongoError> {
    let db = knobs.database(&client, db);
    let mut options = SaveFile::default();
    if let Some(max) = knobs.max {
        options = options.max_size(max);
    }
    if let Some(owner) = &knobs.owner {
        options = options.extra(doc! {"owner": owner});
    }
    if let Some(replace) = knobs.replace {
        options = options.replace(replace);
    }
    let id = save_payload(&req, payload, &db, &name, &options).await?;
    Ok(HttpResponse::Created().body(id.to_hex()))
}

async fn download(
    req: HttpRequest,
    client: MongoClient,
    db: MongoDb,
    name: web::Path<String>,
    knobs: web::Query<Knobs>,
) -> Result<HttpResponse, MongoError> {
    let db = knobs.database(&client, db);
    let mut options = SendFile::default();
    if let Some(seconds) = knobs.cache_for {
        options = options.cache_for(seconds);
    }
    if let Some(version) = knobs.version {
        options = options.version(version);
    }
    send_file(&req, &db, &name, &options).await
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/files/{name}")
            .route(web::post().to(upload))
            .route(web::get().to(download))
            .route(web::head().to(download)),
    );
}

/// 500 KiB, so more than one 255 KiB chunk, with every byte position
/// distinguishable.
fn content() -> Vec<u8> {
    (0..500 * 1024u32).map(|i| (i % 251) as u8).collect()
}

fn sha1_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha1::digest(bytes))
}

struct Answer {
    status: StatusCode,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
    frames: usize,
}

async fn call(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    request: http::TestRequest,
) -> Answer {
    answer(http::call_service(app, request.to_request()).await).await
}

async fn answer(res: actix_web::dev::ServiceResponse) -> Answer {
    let status = res.status();
    // What goes on the wire as Content-Length: the header, or the size
    // the body declares (actix writes the header from it).
    let declared = match res.response().body().size() {
        actix_web::body::BodySize::Sized(size) => Some(size.to_string()),
        _ => None,
    };
    let mut headers: BTreeMap<String, String> = res
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    if let Some(size) = declared {
        headers.entry("content-length".to_owned()).or_insert(size);
    }
    let body = res.into_body();
    let mut body = std::pin::pin!(body);
    let (mut bytes, mut frames) = (Vec::new(), 0);
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        bytes.extend_from_slice(&frame.unwrap());
        frames += 1;
    }
    Answer {
        status,
        headers,
        body: bytes,
        frames,
    }
}

fn get(uri: &str) -> http::TestRequest {
    http::TestRequest::get().uri(uri)
}

#[actix_web::test]
async fn save_file_stores_what_pymongo_stores() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    let bytes = content();
    let post = http::TestRequest::post()
        .uri("/files/myfile.txt?owner=ada")
        .set_payload(bytes.clone());
    let res = call(&app, post).await;
    assert_eq!(res.status, StatusCode::CREATED);
    let id = mongodb::bson::oid::ObjectId::parse_str(String::from_utf8(res.body).unwrap()).unwrap();

    let files = mongo.db().await.collection::<Document>("fs.files");
    let stored = files.find_one(doc! {"_id": id}).await.unwrap().unwrap();
    assert_eq!(stored.get_str("filename").unwrap(), "myfile.txt");
    assert_eq!(stored.get_str("contentType").unwrap(), "text/plain");
    assert_eq!(stored.get_str("sha1").unwrap(), sha1_hex(&bytes));
    assert_eq!(
        stored.get_str("owner").unwrap(),
        "ada",
        "extra fields are top-level"
    );
    assert_eq!(stored.get_i64("length").unwrap(), bytes.len() as i64);
    assert_eq!(stored.get_i32("chunkSize").unwrap(), 255 * 1024);
    assert!(stored.get_datetime("uploadDate").is_ok());

    // Written by hand, read by the driver's own GridFS reader.
    let bucket = mongo.db().await.gridfs_bucket(None);
    let mut read = Vec::new();
    let mut download = bucket.open_download_stream_by_name("myfile.txt").await.unwrap();
    futures_util::io::AsyncReadExt::read_to_end(&mut download, &mut read)
        .await
        .unwrap();
    assert_eq!(read, bytes, "the driver reads what save_file wrote");
    let chunks = mongo.db().await.collection::<Document>("fs.chunks");
    let first = chunks
        .find_one(doc! {"files_id": id, "n": 0})
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(first.get("n"), Some(mongodb::bson::Bson::Int32(0))),
        "{first:?}"
    );
    assert_eq!(chunks.count_documents(doc! {"files_id": id}).await.unwrap(), 2);

    // Another database (Flask-PyMongo's db=).
    let other = format!("{}_other", mongo.name);
    let post = http::TestRequest::post()
        .uri(&format!("/files/a.bin?db={other}"))
        .set_payload("xyz");
    assert_eq!(call(&app, post).await.status, StatusCode::CREATED);
    let client = mongodb::Client::with_uri_str(&mongo.uri).await.unwrap();
    let count = client
        .database(&other)
        .collection::<Document>("fs.files")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(count, 1);
    let res = call(&app, get(&format!("/files/a.bin?db={other}"))).await;
    assert_eq!(res.body, b"xyz");
    assert_eq!(
        call(&app, get("/files/a.bin")).await.status,
        StatusCode::NOT_FOUND
    );
    client.database(&other).drop().await.unwrap();
    mongo.cleanup().await;
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_a_413_and_leaves_nothing() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    // Announced too large: refused before reading.
    let post = http::TestRequest::post()
        .uri("/files/big.bin?max=1000")
        .set_payload(vec![7u8; 5000]);
    let res = call(&app, post).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.headers["content-type"], "application/problem+json");
    // Not announced (no Content-Length): refused while streaming, after
    // chunks were written, and those are removed.
    let (mut sender, streamed) = actix_http::h1::Payload::create(false);
    for _ in 0..8 {
        sender.feed_data(web::Bytes::from(vec![1u8; 200 * 1024]));
    }
    sender.feed_eof();
    let request = http::TestRequest::post()
        .uri("/files/streamed.bin?max=600000")
        .to_request();
    let (request, _) = request.replace_payload(actix_http::Payload::from(streamed));
    assert!(actix_web::HttpMessage::headers(&request)
        .get("content-length")
        .is_none());
    let res = answer(http::call_service(&app, request).await).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let db = mongo.db().await;
    assert_eq!(
        db.collection::<Document>("fs.files")
            .count_documents(doc! {})
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        db.collection::<Document>("fs.chunks")
            .count_documents(doc! {})
            .await
            .unwrap(),
        0
    );
    mongo.cleanup().await;
}

#[actix_web::test]
async fn send_file_headers_conditionals_and_versions() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    assert_eq!(
        call(&app, get("/files/missing.txt")).await.status,
        StatusCode::NOT_FOUND
    );
    let bytes = content();
    let post = http::TestRequest::post()
        .uri("/files/myfile.txt")
        .set_payload(bytes.clone());
    assert_eq!(call(&app, post).await.status, StatusCode::CREATED);
    let sha1 = sha1_hex(&bytes);

    let res = call(&app, get("/files/myfile.txt")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers["content-type"].starts_with("text/plain"));
    assert_eq!(res.headers["content-length"], bytes.len().to_string());
    assert_eq!(res.headers["etag"], format!("\"{sha1}\""));
    assert_eq!(res.headers["cache-control"], "max-age=31536000, public");
    assert_eq!(res.headers["accept-ranges"], "bytes");
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        res.headers["content-disposition"],
        "attachment; filename=\"myfile.txt\""
    );
    assert_eq!(res.body, bytes);
    assert!(
        res.frames > 1,
        "streamed chunk by chunk, not one buffer: {} frames",
        res.frames
    );
    let last_modified = res.headers["last-modified"].clone();

    let res = call(&app, get("/files/myfile.txt?cache_for=60")).await;
    assert_eq!(res.headers["cache-control"], "max-age=60, public");

    let cases: [(&[(&str, &str)], StatusCode); 10] = [
        (&[("If-None-Match", &sha1)], StatusCode::NOT_MODIFIED),
        (
            &[("If-None-Match", &format!("\"{sha1}\""))],
            StatusCode::NOT_MODIFIED,
        ),
        (
            &[("If-None-Match", &format!("W/\"{sha1}\""))],
            StatusCode::NOT_MODIFIED,
        ),
        (&[("If-None-Match", "\"other\", *")], StatusCode::NOT_MODIFIED),
        (
            &[
                ("If-None-Match", "\"other\""),
                ("If-Modified-Since", &last_modified),
            ],
            StatusCode::OK,
        ),
        (&[("If-Modified-Since", &last_modified)], StatusCode::NOT_MODIFIED),
        (
            &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
            StatusCode::OK,
        ),
        (&[("If-Match", &format!("\"{sha1}\""))], StatusCode::OK),
        (&[("If-Match", "\"other\"")], StatusCode::PRECONDITION_FAILED),
        (&[("If-Match", "*")], StatusCode::OK),
    ];
    for (headers, expected) in cases {
        let mut request = get("/files/myfile.txt");
        for header in headers {
            request = request.insert_header(*header);
        }
        let res = call(&app, request).await;
        assert_eq!(res.status, expected, "{headers:?}");
        if expected == StatusCode::NOT_MODIFIED {
            assert!(res.body.is_empty());
            assert_eq!(res.headers["etag"], format!("\"{sha1}\""));
            assert!(
                !res.headers.contains_key("content-type"),
                "no entity headers on a 304"
            );
        }
    }

    // A legacy file with only an md5, and one with neither (computed).
    let files = mongo.db().await.collection::<Document>("fs.files");
    let post = http::TestRequest::post()
        .uri("/files/old.txt")
        .set_payload("legacy");
    call(&app, post).await;
    files
        .update_one(
            doc! {"filename": "old.txt"},
            doc! {"$unset": {"sha1": ""}, "$set": {"md5": "abc123"}},
        )
        .await
        .unwrap();
    let res = call(
        &app,
        get("/files/old.txt").insert_header(("If-None-Match", "abc123")),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    files
        .update_one(doc! {"filename": "old.txt"}, doc! {"$unset": {"md5": ""}})
        .await
        .unwrap();
    let res = call(&app, get("/files/old.txt")).await;
    assert_eq!(res.headers["etag"], format!("\"{}\"", sha1_hex(b"legacy")));

    // Versions: -1 the newest, 0 the first, -2 the one before the newest.
    for text in ["one", "two", "three"] {
        call(
            &app,
            http::TestRequest::post().uri("/files/v.txt").set_payload(text),
        )
        .await;
    }
    for (version, expected) in [(-1, "three"), (0, "one"), (1, "two"), (-2, "two"), (-3, "one")] {
        let res = call(&app, get(&format!("/files/v.txt?version={version}"))).await;
        assert_eq!(res.body, expected.as_bytes(), "version {version}");
    }
    assert_eq!(
        call(&app, get("/files/v.txt?version=3")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, get("/files/v.txt?version=-4")).await.status,
        StatusCode::NOT_FOUND
    );
    mongo.cleanup().await;
}

#[actix_web::test]
async fn ranges_and_head() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    let bytes = content();
    let length = bytes.len();
    call(
        &app,
        http::TestRequest::post()
            .uri("/files/data.bin")
            .set_payload(bytes.clone()),
    )
    .await;
    let sha1 = sha1_hex(&bytes);

    let chunk = 255 * 1024;
    let ranges = [
        ("bytes=0-99", 0, 99),
        ("bytes=-100", length - 100, length - 1),
        ("bytes=500000-", 500_000, length - 1),
        (
            &*format!("bytes={}-{}", chunk - 10, chunk + 10),
            chunk - 10,
            chunk + 10,
        ),
        ("bytes=10-99999999", 10, length - 1),
    ];
    for (range, start, end) in ranges {
        let res = call(&app, get("/files/data.bin").insert_header(("Range", range))).await;
        assert_eq!(res.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            res.headers["content-range"],
            format!("bytes {start}-{end}/{length}")
        );
        assert_eq!(res.headers["content-length"], (end - start + 1).to_string());
        assert_eq!(res.body, &bytes[start..=end], "{range}");
    }
    let res = call(
        &app,
        get("/files/data.bin").insert_header(("Range", "bytes=600000-")),
    )
    .await;
    assert_eq!(res.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(res.headers["content-range"], format!("bytes */{length}"));
    assert_eq!(res.headers["content-type"], "application/problem+json");

    let res = call(
        &app,
        get("/files/data.bin")
            .insert_header(("Range", "bytes=0-9"))
            .insert_header(("If-Range", format!("\"{sha1}\""))),
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::PARTIAL_CONTENT,
        "If-Range names this version"
    );
    let res = call(
        &app,
        get("/files/data.bin")
            .insert_header(("Range", "bytes=0-9"))
            .insert_header(("If-Range", "\"stale\"")),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "a stale If-Range gets the whole file");
    assert_eq!(res.body.len(), length);

    let res = call(
        &app,
        http::TestRequest::default()
            .method(actix_web::http::Method::HEAD)
            .uri("/files/data.bin"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers["content-length"], length.to_string());
    assert_eq!(res.headers["etag"], format!("\"{sha1}\""));
    assert!(res.body.is_empty());
    mongo.cleanup().await;
}

/// Counts the documents of `fs.files` and `fs.chunks`.
async fn counts(db: &mongodb::Database) -> (u64, u64) {
    let files = db.collection::<Document>("fs.files");
    let chunks = db.collection::<Document>("fs.chunks");
    (
        files.count_documents(doc! {}).await.unwrap(),
        chunks.count_documents(doc! {}).await.unwrap(),
    )
}

#[actix_web::test]
async fn a_file_is_visible_only_once_complete() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    let db = mongo.db().await;
    let (mut sender, streamed) = actix_http::h1::Payload::create(false);
    let request = http::TestRequest::post()
        .uri("/files/slow.bin?owner=ada")
        .to_request();
    let (request, _) = request.replace_payload(actix_http::Payload::from(streamed));
    let watcher = async {
        // Three chunks' worth: two whole chunks are written.
        for _ in 0..3 {
            sender.feed_data(web::Bytes::from(vec![9u8; 255 * 1024]));
        }
        let mut seen = (0, 0);
        for _ in 0..200 {
            seen = counts(&db).await;
            if seen.1 >= 2 {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(seen.1 >= 2, "the chunks stream in: {seen:?}");
        assert_eq!(seen.0, 0, "no files document before the end");
        sender.feed_eof();
    };
    let (res, ()) = futures_util::join!(http::call_service(&app, request), watcher);
    assert_eq!(res.status(), StatusCode::CREATED);
    let stored = db
        .collection::<Document>("fs.files")
        .find_one(doc! {"filename": "slow.bin"})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.get_str("sha1").unwrap(),
        sha1_hex(&vec![9u8; 3 * 255 * 1024])
    );
    assert_eq!(stored.get_str("owner").unwrap(), "ada");
    assert_eq!(counts(&db).await, (1, 3));
    mongo.cleanup().await;
}

#[actix_web::test]
async fn replace_removes_older_versions_once_the_new_one_is_complete() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    let db = mongo.db().await;
    let post = |query: &str, body: Vec<u8>| {
        http::TestRequest::post()
            .uri(&format!("/files/report.txt?{query}"))
            .set_payload(body)
    };
    // Versions are kept by default, as Flask-PyMongo keeps them.
    assert_eq!(call(&app, post("", content())).await.status, StatusCode::CREATED);
    assert_eq!(
        call(&app, post("", b"two".to_vec())).await.status,
        StatusCode::CREATED
    );
    assert_eq!(counts(&db).await, (2, 3));
    // A replacing upload that fails leaves the old versions as they were.
    let res = call(&app, post("replace=true&max=10", vec![1u8; 300 * 1024])).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(counts(&db).await, (2, 3));
    // One that succeeds leaves only itself.
    assert_eq!(
        call(&app, post("replace=true", b"three".to_vec())).await.status,
        StatusCode::CREATED
    );
    assert_eq!(counts(&db).await, (1, 1));
    assert_eq!(
        call(&app, get("/files/report.txt?version=0")).await.body,
        b"three"
    );
    // Another name is untouched; delete_files removes what its filter names.
    assert_eq!(
        call(
            &app,
            http::TestRequest::post().uri("/files/other.txt").set_payload("x")
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        delete_files(&db, "fs", doc! {"filename": "report.txt"})
            .await
            .unwrap(),
        1
    );
    assert_eq!(counts(&db).await, (1, 1));
    assert_eq!(call(&app, get("/files/other.txt")).await.body, b"x");
    assert_eq!(
        delete_files(&db, "fs", doc! {"filename": "none"}).await.unwrap(),
        0
    );
    mongo.cleanup().await;
}

#[actix_web::test]
async fn names_that_no_header_can_carry() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, routes).await;
    let db = mongo.db().await;
    // A CR LF in the stored name is refused at upload: nothing is kept.
    let post = http::TestRequest::post()
        .uri("/files/a%0D%0ASet-Cookie:%20x=1")
        .set_payload("x");
    let res = call(&app, post).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.headers["content-type"], "application/problem+json");
    assert!(String::from_utf8_lossy(&res.body).contains("U+000D"));
    assert_eq!(counts(&db).await, (0, 0));
    // A name another program stored still downloads, with a valid header.
    let mut bucket_writer = db.gridfs_bucket(None).open_upload_stream("b\r\nc").await.unwrap();
    futures_util::io::AsyncWriteExt::write_all(&mut bucket_writer, b"legacy")
        .await
        .unwrap();
    futures_util::io::AsyncWriteExt::close(&mut bucket_writer)
        .await
        .unwrap();
    let res = call(&app, get("/files/b%0D%0Ac")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.headers["content-disposition"],
        "attachment; filename=\"b__c\"; filename*=UTF-8''b%0D%0Ac"
    );
    assert_eq!(res.body, b"legacy");
    // A non-ASCII name: an ASCII fallback and RFC 8187's filename*.
    let post = http::TestRequest::post()
        .uri("/files/r%C3%A9sum%C3%A9.txt")
        .set_payload("cv");
    assert_eq!(call(&app, post).await.status, StatusCode::CREATED);
    let res = call(&app, get("/files/r%C3%A9sum%C3%A9.txt")).await;
    assert_eq!(
        res.headers["content-disposition"],
        "attachment; filename=\"r_sum_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    );
    mongo.cleanup().await;
}

#[actix_web::test]
async fn old_chunks_without_a_file_are_swept() {
    use mongodb::bson::oid::ObjectId;
    let mongo = TestMongo::new();
    let db = mongo.db().await;
    let chunks = db.collection::<Document>("fs.chunks");
    let two_hours_ago = u32::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - 7200,
    )
    .unwrap();
    let old_id = |n: u8| ObjectId::from_parts(two_hours_ago, [0; 5], [0, 0, n]);
    let chunk = |id: ObjectId, files_id: ObjectId| {
        doc! {"_id": id, "files_id": files_id, "n": 0, "data": mongodb::bson::Binary {
        subtype: mongodb::bson::spec::BinarySubtype::Generic, bytes: b"x".to_vec() }}
    };
    let (orphan, in_progress, kept) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
    // An old orphan (a failed upload's), a recent one (an upload under way)
    // and an old chunk of a file that exists.
    chunks.insert_one(chunk(old_id(1), orphan)).await.unwrap();
    chunks.insert_one(chunk(old_id(2), orphan)).await.unwrap();
    chunks
        .insert_one(chunk(ObjectId::new(), in_progress))
        .await
        .unwrap();
    chunks.insert_one(chunk(old_id(3), kept)).await.unwrap();
    db.collection::<Document>("fs.files")
        .insert_one(doc! {"_id": kept, "filename": "kept", "length": 1_i64, "chunkSize": 261_120})
        .await
        .unwrap();
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(sweep_orphan_chunks(&db, "fs", hour).await.unwrap(), 2);
    assert_eq!(
        chunks.count_documents(doc! {"files_id": orphan}).await.unwrap(),
        0
    );
    assert_eq!(chunks.count_documents(doc! {}).await.unwrap(), 2);
    assert_eq!(
        sweep_orphan_chunks(&db, "fs", hour).await.unwrap(),
        0,
        "idempotent"
    );
    mongo.cleanup().await;
}
