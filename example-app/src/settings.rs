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
}

impl Default for ExampleSettings {
    fn default() -> Self {
        Self {
            name: "Example".to_owned(),
            bind: "127.0.0.1:8080".to_owned(),
            workers: 0,
            migrate: true,
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
        app.provide(settings);
        Ok(())
    }
}
