//! Layer precedence (defaults < file < environment < code), Flask key names,
//! and every configuration error message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::Write;

use ext_core::config::{AppSettings, ExposeSecret, SecretString};
use ext_core::{Config, ConfigError, Section};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(default)]
struct Mail {
    server: String,
    port: u16,
    use_tls: bool,
    sender: String,
    recipients: Vec<String>,
    binds: BTreeMap<String, String>,
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            server: "localhost".into(),
            port: 25,
            use_tls: false,
            sender: "noreply@localhost".into(),
            recipients: Vec::new(),
            binds: BTreeMap::new(),
        }
    }
}

const FILE: &str = r#"
MAIL_SENDER = "flask-style@example.com"

[mail]
server = "file.example.com"
port = 2525
"#;

fn config(file: Option<&str>, env: &[(&str, &str)]) -> Config {
    let builder = match file {
        Some(text) => Config::builder().toml_str(text),
        None => Config::builder().no_file(),
    };
    builder.env_vars(env.iter().copied()).build().unwrap()
}

fn mail(config: &Config, section: &Section) -> Mail {
    config.section(section).unwrap()
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    assert_eq!(mail(&config(None, &[]), &Section::new("mail")), Mail::default());
}

#[test]
fn the_file_beats_defaults_and_flask_style_top_level_keys_work() {
    let mail = mail(&config(Some(FILE), &[]), &Section::new("mail"));
    assert_eq!(mail.server, "file.example.com");
    assert_eq!(mail.port, 2525);
    assert_eq!(mail.sender, "flask-style@example.com");
    assert!(!mail.use_tls);
}

#[test]
fn the_section_table_beats_flask_style_top_level_keys() {
    let text = "MAIL_PORT = 1\n[mail]\nport = 2\n";
    assert_eq!(mail(&config(Some(text), &[]), &Section::new("mail")).port, 2);
}

