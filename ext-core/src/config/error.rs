//! Configuration errors.

use std::path::PathBuf;

/// An error while loading configuration.
///
/// Every variant names the key or file at fault and, for values, where the
/// value came from (the TOML file, an environment variable, or code), so that
/// a start-up failure says exactly what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file named by `APP_CONFIG` (or given in code) does not exist.
    #[error("config file `{}` not found ({origin})", path.display())]
    FileNotFound {
        /// The path that was looked for.
        path: PathBuf,
        /// Why this path was read, e.g. "named by APP_CONFIG".
        origin: String,
    },

    /// The configuration file is not valid TOML.
    #[error("config file `{}` is not valid TOML: {message}", path.display())]
    FileSyntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },

    /// A value has the wrong type or form.
    #[error("config key `{key}` ({origin}): {message}")]
    InvalidValue {
        /// The full key, such as `cors.max_age`.
        key: String,
        /// Where the value came from, such as `environment variable CORS_MAX_AGE`.
        origin: String,
        /// What is wrong and the form expected.
        message: String,
    },

    /// A key that no setting of this section uses.
    #[error("unknown config key `{key}` ({origin}){}", did_you_mean(suggestion))]
    UnknownKey {
        /// The full key, such as `cors.orgins`.
        key: String,
        /// Where the key came from.
        origin: String,
        /// The section's key closest to it, when one is close
        /// (`origins`).
        suggestion: Option<String>,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(key) => format!("; did you mean `{key}`?"),
        None => String::new(),
    }
}
