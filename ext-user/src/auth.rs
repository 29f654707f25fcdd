//! Who is signed in: the session keys ext-user writes at sign-in, the check
//! every request makes against the store, bearer tokens, and the
//! [`CurrentUser`] extractor.
//!
//! A request with `Authorization: Bearer …` is authenticated by that token
//! alone (an access token or a personal access token; see
//! [`crate::api_tokens`]), and a bad one is a 401 even when a session
//! cookie came too. Tokens are never read from the query string (a request
//! with `?access_token=` is a 401) or from cookies.
//!
//! A session names its user and carries the user's stamp from sign-in.
//! Each request that asks for the user loads the user from the store (once
//! per request) and signs the session out when the account is gone or
//! deactivated, when the stamp changed (a password change elsewhere), or
//! when the session is idle or old past its limits. Roles are read fresh
//! each time, so taking one away counts from the next request.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use ext_core::session::{Session, SessionExt};
use serde::{Deserialize, Serialize};

use crate::api_tokens::Credential;
use crate::cache::Cached;
use crate::store::UserRecord;
use crate::{User, UserError, UserManager};

/// The session key ext-user keeps its [`SignIn`] under.
const SIGN_IN: &str = "_user";

/// What a session holds about its sign-in, in one key (one lookup per
/// request).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SignIn {
    /// The user's id.
    id: String,
    /// The user's stamp at sign-in.
    stamp: String,
    /// When the user signed in (seconds since the epoch).
    auth_at: i64,
    /// The last request, to within [`SEEN_GRANULARITY`].
    seen_at: i64,
    /// Remember-me: the long lifetime, and no idle timeout.
    remember: bool,
}

/// How stale `seen_at` may get before a request writes it again: idle
/// timeouts are exact to this much, and a busy session is not rewritten on
/// every request.
const SEEN_GRANULARITY: i64 = 60;

/// Who a request is, once looked up.
#[derive(Clone)]
pub(crate) struct Authenticated {
    /// The user's record (full roles).
    pub(crate) cached: Arc<Cached>,
    /// What handlers see (a personal access token's roles only).
    pub(crate) user: Arc<User>,
    /// How the request proved it.
    pub(crate) credential: Credential,
}

/// The request's user, once looked up.
#[derive(Clone)]
struct Resolved(Option<Authenticated>);

pub(crate) fn manager(req: &HttpRequest) -> Result<&UserManager, UserError> {
    req.app_data::<web::Data<UserManager>>()
        .map(|data| data.get_ref())
        .ok_or_else(|| UserError::Internal("ext_user::Users is not registered on this app".to_owned()))
}

fn session(req: &HttpRequest) -> Result<Session, UserError> {
    req.session()
        .ok_or_else(|| UserError::Internal("ext_core::session::Sessions is not registered".to_owned()))
}

/// Binds `session` to `record`: a new session id (against fixation), the
/// user's stamp, and a lifetime cookie only when remember-me is asked for
/// and allowed.
pub(crate) fn sign_in(
    manager: &UserManager,
    session: &Session,
    record: &UserRecord,
    remember: bool,
) -> Result<(), UserError> {
    let now = manager.now();
    let remember = remember && manager.settings.enable_remember_me;
    session.renew();
    let sign_in = SignIn {
        id: record.id.clone(),
        stamp: record.stamp.clone(),
        auth_at: now,
        seen_at: now,
        remember,
    };
    session.insert(SIGN_IN, sign_in)?;
    session.set_permanent(remember);
    Ok(())
}

/// Keeps the session signed in after the user's own password change: the
/// new stamp, and a new id.
pub(crate) fn restamp(session: &Session, stamp: &str) -> Result<(), UserError> {
    if let Some(mut sign_in) = session.get::<SignIn>(SIGN_IN)? {
        sign_in.stamp = stamp.to_owned();
        session.renew();
        session.insert(SIGN_IN, sign_in)?;
    }
    Ok(())
}

/// Ends the user's part of the session.
pub(crate) fn sign_out(session: &Session) {
    session.purge();
}

fn forget(session: &Session) {
    session.remove(SIGN_IN);
    session.renew();
}

/// The bearer token the request carries, if any. A token in the query
/// string is refused rather than ignored, so that a client that sends one
/// learns at once.
fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, UserError> {
    if let Some(value) = req.headers().get(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| UserError::InvalidToken)?;
        return match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
            // Another scheme is for someone else (a proxy's Basic, say).
            _ => Ok(None),
        };
    }
    let in_query = req
        .query_string()
        .split('&')
        .any(|pair| pair.split('=').next() == Some("access_token"));
    if in_query {
        return Err(UserError::InvalidToken);
    }
    Ok(None)
}

