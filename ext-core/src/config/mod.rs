//! Layered configuration: Flask's `app.config` for actix-web.
//!
//! Values come from four layers, each overriding the one before:
//!
//! 1. built-in defaults (`#[serde(default)]` on the settings struct),
//! 2. a TOML file: `app.toml` in the working directory, or the file named by
//!    the `APP_CONFIG` environment variable,
//! 3. environment variables,
//! 4. options set in code (as Flask's constructor arguments beat `app.config`).
//!
//! Each extension owns a [`Section`]: a TOML table (`[cors]`) and an
//! environment prefix (`CORS_`), so Flask's key names work unchanged:
//! `CORS_ORIGINS` in the environment, `origins` under `[cors]`, or
//! `CORS_ORIGINS` at the top level of the file as in a Flask config file.
//! A double underscore in a variable name nests: `SQLALCHEMY_BINDS__REPLICA`
//! sets `binds.replica`.
//!
//! Unknown keys in the file or in code are errors; unknown keys in the
//! environment are logged as warnings, since the environment holds variables
//! that belong to other programs.
//!
//! # Example
//!
//! ```
//! use ext_core::config::{Config, Section};
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize, Default)]
//! #[serde(default)]
//! struct Greeting {
//!     text: String,
//!     repeat: u32,
//! }
//!
//! let config = Config::builder()
//!     .toml_str("[greeting]\ntext = 'hello'\nrepeat = 1")
//!     .env_vars([("GREETING_REPEAT", "2")])
//!     .build()
//!     .unwrap();
//! let greeting: Greeting = config.section(&Section::new("greeting")).unwrap();
//! assert_eq!((greeting.text.as_str(), greeting.repeat), ("hello", 2));
//!
//! // Code beats both.
//! let section = Section::new("greeting").set("repeat", 3);
//! let greeting: Greeting = config.section(&section).unwrap();
//! assert_eq!(greeting.repeat, 3);
//! ```

mod error;
mod layer;
mod settings;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Value};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use self::error::ConfigError;
use self::layer::{Layer, Origin};
pub use self::settings::AppSettings;
pub use secrecy::{ExposeSecret, SecretString};

/// The environment variable that names the configuration file.
pub const CONFIG_ENV_VAR: &str = "APP_CONFIG";

/// The configuration file read when `APP_CONFIG` is not set, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "app.toml";

/// The loaded configuration: the file and the environment, read once.
///
/// Cheap to clone. Sections are extracted on demand with [`Config::section`].
#[derive(Clone)]
pub struct Config {
    inner: Arc<ConfigInner>,
}

struct ConfigInner {
    file: Option<ConfigFile>,
    env: Vec<(String, String)>,
    used_sections: Mutex<BTreeSet<String>>,
}

struct ConfigFile {
    /// Shown in messages: the path, or `inline TOML`.
    name: PathBuf,
    root: Dict,
}

impl fmt::Debug for Config {
    // Values may hold secrets: show only where configuration came from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("file", &self.inner.file.as_ref().map(|file| &file.name))
            .field("env_vars", &self.inner.env.len())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Loads configuration from the process environment and `APP_CONFIG` or
    /// `./app.toml`.
    ///
    /// A missing `app.toml` is fine; a missing file named by `APP_CONFIG` is
    /// an error.
    pub fn load() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// A builder, for tests and for apps that read their files elsewhere.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// An empty configuration: defaults and code only.
    pub fn empty() -> Self {
        Self::from_parts(None, Vec::new())
    }

    fn from_parts(file: Option<ConfigFile>, env: Vec<(String, String)>) -> Self {
        Self {
            inner: Arc::new(ConfigInner {
                file,
                env,
                used_sections: Mutex::new(BTreeSet::new()),
            }),
        }
    }

    /// The path of the configuration file that was read, if any.
    pub fn file(&self) -> Option<&Path> {
        self.inner.file.as_ref().map(|file| file.name.as_path())
    }

    /// Extracts a section's typed settings from all layers.
    ///
    /// Errors name the full key, where its value came from and what was
    /// expected; unknown keys in the file or code are errors too.
    pub fn section<T: DeserializeOwned>(&self, section: &Section) -> Result<T, ConfigError> {
        if let Ok(mut used) = self.inner.used_sections.lock() {
            used.insert(section.name.clone());
        }
        if let Some((key, message)) = section.unrepresentable.first() {
            return Err(ConfigError::InvalidValue {
                key: format!("{}.{key}", section.name),
                origin: "set in code".to_owned(),
                message: message.clone(),
            });
        }
        let layers = self.layers(section);
        let figment = layers
            .iter()
            .fold(Figment::new(), |figment, layer| figment.merge(layer.clone()));
        let settings = figment
            .extract_lossy::<T>()
            .map_err(|error| layer::invalid_value(&section.name, &layers, error))?;
        for layer in &layers {
            for key in layer.unknown_keys::<T>() {
                let key = format!("{}.{key}", section.name);
                let origin = layer.origin_of(&key);
                if layer.origin() == Origin::Environment {
                    tracing::warn!(%key, %origin, "unknown config key ignored");
                } else {
                    let local = key.split_once('.').map_or(key.as_str(), |(_, rest)| rest);
                    let suggestion = layer::closest_field::<T>(local);
                    return Err(ConfigError::UnknownKey {
                        key,
                        origin,
                        suggestion,
                    });
                }
            }
        }
        Ok(settings)
    }

