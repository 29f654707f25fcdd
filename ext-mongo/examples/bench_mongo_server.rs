//! The server that `scripts/bench-mongo.sh` loads: the same two handlers
//! (one document by id, and a 10 MB GridFS file) written directly on the
//! driver, or through ext-mongo.
//!
//! ```sh
//! MONGO_URI=mongodb://127.0.0.1:27117/bench cargo run --release -p ext-mongo --example bench_mongo_server -- seed
//! cargo run --release -p ext-mongo --example bench_mongo_server -- raw 127.0.0.1:18110
//! cargo run --release -p ext-mongo --example bench_mongo_server -- ext 127.0.0.1:18111
//! ```

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use ext_core::{AppBuilder, Config};
use ext_mongo::{
    save_file, send_file, BsonJson, CollectionExt, Mongo, MongoDb, MongoError, Oid, SaveFile, SendFile,
};
use futures_util::AsyncReadExt;
use mongodb::bson::{doc, oid::ObjectId, Document};
use mongodb::{Client, Database};

/// The document the find benchmark asks for.
const ID: &str = "5cf29abb5167a14c9e6e12c4";
/// The file the download benchmark asks for.
const FILE: &str = "ten-megabytes.bin";
const FILE_SIZE: usize = 10 * 1024 * 1024;
/// The file the memory check downloads once.
const BIG_FILE: &str = "two-hundred-megabytes.bin";
const BIG_FILE_SIZE: usize = 200 * 1024 * 1024;

async fn raw_find(db: web::Data<Database>, id: web::Path<String>) -> HttpResponse {
    let Ok(id) = ObjectId::parse_str(id.as_str()) else {
        return HttpResponse::NotFound().finish();
    };
    match db
        .collection::<Document>("items")
        .find_one(doc! {"_id": id})
        .await
    {
        Ok(Some(found)) => HttpResponse::Ok().content_type("application/json").body(
            mongodb::bson::Bson::Document(found)
                .into_relaxed_extjson()
                .to_string(),
        ),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

async fn raw_file(db: web::Data<Database>, name: web::Path<String>) -> HttpResponse {
    let bucket = db.gridfs_bucket(None);
    let Ok(stream) = bucket.open_download_stream_by_name(name.as_str()).await else {
        return HttpResponse::NotFound().finish();
    };
    // Read the driver's stream in 255 KiB pieces, as a hand-written
    // handler would.
    let chunks = futures_util::stream::unfold(Some(stream), |state| async move {
        let mut stream = state?;
        let mut buffer = vec![0u8; 255 * 1024];
        match stream.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(web::Bytes::from(buffer)), Some(stream)))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    HttpResponse::Ok()
        .content_type("application/octet-stream")
        .streaming(chunks)
}

async fn ext_find(db: MongoDb, id: web::Path<Oid>) -> Result<BsonJson<Document>, MongoError> {
    Ok(BsonJson(
        db.collection::<Document>("items")
            .find_one_or_404(doc! {"_id": id.get()})
            .await?,
    ))
}

async fn ext_file(
    req: HttpRequest,
    db: MongoDb,
    name: web::Path<String>,
) -> Result<HttpResponse, MongoError> {
    send_file(&req, &db, &name, &SendFile::default()).await
}

async fn seed(uri: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::with_uri_str(uri).await?;
    let db = client.default_database().ok_or("the URI must name a database")?;
    let items = db.collection::<Document>("items");
    let id = ObjectId::parse_str(ID)?;
    if items.find_one(doc! {"_id": id}).await?.is_none() {
        items
            .insert_one(doc! {"_id": id, "name": "widget", "price": 9.5, "tags": ["a", "b"], "stock": 12})
            .await?;
    }
    let files = db.collection::<Document>("fs.files");
    if files.find_one(doc! {"filename": FILE}).await?.is_none() {
        let data: Vec<u8> = (0..FILE_SIZE).map(|i| (i % 251) as u8).collect();
        let body = futures_util::stream::iter(
            data.chunks(64 * 1024)
                .map(|chunk| Ok::<_, std::io::Error>(web::Bytes::copy_from_slice(chunk)))
                .collect::<Vec<_>>(),
        );
        save_file(&db, FILE, body, &SaveFile::default()).await?;
    }
    if files.find_one(doc! {"filename": BIG_FILE}).await?.is_none() {
        // Generated piece by piece: the seeding itself stays small too.
        let piece = 1024 * 1024;
        let body = futures_util::stream::iter(
            (0..BIG_FILE_SIZE / piece)
                .map(move |n| Ok::<_, std::io::Error>(web::Bytes::from(vec![(n % 251) as u8; piece]))),
        );
        save_file(&db, BIG_FILE, body, &SaveFile::default()).await?;
    }
    Ok(())
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "raw".to_owned());
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18110".to_owned());
    let uri = std::env::var("MONGO_URI")?;
    match kind.as_str() {
        "seed" => seed(&uri).await,
        "raw" => {
            let client = Client::with_uri_str(&uri).await?;
            let db = client.default_database().ok_or("the URI must name a database")?;
            HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(db.clone()))
                    .route("/items/{id}", web::get().to(raw_find))
                    .route("/files/{name}", web::get().to(raw_file))
            })
            .workers(1)
            .bind(&address)?
            .run()
            .await?;
            Ok(())
        }
        "ext" => {
            let ext = AppBuilder::new(Config::empty())
                .register(Mongo::new().uri(uri))
                .init()
                .await?;
            let factory = ext.clone();
            let server = HttpServer::new(move || {
                factory
                    .app()
                    .route("/items/{id}", web::get().to(ext_find))
                    .route("/files/{name}", web::get().to(ext_file))
            })
            .workers(1)
            .bind(&address)?
            .run();
            ext.run(server).await?;
            Ok(())
        }
        other => Err(format!("unknown kind {other}: use seed, raw or ext").into()),
    }
}
