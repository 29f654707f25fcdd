//! One resolved, validated CORS policy, and the per-request decision.

use actix_web::http::header::HeaderValue;
use actix_web::http::Method;

use crate::error::CorsConfigError;
use crate::options::{CorsOptions, MaxAge, OneOrMany, DEFAULT_METHODS};
use crate::pattern::{looks_like_glob, Anchor, PatternList};

/// Flask-Cors's exact behaviour, or the safer default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Identical to Flask-Cors except where it is unsafe or wrong.
    Default,
    /// Identical to Flask-Cors 6.0.5, sharp edges included.
    FlaskCompatible,
}

impl Mode {
    pub(crate) fn from_options(options: &CorsOptions) -> Self {
        if options.flask_compatible.unwrap_or(false) {
            Mode::FlaskCompatible
        } else {
            Mode::Default
        }
    }
}

/// One policy: what Flask-Cors computes from its options, compiled once.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    pub(crate) mode: Mode,
    origins: PatternList,
    /// The `Access-Control-Allow-Methods` value.
    methods_value: HeaderValue,
    /// Compat: the string the substring test runs on; default: the tokens.
    methods_text: String,
    method_tokens: Vec<String>,
    allow_headers: PatternList,
    expose_headers: Option<HeaderValue>,
    supports_credentials: bool,
    max_age: Option<HeaderValue>,
    send_wildcard: bool,
    pub(crate) automatic_options: bool,
    vary_header: bool,
    pub(crate) intercept_exceptions: bool,
    always_send: bool,
    pub(crate) allow_private_network: bool,
    pub(crate) rejection_status: Option<actix_web::http::StatusCode>,
    /// Answer CORS preflights in the before-hook, without routing them.
    pub(crate) preflight_before_routing: bool,
}

/// The request facts a decision needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestFacts<'a> {
    pub(crate) method: &'a Method,
    /// `Origin`, if present and not empty.
    pub(crate) origin: Option<&'a HeaderValue>,
    pub(crate) request_method: Option<&'a str>,
    /// `Access-Control-Request-Headers`, as sent.
    pub(crate) request_headers: Option<&'a HeaderValue>,
    pub(crate) request_private_network: Option<&'a [u8]>,
}

/// The headers to add, in Flask-Cors's order, and whether to vary on Origin.
/// Values that come from the policy as they are are borrowed from it.
#[derive(Debug, Default)]
pub(crate) struct Decision<'p> {
    pub(crate) allow_origin: Option<HeaderValue>,
    pub(crate) expose_headers: Option<&'p HeaderValue>,
    pub(crate) allow_credentials: bool,
    pub(crate) allow_private_network: Option<&'static str>,
    pub(crate) allow_headers: Option<HeaderValue>,
    pub(crate) max_age: Option<&'p HeaderValue>,
    pub(crate) allow_methods: Option<&'p HeaderValue>,
    pub(crate) vary_origin: bool,
    /// Why no CORS headers were added, for the debug log.
    pub(crate) refused: Option<&'static str>,
    /// A preflight whose origin or method was not allowed.
    pub(crate) preflight_rejected: bool,
}

const STAR: HeaderValue = HeaderValue::from_static("*");

