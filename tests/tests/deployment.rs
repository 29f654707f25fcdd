//! The deployment files a Docker user runs (issue 10, finding 21): every
//! published port is bound to loopback, the example app's image runs as an
//! unprivileged user, and the database passwords come from the environment.
//! `.ci/run` also validates docker-compose.yml with `docker-compose config`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The entries of every `ports:` list in the compose file.
fn published_ports(compose: &str) -> Vec<String> {
    let mut ports = Vec::new();
    let mut in_ports = false;
    for line in compose.lines() {
        let trimmed = line.trim();
        if trimmed == "ports:" {
            in_ports = true;
        } else if in_ports && trimmed.starts_with("- ") {
            ports.push(
                trimmed
                    .trim_start_matches("- ")
                    .split('#')
                    .next()
                    .unwrap()
                    .trim()
                    .trim_matches('"')
                    .to_owned(),
            );
        } else if !trimmed.is_empty() {
            in_ports = false;
        }
    }
    ports
}

#[test]
fn every_published_port_is_bound_to_loopback() {
    let ports = published_ports(&read("docker-compose.yml"));
    assert!(ports.len() >= 5, "{ports:?}");
    for port in ports {
        assert!(
            port.starts_with("127.0.0.1:"),
            "{port} is published on every interface"
        );
    }
}

#[test]
fn database_passwords_come_from_the_environment() {
    let compose = read("docker-compose.yml");
    for needed in [
        "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-",
        "MONGO_INITDB_ROOT_PASSWORD: ${MONGO_PASSWORD:-",
        "postgres://postgres:${POSTGRES_PASSWORD:-",
        "mongodb://root:${MONGO_PASSWORD:-",
    ] {
        assert!(compose.contains(needed), "{needed} missing");
    }
}

#[test]
fn the_example_image_runs_as_an_unprivileged_user() {
    let dockerfile = read("example-app/Dockerfile");
    let runtime = dockerfile.rsplit("FROM ").next().unwrap();
    let user = runtime
        .lines()
        .filter_map(|line| line.trim().strip_prefix("USER "))
        .next_back()
        .expect("a USER line in the runtime stage");
    assert!(!matches!(user.trim(), "root" | "0"), "runs as {user}");
    let cmd = runtime.find("CMD").expect("a CMD");
    assert!(runtime.find("USER ").unwrap() < cmd, "USER comes before CMD");
}
