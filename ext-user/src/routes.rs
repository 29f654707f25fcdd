//! The JSON endpoints: register, sign in, sign out, change password, change
//! username, edit profile, and the current user (the token endpoints are
//! in [`crate::token_routes`]). Every one that changes state takes POST
//! only (GET is a 405), so the CSRF check applies to cookie requests.

use std::sync::Arc;

use actix_web::http::header::{HeaderValue, ALLOW, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::session::SessionExt;
use ext_core::Problem;
use serde_json::{json, Value};

use crate::api_tokens::Credential;
use crate::auth::{self, account_holder, Authenticated};
use crate::body::Body;
use crate::events::UserEvent;
use crate::identifier::Login;
use crate::mail::kind;
use crate::manager::random_hex;
use crate::password::Password;
use crate::store::{Change, Insert, Update, UserRecord};
use crate::{CurrentUser, User, UserError, UserManager, UserSettings};

/// Mounts the enabled flows under the prefix.
pub(crate) fn configure(settings: &UserSettings, cfg: &mut web::ServiceConfig) {
    let post = |cfg: &mut web::ServiceConfig, path: &str, route: actix_web::Route| {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(web::to(|| async { method_not_allowed("POST") })),
        );
    };
    if settings.enable_register && settings.enable_invite_user {
        // An invitation's mailed link opens the registration URL with
        // `?token=`: GET describes the invitation, as the other links' GET.
        cfg.service(
            web::resource(&settings.register_url)
                .route(web::post().to(register))
                .route(web::get().to(describe_invitation))
                .default_service(web::to(|| async { method_not_allowed("GET, HEAD, POST") })),
        );
    } else if settings.enable_register {
        post(cfg, &settings.register_url, web::post().to(register));
    }
    post(cfg, &settings.login_url, web::post().to(sign_in));
    post(cfg, &settings.logout_url, web::post().to(sign_out));
    if settings.enable_change_password {
        post(
            cfg,
            &settings.change_password_url,
            web::post().to(change_password),
        );
    }
    if settings.enable_change_username && settings.enable_username {
        post(
            cfg,
            &settings.change_username_url,
            web::post().to(change_username),
        );
    }
    post(cfg, &settings.edit_user_profile_url, web::post().to(edit_profile));
    crate::token_routes::configure(settings, cfg);
    crate::email_routes::configure(settings, cfg);
    crate::email_addresses::configure(settings, cfg);
    cfg.service(
        web::resource(&settings.openapi_url)
            .route(web::get().to(openapi))
            .default_service(web::to(|| async { method_not_allowed("GET, HEAD") })),
    );
    cfg.service(
        web::resource(&settings.current_user_url)
            .route(web::get().to(current_user))
            .default_service(web::to(|| async { method_not_allowed("GET, HEAD") })),
    );
}

pub(crate) fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut res = Problem::typed(
        "method-not-allowed",
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
    )
    .with_detail(format!("This resource takes {allow}."))
    .to_response();
    res.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    res
}

/// A JSON answer that no cache keeps.
pub(crate) fn answer(status: StatusCode, body: Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body)
}

pub(crate) fn retyped(
    settings: &UserSettings,
    body: &mut Body,
    password: &Password,
    field: &'static str,
) -> Result<(), UserError> {
    if !settings.require_retype_password {
        body.0.remove("retype_password");
        return Ok(());
    }
    let retype = body.password("retype_password")?;
    if retype.expose() != password.expose() {
        return Err(UserError::invalid(
            "retype_password",
            format!("does not match `{field}`"),
        ));
    }
    Ok(())
}

/// The client's address, for the per-client throttle: the peer, or what
/// `[app] trusted_proxies` forwarded (never the first address a client
/// wrote into `X-Forwarded-For` itself).
pub(crate) fn client(req: &HttpRequest) -> String {
    match ext_core::client_ip(req) {
        Some(address) => format!("client:{address}"),
        None => "client:unknown".to_owned(),
    }
}

/// Registration answers the same whether or not the email was free: the
/// page cannot be used to learn who has an account.
const REGISTERED: &str =
    "If this email address was not registered yet, the account is ready: sign in to use it.";

