//! The session's load → handler → save flow, contributed to every worker as
//! an async middleware.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, SET_COOKIE, VARY};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

use super::config::{SameSiteSetting, SessionSettings};
use super::cookie::{new_id, now, store_key, CookieCodec, SessionData};
use super::state::{Session, State, Status};
use super::store::DynStore;
use crate::{BoxError, Problem};

/// Browsers drop cookies longer than this (name, value and attributes).
const COOKIE_SIZE_LIMIT: usize = 4093;

/// Everything the middleware needs, shared by every worker.
pub(crate) struct SessionLayer {
    pub(crate) settings: SessionSettings,
    pub(crate) codec: Arc<CookieCodec>,
    pub(crate) store: Option<Arc<dyn DynStore>>,
}

/// What arrived with the request.
struct Loaded {
    session: Session,
    /// A server-side session's id, when the cookie named one that exists.
    id: Option<String>,
    /// Whether the request carried a session cookie at all (valid or not).
    had_cookie: bool,
}

impl Loaded {
    fn empty(had_cookie: bool) -> Self {
        Self {
            session: Session::new(SessionData::new()),
            id: None,
            had_cookie,
        }
    }
}

/// The middleware itself.
pub(crate) async fn load_and_save(
    layer: Arc<SessionLayer>,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse, Error> {
    let cookie = cookie_value(&req, layer.settings.cookie_name());
    let loaded = match layer.load(cookie).await {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::error!(%error, "session store failed to load a session");
            return Ok(req.into_response(store_unavailable()));
        }
    };
    let session = loaded.session.clone();
    req.extensions_mut().insert(session.clone());
    let mut res = next.call(req).await?;
    let state = session.take();
    if state.accessed {
        res.headers_mut().append(VARY, HeaderValue::from_static("Cookie"));
    }
    match layer.save(&loaded, state, &mut res).await {
        Ok(()) => Ok(res),
        Err(error) => {
            tracing::error!(%error, "session store failed to save a session");
            Ok(res.into_response(store_unavailable()))
        }
    }
}

/// The value of the cookie `name`, read from the `Cookie` headers as they
/// are. actix's `req.cookie()` parses and percent-decodes every cookie of
/// the request (measured: about 4,000 instructions per request with a
/// session cookie); ours is base64url and needs neither.
fn cookie_value<'a>(req: &'a ServiceRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .flat_map(|header| header.as_bytes().split(|&b| b == b';'))
        .find_map(|pair| {
            let pair = pair.trim_ascii();
            let value = pair.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
            // Values that are not text are not ours (ours are base64url).
            std::str::from_utf8(value)
                .ok()
                .map(|value| value.trim_matches('"'))
        })
}

fn store_unavailable() -> actix_web::HttpResponse {
    Problem::typed(
        "session-store-unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        "Session store unavailable",
    )
    .to_response()
}

impl SessionLayer {
    fn lifetime(&self) -> Duration {
        Duration::from_secs(self.settings.permanent_lifetime)
    }

    fn key(&self, id: &str) -> String {
        store_key(&self.settings.key_prefix, id)
    }

