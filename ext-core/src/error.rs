//! Start-up errors.

use crate::config::ConfigError;

/// The boxed cause of an [`ExtensionError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What an extension's `init_app` returns when it cannot start.
///
/// ```
/// use ext_core::ExtensionError;
///
/// let error = ExtensionError::invalid_setting("cors.origins", "`*` cannot be used with credentials");
/// assert_eq!(error.to_string(), "config key `cors.origins`: `*` cannot be used with credentials");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// The extension's configuration did not load.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// A setting loaded but its value cannot be used.
    #[error("config key `{key}`: {message}")]
    InvalidSetting {
        /// The full key, such as `cors.origins`.
        key: String,
        /// What is wrong with it.
        message: String,
    },

    /// Anything else: a connection that failed, an index that could not be made.
    #[error("{message}")]
    Failed {
        /// What failed, in words for the operator.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

impl ExtensionError {
    /// A setting whose value cannot be used.
    pub fn invalid_setting(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidSetting {
            key: key.into(),
            message: message.into(),
        }
    }

    /// Any other failure, with its cause.
    pub fn failed(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Failed {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// Any other failure, without a separate cause.
    pub fn message(message: impl Into<String>) -> Self {
        Self::Failed {
            message: message.into(),
            source: None,
        }
    }
}

/// Why [`crate::AppBuilder::init`] failed: which extension, and what went wrong.
///
/// Its message names the extension and, for configuration problems, the key:
/// `extension `cors` failed to start: config key `cors.max_age` (environment
/// variable CORS_MAX_AGE): invalid type: found string "soon", expected u64`.
#[derive(Debug, thiserror::Error)]
#[error("extension `{extension}` failed to start: {source}")]
pub struct InitError {
    extension: String,
    #[source]
    source: ExtensionError,
}

impl InitError {
    /// An error of start-up work named `extension`; apps use it for their
    /// own steps after `init` (running migrations, say).
    pub fn new(extension: impl Into<String>, source: ExtensionError) -> Self {
        Self {
            extension: extension.into(),
            source,
        }
    }

    /// The name of the extension that failed (`app` for the app's own settings).
    pub fn extension(&self) -> &str {
        &self.extension
    }

    /// What went wrong.
    pub fn kind(&self) -> &ExtensionError {
        &self.source
    }
}
