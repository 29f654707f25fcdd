//! The real binary: starts on its embedded defaults, serves, reports a bad
//! setting, and stops gracefully on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::Duration;

use common::{listening_address, start, wait_exit};

#[actix_web::test]
async fn serves_on_embedded_defaults_and_stops_on_sigterm() {
    let mut child = start(&[]).spawn().unwrap();
    let address = listening_address(&mut child);
    let client = awc::Client::default();

    let mut res = client.get(format!("http://{address}/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["name"], "Example");

    let mut res = client
        .get(format!("http://{address}/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["title"], "Not Found");

    let mut res = client
        .get(format!("http://{address}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["sqlalchemy"]["status"], "up");
    assert_eq!(body["checks"]["mongo"]["status"], "not_configured");

    // Notes in the embedded SQLite database; attachments need MongoDB.
    let mut res = client
        .get(format!("http://{address}/notes"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["items"].is_array(), "{body}");
    let res = client
        .get(format!("http://{address}/notes/1/attachments/a.txt"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = wait_exit(&mut child, Duration::from_secs(40));
    assert!(status.success(), "{status}");
}

#[test]
fn a_bad_setting_stops_start_up_with_a_message_naming_the_key() {
    let output = start(&[("EXAMPLE_WORKERS", "many")]).output().unwrap();
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        log.contains("config key `example.workers` (environment variable EXAMPLE_WORKERS)"),
        "{log}"
    );
}

#[test]
fn the_migrate_command_applies_migrations_and_exits() {
    let dir = std::env::temp_dir().join(format!("example-app-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let output = start(&[("EXAMPLE_MIGRATE", "false")])
        .current_dir(&dir)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("migrations applied"), "{log}");
    assert!(!log.contains("listening"), "it exits instead of serving: {log}");
    let database = dir.join("instance/example.db");
    let bytes = std::fs::read(&database).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("CREATE TABLE") && text.contains("note"),
        "the note table exists"
    );
    assert!(text.contains("seaql_migrations"), "the migration is recorded");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_user_command_administers_accounts_with_a_kept_secret_key() {
    let dir = std::env::temp_dir().join(format!("example-app-user-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let output = start(&[("EXAMPLE_USER_PASSWORD", "a long admin passphrase")])
            .env_remove("SECRET_KEY")
            .current_dir(&dir)
            .arg("user")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (ok, log) = run(&[
        "create",
        "--email",
        "root@example.com",
        "--username",
        "root",
        "--role",
        "admin",
    ]);
    assert!(ok, "{log}");
    assert!(log.contains("created user"), "{log}");
    assert!(!log.contains("a long admin passphrase"), "{log}");
    let key_path = dir.join("instance/secret_key");
    let key = std::fs::read_to_string(&key_path).unwrap();
    assert_eq!(key.len(), 128);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (ok, log) = run(&["add-role", "root@example.com", "ops"]);
    assert!(ok, "{log}");
    assert_eq!(
        std::fs::read_to_string(&key_path).unwrap(),
        key,
        "the key is kept"
    );
    let (ok, log) = run(&["add-role", "nobody", "ops"]);
    assert!(!ok, "{log}");
    assert!(log.contains("no such user"), "{log}");
    std::fs::remove_dir_all(dir).unwrap();
}