async fn register(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let mut body = Body::parse(&body)?;
    let email = body.string("email")?;
    let username = body.string("username")?;
    let password = body.password("password")?;
    retyped(&manager.settings, &mut body, &password, "password")?;
    let invitation = invitation(&req, &manager, &mut body).await?;
    let mut record = manager
        .new_record(email.as_deref(), username.as_deref(), &password, body.0)
        .await?;
    if let Some(invitation) = &invitation {
        // T10: for the invited address only, and once.
        if record.email_key.as_deref() != Some(invitation.email_key.as_str()) {
            return Err(UserError::invalid("email", "is not the address that was invited"));
        }
        // The invitation's link proved the address. It is used once the
        // account exists (so a taken username leaves it usable); the
        // address is unique, so only one account can ever use it.
        record.email_confirmed_at = Some(manager.now());
    }
    // B4: registering sends mail, so it counts like the other mail
    // requests, whether or not the address is taken.
    if let (Some(key), Some(_)) = (&record.email_key, &manager.outbox) {
        manager.count_mail(&req, key).await?;
    }
    let welcome = match (&manager.outbox, &record.email) {
        (Some(outbox), Some(address))
            if manager.settings.enable_confirm_email && record.email_confirmed_at.is_none() =>
        {
            vec![outbox.message(kind::CONFIRM_EMAIL, address, Some(&record), json!({}))?]
        }
        (Some(outbox), Some(address)) if manager.settings.send_registered_email => {
            vec![outbox.message(kind::REGISTERED, address, Some(&record), json!({}))?]
        }
        _ => Vec::new(),
    };
    // Another account's confirmed secondary address is taken too.
    let secondary_owner = match &record.email_key {
        Some(key) => manager.confirmed_secondary(key).await?,
        None => None,
    };
    let inserted = match secondary_owner {
        Some(_) => Insert::Taken(crate::store::Field::Email),
        None => manager
            .store
            .insert(&record, &welcome)
            .await
            .map_err(UserError::Store)?,
    };
    match inserted {
        Insert::Created => {
            if let Some(invitation) = &invitation {
                manager.use_email_token(invitation).await?;
            }
            if let Some(outbox) = &manager.outbox {
                outbox.wake();
            }
            // USER_AUTO_LOGIN_AFTER_REGISTER, for an account that may sign
            // in now (L6: not while its address waits for confirmation).
            if manager.settings.auto_login_after_register && manager.may_sign_in(&record) {
                let session = req
                    .session()
                    .ok_or_else(|| UserError::Internal("no session".to_owned()))?;
                auth::sign_in(&manager, &session, &record, false)?;
            }
            manager.emit(UserEvent::Registered {
                user: &User::from(&record),
                invitation: invitation.as_ref().map(|invitation| {
                    crate::events::Invitation::new(
                        &invitation.user_id,
                        invitation.address.as_deref().unwrap_or(&invitation.email_key),
                    )
                }),
            });
        }
        Insert::Taken(crate::store::Field::Email) => {
            // E5: the answer is a new account's; the owner is told.
            if let Some(key) = &record.email_key {
                if let Some(owner) = manager.by_login(&Login::Email(key.clone())).await? {
                    manager.notify(kind::REGISTER_ATTEMPT, &owner, json!({})).await;
                }
            }
        }
        Insert::Taken(field) => return Err(UserError::Taken(field)),
    }
    Ok(answer(
        StatusCode::ACCEPTED,
        json!({ "status": "registered", "detail": REGISTERED }),
    ))
}

/// `GET register?token=…`: the invitation the link carries (to whom, until
/// when); changes nothing. A missing or spent token is the invalid-link
/// answer of every link.
async fn describe_invitation(
    req: HttpRequest,
    manager: web::Data<UserManager>,
) -> Result<HttpResponse, UserError> {
    let token = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|query| query.get("token").cloned())
        .ok_or(UserError::InvalidLink)?;
    let (record, _) = manager
        .check_email_token(&token, crate::store::Purpose::Invite)
        .await?;
    Ok(crate::email_routes::link_answer(
        StatusCode::OK,
        json!({ "purpose": "invite", "email": record.address, "expires_at": record.expires_at }),
    ))
}

