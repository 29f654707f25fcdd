//! The email flows' endpoints: forgot password and reset, resend
//! confirmation and confirm, change email and its confirmation.
//!
//! - A token link answers GET with what it is for and changes nothing (a
//!   mail scanner's prefetch uses nothing up, T6); POST does the change.
//!   Both send `Referrer-Policy: no-referrer` and `Cache-Control:
//!   no-store` (T8).
//! - Forgot and resend answer the same 202 whatever the address (E3, E4),
//!   and in the same time: the lookup and the enqueueing happen after the
//!   answer, in a task of their own (at most [`BACKGROUND`] at once; past
//!   that, a 503 for every address alike).
//! - Every endpoint that sends mail counts the client address and the
//!   target address (B4; the counters are in the store, or Redis, so
//!   every instance shares them): 429 past `mail_per_client` or
//!   `mail_per_address` per hour, whether or not the address has an
//!   account.

use std::sync::Arc;

use actix_web::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::session::SessionExt;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::auth::{self, account_holder};
use crate::body::Body;
use crate::events::UserEvent;
use crate::identifier::Email;
use crate::mail::kind;
use crate::manager::random_hex;
use crate::routes::{answer, client, method_not_allowed};
use crate::store::{Change, Purpose, Update, UserRecord};
use crate::{User, UserError, UserManager, UserSettings};

/// Forgot and resend requests whose work may run after their answer at
/// once.
pub(crate) const BACKGROUND: usize = 64;

/// The permits for that work.
#[derive(Debug)]
pub(crate) struct Background(pub(crate) Arc<Semaphore>);

impl Default for Background {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(BACKGROUND)))
    }
}

/// Mounts the flows that are on.
pub(crate) fn configure(settings: &UserSettings, cfg: &mut web::ServiceConfig) {
    let post_only = |path: &str, route: actix_web::Route| {
        web::resource(path.to_owned())
            .route(route)
            .default_service(web::to(|| async { method_not_allowed("POST") }))
    };
    let link = |path: String, get: actix_web::Route, post: actix_web::Route| {
        web::resource(format!("{path}/{{token}}"))
            .route(get)
            .route(post)
            .default_service(web::to(|| async { method_not_allowed("GET, HEAD, POST") }))
    };
    if settings.enable_forgot_password {
        cfg.service(post_only(
            &settings.forgot_password_url,
            web::post().to(forgot_password),
        ));
        cfg.service(link(
            settings.reset_password_url.clone(),
            web::get().to(describe_reset),
            web::post().to(reset_password),
        ));
    }
    if settings.enable_change_email {
        cfg.service(post_only(
            &settings.change_email_url,
            web::post().to(change_email),
        ));
        cfg.service(link(
            settings.change_email_url.clone(),
            web::get().to(describe_change),
            web::post().to(confirm_change),
        ));
    }
    if settings.enable_invite_user {
        cfg.service(post_only(&settings.invite_user_url, web::post().to(invite_user)));
    }
    if settings.enable_confirm_email {
        cfg.service(post_only(
            &settings.resend_email_confirmation_url,
            web::post().to(resend_confirmation),
        ));
    }
    // Added addresses are confirmed by the same link.
    if settings.enable_confirm_email || settings.enable_multiple_emails {
        cfg.service(link(
            settings.confirm_email_url.clone(),
            web::get().to(describe_confirm),
            web::post().to(confirm_email),
        ));
    }
}

/// The 202 of a request that may send mail.
pub(crate) fn requested(detail: &str) -> HttpResponse {
    answer(
        StatusCode::ACCEPTED,
        json!({ "status": "requested", "detail": detail }),
    )
}

/// A token page's answer (T8).
pub(crate) fn link_answer(status: StatusCode, body: Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((REFERRER_POLICY, "no-referrer"))
        .json(body)
}

