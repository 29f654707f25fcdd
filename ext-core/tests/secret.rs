//! The app's secret: Flask's names, refused when weak (naming the key),
//! rotated with fallbacks, one derived key per purpose, never printed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ext_core::{AppBuilder, Config, Extension, ExtensionError, SecretKeys, Setup};

const GOOD: &str = "k7Qw9vX2mL4pR8sT1uY6zA3bC5dE0fGh";
const OLD: &str = "an older secret that is also long enough";

/// An extension that signs something, so it needs the secret.
struct Signer;

impl Extension for Signer {
    fn name(&self) -> &str {
        "signer"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let keys = app.secret_keys()?;
        app.provide(keys);
        Ok(())
    }
}

async fn start(env: &[(&str, &str)]) -> Result<ext_core::ExtApp, ext_core::InitError> {
    let config = Config::builder()
        .no_file()
        .env_vars(env.iter().copied())
        .build()
        .unwrap();
    AppBuilder::new(config).register(Signer).init().await
}

#[actix_rt::test]
async fn flask_names_are_read_and_weak_secrets_refused_naming_the_key() {
    let app = start(&[("SECRET_KEY", GOOD)]).await.unwrap();
    assert!(app.registry().get::<SecretKeys>().is_some());
    // The prefixed form works too.
    start(&[("APP_SECRET_KEY", GOOD)]).await.unwrap();

    let cases = [
        (vec![], "config key `app.secret_key`: no secret key is set"),
        (
            vec![("SECRET_KEY", "dev")],
            "config key `app.secret_key`: the secret key is a well-known placeholder",
        ),
        (
            vec![("SECRET_KEY", "short but not a placeholder")],
            "config key `app.secret_key`: the secret key is 27 bytes long; it must be at least 32",
        ),
        (
            vec![("SECRET_KEY", "super-secret-key-change-me-in-production")],
            "config key `app.secret_key`: the secret key is a well-known placeholder",
        ),
        (
            vec![("SECRET_KEY", GOOD), ("SECRET_KEY_FALLBACKS", "[\"changeme\"]")],
            "config key `app.secret_key_fallbacks[0]`: the secret key is a well-known placeholder",
        ),
    ];
    for (env, expected) in cases {
        let error = start(&env).await.unwrap_err().to_string();
        assert!(error.contains(expected), "{env:?}: {error}");
        for (_, value) in &env {
            assert!(!error.contains(value), "the secret is not in the error: {error}");
        }
    }
}

#[actix_rt::test]
async fn an_app_that_signs_nothing_needs_no_secret() {
    AppBuilder::new(Config::empty()).init().await.unwrap();
}

#[test]
fn fallbacks_verify_old_tags_and_new_tags_use_the_current_secret() {
    let before = SecretKeys::new(OLD, &[]).unwrap().derive("session");
    let old_tag = before.sign(b"data");

    let rotated = SecretKeys::new(GOOD, &[OLD]).unwrap().derive("session");
    assert!(rotated.verify(b"data", &old_tag), "a fallback still verifies");
    let new_tag = rotated.sign(b"data");
    assert_ne!(new_tag, old_tag, "signing uses the current secret");
    assert!(!before.verify(b"data", &new_tag));

    let dropped = SecretKeys::new(GOOD, &[]).unwrap().derive("session");
    assert!(
        !dropped.verify(b"data", &old_tag),
        "without the fallback the old tag fails"
    );
    assert!(dropped.verify(b"data", &new_tag));
    assert!(!dropped.verify(b"datA", &new_tag));
    assert!(!dropped.verify(b"data", &new_tag[..31]));
}

#[test]
fn each_purpose_has_its_own_key() {
    let keys = SecretKeys::new(GOOD, &[]).unwrap();
    let purposes = ["session", "csrf", "reset-password", "confirm-email"];
    for a in purposes {
        for b in purposes {
            let tag = keys.derive(a).sign(b"payload");
            assert_eq!(
                keys.derive(b).verify(b"payload", &tag),
                a == b,
                "{a} tag under {b}"
            );
        }
    }
}

#[actix_rt::test]
async fn secrets_never_appear_in_debug_output() {
    let app = start(&[
        ("SECRET_KEY", GOOD),
        ("SECRET_KEY_FALLBACKS", &format!("[\"{OLD}\"]")),
    ])
    .await
    .unwrap();
    let keys = app.registry().get::<SecretKeys>().unwrap();
    let shown = [
        format!("{:?}", app.settings()),
        format!("{keys:?}"),
        format!("{:?}", keys.derive("session")),
        format!("{app:?}"),
    ];
    for text in shown {
        assert!(!text.contains(GOOD) && !text.contains(OLD), "{text}");
    }
}