/// The invitation a registration carries (`token` in the body, or
/// `?token=` as in the mailed link), checked; required with
/// `require_invitation`.
async fn invitation(
    req: &HttpRequest,
    manager: &UserManager,
    body: &mut Body,
) -> Result<Option<crate::store::EmailTokenRecord>, UserError> {
    if !manager.settings.enable_invite_user {
        return Ok(None);
    }
    let in_query = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|query| query.get("token").cloned());
    let token = match body.string("token")? {
        Some(token) => Some(token),
        None => in_query,
    };
    match token {
        Some(token) => Ok(Some(
            manager
                .check_email_token(&token, crate::store::Purpose::Invite)
                .await?
                .0,
        )),
        None if manager.settings.require_invitation => Err(UserError::InvitationRequired),
        None => Ok(None),
    }
}

async fn sign_in(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let mut body = Body::parse(&body)?;
    let login = match body.string("login")? {
        Some(login) => login,
        None => match body.string("email")? {
            Some(email) => email,
            None => body.required("username")?,
        },
    };
    let password = body.password("password")?;
    let remember = body.flag("remember_me")?;
    let mode = SignInMode::parse(body.string("mode")?.as_deref())?;
    body.finish()?;
    if mode != SignInMode::Session && manager.tokens.is_none() {
        return Err(UserError::invalid(
            "mode",
            "must be `session`: API tokens are off",
        ));
    }
    manager.passwords.check_length("password", &password)?;
    manager
        .throttle(&client(&req), manager.settings.client_attempts)
        .await?;
    let login = Login::parse(&login);
    let record = manager.by_login(&login).await?;
    let right = manager.check_sign_in(record.as_ref(), &login, &password).await?;
    // L6: with confirmation required, an unconfirmed account gets no
    // session and no token; the answer is every failed sign-in's (E1).
    let Some(record) = record.filter(|record| right && manager.may_sign_in(record)) else {
        manager.emit(UserEvent::SignInFailed { login: login.key() });
        return Err(UserError::SignInFailed);
    };
    if mode != SignInMode::Tokens {
        let session = req
            .session()
            .ok_or_else(|| UserError::Internal("no session".to_owned()))?;
        auth::sign_in(&manager, &session, &record, remember)?;
    }
    let tokens = match mode {
        SignInMode::Session => None,
        SignInMode::Tokens | SignInMode::Both => Some(manager.issue_tokens(&record).await?),
    };
    let cached = crate::cache::Cached::new(record);
    manager.cache.put(&cached, manager.now());
    let user = Arc::clone(&cached.user);
    let credential = match mode {
        SignInMode::Tokens => Credential::AccessToken,
        _ => Credential::Session,
    };
    auth::refresh(
        &req,
        Some(Authenticated {
            cached,
            user: Arc::clone(&user),
            credential,
        }),
    );
    manager.emit(UserEvent::SignedIn(&user));
    let mut body = json!({ "user": &*user });
    if let Some(tokens) = tokens {
        body["tokens"] = json!(tokens);
    }
    Ok(answer(StatusCode::OK, body))
}

/// What a sign-in hands back: a session cookie (the default), a token
/// pair, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignInMode {
    Session,
    Tokens,
    Both,
}

impl SignInMode {
    fn parse(mode: Option<&str>) -> Result<Self, UserError> {
        match mode {
            None | Some("session") => Ok(Self::Session),
            Some("tokens") => Ok(Self::Tokens),
            Some("both") => Ok(Self::Both),
            Some(_) => Err(UserError::invalid(
                "mode",
                "must be `session`, `tokens` or `both`",
            )),
        }
    }
}

