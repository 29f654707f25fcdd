//! The `[session]` section, with Flask's (and Flask-Session's) key names.

use secrecy::SecretString;
use serde::Deserialize;

use crate::ExtensionError;

/// Session settings: `[session]` in the file, `SESSION_*` in the
/// environment (`SESSION_COOKIE_NAME`, `SESSION_COOKIE_SECURE`, …) and
/// `PERMANENT_SESSION_LIFETIME`, as in Flask.
///
/// Where Flask's default is unsafe, ours differs: `SameSite=Lax` (Flask:
/// unset), `Secure` on (Flask: off; turn it off only for plain-HTTP
/// development), and the cookie is named `__Host-session` when that prefix
/// can apply (Secure, `Path=/`, no `Domain`), so no subdomain can set it.
///
/// ```toml
/// [session]
/// cookie_secure = false          # plain-HTTP development only
/// permanent_lifetime = 43200     # seconds (PERMANENT_SESSION_LIFETIME)
/// type = "redis"                 # server-side (SESSION_TYPE); default "cookie"
/// redis_url = "redis://127.0.0.1:6379/"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// `SESSION_COOKIE_NAME`; default `__Host-session` where the prefix
    /// applies, else `session`.
    pub cookie_name: Option<String>,
    /// `SESSION_COOKIE_DOMAIN`; default none (host-only).
    pub cookie_domain: Option<String>,
    /// `SESSION_COOKIE_PATH`; default `/`.
    pub cookie_path: String,
    /// `SESSION_COOKIE_HTTPONLY`; default true.
    pub cookie_httponly: bool,
    /// `SESSION_COOKIE_SECURE`; default true.
    pub cookie_secure: bool,
    /// `SESSION_COOKIE_SAMESITE`: `Lax` (default), `Strict` or `None`
    /// (which needs `Secure`).
    pub cookie_samesite: SameSiteSetting,
    /// `SESSION_COOKIE_PARTITIONED` (CHIPS); needs `Secure`. Default false.
    pub cookie_partitioned: bool,
    /// `PERMANENT_SESSION_LIFETIME`, in seconds: the cookie's `Max-Age` for
    /// a permanent session, and for every session the age after which the
    /// server no longer accepts it. Default 31 days, as Flask.
    pub permanent_lifetime: u64,
    /// `SESSION_REFRESH_EACH_REQUEST`: re-send a permanent session's
    /// cookie (and extend its life) on every request. Default true.
    pub refresh_each_request: bool,
    /// `SESSION_TYPE` (Flask-Session's names): `cookie` (default),
    /// `redis`, `sqlalchemy`, `mongodb`.
    #[serde(rename = "type")]
    pub store: StoreKind,
    /// `SESSION_REDIS_URL`, for `type = "redis"`. A secret (it may hold a
    /// password).
    pub redis_url: Option<SecretString>,
    /// `SESSION_KEY_PREFIX`: prefix of the keys a server-side store uses.
    pub key_prefix: String,
    /// How long one store call may take before the request gets a 503.
    pub store_timeout_ms: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            cookie_name: None,
            cookie_domain: None,
            cookie_path: "/".to_owned(),
            cookie_httponly: true,
            cookie_secure: true,
            cookie_samesite: SameSiteSetting::Lax,
            cookie_partitioned: false,
            permanent_lifetime: 31 * 24 * 3600,
            refresh_each_request: true,
            store: StoreKind::Cookie,
            redis_url: None,
            key_prefix: "session:".to_owned(),
            store_timeout_ms: 2_000,
        }
    }
}

/// The cookie's `SameSite` attribute.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub enum SameSiteSetting {
    /// Sent on top-level navigations from other sites, not on their
    /// sub-requests or form posts.
    #[serde(alias = "lax", alias = "LAX")]
    Lax,
    /// Never sent from other sites.
    #[serde(alias = "strict", alias = "STRICT")]
    Strict,
    /// Sent everywhere (needs `Secure`).
    #[serde(alias = "none", alias = "NONE")]
    None,
}

/// Where session data lives.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StoreKind {
    /// In the signed cookie itself (Flask's default).
    Cookie,
    /// In Redis; the cookie holds only a signed random id.
    Redis,
    /// In the app's SQL database: the store ext-orm offers (its `sessions`
    /// feature), in the table `sessions`.
    Sqlalchemy,
    /// In MongoDB: the store ext-mongo offers (its `sessions` feature), in
    /// the collection `sessions`.
    Mongodb,
    /// In a store given in code with [`crate::session::Sessions::store`]
    /// (ext-orm's or ext-mongo's).
    Custom,
}

impl SessionSettings {
    /// The cookie name in effect.
    pub fn cookie_name(&self) -> &str {
        match &self.cookie_name {
            Some(name) => name,
            None if self.host_prefix_applies() => "__Host-session",
            None => "session",
        }
    }

    fn host_prefix_applies(&self) -> bool {
        self.cookie_secure && self.cookie_domain.is_none() && self.cookie_path == "/"
    }

    /// Clashing options fail start-up, naming the keys.
    pub(crate) fn validate(&self) -> Result<(), ExtensionError> {
        let name = self.cookie_name();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
        {
            return Err(ExtensionError::invalid_setting(
                "session.cookie_name",
                "a cookie name is one or more visible ASCII characters other than separators",
            ));
        }
        if name.starts_with("__Host-") && !self.host_prefix_applies() {
            return Err(ExtensionError::invalid_setting(
                "session.cookie_name",
                "a `__Host-` cookie needs cookie_secure = true, cookie_path = \"/\" and no cookie_domain",
            ));
        }
        if name.starts_with("__Secure-") && !self.cookie_secure {
            return Err(ExtensionError::invalid_setting(
                "session.cookie_name",
                "a `__Secure-` cookie needs cookie_secure = true",
            ));
        }
        if self.cookie_samesite == SameSiteSetting::None && !self.cookie_secure {
            return Err(ExtensionError::invalid_setting(
                "session.cookie_samesite",
                "SameSite=None needs cookie_secure = true (browsers drop it otherwise)",
            ));
        }
        if self.cookie_partitioned && !self.cookie_secure {
            return Err(ExtensionError::invalid_setting(
                "session.cookie_partitioned",
                "a partitioned cookie needs cookie_secure = true",
            ));
        }
        if self.permanent_lifetime == 0 {
            return Err(ExtensionError::invalid_setting(
                "session.permanent_lifetime",
                "must be at least one second",
            ));
        }
        if self.store == StoreKind::Redis && self.redis_url.is_none() {
            return Err(ExtensionError::invalid_setting(
                "session.redis_url",
                "type = \"redis\" needs redis_url (SESSION_REDIS_URL)",
            ));
        }
        Ok(())
    }
}