    fn layers(&self, section: &Section) -> Vec<Layer> {
        let mut layers = Vec::with_capacity(3);
        if let Some(file) = &self.inner.file {
            layers.push(Layer::file(&file.name, &section.name, file_values(file, section)));
        }
        layers.push(Layer::environment(section, &self.inner.env));
        if !section.overrides.is_empty() {
            layers.push(Layer::code(section.overrides.clone()));
        }
        for layer in &mut layers {
            layer.rename(&section.key_aliases);
        }
        layers
    }

    /// The file's values without anything that may be a secret (keys
    /// naming a secret, password, key, token, credential, URI, URL or DSN):
    /// what templates see as `config`. Values from the environment are not
    /// included.
    #[cfg(feature = "templates")]
    pub(crate) fn public_values(&self) -> minijinja::Value {
        fn scrub(dict: &Dict) -> Dict {
            const SECRET_WORDS: &[&str] = &[
                "secret",
                "password",
                "passwd",
                "key",
                "token",
                "credential",
                "uri",
                "url",
                "dsn",
            ];
            dict.iter()
                .filter(|(name, _)| {
                    let name = name.to_ascii_lowercase();
                    !SECRET_WORDS.iter().any(|word| name.contains(word))
                })
                .map(|(name, value)| {
                    let value = match value {
                        Value::Dict(tag, inner) => Value::Dict(*tag, scrub(inner)),
                        other => other.clone(),
                    };
                    (name.clone(), value)
                })
                .collect()
        }
        match &self.inner.file {
            Some(file) => minijinja::Value::from(minijinja::value::Serde(scrub(&file.root))),
            None => minijinja::Value::from(minijinja::value::Serde(Dict::new())),
        }
    }

    /// Top-level tables of the file that no extracted section used.
    ///
    /// The app builder logs these after start-up, as a typo such as `[cros]`
    /// would otherwise be silently ignored.
    pub fn unused_file_sections(&self) -> Vec<String> {
        let Some(file) = &self.inner.file else {
            return Vec::new();
        };
        let used = match self.inner.used_sections.lock() {
            Ok(used) => used.clone(),
            Err(_) => return Vec::new(),
        };
        // A Flask-style top-level key (`USER_PASSLIB_CRYPTCONTEXT_KEYWORDS =
        // {}`) whose value is a table belongs to the section of its prefix.
        let flask_style = |key: &str| {
            used.iter()
                .any(|section| key.starts_with(&format!("{}_", section.to_ascii_uppercase())))
        };
        file.root
            .iter()
            .filter(|(key, value)| {
                matches!(value, Value::Dict(..)) && !used.contains(*key) && !flask_style(key)
            })
            .map(|(key, _)| key.clone())
            .collect()
    }
}

/// A section's values in the file: Flask-style top-level keys
/// (`CORS_ORIGINS = ...`) overridden by the section's table (`[cors]`).
fn file_values(file: &ConfigFile, section: &Section) -> Dict {
    let mut values = Dict::new();
    for (key, value) in &file.root {
        if let Some(rest) = key.strip_prefix(&section.env_prefix) {
            if !rest.is_empty() {
                values.insert(rest.to_ascii_lowercase(), value.clone());
            }
        }
    }
    if let Some(Value::Dict(_, table)) = file.root.get(&section.name) {
        for (key, value) in table {
            values.insert(key.clone(), value.clone());
        }
    }
    values
}

/// Where [`Config::builder`] reads the file from.
#[derive(Debug, Default)]
enum FileSource {
    /// `APP_CONFIG` or `./app.toml`.
    #[default]
    Discover,
    Path(PathBuf),
    Inline(String),
    None,
}

/// Builds a [`Config`] from an explicit file and environment.
#[derive(Debug, Default)]
pub struct ConfigBuilder {
    file: FileSource,
    env: Option<Vec<(String, String)>>,
}

impl ConfigBuilder {
    /// Reads this TOML file (it must exist) instead of `APP_CONFIG` / `app.toml`.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = FileSource::Path(path.into());
        self
    }

    /// Uses this TOML text as the file.
    pub fn toml_str(mut self, text: impl Into<String>) -> Self {
        self.file = FileSource::Inline(text.into());
        self
    }

    /// Reads no file at all.
    pub fn no_file(mut self) -> Self {
        self.file = FileSource::None;
        self
    }

    /// Uses these variables instead of the process environment.
    pub fn env_vars<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.env = Some(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        self
    }

    /// Reads the file and collects the environment.
    pub fn build(self) -> Result<Config, ConfigError> {
        let env = self.env.unwrap_or_else(|| std::env::vars().collect());
        let file = match self.file {
            FileSource::None => None,
            FileSource::Inline(text) => Some(ConfigFile {
                name: PathBuf::from("inline TOML"),
                root: parse_toml(Figment::from(Toml::string(&text)), Path::new("inline TOML"))?,
            }),
            FileSource::Path(path) => Some(read_file(path, "given in code")?),
            FileSource::Discover => {
                let named = env.iter().find(|(key, _)| key == CONFIG_ENV_VAR);
                match named {
                    Some((_, path)) => Some(read_file(PathBuf::from(path), "named by APP_CONFIG")?),
                    None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                        Some(read_file(PathBuf::from(DEFAULT_CONFIG_FILE), "default")?)
                    }
                    None => None,
                }
            }
        };
        Ok(Config::from_parts(file, env))
    }
}

