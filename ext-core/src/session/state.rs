//! The session of one request, as handlers see it.

use std::cell::RefCell;
use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::cookie::{now, CookieCodec, SessionData};
use crate::Problem;

/// Flask's key for the permanent flag, kept in the data as Flask keeps it.
const PERMANENT: &str = "_permanent";

/// The request's session, like Flask's `session`: a map of JSON values,
/// loaded before the handler and saved after it (only if it changed).
///
/// Extract it in a handler (`session: Session`), or get it from any request
/// type with [`SessionExt`]. It is cheap to clone; clones share one session.
///
/// ```
/// use actix_web::HttpResponse;
/// use ext_core::session::Session;
///
/// async fn visit(session: Session) -> Result<HttpResponse, ext_core::session::SessionError> {
///     let visits: u64 = session.get("visits")?.unwrap_or(0);
///     session.insert("visits", visits + 1)?;
///     Ok(HttpResponse::Ok().body(format!("visit {}", visits + 1)))
/// }
/// ```
#[derive(Clone)]
pub struct Session(Rc<RefCell<State>>);

impl std::fmt::Debug for Session {
    // Values may be personal: show only the keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.0.borrow();
        f.debug_struct("Session")
            .field("keys", &state.data.keys().collect::<Vec<_>>())
            .field("loaded", &state.pending.is_none())
            .field("status", &state.status)
            .finish()
    }
}

/// What happened to the session during the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Unchanged,
    Changed,
    /// A new id (server-side) and a new cookie, same data: after sign-in.
    Renewed,
    /// Everything removed, cookie deleted: sign-out.
    Purged,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) data: SessionData,
    pub(crate) status: Status,
    /// Whether the handler read or wrote it (then the response varies by
    /// cookie).
    pub(crate) accessed: bool,
    /// The flashed messages this request took out of the session, so that
    /// every reader in the request sees them.
    pub(crate) flashed: Option<Vec<super::flash::FlashMessage>>,
    /// A cookie not decoded yet: a request that never touches the session
    /// pays no verification or JSON decoding for it.
    pub(crate) pending: Option<Pending>,
}

/// A session cookie as it arrived, decoded on first use.
pub(crate) struct Pending {
    pub(crate) value: String,
    pub(crate) codec: Arc<CookieCodec>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl State {
    /// The data, decoding a pending cookie first (an invalid or expired one
    /// is an empty session, as in Flask).
    fn loaded(&mut self) -> &mut SessionData {
        if let Some(pending) = self.pending.take() {
            self.data = pending.codec.decode(&pending.value, now()).unwrap_or_default();
        }
        &mut self.data
    }
}

/// Why a session value could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A value could not be stored as JSON.
    #[error("session value `{key}` cannot be stored: {source}")]
    Serialize {
        /// The key.
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A stored value is not of the type asked for.
    #[error("session value `{key}` is not of the expected type: {source}")]
    Deserialize {
        /// The key.
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The app registered no [`crate::session::Sessions`].
    #[error("sessions are not set up: register ext_core::session::Sessions")]
    NotConfigured,
}

impl ResponseError for SessionError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        tracing::error!(error = %self, "session error");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR).to_response()
    }
}

impl Session {
    pub(crate) fn new(data: SessionData) -> Self {
        Self::with_state(data, None)
    }

    /// A session whose cookie is decoded when first used.
    pub(crate) fn lazy(value: String, codec: Arc<CookieCodec>) -> Self {
        Self::with_state(SessionData::new(), Some(Pending { value, codec }))
    }

    fn with_state(data: SessionData, pending: Option<Pending>) -> Self {
        Self(Rc::new(RefCell::new(State {
            data,
            status: Status::Unchanged,
            accessed: false,
            flashed: None,
            pending,
        })))
    }