impl Policy {
    /// Resolves `options` over Flask-Cors's defaults and validates them.
    /// `key` is the config key prefix for messages (`cors` or
    /// `cors.resources."/api/*"`).
    pub(crate) fn compile(options: &CorsOptions, mode: Mode, key: &str) -> Result<Self, CorsConfigError> {
        let compat = mode == Mode::FlaskCompatible;
        let origin_values = options
            .origins
            .as_ref()
            .map_or_else(|| vec!["*"], OneOrMany::values);
        for origin in &origin_values {
            if !compat {
                validate_origin(&format!("{key}.origins"), origin)?;
            }
            if reads_glob_as_regex(origin, compat) {
                tracing::warn!(
                    key = %format!("{key}.origins"), origin = %origin,
                    "looks like a glob but is read as a regular expression, where `*` repeats the \
                     character before it; in the default mode `https://*.example.com` is a glob"
                );
            }
        }
        let origins = PatternList::compile(
            &format!("{key}.origins"),
            &origin_values,
            !compat,
            if compat { Anchor::Start } else { Anchor::Whole },
            true,
        )?;

        let (methods_text, method_tokens, methods_value) = methods(options.methods.as_ref(), compat)
            .map_err(|message| CorsConfigError::invalid(format!("{key}.methods"), message))?;

        let header_values = options
            .allow_headers
            .as_ref()
            .map_or_else(|| vec!["*"], OneOrMany::values);
        let allow_headers = PatternList::compile(
            &format!("{key}.allow_headers"),
            &header_values,
            false,
            Anchor::Start,
            true,
        )?;

        let expose_headers = match &options.expose_headers {
            None => None,
            Some(OneOrMany::One(text)) => Some(text.clone()),
            Some(OneOrMany::Many(list)) => {
                let mut list: Vec<&str> = list.iter().map(String::as_str).collect();
                list.sort_unstable();
                Some(list.join(", "))
            }
        }
        .filter(|text| !text.is_empty())
        .map(|text| header_value(&format!("{key}.expose_headers"), &text))
        .transpose()?;

        let max_age = match &options.max_age {
            None => None,
            Some(max_age) => {
                let max_age_key = format!("{key}.max_age");
                let seconds = max_age
                    .seconds()
                    .map_err(|message| CorsConfigError::invalid(&max_age_key, message))?;
                match max_age {
                    // Flask-Cors drops a falsy max_age; 0 ("do not cache") is meaningful.
                    _ if seconds == 0 && compat => None,
                    // Flask-Cors sends a string of seconds as written (`"600"`).
                    MaxAge::Text(text) if compat && text.trim().parse::<u64>().is_ok() => {
                        Some(header_value(&max_age_key, text.trim())?)
                    }
                    _ => Some(HeaderValue::from(seconds)),
                }
            }
        };

        let supports_credentials = options.supports_credentials.unwrap_or(false);
        let send_wildcard = options.send_wildcard.unwrap_or(false);
        if origins.wildcard() && supports_credentials && send_wildcard {
            return Err(CorsConfigError::clash(
                &[
                    &format!("{key}.origins"),
                    &format!("{key}.supports_credentials"),
                    &format!("{key}.send_wildcard"),
                ],
                "`Access-Control-Allow-Origin: *` cannot be sent with credentials; \
                 turn off send_wildcard or list the allowed origins",
            ));
        }
        if !compat
            && origins.wildcard()
            && supports_credentials
            && !options.allow_credentials_with_any_origin.unwrap_or(false)
        {
            return Err(CorsConfigError::clash(
                &[&format!("{key}.origins"), &format!("{key}.supports_credentials")],
                "credentials with origins = \"*\" let every website make requests with your users' \
                 cookies; list the allowed origins, or set allow_credentials_with_any_origin = true \
                 if that is really meant",
            ));
        }
        let rejection_status = options
            .preflight_rejection_status
            .map(|status| {
                actix_web::http::StatusCode::from_u16(status)
                    .ok()
                    .filter(|status| status.is_client_error())
                    .ok_or_else(|| {
                        CorsConfigError::invalid(
                            format!("{key}.preflight_rejection_status"),
                            format!("expected a 4xx status such as 403, found {status}"),
                        )
                    })
            })
            .transpose()?;
        let automatic_options = options.automatic_options.unwrap_or(true);
        let preflight_before_routing = options.preflight_before_routing.unwrap_or(false);
        if preflight_before_routing && !automatic_options {
            return Err(CorsConfigError::clash(
                &[
                    &format!("{key}.preflight_before_routing"),
                    &format!("{key}.automatic_options"),
                ],
                "answering preflights before routing is ext-cors answering OPTIONS itself; \
                 with automatic_options = false preflights must reach your handlers",
            ));
        }

        Ok(Policy {
            mode,
            origins,
            methods_value,
            methods_text,
            method_tokens,
            allow_headers,
            expose_headers,
            supports_credentials,
            max_age,
            send_wildcard,
            automatic_options,
            vary_header: options.vary_header.unwrap_or(true),
            intercept_exceptions: options.intercept_exceptions.unwrap_or(true),
            always_send: options.always_send.unwrap_or(true),
            allow_private_network: options.allow_private_network.unwrap_or(false),
            rejection_status,
            preflight_before_routing,
        })
    }

