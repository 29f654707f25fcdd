//! Several addresses per user (`enable_multiple_emails`, Flask-User's
//! `UserEmail`): the primary one in the user's record, the others in the
//! store's secondary addresses. A secondary address counts (signs in,
//! gets reset links) only once its mailed link confirmed it (L3); adding
//! one, deleting one and making one primary need the password in the same
//! request (L2).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::{self, account_holder};
use crate::body::Body;
use crate::email_routes::requested;
use crate::mail::kind;
use crate::manager::random_hex;
use crate::routes::{answer, confirm_current_password, method_not_allowed};
use crate::store::{Change, DynUserStore, Insert, SecondaryEmail, Update, UserRecord};
use crate::{User, UserError, UserManager, UserSettings};

/// Mounts the endpoints when the feature is on.
pub(crate) fn configure(settings: &UserSettings, cfg: &mut web::ServiceConfig) {
    if !settings.enable_multiple_emails {
        return;
    }
    cfg.service(
        web::resource(settings.manage_emails_url.clone())
            .route(web::get().to(list))
            .route(web::post().to(add))
            .default_service(web::to(|| async { method_not_allowed("GET, HEAD, POST") })),
    );
    cfg.service(
        web::resource(format!("{}/{{id}}/{{action}}", settings.email_action_url))
            .route(web::post().to(act))
            .default_service(web::to(|| async { method_not_allowed("POST") })),
    );
}

/// Whether `key` is one of `user`'s addresses that may receive a link:
/// the primary, or a secondary one (confirmed, unless `confirming`: the
/// link that confirms it).
pub(crate) async fn owns_address(
    store: &dyn DynUserStore,
    settings: &UserSettings,
    user: &UserRecord,
    key: &str,
    confirming: bool,
) -> Result<bool, UserError> {
    if user.email_key.as_deref() == Some(key) {
        return Ok(true);
    }
    if !settings.enable_multiple_emails {
        return Ok(false);
    }
    let secondary = store.secondary_by_key(key).await.map_err(UserError::Store)?;
    Ok(secondary
        .is_some_and(|email| email.user_id == user.id && (confirming || email.confirmed_at.is_some())))
}

impl UserManager {
    /// The user's confirmed secondary address whose key is `key`.
    pub(crate) async fn confirmed_secondary(&self, key: &str) -> Result<Option<SecondaryEmail>, UserError> {
        if !self.settings.enable_multiple_emails {
            return Ok(None);
        }
        Ok(self
            .store
            .secondary_by_key(key)
            .await
            .map_err(UserError::Store)?
            .filter(|email| email.confirmed_at.is_some()))
    }
}

async fn list(req: HttpRequest, manager: web::Data<UserManager>) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut emails = vec![json!({
        "id": null, "email": record.email, "primary": true, "confirmed_at": record.email_confirmed_at,
    })];
    for email in manager
        .store
        .secondaries_of(&record.id)
        .await
        .map_err(UserError::Store)?
    {
        emails.push(json!({
            "id": email.id, "email": email.email, "primary": false, "confirmed_at": email.confirmed_at,
        }));
    }
    Ok(answer(StatusCode::OK, json!({ "emails": emails })))
}

const ADDED: &str = "Unless another account has the address, a link to confirm it is on its way.";

async fn add(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut body = Body::parse(&body)?;
    let email = body.email("email")?;
    let password = body.password("password")?;
    body.finish()?;
    confirm_current_password(&manager, record, "password", &password).await?;
    manager.count_mail(&req, email.key()).await?;
    // The same answer whether or not another account has it: then nothing
    // is added and nothing sent.
    let primary_elsewhere = manager
        .store
        .by_email(email.key())
        .await
        .map_err(UserError::Store)?
        .is_some();
    if !primary_elsewhere {
        let secondary = SecondaryEmail {
            id: random_hex()?,
            user_id: record.id.clone(),
            email: email.as_str().to_owned(),
            email_key: email.key().to_owned(),
            confirmed_at: None,
            created_at: manager.now(),
        };
        if manager
            .store
            .insert_secondary(&secondary)
            .await
            .map_err(UserError::Store)?
            == Insert::Created
        {
            manager
                .send_mail(kind::CONFIRM_EMAIL, email.as_str(), Some(record))
                .await?;
        }
    }
    Ok(requested(ADDED))
}

async fn act(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let (id, action) = path.into_inner();
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut body = Body::parse(&body)?;
    let password = body.password("password")?;
    body.finish()?;
    let not_found = || UserError::invalid("id", "is not one of your other addresses");
    let secondary = manager
        .store
        .secondaries_of(&record.id)
        .await
        .map_err(UserError::Store)?
        .into_iter()
        .find(|email| email.id == id);
    if !matches!(action.as_str(), "delete" | "make-primary") {
        return Err(UserError::invalid("action", "must be `delete` or `make-primary`"));
    }
    let secondary = secondary.ok_or_else(not_found)?;
    confirm_current_password(&manager, record, "password", &password).await?;
    if action == "delete" {
        manager
            .store
            .delete_secondary(&record.id, &secondary.id)
            .await
            .map_err(UserError::Store)?;
        return Ok(answer(StatusCode::OK, json!({ "status": "deleted" })));
    }
    let Some(confirmed_at) = secondary.confirmed_at else {
        return Err(UserError::invalid(
            "id",
            "is not confirmed yet: follow the link mailed to it first",
        ));
    };
    // The secondary becomes primary, and the primary a (confirmed)
    // secondary. Three writes: a failure between them loses the old
    // primary from the list, never the account's access.
    let change = Change::Email {
        shown: secondary.email.clone(),
        key: secondary.email_key.clone(),
        confirmed_at,
    };
    match manager.update(&record.id, &change).await? {
        Update::Done => {}
        Update::NotFound => return Err(UserError::Unauthenticated),
        Update::Taken(field) => return Err(UserError::Taken(field)),
    }
    manager
        .store
        .delete_secondary(&record.id, &secondary.id)
        .await
        .map_err(UserError::Store)?;
    if let (Some(email), Some(key)) = (&record.email, &record.email_key) {
        let old = SecondaryEmail {
            id: random_hex()?,
            user_id: record.id.clone(),
            email: email.clone(),
            email_key: key.clone(),
            confirmed_at: record.email_confirmed_at.or(Some(manager.now())),
            created_at: manager.now(),
        };
        manager
            .store
            .insert_secondary(&old)
            .await
            .map_err(UserError::Store)?;
    }
    manager
        .notify(
            kind::EMAIL_CHANGED,
            record,
            json!({ "new_email": secondary.email }),
        )
        .await;
    let mut moved = record.clone();
    moved.email = Some(secondary.email);
    moved.email_key = Some(secondary.email_key);
    moved.email_confirmed_at = Some(confirmed_at);
    let user = User::from(&moved);
    auth::refresh_user(&req, user.clone());
    Ok(answer(
        StatusCode::OK,
        json!({ "status": "made-primary", "user": user }),
    ))
}