    /// The value under `key`, if any.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        state
            .loaded()
            .get(key)
            .map(|value| {
                serde_json::from_value(value.clone()).map_err(|source| SessionError::Deserialize {
                    key: key.to_owned(),
                    source,
                })
            })
            .transpose()
    }

    /// Stores `value` under `key`.
    pub fn insert(&self, key: impl Into<String>, value: impl Serialize) -> Result<(), SessionError> {
        let key = key.into();
        let value = serde_json::to_value(value).map_err(|source| SessionError::Serialize {
            key: key.clone(),
            source,
        })?;
        self.change(|data| {
            data.insert(key, value);
        });
        Ok(())
    }

    /// Removes the value under `key`, returning it.
    pub fn remove(&self, key: &str) -> Option<Value> {
        let mut removed = None;
        self.change(|data| removed = data.remove(key));
        removed
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        state.loaded().contains_key(key)
    }

    /// The keys that are set.
    pub fn keys(&self) -> Vec<String> {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        state.loaded().keys().cloned().collect()
    }

    /// Removes every value (the cookie is then deleted), keeping the id.
    pub fn clear(&self) {
        self.change(SessionData::clear);
    }

    /// Whether the session outlives the browser (`session.permanent`):
    /// its cookie then has `Max-Age` = the permanent lifetime.
    pub fn permanent(&self) -> bool {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        state.loaded().get(PERMANENT) == Some(&Value::Bool(true))
    }

    /// Makes the session permanent or not, as `session.permanent = True`.
    pub fn set_permanent(&self, permanent: bool) {
        self.change(|data| {
            if permanent {
                data.insert(PERMANENT.to_owned(), Value::Bool(true));
            } else {
                data.remove(PERMANENT);
            }
        });
    }

    /// Keeps the data under a new id and cookie: call it at sign-in and on
    /// privilege changes, so an id fixed before sign-in is worthless after.
    pub fn renew(&self) {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        state.loaded();
        if state.status != Status::Purged {
            state.status = Status::Renewed;
        }
    }

    /// Removes the session entirely (its data, its server-side record and
    /// its cookie): call it at sign-out.
    pub fn purge(&self) {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        state.pending = None;
        state.data.clear();
        state.status = Status::Purged;
    }

    /// Whether the handler changed the session.
    pub fn is_modified(&self) -> bool {
        self.0.borrow().status != Status::Unchanged
    }

    fn change(&self, edit: impl FnOnce(&mut SessionData)) {
        let mut state = self.0.borrow_mut();
        state.accessed = true;
        edit(state.loaded());
        if state.status == Status::Unchanged {
            state.status = Status::Changed;
        } else if state.status == Status::Purged {
            // Written again after a purge: a fresh session under a new id.
            state.status = Status::Renewed;
        }
    }

    /// Takes the state out at the end of the request.
    pub(crate) fn take(&self) -> State {
        let mut state = self.0.borrow_mut();
        State {
            data: std::mem::take(&mut state.data),
            status: state.status,
            accessed: state.accessed,
            flashed: None,
            // Left pending only when nothing read or changed the session.
            pending: state.pending.take(),
        }
    }

    /// The request's flashed messages: taken with `take` on first use.
    pub(crate) fn take_flashes(
        &self,
        take: impl FnOnce() -> Result<Vec<super::flash::FlashMessage>, SessionError>,
    ) -> Result<Vec<super::flash::FlashMessage>, SessionError> {
        if let Some(flashed) = &self.0.borrow().flashed {
            return Ok(flashed.clone());
        }
        let taken = take()?;
        self.0.borrow_mut().flashed = Some(taken.clone());
        Ok(taken)
    }
}

/// Gives every request type its session, as actix-session's `SessionExt`.
pub trait SessionExt {
    /// The request's session, if the app registered
    /// [`crate::session::Sessions`].
    fn session(&self) -> Option<Session>;
}

impl SessionExt for HttpRequest {
    fn session(&self) -> Option<Session> {
        self.extensions().get::<Session>().cloned()
    }
}

impl SessionExt for ServiceRequest {
    fn session(&self) -> Option<Session> {
        self.extensions().get::<Session>().cloned()
    }
}

impl SessionExt for ServiceResponse {
    fn session(&self) -> Option<Session> {
        self.request().session()
    }
}

impl SessionExt for actix_web::guard::GuardContext<'_> {
    fn session(&self) -> Option<Session> {
        self.req_data().get::<Session>().cloned()
    }
}

impl FromRequest for Session {
    type Error = SessionError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.session().ok_or(SessionError::NotConfigured))
    }
}