async fn sign_out(req: HttpRequest, manager: web::Data<UserManager>) -> Result<HttpResponse, UserError> {
    // Anyone signed in may sign out, confirmed or not.
    let user = auth::authenticate(&req).await?.map(|found| found.user);
    if let Some(session) = req.session() {
        auth::sign_out(&session);
    }
    auth::refresh(&req, None);
    if let Some(user) = &user {
        manager.emit(UserEvent::SignedOut(user));
    }
    Ok(HttpResponse::NoContent()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

/// The signed-in user's `old_password`, checked like a sign-in (and
/// counted on the account's throttle: a wrong one is a failed attempt).
pub(crate) async fn confirm_current_password(
    manager: &UserManager,
    record: &UserRecord,
    field: &'static str,
    password: &Password,
) -> Result<(), UserError> {
    manager.passwords.check_length(field, password)?;
    if manager.check_current_password(record, password).await? {
        Ok(())
    } else {
        Err(UserError::invalid(field, "is not your current password"))
    }
}

async fn change_password(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut body = Body::parse(&body)?;
    let old = body.password("old_password")?;
    let new = body.password("new_password")?;
    retyped(&manager.settings, &mut body, &new, "new_password")?;
    body.finish()?;
    manager.passwords.check_new("new_password", &new)?;
    confirm_current_password(&manager, record, "old_password", &old).await?;
    let hash = manager.passwords.hash(&new).await?;
    let stamp = random_hex()?;
    let change = Change::Password {
        hash,
        stamp: Some(stamp.clone()),
    };
    if manager.update(&record.id, &change).await? != Update::Done {
        return Err(UserError::Unauthenticated);
    }
    let user = User::from(record);
    manager.emit(UserEvent::PasswordChanged(&user));
    manager
        .notify(kind::PASSWORD_CHANGED, record, json!({ "how": "changed" }))
        .await;
    let mut answered = json!({ "status": "password-changed" });
    match holder.credential {
        Credential::Session => {
            if let Some(session) = req.session() {
                auth::restamp(&session, &stamp)?;
            }
        }
        // Every token of the user has just been revoked, this one too: the
        // client that changed the password gets a new pair.
        Credential::AccessToken => {
            let cached = manager
                .by_id(&record.id)
                .await?
                .ok_or(UserError::Unauthenticated)?;
            answered["tokens"] = json!(manager.issue_tokens(&cached.record).await?);
        }
        Credential::PersonalToken => {}
    }
    Ok(answer(StatusCode::OK, answered))
}

async fn change_username(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut body = Body::parse(&body)?;
    let new = body.required("new_username")?;
    let password = body.password("old_password")?;
    body.finish()?;
    let new = manager.new_username("new_username", &new)?;
    confirm_current_password(&manager, record, "old_password", &password).await?;
    let change = Change::Username {
        shown: new.as_str().to_owned(),
        key: new.key().to_owned(),
    };
    match manager.update(&record.id, &change).await? {
        Update::Done => {}
        Update::NotFound => return Err(UserError::Unauthenticated),
        Update::Taken(field) => return Err(UserError::Taken(field)),
    }
    let old = record.username.clone().unwrap_or_default();
    let mut user = User::from(record);
    user.username = Some(new.as_str().to_owned());
    auth::refresh_user(&req, user.clone());
    manager.emit(UserEvent::UsernameChanged {
        user: &user,
        old: &old,
    });
    if manager.settings.send_username_changed_email {
        let mut renamed = record.clone();
        renamed.username = user.username.clone();
        manager
            .notify(kind::USERNAME_CHANGED, &renamed, json!({ "old_username": old }))
            .await;
    }
    Ok(answer(StatusCode::OK, json!({ "user": user })))
}

async fn edit_profile(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let user = account_holder(&req).await?.user;
    let Body(fields) = Body::parse(&body)?;
    let mut profile = user.profile.clone();
    profile.extend(fields);
    let profile = manager.check_profile(profile)?;
    let change = Change::Profile(profile.clone());
    if manager.update(&user.id, &change).await? != Update::Done {
        return Err(UserError::Unauthenticated);
    }
    let mut user = (*user).clone();
    user.profile = profile;
    auth::refresh_user(&req, user.clone());
    Ok(answer(StatusCode::OK, json!({ "user": user })))
}

async fn current_user(user: CurrentUser) -> HttpResponse {
    answer(StatusCode::OK, json!({ "user": &*user.0 }))
}

async fn openapi(manager: web::Data<UserManager>) -> HttpResponse {
    HttpResponse::Ok().json(&manager.openapi)
}
