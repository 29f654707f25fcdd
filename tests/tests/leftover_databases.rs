//! `scripts/drop-leftover-databases.sh` (run by `scripts/services.sh`)
//! drops the scratch databases of test processes that are gone and leaves
//! a running process's alone (issue 10, finding 20: it used to drop every
//! `extorm_%` database with FORCE, a concurrent run's included).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use sea_orm::{ConnectionTrait, Database};
use tests::services::{mysql_url, postgres_url};

/// A process id that was just used and has ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

async fn names(url: &str, list: &str) -> Vec<String> {
    let conn = Database::connect(url).await.unwrap();
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            list.to_owned(),
        ))
        .await
        .unwrap();
    let names = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    let _ = conn.close().await;
    names
}

async fn execute(url: &str, sql: &str) {
    let conn = Database::connect(url).await.unwrap();
    conn.execute_unprepared(sql).await.unwrap();
    let _ = conn.close().await;
}

#[actix_rt::test]
async fn only_databases_of_processes_that_are_gone_are_dropped() {
    let (pg, my) = (postgres_url(), mysql_url());
    let alive = format!("extorm_{}_9990_1", std::process::id());
    let dead = format!("extorm_{}_9990_2", dead_pid());
    for name in [&alive, &dead] {
        execute(&pg, &format!("CREATE DATABASE \"{name}\"")).await;
        execute(&my, &format!("CREATE DATABASE `{name}`")).await;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/drop-leftover-databases.sh");
    let output = Command::new("bash")
        .arg(script)
        .env("DATABASE_URL", &pg)
        .env("MYSQL_URL", &my)
        .output()
        .unwrap();
    let printed =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{printed}");
    assert!(!printed.contains("://"), "no URL is printed: {printed}");

    let pg_names = names(
        &pg,
        "select datname from pg_database where datname like 'extorm\\_%'",
    )
    .await;
    let my_names = names(&my, "show databases like 'extorm\\_%'").await;
    for (server, found) in [("PostgreSQL", &pg_names), ("MariaDB", &my_names)] {
        assert!(
            found.contains(&alive),
            "{server}: a running process's database was dropped"
        );
        assert!(
            !found.contains(&dead),
            "{server}: the dead process's database is still there"
        );
    }
    execute(&pg, &format!("DROP DATABASE \"{alive}\" WITH (FORCE)")).await;
    execute(&my, &format!("DROP DATABASE `{alive}`")).await;
}