impl UserManager {
    /// Enqueues a mail of `kind` to `to` about `record` (the worker adds
    /// its link).
    pub(crate) async fn send_mail(
        &self,
        kind: &str,
        to: &str,
        record: Option<&UserRecord>,
    ) -> Result<(), UserError> {
        let outbox = self.outbox()?;
        let mail = outbox.message(kind, to, record, json!({}))?;
        outbox.enqueue(&mail).await
    }

    /// Counts a mail-sending request on the client's and the address's
    /// counters (hourly); 429 past either.
    pub(crate) async fn count_mail(&self, req: &HttpRequest, email_key: &str) -> Result<(), UserError> {
        let client = format!("mail-{}", client(req));
        self.throttle_for(&client, self.settings.mail_per_client, 3600)
            .await?;
        self.throttle_for(&format!("mail:{email_key}"), self.settings.mail_per_address, 3600)
            .await
    }
}

/// The address of a forgot or resend body, checked and counted.
async fn requested_address(
    req: &HttpRequest,
    manager: &UserManager,
    body: &[u8],
) -> Result<Email, UserError> {
    let mut body = Body::parse(body)?;
    let email = body.email("email")?;
    body.finish()?;
    manager.count_mail(req, email.key()).await?;
    Ok(email)
}

/// Runs `work` after the answer, holding one of the [`BACKGROUND`]
/// permits; logs its failure.
fn after_answer<F>(manager: &web::Data<UserManager>, work: F) -> Result<(), UserError>
where
    F: std::future::Future<Output = Result<(), UserError>> + Send + 'static,
{
    let permit = Arc::clone(&manager.background.0)
        .try_acquire_owned()
        .map_err(|_| UserError::Busy)?;
    tokio::spawn(async move {
        if let Err(error) = work.await {
            tracing::warn!(%error, "a mail request failed after its answer");
        }
        drop(permit);
    });
    Ok(())
}

const FORGOT: &str = "If an account has this address, a link to reset its password is on its way.";

async fn forgot_password(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let email = requested_address(&req, &manager, &body).await?;
    let worker = manager.clone();
    after_answer(&manager, async move {
        let found = worker
            .store
            .by_email(email.key())
            .await
            .map_err(UserError::Store)?;
        let (record, address, confirmed) = match found {
            Some(record) => {
                let confirmed = record.email_confirmed_at.is_some() || !worker.settings.enable_confirm_email;
                let address = record.email.clone();
                (record, address, confirmed)
            }
            // L3: a secondary address only once confirmed.
            None => {
                let Some(secondary) = worker.confirmed_secondary(email.key()).await? else {
                    return Ok(());
                };
                let owner = worker
                    .store
                    .by_id(&secondary.user_id)
                    .await
                    .map_err(UserError::Store)?;
                let Some(record) = owner else {
                    return Ok(());
                };
                (record, Some(secondary.email), true)
            }
        };
        // L3, L5: never to a deactivated account, nor to an address that
        // is still to be confirmed.
        let (Some(address), true, true) = (address, record.active, confirmed) else {
            return Ok(());
        };
        worker
            .send_mail(kind::RESET_PASSWORD, &address, Some(&record))
            .await?;
        worker.emit(UserEvent::ForgotPassword(&User::from(&record)));
        Ok(())
    })?;
    Ok(requested(FORGOT))
}

const RESEND: &str = "If an account has this address and it is not confirmed yet, a new link is on its way.";

async fn resend_confirmation(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let email = requested_address(&req, &manager, &body).await?;
    let worker = manager.clone();
    after_answer(&manager, async move {
        let Some(record) = worker
            .store
            .by_email(email.key())
            .await
            .map_err(UserError::Store)?
        else {
            return Ok(());
        };
        let (Some(address), true, None) = (record.email.clone(), record.active, record.email_confirmed_at)
        else {
            return Ok(());
        };
        worker
            .send_mail(kind::CONFIRM_EMAIL, &address, Some(&record))
            .await
    })?;
    Ok(requested(RESEND))
}

