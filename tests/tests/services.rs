//! The services that scripts/services.sh starts really answer, each in its
//! own protocol: the other end-to-end tests build on these.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mongodb::bson::doc;
use tests::services;

#[tokio::test]
async fn postgresql_answers() {
    let answer = services::postgres_handshake(&services::postgres_url()).await;
    assert!(answer == b'S' || answer == b'N');
}

#[tokio::test]
async fn mariadb_answers() {
    let version = services::mysql_greeting(&services::mysql_url()).await;
    assert!(
        version.contains("MariaDB") || version.starts_with(char::is_numeric),
        "{version}"
    );
}

#[tokio::test]
async fn mongodb_answers_and_keeps_a_document() {
    let client = mongodb::Client::with_uri_str(services::mongo_uri())
        .await
        .unwrap();
    let db = client.database("services_check");
    db.run_command(doc! {"ping": 1}).await.unwrap();
    let collection = db.collection::<mongodb::bson::Document>("things");
    let marker = format!("marker-{}", std::process::id());
    collection.insert_one(doc! {"marker": &marker}).await.unwrap();
    let found = collection.find_one(doc! {"marker": &marker}).await.unwrap();
    assert_eq!(found.unwrap().get_str("marker").unwrap(), marker);
    collection.delete_many(doc! {"marker": &marker}).await.unwrap();
}

#[tokio::test]
async fn smtp_sink_delivers_mail_that_tests_can_read() {
    let sink = services::smtp_sink();
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&sink.host)
        .port(sink.port)
        .build();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let marker = format!("services-check-{}-{nanos}", std::process::id());
    let message = Message::builder()
        .from("App <app@example.com>".parse().unwrap())
        .to("Ada <ada@example.com>".parse().unwrap())
        .subject("Confirm your email")
        .header(ContentType::TEXT_PLAIN)
        .body(format!("Follow this link: http://localhost/confirm/{marker}\n"))
        .unwrap();
    transport.send(message).await.unwrap();
    let mail = sink.wait_for(&marker, Duration::from_secs(10)).await;
    assert_eq!(mail.subject().as_deref(), Some("Confirm your email"));
    assert_eq!(mail.to().as_deref(), Some("ada@example.com"));
    let link = format!("http://localhost/confirm/{marker}");
    assert!(mail.text().unwrap().contains(&link), "{}", mail.raw);
    std::fs::remove_file(mail.path).unwrap();
}
