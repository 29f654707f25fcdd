//! Start-up errors of a CORS configuration.

use ext_core::ExtensionError;

/// A CORS configuration that cannot be used. Each names the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorsConfigError {
    /// A value of the wrong form.
    #[error("config key `{key}`: {message}")]
    Invalid {
        /// The key, such as `cors.origins`.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },

    /// Options that clash, such as credentials with `*`.
    #[error("config keys {keys}: {message}")]
    Clash {
        /// The keys involved, such as `cors.origins, cors.supports_credentials`.
        keys: String,
        /// Why they cannot go together, and what to do.
        message: String,
    },
}

impl CorsConfigError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }

    pub(crate) fn clash(keys: &[&str], message: impl Into<String>) -> Self {
        Self::Clash {
            keys: keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
            message: message.into(),
        }
    }

    pub(crate) fn invalid_pattern(key: &str, pattern: &str, error: &regex::Error) -> Self {
        let detail = error
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        Self::invalid(
            key,
            format!("{pattern:?} is not a valid regular expression: {detail}"),
        )
    }
}

impl From<CorsConfigError> for ExtensionError {
    fn from(error: CorsConfigError) -> Self {
        match error {
            CorsConfigError::Invalid { key, message } => ExtensionError::invalid_setting(key, message),
            clash @ CorsConfigError::Clash { .. } => ExtensionError::message(clash.to_string()),
        }
    }
}