/// A link's GET: what it is for, for whom, until when; nothing changes
/// (T6).
async fn describe(manager: &UserManager, token: &str, purpose: Purpose) -> Result<HttpResponse, UserError> {
    let (record, user) = manager.check_email_token(token, purpose).await?;
    let email = match purpose {
        Purpose::ChangeEmail => record.address.clone(),
        _ => user.email,
    };
    Ok(link_answer(
        StatusCode::OK,
        json!({ "purpose": purpose.as_str(), "email": email, "expires_at": record.expires_at }),
    ))
}

async fn describe_reset(
    manager: web::Data<UserManager>,
    token: web::Path<String>,
) -> Result<HttpResponse, UserError> {
    describe(&manager, &token, Purpose::ResetPassword).await
}

async fn reset_password(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let (record, user) = manager.check_email_token(&token, Purpose::ResetPassword).await?;
    let mut body = Body::parse(&body)?;
    let new = body.password("new_password")?;
    crate::routes::retyped(&manager.settings, &mut body, &new, "new_password")?;
    body.finish()?;
    // The policy first: a refused password leaves the link usable.
    manager.passwords.check_new("new_password", &new)?;
    let hash = manager.passwords.hash(&new).await?;
    // T2: of two concurrent resets with one link, one gets here.
    manager.use_email_token(&record).await?;
    let stamp = random_hex()?;
    let change = Change::Password {
        hash,
        stamp: Some(stamp.clone()),
    };
    if manager.update(&user.id, &change).await? != Update::Done {
        return Err(UserError::InvalidLink);
    }
    // B3: a reset ends a lockout; J6: refresh families end with the stamp.
    manager.forget_account_hits(&user).await?;
    manager
        .store
        .revoke_refresh_of(&user.id)
        .await
        .map_err(UserError::Store)?;
    let mut changed = user.clone();
    changed.stamp = stamp;
    changed.token_version += 1;
    manager.emit(UserEvent::PasswordReset(&User::from(&changed)));
    manager
        .notify(
            kind::PASSWORD_CHANGED,
            &changed,
            json!({ "how": "reset through an emailed link" }),
        )
        .await;
    if manager.settings.auto_login_after_reset_password {
        if let Some(session) = req.session() {
            auth::sign_in(&manager, &session, &changed, false)?;
        }
    }
    Ok(link_answer(StatusCode::OK, json!({ "status": "password-reset" })))
}

async fn describe_confirm(
    manager: web::Data<UserManager>,
    token: web::Path<String>,
) -> Result<HttpResponse, UserError> {
    describe(&manager, &token, Purpose::ConfirmEmail).await
}

async fn confirm_email(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let (record, user) = manager.check_email_token(&token, Purpose::ConfirmEmail).await?;
    if !body.is_empty() {
        Body::parse(&body)?.finish()?;
    }
    manager.use_email_token(&record).await?;
    let now = manager.now();
    if user.email_key.as_deref() != Some(record.email_key.as_str()) {
        // A secondary address (`enable_multiple_emails`).
        let secondary = manager
            .store
            .secondary_by_key(&record.email_key)
            .await
            .map_err(UserError::Store)?
            .filter(|email| email.user_id == user.id)
            .ok_or(UserError::InvalidLink)?;
        manager
            .store
            .confirm_secondary(&user.id, &secondary.id, now)
            .await
            .map_err(UserError::Store)?;
        return Ok(link_answer(
            StatusCode::OK,
            json!({ "status": "email-confirmed" }),
        ));
    }
    if manager
        .update(&user.id, &Change::EmailConfirmed { at: now })
        .await?
        != Update::Done
    {
        return Err(UserError::InvalidLink);
    }
    let mut confirmed = user.clone();
    confirmed.email_confirmed_at = Some(now);
    manager.emit(UserEvent::EmailConfirmed(&User::from(&confirmed)));
    if manager.settings.auto_login_after_confirm {
        if let Some(session) = req.session() {
            auth::sign_in(&manager, &session, &confirmed, false)?;
        }
    }
    Ok(link_answer(
        StatusCode::OK,
        json!({ "status": "email-confirmed" }),
    ))
}

