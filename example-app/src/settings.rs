//! The example's own settings, loaded through ext-core like any extension's.

use ext_core::{Extension, ExtensionError, Setup};
use serde::{Deserialize, Serialize};

/// `[example]` in `app.toml`, or `EXAMPLE_*` variables.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct ExampleSettings {
    /// Shown at `/`.
    pub name: String,
    /// Where `main` listens.
    pub bind: String,
    /// How many worker threads `main` starts (0: one per core).
    pub workers: usize,
    /// Run the example's migrations at start-up (else: `example-app migrate`).
    pub migrate: bool,
    /// The longest note title, in characters (1 to 200: the column is
    /// `VARCHAR(200)`).
    pub note_title_max: usize,
    /// The longest note body, in bytes of UTF-8 (at most 65,535: the column
    /// is `TEXT`, which MariaDB caps there and would otherwise refuse or
    /// truncate).
    pub note_body_max: usize,
}

/// The `note.title` column's size, in characters.
pub const TITLE_COLUMN_CHARS: usize = 200;

/// The `note.body` column's size on MariaDB (`TEXT`), in bytes.
pub const BODY_COLUMN_BYTES: usize = 65_535;

impl Default for ExampleSettings {
    fn default() -> Self {
        Self {
            name: "Example".to_owned(),
            bind: "127.0.0.1:8080".to_owned(),
            workers: 0,
            migrate: true,
            note_title_max: TITLE_COLUMN_CHARS,
            note_body_max: BODY_COLUMN_BYTES,
        }
    }
}

/// Loads [`ExampleSettings`] at start-up, so that a bad value stops the app
/// with a message naming the key, as for every extension.
#[derive(Debug)]
pub(crate) struct ExampleExtension;

impl Extension for ExampleExtension {
    fn name(&self) -> &str {
        "example"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let settings: ExampleSettings = app.settings(&crate::section())?;
        if !(1..=TITLE_COLUMN_CHARS).contains(&settings.note_title_max) {
            return Err(ExtensionError::message(format!(
                "`example.note_title_max` must be 1 to {TITLE_COLUMN_CHARS} (the title column's size), not {}",
                settings.note_title_max
            )));
        }
        if settings.note_body_max > BODY_COLUMN_BYTES {
            return Err(ExtensionError::message(format!(
                "`example.note_body_max` must be at most {BODY_COLUMN_BYTES} bytes (the body column's size on MariaDB), not {}",
                settings.note_body_max
            )));
        }
        app.provide(settings);
        Ok(())
    }
}
