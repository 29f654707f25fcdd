//! Configuration, extractors, `find_one_or_404`, ObjectId routes and the
//! operator-injection guard: Flask-PyMongo's config, wrapper and URL
//! converter tests, and what it lacks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use actix_web::http::StatusCode;
use actix_web::{test as http, web, HttpRequest, HttpResponse};
use common::{config, ext_app, service, TestMongo};
use ext_core::AppBuilder;
use ext_mongo::{
    document_from_json, BsonJson, CollectionExt, FormDocument, JsonDocument, KeyPolicy, Mongo, MongoClient,
    MongoDb, MongoError, MongoState, Oid, QueryDocument,
};
use mongodb::bson::{doc, oid::ObjectId, Document};
use serde_json::{json, Value};

#[actix_web::test]
async fn no_uri_is_flask_pymongos_error_and_optional_makes_it_a_503() {
    let error = AppBuilder::new(config("", &[]))
        .register(Mongo::new())
        .init()
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("You must specify a URI or set the MONGO_URI Flask config variable"),
        "{text}"
    );
    assert!(text.contains("mongo.uri"), "{text}");

    let ext = AppBuilder::new(config("", &[]))
        .register(Mongo::new().optional())
        .init()
        .await
        .unwrap();
    let app = service(&ext, |cfg| {
        cfg.route(
            "/",
            web::get().to(|db: MongoDb| async move { db.name().to_owned() }),
        );
    })
    .await;
    let res = http::call_service(&app, http::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = http::read_body_json(res).await;
    assert_eq!(body["type"], "urn:actix-flask-ext:problem:mongodb-not-configured");
    assert!(body["detail"].as_str().unwrap().contains("MONGO_URI"), "{body}");
    let res = http::call_service(&app, http::TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = http::read_body_json(res).await;
    assert_eq!(body["checks"]["mongo"]["status"], "not_configured", "{body}");
}

#[actix_web::test]
async fn the_database_name_is_optional_and_instances_sit_side_by_side() {
    let first = TestMongo::new();
    let second = TestMongo::new();
    let root = first.uri.rsplit_once('/').unwrap().0.to_owned();
    let ext = AppBuilder::new(config(
        "[mongo]\nmax_pool_size = 5\napp_name = \"ext-mongo-tests\"\n",
        &[
            ("MONGO_URI", &first.uri),
            ("MONGO2_URI", &second.uri),
            ("MONGO3_URI", &root),
        ],
    ))
    .register(Mongo::new())
    .register(Mongo::named("mongo2"))
    .register(Mongo::named("mongo3"))
    .init()
    .await
    .unwrap();
    let registry = ext.registry();
    assert_eq!(
        registry.get::<MongoState>().unwrap().db().unwrap().name(),
        first.name
    );
    assert_eq!(
        registry
            .get_named::<MongoState>("mongo2")
            .unwrap()
            .db()
            .unwrap()
            .name(),
        second.name
    );
    let third = registry.get_named::<MongoState>("mongo3").unwrap();
    assert!(
        third.client().is_ok(),
        "a URI without a database still gives the client"
    );
    assert!(matches!(third.db(), Err(MongoError::NotConfigured(_))));

    async fn both(req: HttpRequest, db: MongoDb, client: MongoClient) -> Result<HttpResponse, MongoError> {
        let other = MongoDb::named(&req, "mongo2")?;
        let listed = client.list_database_names().await?;
        Ok(HttpResponse::Ok().json(json!([
            db.name(),
            other.name(),
            listed.contains(&db.name().to_owned())
        ])))
    }
    mongodb::Client::with_uri_str(&first.uri)
        .await
        .unwrap()
        .database(&first.name)
        .collection::<Document>("x")
        .insert_one(doc! {"a": 1})
        .await
        .unwrap();
    let app = service(&ext, |cfg| {
        cfg.route("/", web::get().to(both));
    })
    .await;
    let res = http::call_service(&app, http::TestRequest::get().uri("/").to_request()).await;
    let body: Value = http::read_body_json(res).await;
    assert_eq!(body, json!([first.name, second.name, true]));
    first.cleanup().await;
    second.cleanup().await;
}

#[actix_web::test]
async fn bad_client_options_name_the_key() {
    let error = AppBuilder::new(config(
        "[mongo]\nuri = \"mongodb://127.0.0.1:27017/x\"\nread_preference = \"fastest\"\n",
        &[],
    ))
    .register(Mongo::new())
    .init()
    .await
    .unwrap_err();
    assert!(error.to_string().contains("mongo.read_preference"), "{error}");
    let error = AppBuilder::new(config("[mongo]\nuri = \"postgres://nope\"\n", &[]))
        .register(Mongo::new())
        .init()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("mongo.uri"), "{error}");
    let error = AppBuilder::new(config("[mongo]\nuri = \"mongodb://h/x\"\npool = 3\n", &[]))
        .register(Mongo::new())
        .init()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("pool"), "{error}");
}