const CHANGE: &str = "A link is on its way to the new address: the account moves there when it is followed.";

/// L2: the password in the same request is the fresh re-authentication a
/// change of address needs (a wrong one counts on the account's
/// throttle). The answer is the same whether or not another account has
/// the new address: then no mail goes out (and the link would be refused).
async fn change_email(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut body = Body::parse(&body)?;
    let new = body.email("new_email")?;
    let password = body.password("password")?;
    body.finish()?;
    if record.email_key.as_deref() == Some(new.key()) {
        return Err(UserError::invalid(
            "new_email",
            "is the account's address already",
        ));
    }
    crate::routes::confirm_current_password(&manager, record, "password", &password).await?;
    manager.count_mail(&req, new.key()).await?;
    let taken = manager
        .store
        .by_email(new.key())
        .await
        .map_err(UserError::Store)?
        .is_some();
    if !taken {
        manager
            .send_mail(kind::CHANGE_EMAIL, new.as_str(), Some(record))
            .await?;
    }
    Ok(requested(CHANGE))
}

async fn describe_change(
    manager: web::Data<UserManager>,
    token: web::Path<String>,
) -> Result<HttpResponse, UserError> {
    describe(&manager, &token, Purpose::ChangeEmail).await
}

/// Moves the account to the link's address: confirmed (the link proved
/// it), every token revoked (J6), the old address told (L4). Outstanding
/// links to the old address die with it (T5).
async fn confirm_change(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let (record, user) = manager.check_email_token(&token, Purpose::ChangeEmail).await?;
    if !body.is_empty() {
        Body::parse(&body)?.finish()?;
    }
    let address = record.address.clone().ok_or(UserError::InvalidLink)?;
    let new = Email::parse(&address).map_err(|_| UserError::InvalidLink)?;
    manager.use_email_token(&record).await?;
    let now = manager.now();
    let change = Change::Email {
        shown: new.as_str().to_owned(),
        key: new.key().to_owned(),
        confirmed_at: now,
    };
    match manager.update(&user.id, &change).await? {
        Update::Done => {}
        Update::NotFound => return Err(UserError::InvalidLink),
        Update::Taken(field) => return Err(UserError::Taken(field)),
    }
    manager
        .store
        .revoke_refresh_of(&user.id)
        .await
        .map_err(UserError::Store)?;
    manager
        .notify(kind::EMAIL_CHANGED, &user, json!({ "new_email": new.as_str() }))
        .await;
    let mut moved = user.clone();
    moved.email = Some(new.as_str().to_owned());
    moved.email_key = Some(new.key().to_owned());
    moved.email_confirmed_at = Some(now);
    auth::refresh_user(&req, User::from(&moved));
    Ok(link_answer(
        StatusCode::OK,
        json!({ "status": "email-changed", "user": User::from(&moved) }),
    ))
}

const INVITED: &str = "Unless the address has an account already, an invitation is on its way.";

/// `POST invite`: a signed-in account holder invites an address. The
/// answer is the same whether or not it has an account (then nothing is
/// sent); inviting again voids the earlier link to that address.
async fn invite_user(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let mut body = Body::parse(&body)?;
    let email = body.email("email")?;
    body.finish()?;
    manager.count_mail(&req, email.key()).await?;
    if manager
        .store
        .by_email(email.key())
        .await
        .map_err(UserError::Store)?
        .is_none()
    {
        manager
            .send_mail(kind::INVITE_USER, email.as_str(), Some(&holder.cached.record))
            .await?;
        manager.emit(UserEvent::SentInvitation {
            user: &holder.user,
            email: email.as_str(),
        });
    }
    Ok(requested(INVITED))
}