#[test]
fn the_environment_beats_the_file() {
    let config = config(
        Some(FILE),
        &[
            ("MAIL_PORT", "587"),
            ("MAIL_USE_TLS", "true"),
            ("MAIL_RECIPIENTS", r#"["a@example.com", "b@example.com"]"#),
            ("MAIL_BINDS__REPLICA", "postgres://replica/db"),
            ("OTHER_PORT", "1"),
        ],
    );
    let mail = mail(&config, &Section::new("mail"));
    assert_eq!(mail.server, "file.example.com");
    assert_eq!(mail.port, 587);
    assert!(mail.use_tls);
    assert_eq!(mail.recipients, ["a@example.com", "b@example.com"]);
    assert_eq!(mail.binds["replica"], "postgres://replica/db");
}

#[test]
fn code_beats_the_environment() {
    let config = config(Some(FILE), &[("MAIL_PORT", "587")]);
    let section = Section::new("mail")
        .set("port", 465)
        .set("recipients", ["c@example.com"]);
    let mail = mail(&config, &section);
    assert_eq!(mail.port, 465);
    assert_eq!(mail.recipients, ["c@example.com"]);
    assert_eq!(mail.server, "file.example.com");
}

#[test]
fn numeric_looking_strings_stay_strings_where_strings_are_expected() {
    let mail = mail(&config(None, &[("MAIL_SERVER", "0123")]), &Section::new("mail"));
    assert_eq!(mail.server, "0123");
}

#[test]
fn an_env_alias_sits_below_the_prefixed_variable() {
    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Db {
        database_uri: Option<String>,
    }
    let section = Section::new("sqlalchemy").env_alias("DATABASE_URL", "database_uri");
    let alias_only = config(None, &[("DATABASE_URL", "postgres://a/db")]);
    let db: Db = alias_only.section(&section).unwrap();
    assert_eq!(db.database_uri.as_deref(), Some("postgres://a/db"));
    let both = config(
        None,
        &[
            ("SQLALCHEMY_DATABASE_URI", "postgres://b/db"),
            ("DATABASE_URL", "postgres://a/db"),
        ],
    );
    let db: Db = both.section(&section).unwrap();
    assert_eq!(db.database_uri.as_deref(), Some("postgres://b/db"));
}

#[test]
fn a_second_instance_reads_its_own_prefix() {
    let config = config(
        Some("[mail2]\nserver = 'second.example.com'\n"),
        &[("MAIL_PORT", "1"), ("MAIL2_PORT", "2")],
    );
    let second = mail(&config, &Section::new("mail2"));
    assert_eq!((second.server.as_str(), second.port), ("second.example.com", 2));
}

#[test]
fn a_wrong_type_in_the_environment_names_the_variable_and_the_form() {
    let error = config(None, &[("MAIL_PORT", "lots")])
        .section::<Mail>(&Section::new("mail"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "config key `mail.port` (environment variable MAIL_PORT): invalid type: found string \"lots\", expected u16"
    );
}

#[test]
fn a_wrong_type_in_the_file_names_the_file_and_the_table() {
    let error = config(Some("[mail]\nport = \"lots\"\n"), &[])
        .section::<Mail>(&Section::new("mail"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "config key `mail.port` (TOML file inline TOML, [mail]): invalid type: found string \"lots\", expected u16"
    );
}

#[test]
fn a_value_out_of_range_is_an_error() {
    let error = config(Some("[mail]\nport = 70000\n"), &[])
        .section::<Mail>(&Section::new("mail"))
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::InvalidValue { key, .. } if key == "mail.port"),
        "{error}"
    );
}

#[test]
fn a_wrong_type_in_code_says_so() {
    let section = Section::new("mail").set("use_tls", "maybe");
    let error = config(None, &[]).section::<Mail>(&section).unwrap_err();
    assert_eq!(
        error.to_string(),
        "config key `mail.use_tls` (set in code): invalid type: found string \"maybe\", expected a boolean"
    );
}

#[test]
fn unknown_keys_in_the_file_are_errors() {
    let error = config(Some("[mail]\nsevrer = 'typo.example.com'\n"), &[])
        .section::<Mail>(&Section::new("mail"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown config key `mail.sevrer` (TOML file inline TOML, [mail]); did you mean `server`?"
    );
    // A key like no other gets no guess.
    let error = config(Some("[mail]\nbanana = 1\n"), &[])
        .section::<Mail>(&Section::new("mail"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown config key `mail.banana` (TOML file inline TOML, [mail])"
    );
}

/// A key's older name is read as the key, in the file and the
/// environment; the key itself wins where a layer has both.
#[test]
fn key_aliases_read_older_names_in_every_layer() {
    let section = Section::new("mail").key_alias("old_port", "port");
    let from_file = config(Some("[mail]\nold_port = 2525\n"), &[]);
    assert_eq!(mail(&from_file, &section).port, 2525);
    let from_env = config(None, &[("MAIL_OLD_PORT", "2526")]);
    assert_eq!(mail(&from_env, &section).port, 2526);
    let both = config(Some("[mail]\nold_port = 1\nport = 2527\n"), &[]);
    assert_eq!(mail(&both, &section).port, 2527);
    // The origin of a bad value names the variable that was set.
    let error = config(None, &[("MAIL_OLD_PORT", "many")])
        .section::<Mail>(&section)
        .unwrap_err();
    assert!(
        error.to_string().contains("environment variable MAIL_OLD_PORT"),
        "{error}"
    );
}

#[test]
fn unknown_keys_in_code_are_errors() {
    let error = config(None, &[])
        .section::<Mail>(&Section::new("mail").set("prot", 1))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown config key `mail.prot` (set in code); did you mean `port`?"
    );
}

#[test]
fn unknown_keys_in_the_environment_are_only_warnings() {
    let mail = mail(
        &config(None, &[("MAIL_SEVRER", "x"), ("MAIL_PORT", "26")]),
        &Section::new("mail"),
    );
    assert_eq!(mail.port, 26);
}

#[test]
fn unused_file_sections_are_reported() {
    let config = config(Some("[mail]\nport = 1\n[cros]\norigins = '*'\n"), &[]);
    let _: Mail = config.section(&Section::new("mail")).unwrap();
    assert_eq!(config.unused_file_sections(), ["cros"]);
}

#[test]
fn invalid_toml_is_an_error_naming_the_file() {
    let error = Config::builder().toml_str("[mail\nport = 1").build().unwrap_err();
    assert!(matches!(error, ConfigError::FileSyntax { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("config file `inline TOML` is not valid TOML"),
        "{error}"
    );
}

#[test]
fn app_config_names_the_file_and_a_missing_one_is_an_error() {
    let dir = std::env::temp_dir().join(format!("ext-core-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("custom.toml");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"[mail]\nport = 2600\n")
        .unwrap();

    let config = Config::builder()
        .env_vars([("APP_CONFIG", path.to_str().unwrap())])
        .build()
        .unwrap();
    assert_eq!(config.file(), Some(path.as_path()));
    assert_eq!(mail(&config, &Section::new("mail")).port, 2600);
    // APP_CONFIG is a known key of [app], not a stray one.
    let app: AppSettings = config.section(&Section::new("app")).unwrap();
    assert_eq!(app.config.as_deref(), Some(path.as_path()));

    let missing = dir.join("missing.toml");
    let error = Config::builder()
        .env_vars([("APP_CONFIG", missing.to_str().unwrap())])
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "config file `{}` not found (named by APP_CONFIG)",
            missing.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    #[derive(Debug, Deserialize)]
    struct Smtp {
        password: SecretString,
    }
    let config = config(None, &[("SMTP_PASSWORD", "hunter2")]);
    let smtp: Smtp = config.section(&Section::new("smtp")).unwrap();
    assert_eq!(smtp.password.expose_secret(), "hunter2");
    assert!(!format!("{smtp:?}").contains("hunter2"), "{smtp:?}");
    assert!(!format!("{config:?}").contains("hunter2"), "{config:?}");
}

#[test]
fn a_section_set_in_code_shows_no_values_in_debug_output() {
    let section = Section::new("mongo").set("uri", "mongodb://app:hunter2@db/app");
    let shown = format!("{section:?}");
    assert!(shown.contains("uri"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