async fn find(db: MongoDb, id: web::Path<Oid>) -> Result<BsonJson<Document>, MongoError> {
    Ok(BsonJson(
        db.collection::<Document>("things")
            .find_one_or_404(doc! {"_id": id.get()})
            .await?,
    ))
}

#[actix_web::test]
async fn find_one_or_404_and_object_id_routes() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    let app = service(&ext, |cfg| {
        cfg.route("/things/{id}", web::get().to(find));
    })
    .await;
    let id = ObjectId::new();
    let url = format!("/things/{}", Oid::from(id));
    assert_eq!(
        url,
        format!("/things/{}", id.to_hex()),
        "URLs are built from lowercase hex"
    );

    let res = http::call_service(&app, http::TestRequest::get().uri(&url).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "not there yet");
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    mongo
        .db()
        .await
        .collection::<Document>("things")
        .insert_one(doc! {"_id": id, "name": "found"})
        .await
        .unwrap();
    let res = http::call_service(&app, http::TestRequest::get().uri(&url).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = http::read_body(res).await;
    assert_eq!(
        body,
        format!(r#"{{"_id": {{"$oid": "{}"}}, "name": "found"}}"#, id.to_hex())
    );
    let upper = format!("/things/{}", id.to_hex().to_uppercase());
    let res = http::call_service(&app, http::TestRequest::get().uri(&upper).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK, "hex is case-insensitive");
    for bad in [
        "/things/132",
        "/things/zzzzzzzzzzzzzzzzzzzzzzzz",
        "/things/5cf29abb5167a14c9e6e12c4aa",
    ] {
        let res = http::call_service(&app, http::TestRequest::get().uri(bad).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
    }
    mongo.cleanup().await;
}

async fn login(db: MongoDb, body: JsonDocument) -> Result<HttpResponse, MongoError> {
    let found = db.collection::<Document>("users").find_one(body.0).await?;
    Ok(HttpResponse::Ok().json(found.is_some()))
}

async fn search(db: MongoDb, query: QueryDocument) -> Result<HttpResponse, MongoError> {
    let found = db.collection::<Document>("users").find_one(query.0).await?;
    Ok(HttpResponse::Ok().json(found.is_some()))
}

async fn search_form(db: MongoDb, form: FormDocument) -> Result<HttpResponse, MongoError> {
    let found = db.collection::<Document>("users").find_one(form.0).await?;
    Ok(HttpResponse::Ok().json(found.is_some()))
}

/// Finding 18: query strings and forms are guarded as JSON bodies are.
#[actix_web::test]
async fn query_and_form_documents_refuse_operators_too() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    mongo
        .db()
        .await
        .collection::<Document>("users")
        .insert_one(doc! {"email": "ada@example.com"})
        .await
        .unwrap();
    let app = service(&ext, |cfg| {
        cfg.route("/search", web::get().to(search))
            .route("/search", web::post().to(search_form));
    })
    .await;
    let get = |query: &str| {
        http::TestRequest::get()
            .uri(&format!("/search?{query}"))
            .to_request()
    };
    let post = |form: &str| {
        http::TestRequest::post()
            .uri("/search")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(form.to_owned())
            .to_request()
    };
    let ok = "email=ada%40example.com";
    assert_eq!(
        http::read_body(http::call_service(&app, get(ok)).await).await,
        "true"
    );
    assert_eq!(
        http::read_body(http::call_service(&app, post(ok)).await).await,
        "true"
    );
    // The first value of a repeated key counts.
    let twice = "email=ada%40example.com&email=x";
    assert_eq!(
        http::read_body(http::call_service(&app, get(twice)).await).await,
        "true"
    );
    for (attack, key) in [
        ("%24where=1", "$where"),
        ("email=x&%24or=1", "$or"),
        ("profile.admin=true", "profile.admin"),
    ] {
        for res in [
            http::call_service(&app, get(attack)).await,
            http::call_service(&app, post(attack)).await,
        ] {
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{attack}");
            let body: Value = http::read_body_json(res).await;
            assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-document");
            assert!(body["detail"].as_str().unwrap().contains(key), "{body}");
        }
    }
    mongo.cleanup().await;
}

#[actix_web::test]
async fn the_injection_guard_refuses_operators_at_any_depth() {
    let mongo = TestMongo::new();
    let ext = ext_app(&mongo).await;
    mongo
        .db()
        .await
        .collection::<Document>("users")
        .insert_one(doc! {"email": "ada@example.com", "password": "x"})
        .await
        .unwrap();
    let app = service(&ext, |cfg| {
        cfg.route("/login", web::post().to(login));
    })
    .await;
    let post = |body: Value| {
        http::TestRequest::post()
            .uri("/login")
            .set_json(body)
            .to_request()
    };

    let res = http::call_service(&app, post(json!({"email": "ada@example.com", "password": "x"}))).await;
    assert_eq!(http::read_body(res).await, "true");
    let attacks = [
        (json!({"email": {"$ne": null}}), "email.$ne"),
        (json!({"$where": "1 == 1"}), "$where"),
        (
            json!({"email": "a", "profile": {"tags": [{"ok": 1}, {"$gt": ""}]}}),
            "profile.tags.1.$gt",
        ),
        (json!({"a.b": 1}), "a.b"),
        (json!({"list": [[{"x": {"$in": [1]}}]]}), "list.0.0.x.$in"),
    ];
    for (attack, path) in attacks {
        let res = http::call_service(&app, post(attack.clone())).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{attack}");
        let body: Value = http::read_body_json(res).await;
        assert_eq!(body["type"], "urn:actix-flask-ext:problem:invalid-document");
        assert!(body["detail"].as_str().unwrap().contains(path), "{body}");
    }
    let res = http::call_service(&app, post(json!([1, 2]))).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = http::call_service(
        &app,
        http::TestRequest::post()
            .uri("/login")
            .insert_header(("content-type", "application/json"))
            .set_payload("{not json")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Opting out, per call: operators and Extended JSON wrappers pass.
    let query = document_from_json(json!({"email": {"$ne": null}}), KeyPolicy::AllowOperators).unwrap();
    assert_eq!(query, doc! {"email": {"$ne": null}});
    let wrapped = document_from_json(
        json!({"_id": {"$oid": "5cf29abb5167a14c9e6e12c4"}}),
        KeyPolicy::AllowOperators,
    )
    .unwrap();
    assert!(wrapped.get_object_id("_id").is_ok());
    mongo.cleanup().await;
}

#[actix_web::test]
async fn a_uri_in_code_and_no_connection_at_start_up() {
    // Flask-PyMongo's connect=False: start-up does not wait for a server.
    // Port 1 refuses; the app starts at once and reports the server down.
    let ext = AppBuilder::new(config("[mongo]\nserver_selection_timeout_ms = 300\n", &[]))
        .register(Mongo::new().uri("mongodb://127.0.0.1:1/nowhere"))
        .init()
        .await
        .unwrap();
    let state = ext.registry().get::<MongoState>().unwrap();
    assert_eq!(
        state.db().unwrap().name(),
        "nowhere",
        "the URI set in code is used"
    );
    let app = service(&ext, |_| {}).await;
    let res = http::call_service(&app, http::TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = http::read_body_json(res).await;
    assert_eq!(body["checks"]["mongo"]["status"], "down", "{body}");
}

#[actix_web::test]
async fn declared_indexes_are_ensured_at_start_up_idempotently() {
    use mongodb::options::IndexOptions;
    use mongodb::IndexModel;

    let mongo = TestMongo::new();
    let index = || {
        IndexModel::builder()
            .keys(doc! {"email": 1})
            .options(
                IndexOptions::builder()
                    .unique(true)
                    .name("email_unique".to_owned())
                    .build(),
            )
            .build()
    };
    for _ in 0..2 {
        AppBuilder::new(config("", &[("MONGO_URI", &mongo.uri)]))
            .register(Mongo::new().index("users", index()))
            .init()
            .await
            .unwrap();
    }
    let users = mongo.db().await.collection::<Document>("users");
    let names = users.list_index_names().await.unwrap();
    assert!(names.contains(&"email_unique".to_owned()), "{names:?}");
    users.insert_one(doc! {"email": "a@example.com"}).await.unwrap();
    assert!(
        users.insert_one(doc! {"email": "a@example.com"}).await.is_err(),
        "the index is unique"
    );
    mongo.cleanup().await;
}