    /// Flask-Cors's `get_cors_headers`, with the default mode's corrections.
    pub(crate) fn decide(&self, facts: &RequestFacts<'_>) -> Decision<'_> {
        let compat = self.mode == Mode::FlaskCompatible;
        let mut decision = Decision {
            // Default mode: every answer of a matched resource depends on the
            // origin, unless it is `*` whatever the request.
            vary_origin: !compat && self.vary_header && !self.constant_answer(),
            ..Decision::default()
        };
        let is_options = facts.method == Method::OPTIONS;
        let allow_origin = match facts.origin {
            Some(origin) => {
                if self.origins.wildcard() && self.send_wildcard && (compat || origin.as_bytes() != b"null") {
                    Some(STAR)
                } else if self.origin_allowed(origin) {
                    Some(origin.clone())
                } else {
                    decision.refused = Some("origin not allowed");
                    decision.preflight_rejected = is_options && facts.request_method.is_some();
                    return decision;
                }
            }
            None if self.always_send => self.origin_without_one(),
            None => {
                decision.refused = Some("no Origin header and always_send is off");
                return decision;
            }
        };
        let Some(allow_origin) = allow_origin else {
            decision.refused = Some("no Origin header and nothing to send without one");
            return decision;
        };
        let star = allow_origin.as_bytes() == b"*";
        decision.expose_headers = self.expose_headers.as_ref();
        decision.allow_credentials = self.supports_credentials;

        let private_network_asked = facts.request_private_network == Some(b"true".as_slice());
        if compat && private_network_asked {
            decision.allow_private_network = Some(if self.allow_private_network {
                "true"
            } else {
                "false"
            });
        }
        if is_options {
            let requested = facts.request_method.map(upper).unwrap_or_default();
            if !requested.is_empty() && self.method_allowed(&requested) {
                decision.allow_headers = self.filter_request_headers(facts.request_headers);
                decision.max_age = self.max_age.as_ref();
                decision.allow_methods = Some(&self.methods_value);
                if !compat && private_network_asked && self.allow_private_network {
                    decision.allow_private_network = Some("true");
                }
            } else if facts.request_method.is_some() {
                decision.preflight_rejected = true;
            }
        }
        if compat {
            decision.vary_origin =
                self.vary_header && !star && (self.origins.count() > 1 || self.origins.any_regex());
        }
        decision.allow_origin = Some(allow_origin);
        decision
    }

    /// `always_send` for a request without `Origin`: `*`, or the first
    /// literal origin (Flask-Cors sends the sorted list, of which only the
    /// first survives).
    #[inline(never)]
    fn origin_without_one(&self) -> Option<HeaderValue> {
        if self.origins.wildcard() {
            (!self.supports_credentials).then_some(STAR)
        } else {
            self.origins
                .sorted_literals()
                .first()
                .and_then(|literal| HeaderValue::from_str(literal).ok())
        }
    }

    /// Any origin and `*` sent to every request: nothing depends on Origin.
    fn constant_answer(&self) -> bool {
        self.origins.wildcard() && self.send_wildcard && self.always_send && !self.supports_credentials
    }

    fn origin_allowed(&self, origin: &HeaderValue) -> bool {
        // `*` is never a literal, and `null` is one only when listed, which
        // is exactly when both modes allow it: an exact literal is allowed.
        self.origins.has_exact(origin.as_bytes()) || self.origin_allowed_by_pattern(origin)
    }

    /// [`Self::origin_allowed`] past the exact literals: out of line, so the
    /// common path stays small.
    #[inline(never)]
    fn origin_allowed_by_pattern(&self, origin: &HeaderValue) -> bool {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if origin == "*" {
            // Not an origin a browser ever sends; reflecting it would answer
            // `Access-Control-Allow-Origin: *` beside credentials. Refused in
            // both modes (Flask-Cors reflects it).
            return false;
        }
        if self.mode == Mode::Default && origin == "null" {
            // `Origin: null` comes from sandboxed frames and files; only an
            // explicit listing allows it.
            return self.origins.has_literal("null");
        }
        self.origins.matches(origin)
    }

    fn method_allowed(&self, requested: &str) -> bool {
        match self.mode {
            Mode::FlaskCompatible => !self.methods_text.is_empty() && self.methods_text.contains(requested),
            Mode::Default => self.method_tokens.iter().any(|token| token == requested),
        }
    }

    /// The requested header names that a pattern allows, sorted, in the
    /// client's casing.
    fn filter_request_headers(&self, requested_value: Option<&HeaderValue>) -> Option<HeaderValue> {
        let requested_value = requested_value?;
        let bytes = requested_value.as_bytes();
        // One short pass: not text (`to_str` fails on anything but ASCII in
        // a header value) means nothing is asked for.
        let mut list = false;
        for &byte in bytes {
            if !byte.is_ascii() {
                return None;
            }
            list |= byte == b',';
        }
        // The common preflight asks for one header: no list to build, and
        // the request's own value is sent back when it needs no trimming.
        if !list {
            // ASCII here: `trim_ascii` is Python's `strip`.
            let name = bytes.trim_ascii();
            let allowed = !name.is_empty()
                && (self.allow_headers.wildcard()
                    || std::str::from_utf8(name).is_ok_and(|name| self.allow_headers.matches(name)));
            return match allowed {
                false => None,
                true if name.len() == bytes.len() => Some(requested_value.clone()),
                true => HeaderValue::from_bytes(name).ok(),
            };
        }
        self.filter_request_header_list(requested_value)
    }

    /// [`Self::filter_request_headers`] for a comma-separated list: out of
    /// line, so the one-name path stays small.
    #[inline(never)]
    fn filter_request_header_list(&self, requested_value: &HeaderValue) -> Option<HeaderValue> {
        let requested = requested_value.to_str().ok()?;
        let mut kept: Vec<&str> = requested
            .split(',')
            .map(str::trim_ascii)
            .filter(|name| !name.is_empty() && self.allow_headers.matches(name))
            .collect();
        if kept.is_empty() {
            return None;
        }
        kept.sort_unstable();
        HeaderValue::from_str(&kept.join(", ")).ok()
    }
}

/// Upper-cased, without allocating when it already is (as browsers send it).
fn upper(method: &str) -> std::borrow::Cow<'_, str> {
    if method.bytes().all(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(method)
    } else {
        std::borrow::Cow::Owned(upper_owned(method))
    }
}

