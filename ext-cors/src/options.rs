//! Flask-Cors's thirteen options, with its names, accepted forms and
//! defaults, plus ext-cors's own switches.
//!
//! Every field is optional so that layers can be merged as Flask-Cors does:
//! built-in defaults < app configuration (`[cors]`, `CORS_*`) < options set
//! in code < per-resource options.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A string or a list of strings, as Flask-Cors accepts for `origins`,
/// `methods`, `allow_headers` and `expose_headers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value: `origins = "https://a.example"`.
    One(String),
    /// Several: `origins = ["https://a.example", "https://b.example"]`.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values, one or many.
    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(value) => vec![value.as_str()],
            OneOrMany::Many(values) => values.iter().map(String::as_str).collect(),
        }
    }
}

impl From<&str> for OneOrMany {
    fn from(value: &str) -> Self {
        OneOrMany::One(value.to_owned())
    }
}

impl From<String> for OneOrMany {
    fn from(value: String) -> Self {
        OneOrMany::One(value)
    }
}

impl<S: Into<String>> From<Vec<S>> for OneOrMany {
    fn from(values: Vec<S>) -> Self {
        OneOrMany::Many(values.into_iter().map(Into::into).collect())
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for OneOrMany {
    fn from(values: [S; N]) -> Self {
        OneOrMany::Many(values.into_iter().map(Into::into).collect())
    }
}

/// `max_age`: whole seconds, or a string: seconds (`"600"`) or a duration
/// (`"10m"`, `"1h 30m"`), as Flask-Cors takes an int, a string or a
/// `timedelta`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxAge {
    /// Seconds.
    Seconds(u64),
    /// Seconds or a human duration, as text.
    Text(String),
}

impl MaxAge {
    /// The value in whole seconds, or why it is not one.
    pub fn seconds(&self) -> Result<u64, String> {
        match self {
            MaxAge::Seconds(seconds) => Ok(*seconds),
            MaxAge::Text(text) => {
                let text = text.trim();
                if let Ok(seconds) = text.parse::<u64>() {
                    return Ok(seconds);
                }
                humantime::parse_duration(text)
                    .map(|duration| duration.as_secs())
                    .map_err(|error| {
                        format!("expected seconds or a duration such as \"10m\", found {text:?}: {error}")
                    })
            }
        }
    }
}

impl From<Duration> for MaxAge {
    fn from(duration: Duration) -> Self {
        MaxAge::Seconds(duration.as_secs())
    }
}

impl From<u64> for MaxAge {
    fn from(seconds: u64) -> Self {
        MaxAge::Seconds(seconds)
    }
}

/// `resources`: which paths get CORS headers, as Flask-Cors accepts them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Resources {
    /// One path pattern with the app-wide options: `resources = "/api/*"`.
    One(String),
    /// Several path patterns with the app-wide options.
    Many(Vec<String>),
    /// Path patterns, each with options over the app-wide ones:
    /// `[cors.resources."/api/*"] origins = [...]`.
    Map(BTreeMap<String, CorsOptions>),
}

/// All of Flask-Cors's options, each optional so that layers merge.
///
/// The TOML section `[cors]` and the `CORS_*` variables deserialize into
/// this; so does each `[cors.resources."<pattern>"]` table.
///
/// Patterns (`origins`, `allow_headers`, resource paths): `"*"` means any;
/// a string containing any of `*\]?$^[()` is a regular expression (matched
/// case-insensitively for origins and headers); `regex:<expr>` is a regular
/// expression taken as is (case-sensitive, like a pre-compiled Python
/// pattern); anything else is a literal. In the default mode an origin such
/// as `https://*.example.com` is a glob where `*` is exactly one DNS label.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsOptions {
    /// Allowed origins. Default `"*"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origins: Option<OneOrMany>,
    /// Allowed methods. Default `GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<OneOrMany>,
    /// Request headers a preflight may ask for. Default `"*"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<OneOrMany>,
    /// Response headers the browser may expose. Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<OneOrMany>,
    /// Send `Access-Control-Allow-Credentials: true`. Default false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports_credentials: Option<bool>,
    /// `Access-Control-Max-Age` on preflights. Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<MaxAge>,
    /// Answer `*` instead of echoing the origin when any origin is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_wildcard: Option<bool>,
    /// Answer `OPTIONS` itself (200, empty) rather than routing it. Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_options: Option<bool>,
    /// Add `Vary: Origin` where the answer depends on the origin. Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vary_header: Option<bool>,
    /// Path patterns and their options. Default `"/*"` (every path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Add CORS headers to error responses too. Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intercept_exceptions: Option<bool>,
    /// Send CORS headers to requests without `Origin`. Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub always_send: Option<bool>,
    /// Answer Private Network Access requests with `true`. Default false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_private_network: Option<bool>,

    /// ext-cors: behave exactly as Flask-Cors 6.0.5, sharp edges included.
    /// Default false (the safer default mode). Top level only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flask_compatible: Option<bool>,
    /// ext-cors: answer a preflight whose origin or method is not allowed
    /// with this status (e.g. 403) instead of 200 without CORS headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preflight_rejection_status: Option<u16>,
    /// ext-cors, default mode: allow `supports_credentials` with any origin
    /// (`"*"`), which lets every site make credentialed requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_credentials_with_any_origin: Option<bool>,
    /// ext-cors: answer a CORS preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`) before routing, as actix-cors does,
    /// instead of letting routing decide its status as Flask does. Faster;
    /// handlers never see preflights. Default false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preflight_before_routing: Option<bool>,
}

impl CorsOptions {
    /// `self` over `base`: every option set here wins, every other comes from `base`.
    pub fn over(&self, base: &CorsOptions) -> CorsOptions {
        fn pick<T: Clone>(top: &Option<T>, base: &Option<T>) -> Option<T> {
            top.clone().or_else(|| base.clone())
        }
        CorsOptions {
            origins: pick(&self.origins, &base.origins),
            methods: pick(&self.methods, &base.methods),
            allow_headers: pick(&self.allow_headers, &base.allow_headers),
            expose_headers: pick(&self.expose_headers, &base.expose_headers),
            supports_credentials: pick(&self.supports_credentials, &base.supports_credentials),
            max_age: pick(&self.max_age, &base.max_age),
            send_wildcard: pick(&self.send_wildcard, &base.send_wildcard),
            automatic_options: pick(&self.automatic_options, &base.automatic_options),
            vary_header: pick(&self.vary_header, &base.vary_header),
            resources: pick(&self.resources, &base.resources),
            intercept_exceptions: pick(&self.intercept_exceptions, &base.intercept_exceptions),
            always_send: pick(&self.always_send, &base.always_send),
            allow_private_network: pick(&self.allow_private_network, &base.allow_private_network),
            flask_compatible: pick(&self.flask_compatible, &base.flask_compatible),
            preflight_rejection_status: pick(
                &self.preflight_rejection_status,
                &base.preflight_rejection_status,
            ),
            allow_credentials_with_any_origin: pick(
                &self.allow_credentials_with_any_origin,
                &base.allow_credentials_with_any_origin,
            ),
            preflight_before_routing: pick(&self.preflight_before_routing, &base.preflight_before_routing),
        }
    }
}

/// Flask-Cors's default methods.
pub(crate) const DEFAULT_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"];