    /// Runs one store call, giving up after the configured time.
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, BoxError>>,
    ) -> Result<T, BoxError> {
        let limit = Duration::from_millis(self.settings.store_timeout_ms);
        match tokio::time::timeout(limit, call).await {
            Ok(result) => result,
            Err(_) => Err(format!("session store did not answer within {} ms", limit.as_millis()).into()),
        }
    }

    async fn load(&self, cookie: Option<&str>) -> Result<Loaded, BoxError> {
        let Some(value) = cookie else {
            return Ok(Loaded::empty(false));
        };
        let Some(store) = &self.store else {
            // Decoded when first used; an invalid or expired cookie is then
            // an empty session, as in Flask.
            return Ok(Loaded {
                session: Session::lazy(value.to_owned(), Arc::clone(&self.codec)),
                id: None,
                had_cookie: true,
            });
        };
        let Some(id) = self.codec.verify_id(value) else {
            return Ok(Loaded::empty(true));
        };
        Ok(match self.bounded(store.load(&self.key(id))).await? {
            Some(data) => Loaded {
                session: Session::new(data),
                id: Some(id.to_owned()),
                had_cookie: true,
            },
            None => Loaded::empty(true),
        })
    }

    async fn save(&self, loaded: &Loaded, state: State, res: &mut ServiceResponse) -> Result<(), BoxError> {
        if let Some(pending) = &state.pending {
            // A cookie session nothing read or changed: at most refreshed,
            // without decoding its data (`refresh` checks the tag).
            if self.settings.refresh_each_request && CookieCodec::says_permanent(&pending.value) {
                let now = now();
                if let Some(value) =
                    self.codec
                        .refresh(&pending.value, now, now + self.settings.permanent_lifetime)
                {
                    self.set_cookie(res, self.cookie(value, true));
                }
            }
            return Ok(());
        }
        let permanent = state.data.get("_permanent") == Some(&serde_json::Value::Bool(true));
        let keep_id = match state.status {
            Status::Unchanged => {
                let refresh = permanent && self.settings.refresh_each_request && !state.data.is_empty();
                if !refresh {
                    return Ok(());
                }
                loaded.id.as_deref()
            }
            Status::Changed => loaded.id.as_deref(),
            Status::Renewed | Status::Purged => None,
        };
        if keep_id.is_none() {
            if let (Some(store), Some(old)) = (&self.store, &loaded.id) {
                self.bounded(store.delete(&self.key(old))).await?;
            }
        }
        if state.data.is_empty() {
            if loaded.had_cookie {
                if let (Some(store), Some(id)) = (&self.store, keep_id) {
                    self.bounded(store.delete(&self.key(id))).await?;
                }
                self.set_cookie(res, self.removal_cookie());
            }
            return Ok(());
        }
        let value = match &self.store {
            None => self
                .codec
                .encode(&state.data, now() + self.settings.permanent_lifetime, permanent),
            Some(store) => {
                let id = match keep_id {
                    Some(id) => id.to_owned(),
                    None => new_id()?,
                };
                self.bounded(store.save(&self.key(&id), &state.data, self.lifetime()))
                    .await?;
                self.codec.sign_id(&id)
            }
        };
        let cookie = self.cookie(value, permanent);
        if cookie.len() > COOKIE_SIZE_LIMIT {
            tracing::warn!(
                size = cookie.len(),
                limit = COOKIE_SIZE_LIMIT,
                "the session cookie is larger than browsers keep; store less in it or use a server-side store"
            );
        }
        self.set_cookie(res, cookie);
        Ok(())
    }

    fn set_cookie(&self, res: &mut ServiceResponse, cookie: String) {
        match HeaderValue::from_str(&cookie) {
            Ok(value) => {
                res.headers_mut().append(SET_COOKIE, value);
            }
            // Names are checked at start-up and values are base64url, so
            // this cannot happen; log rather than answer with a broken header.
            Err(_) => tracing::error!("session cookie is not a valid header value"),
        }
    }

    /// The `Set-Cookie` text with every configured attribute.
    fn cookie(&self, value: String, permanent: bool) -> String {
        let settings = &self.settings;
        let mut cookie = Cookie::build(settings.cookie_name().to_owned(), value)
            .path(settings.cookie_path.clone())
            .http_only(settings.cookie_httponly)
            .secure(settings.cookie_secure)
            .same_site(match settings.cookie_samesite {
                SameSiteSetting::Lax => SameSite::Lax,
                SameSiteSetting::Strict => SameSite::Strict,
                SameSiteSetting::None => SameSite::None,
            });
        if let Some(domain) = &settings.cookie_domain {
            cookie = cookie.domain(domain.clone());
        }
        if permanent {
            let seconds = i64::try_from(settings.permanent_lifetime).unwrap_or(i64::MAX);
            cookie = cookie.max_age(time::Duration::seconds(seconds));
        }
        let mut text = cookie.finish().to_string();
        // actix-web's cookie crate (0.16) predates the attribute.
        if settings.cookie_partitioned {
            text.push_str("; Partitioned");
        }
        text
    }

    fn removal_cookie(&self) -> String {
        let mut text = self.cookie(String::new(), false);
        text.push_str("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        text
    }
}