#[inline(never)]
fn upper_owned(method: &str) -> String {
    method.to_uppercase()
}

/// `methods`: the text Flask-Cors sends and tests against, and its tokens.
fn methods(methods: Option<&OneOrMany>, compat: bool) -> Result<(String, Vec<String>, HeaderValue), String> {
    let text = match methods {
        None => sorted_upper(DEFAULT_METHODS.iter().copied()),
        Some(OneOrMany::Many(list)) => sorted_upper(list.iter().map(String::as_str)),
        // Flask-Cors upper-cases a string and keeps it as written; the
        // default mode sorts its tokens too, so the header is deterministic.
        Some(OneOrMany::One(text)) if compat => text.to_uppercase(),
        Some(OneOrMany::One(text)) => sorted_upper(text.split(',')),
    };
    let tokens: Vec<String> = text
        .split(',')
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty())
        .collect();
    let value = HeaderValue::from_str(&text).map_err(|_| format!("{text:?} is not a valid header value"))?;
    Ok((text, tokens, value))
}

fn sorted_upper<'a>(methods: impl Iterator<Item = &'a str>) -> String {
    let mut list: Vec<String> = methods
        .map(|method| method.trim().to_uppercase())
        .filter(|method| !method.is_empty())
        .collect();
    list.sort_unstable();
    list.dedup();
    list.join(", ")
}

fn header_value(key: &str, text: &str) -> Result<HeaderValue, CorsConfigError> {
    HeaderValue::from_str(text).map_err(|_| {
        CorsConfigError::invalid(
            key,
            format!("{text:?} cannot be sent in a header (control characters?)"),
        )
    })
}

/// A string with `*` and no other regex character that is still read as a
/// regex: every such string in compat mode, and in the default mode the ones
/// that are not `scheme://*.host` globs (`https://*example.com`).
fn reads_glob_as_regex(origin: &str, compat: bool) -> bool {
    let glob_shaped = origin != "*"
        && origin.contains('*')
        && !origin.chars().any(|c| c != '*' && "\\]?$^[()".contains(c))
        && !origin.starts_with(crate::pattern::REGEX_PREFIX);
    glob_shaped && (compat || !looks_like_glob(origin))
}

/// Default mode: an origin must be `*`, `null`, a pattern, or
/// `scheme://host[:port]` with nothing after it.
fn validate_origin(key: &str, origin: &str) -> Result<(), CorsConfigError> {
    let kind = crate::pattern::PatternKind::classify(origin, true);
    if !matches!(kind, crate::pattern::PatternKind::Literal(_)) || origin == "null" {
        return Ok(());
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err(CorsConfigError::invalid(
            key,
            format!("{origin:?} has no scheme; an origin looks like \"https://app.example.com\""),
        ));
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(CorsConfigError::invalid(
            key,
            format!("{origin:?} has an invalid scheme"),
        ));
    }
    if rest.is_empty() {
        return Err(CorsConfigError::invalid(key, format!("{origin:?} has no host")));
    }
    if rest.contains('/') {
        return Err(CorsConfigError::invalid(
            key,
            format!(
                "{origin:?} has a path or a trailing slash; browsers send origins without one, so it \
                 would never match: use {:?}",
                format!("{scheme}://{}", rest.split('/').next().unwrap_or_default())
            ),
        ));
    }
    Ok(())
}
