//! What ext-user answers when something is refused or fails: RFC 9457
//! problem documents, with no internal text.

use std::time::Duration;

use actix_web::http::header::{HeaderValue, CACHE_CONTROL, REFERRER_POLICY, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use ext_core::session::SessionError;
use ext_core::{BoxError, Problem};

use crate::store::Field;

/// Why a request to ext-user, or to a route it guards, was refused.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The body is not what the endpoint takes (400): not JSON, or a field
    /// of the wrong type.
    #[error("{0}")]
    BadRequest(String),
    /// A field's value is refused (422); `field` names it.
    #[error("`{field}` {detail}")]
    Invalid {
        /// The field, as the client sent it (`password`).
        field: &'static str,
        /// What is wrong, as a phrase after the field's name.
        detail: String,
    },
    /// The identifier is taken (409). Registration answers this for a
    /// username only: usernames are public names, and a taken email gets
    /// the same answer as a free one.
    #[error("the {0:?} is taken")]
    Taken(Field),
    /// No such user (404): the administration API only.
    #[error("no such user")]
    NotFound,
    /// The signed-in user has no personal access token of that id (404).
    #[error("no such token")]
    TokenNotFound,
    /// The session could not be read or written.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Sign-in failed, for whatever reason: the same answer for an unknown
    /// login, a wrong password and (by default) a deactivated account.
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many attempts (429); try again after the duration.
    #[error("too many attempts")]
    Throttled(Duration),
    /// No signed-in user (401).
    #[error("not signed in")]
    Unauthenticated,
    /// A bearer or refresh token was refused (401): forged, expired,
    /// revoked, of another kind, or sent where tokens are not taken. The
    /// answer never says which.
    #[error("invalid token")]
    InvalidToken,
    /// The credential cannot do this (403): a personal access token asking
    /// to manage the account.
    #[error("not with this credential: {0}")]
    WrongCredential(&'static str),
    /// An emailed link's token was refused (400): unknown, used, expired,
    /// of another purpose, or issued before the password or address
    /// changed. The answer never says which.
    #[error("invalid link")]
    InvalidLink,
    /// Registration needs an invitation (403, `require_invitation`).
    #[error("an invitation is required")]
    InvitationRequired,
    /// Signed in, but the email still needs confirming, and the route does
    /// not allow that (403).
    #[error("email not confirmed")]
    EmailUnconfirmed,
    /// Signed in, without the roles the route needs (403).
    #[error("not allowed")]
    Forbidden,
    /// The password hashers are all busy and the queue is full (503).
    #[error("busy")]
    Busy,
    /// The user store failed or did not answer (503); the cause is logged,
    /// never sent.
    #[error("the user store failed: {0}")]
    Store(#[source] BoxError),
    /// A bug or an impossible state (500); logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl UserError {
    /// A 422 for `field`.
    pub fn invalid(field: &'static str, detail: impl Into<String>) -> Self {
        UserError::Invalid {
            field,
            detail: detail.into(),
        }
    }

    /// A store failure.
    pub fn store(error: impl Into<BoxError>) -> Self {
        UserError::Store(error.into())
    }

    fn problem(&self) -> Problem {
        match self {
            UserError::BadRequest(detail) => {
                Problem::typed("bad-request", StatusCode::BAD_REQUEST, "Bad request")
                    .with_detail(detail.clone())
            }
            UserError::Invalid { field, detail } => {
                Problem::typed("invalid-field", StatusCode::UNPROCESSABLE_ENTITY, "Invalid field")
                    .with_detail(format!("`{field}` {detail}"))
                    .with_extension("field", *field)
            }
            UserError::Taken(field) => {
                let name = match field {
                    Field::Email => "email",
                    Field::Username => "username",
                };
                Problem::typed("taken", StatusCode::CONFLICT, "Already in use")
                    .with_detail(format!("That {name} is already in use."))
                    .with_extension("field", name)
            }
            UserError::NotFound => Problem::typed("no-such-user", StatusCode::NOT_FOUND, "No such user"),
            UserError::TokenNotFound => {
                Problem::typed("no-such-token", StatusCode::NOT_FOUND, "No such token")
                    .with_detail("You have no access token with this id.")
            }
            UserError::Session(_) => Problem::new(StatusCode::INTERNAL_SERVER_ERROR),
            UserError::InvalidLink => Problem::typed("invalid-link", StatusCode::BAD_REQUEST, "Invalid link")
                .with_detail("This link is invalid or has expired; ask for a new one."),
            UserError::SignInFailed => {
                Problem::typed("sign-in-failed", StatusCode::UNAUTHORIZED, "Sign-in failed")
                    .with_detail("The login or the password is wrong.")
            }
            UserError::Throttled(_) => Problem::typed(
                "too-many-attempts",
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
            )
            .with_detail("Too many attempts; try again later."),
            UserError::Unauthenticated => {
                Problem::typed("unauthenticated", StatusCode::UNAUTHORIZED, "Not signed in")
                    .with_detail("Sign in to use this resource.")
            }
            UserError::InvalidToken => {
                Problem::typed("invalid-token", StatusCode::UNAUTHORIZED, "Invalid token")
                    .with_detail("The token is invalid, expired or revoked.")
            }
            UserError::WrongCredential(needs) => Problem::typed(
                "wrong-credential",
                StatusCode::FORBIDDEN,
                "Not with this credential",
            )
            .with_detail(format!("This needs {needs}.")),
            UserError::InvitationRequired => Problem::typed(
                "invitation-required",
                StatusCode::FORBIDDEN,
                "Invitation required",
            )
            .with_detail("Registering needs an invitation: follow the link in yours."),
            UserError::EmailUnconfirmed => {
                Problem::typed("email-unconfirmed", StatusCode::FORBIDDEN, "Email not confirmed")
                    .with_detail("Confirm your email address first, with the link mailed to it.")
            }
            UserError::Forbidden => Problem::typed("forbidden", StatusCode::FORBIDDEN, "Forbidden")
                .with_detail("Your account does not have the roles this resource needs."),
            UserError::Busy => Problem::typed("busy", StatusCode::SERVICE_UNAVAILABLE, "Busy")
                .with_detail("The server is busy checking passwords; try again shortly."),
            UserError::Store(_) => Problem::typed(
                "user-store-unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "User store unavailable",
            )
            .with_detail("The user store did not answer; try again shortly."),
            UserError::Internal(_) => Problem::new(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl ResponseError for UserError {
    fn status_code(&self) -> StatusCode {
        match self {
            UserError::Session(error) => error.status_code(),
            _ => self.problem().status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let UserError::Session(error) = self {
            return error.error_response();
        }
        match self {
            UserError::Store(error) => tracing::error!(%error, "user store failed"),
            UserError::Internal(error) => tracing::error!(%error, "ext-user failed"),
            _ => {}
        }
        let mut res = self.problem().to_response();
        let headers = res.headers_mut();
        match self {
            UserError::Throttled(after) => {
                let seconds = after.as_secs().max(1);
                if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                    headers.insert(RETRY_AFTER, value);
                }
            }
            UserError::Busy | UserError::Store(_) => {
                headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            UserError::Unauthenticated | UserError::SignInFailed => {
                // RFC 9110 asks a 401 to name a scheme; sessions have none
                // registered, so this names the cookie the way browsers
                // already treat it.
                headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Cookie"));
            }
            UserError::InvalidLink => {
                // T8: the page of a link carries the token in its URL.
                headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            UserError::InvalidToken => {
                // RFC 6750 §3.
                headers.insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            _ => {}
        }
        res
    }
}