fn read_file(path: PathBuf, origin: &str) -> Result<ConfigFile, ConfigError> {
    if !path.is_file() {
        return Err(ConfigError::FileNotFound {
            path,
            origin: origin.to_owned(),
        });
    }
    let root = parse_toml(Figment::from(Toml::file_exact(&path)), &path)?;
    Ok(ConfigFile { name: path, root })
}

fn parse_toml(figment: Figment, path: &Path) -> Result<Dict, ConfigError> {
    figment
        .extract::<Dict>()
        .map_err(|error| ConfigError::FileSyntax {
            path: path.to_owned(),
            message: error.kind.to_string(),
        })
}

/// One extension's part of the configuration: its TOML table, its
/// environment prefix, and the options its code sets.
///
/// ```
/// use ext_core::config::Section;
///
/// let section = Section::new("sqlalchemy")
///     .env_alias("DATABASE_URL", "database_uri")
///     .set("echo", true);
/// assert_eq!(section.name(), "sqlalchemy");
/// assert_eq!(section.env_prefix(), "SQLALCHEMY_");
/// ```
#[derive(Clone)]
pub struct Section {
    name: String,
    env_prefix: String,
    env_aliases: Vec<(String, String)>,
    key_aliases: Vec<(String, String)>,
    overrides: Dict,
    unrepresentable: Vec<(String, String)>,
}

impl fmt::Debug for Section {
    // Options set in code may be secrets (a URI with its password): show
    // their keys, never their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("env_prefix", &self.env_prefix)
            .field("env_aliases", &self.env_aliases)
            .field("key_aliases", &self.key_aliases)
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Section {
    /// A section named `name` (the TOML table) with the environment prefix
    /// `NAME_` in upper case.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        let env_prefix = format!("{}_", name.to_ascii_uppercase());
        Self {
            name,
            env_prefix,
            env_aliases: Vec::new(),
            key_aliases: Vec::new(),
            overrides: Dict::new(),
            unrepresentable: Vec::new(),
        }
    }

    /// Uses another environment prefix, e.g. `MONGO2_` for a second instance.
    pub fn with_env_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.env_prefix = prefix.into();
        self
    }

    /// Reads the environment variable `var` as the key `key` of this section,
    /// below any variable with the section's own prefix (e.g. `DATABASE_URL`
    /// for `database_uri`, under `SQLALCHEMY_DATABASE_URI`).
    pub fn env_alias(mut self, var: impl Into<String>, key: impl Into<String>) -> Self {
        self.env_aliases.push((var.into(), key.into()));
        self
    }

    /// Reads the key `alias` as `key`, in the file and the environment
    /// alike (a setting's older or Flask-style name: `user_session_expiration`
    /// for `idle_timeout_secs`). Where a layer has both, `key` wins.
    ///
    /// ```
    /// use ext_core::config::{Config, Section};
    ///
    /// #[derive(serde::Deserialize, Default)]
    /// #[serde(default)]
    /// struct Limits {
    ///     idle_secs: u32,
    /// }
    ///
    /// let section = Section::new("user").key_alias("session_expiration", "idle_secs");
    /// for config in [
    ///     Config::builder().no_file().env_vars([("USER_SESSION_EXPIRATION", "600")]),
    ///     Config::builder().toml_str("[user]\nsession_expiration = 600").env_vars([("X", "")]),
    /// ] {
    ///     let limits: Limits = config.build().unwrap().section(&section).unwrap();
    ///     assert_eq!(limits.idle_secs, 600);
    /// }
    /// ```
    pub fn key_alias(mut self, alias: impl Into<String>, key: impl Into<String>) -> Self {
        self.key_aliases.push((alias.into(), key.into()));
        self
    }

    /// Sets an option in code; code beats the file and the environment.
    ///
    /// A value that cannot be represented (a map with non-string keys) is
    /// reported when the section is extracted, not here.
    pub fn set(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        let key = key.into();
        match Value::serialize(value) {
            Ok(value) => {
                self.overrides.insert(key, value);
            }
            Err(error) => self.unrepresentable.push((key, error.kind.to_string())),
        }
        self
    }

    /// The options set in code so far.
    pub fn overrides(&self) -> &Dict {
        &self.overrides
    }

    /// The TOML table name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The environment prefix, such as `CORS_`.
    pub fn env_prefix(&self) -> &str {
        &self.env_prefix
    }
}