/// The signed-in session's record, checked against the store; `None` when
/// nobody is signed in (or the session no longer counts).
async fn session_record(req: &HttpRequest) -> Result<Option<Arc<Cached>>, UserError> {
    let manager = manager(req)?;
    let session = session(req)?;
    let Some(mut sign_in) = session.get::<SignIn>(SIGN_IN)? else {
        return Ok(None);
    };
    let record = manager.by_id(&sign_in.id).await?;
    let now = manager.now();
    let settings = &manager.settings;
    let lifetime = if sign_in.remember {
        settings.remember_me_secs
    } else {
        settings.absolute_timeout_secs
    };
    let valid = match record.as_deref().map(|cached| &cached.record) {
        Some(record) => {
            record.active
                && sign_in.stamp == record.stamp
                && now.saturating_sub(sign_in.auth_at) < lifetime
                && (sign_in.remember || now.saturating_sub(sign_in.seen_at) < settings.idle_timeout_secs)
        }
        None => false,
    };
    if !valid {
        forget(&session);
        return Ok(None);
    }
    if now.saturating_sub(sign_in.seen_at) >= SEEN_GRANULARITY {
        sign_in.seen_at = now;
        session.insert(SIGN_IN, sign_in)?;
    }
    Ok(record)
}

/// Who the request is, by bearer token or session, looked up once per
/// request.
pub(crate) async fn authenticate(req: &HttpRequest) -> Result<Option<Authenticated>, UserError> {
    if let Some(Resolved(found)) = req.extensions().get::<Resolved>() {
        return Ok(found.clone());
    }
    let found = match bearer_token(req)? {
        Some(token) => {
            let (cached, user, credential) = manager(req)?.bearer(token).await?;
            Some(Authenticated {
                cached,
                user,
                credential,
            })
        }
        None => session_record(req).await?.map(|cached| Authenticated {
            user: Arc::clone(&cached.user),
            cached,
            credential: Credential::Session,
        }),
    };
    req.extensions_mut().insert(Resolved(found.clone()));
    Ok(found)
}

/// Marks a request whose route takes users with an unconfirmed email
/// ([`crate::RequireUser::allow_unconfirmed_email`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnconfirmedAllowed;

/// [`authenticate`], refusing a user whose email still needs confirming
/// (L6) unless the route allows them.
async fn confirmed(req: &HttpRequest) -> Result<Option<Authenticated>, UserError> {
    let found = authenticate(req).await?;
    if let Some(found) = &found {
        let settings = &manager(req)?.settings;
        let record = &found.cached.record;
        let unconfirmed =
            settings.enable_confirm_email && record.email.is_some() && record.email_confirmed_at.is_none();
        if unconfirmed && req.extensions().get::<UnconfirmedAllowed>().is_none() {
            return Err(UserError::EmailUnconfirmed);
        }
    }
    Ok(found)
}

/// The signed-in user, looked up once per request.
pub(crate) async fn resolve(req: &HttpRequest) -> Result<Option<Arc<User>>, UserError> {
    Ok(confirmed(req).await?.map(|found| found.user))
}

/// The account holder, for routes that manage the account: a session or
/// an access token, never a personal access token.
pub(crate) async fn account_holder(req: &HttpRequest) -> Result<Authenticated, UserError> {
    let found = confirmed(req).await?.ok_or(UserError::Unauthenticated)?;
    if found.credential == Credential::PersonalToken {
        return Err(UserError::WrongCredential("a session or an access token"));
    }
    Ok(found)
}

/// Records who this request is now (after a sign-in or a change to the
/// user); `None` after a sign-out.
pub(crate) fn refresh(req: &HttpRequest, found: Option<Authenticated>) {
    req.extensions_mut().insert(Resolved(found));
}

/// Replaces the user this request sees, keeping how it authenticated.
pub(crate) fn refresh_user(req: &HttpRequest, user: User) {
    let found = req
        .extensions()
        .get::<Resolved>()
        .and_then(|Resolved(found)| found.clone());
    if let Some(mut found) = found {
        found.user = Arc::new(user);
        refresh(req, Some(found));
    }
}

/// The signed-in user; a 401 problem when there is none. Take
/// `Option<CurrentUser>` for routes that serve everyone.
///
/// ```
/// use actix_web::HttpResponse;
/// use ext_user::CurrentUser;
///
/// async fn hello(user: CurrentUser) -> HttpResponse {
///     HttpResponse::Ok().body(format!("hello {}", user.username.as_deref().unwrap_or("you")))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Arc<User>);

impl Deref for CurrentUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

impl FromRequest for CurrentUser {
    type Error = UserError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, UserError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            resolve(&req)
                .await?
                .map(CurrentUser)
                .ok_or(UserError::Unauthenticated)
        })
    }
}

/// The signed-in user from a request, in the style of actix-session's
/// `SessionExt`.
pub trait UserExt {
    /// The signed-in user, if any (looked up once per request).
    fn current_user(&self) -> impl Future<Output = Result<Option<Arc<User>>, UserError>>;
}

impl UserExt for HttpRequest {
    fn current_user(&self) -> impl Future<Output = Result<Option<Arc<User>>, UserError>> {
        resolve(self)
    }
}
