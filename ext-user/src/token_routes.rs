//! The token endpoints: refresh, revoke, sign out everywhere, and
//! personal access tokens (list, make, revoke). Mounted only with
//! `enable_api_tokens`, except sign-out-everywhere, which ends sessions
//! too.

use actix_web::http::header::CACHE_CONTROL;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use ext_core::session::SessionExt;
use serde_json::json;

use crate::auth::{self, account_holder};
use crate::body::Body;
use crate::events::UserEvent;
use crate::routes::{answer, confirm_current_password, method_not_allowed};
use crate::{UserError, UserManager, UserSettings};

pub(crate) fn configure(settings: &UserSettings, cfg: &mut web::ServiceConfig) {
    let post_only = || web::to(|| async { method_not_allowed("POST") });
    cfg.service(
        web::resource(&settings.sign_out_everywhere_url)
            .route(web::post().to(sign_out_everywhere))
            .default_service(post_only()),
    );
    if !settings.enable_api_tokens {
        return;
    }
    cfg.service(
        web::resource(&settings.token_refresh_url)
            .route(web::post().to(refresh))
            .default_service(post_only()),
    );
    cfg.service(
        web::resource(&settings.token_revoke_url)
            .route(web::post().to(revoke))
            .default_service(post_only()),
    );
    cfg.service(
        web::resource(&settings.personal_tokens_url)
            .route(web::get().to(list_personal))
            .route(web::post().to(create_personal))
            .default_service(web::to(|| async { method_not_allowed("GET, HEAD, POST") })),
    );
    cfg.service(
        web::resource(format!("{}/{{id}}", settings.personal_tokens_url))
            .route(web::delete().to(delete_personal))
            .default_service(web::to(|| async { method_not_allowed("DELETE") })),
    );
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

/// `refresh_token` from a JSON body, and nothing else.
fn refresh_token(body: &[u8]) -> Result<String, UserError> {
    let mut body = Body::parse(body)?;
    let token = body.required("refresh_token")?;
    body.finish()?;
    Ok(token)
}

async fn refresh(manager: web::Data<UserManager>, body: web::Bytes) -> Result<HttpResponse, UserError> {
    let token = refresh_token(&body)?;
    let pair = manager.refresh_tokens(&token).await?;
    Ok(answer(StatusCode::OK, json!({ "tokens": pair })))
}

async fn revoke(manager: web::Data<UserManager>, body: web::Bytes) -> Result<HttpResponse, UserError> {
    let token = refresh_token(&body)?;
    manager.revoke_refresh(&token).await?;
    Ok(no_content())
}

async fn sign_out_everywhere(
    req: HttpRequest,
    manager: web::Data<UserManager>,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    manager.revoke_all(&holder.cached.record.id).await?;
    if let Some(session) = req.session() {
        auth::sign_out(&session);
    }
    auth::refresh(&req, None);
    manager.emit(UserEvent::SignedOutEverywhere(&holder.user));
    Ok(no_content())
}

async fn list_personal(req: HttpRequest, manager: web::Data<UserManager>) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let tokens = manager.personal_tokens(&holder.cached.record.id).await?;
    Ok(answer(StatusCode::OK, json!({ "tokens": tokens })))
}

async fn create_personal(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    body: web::Bytes,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    let record = &holder.cached.record;
    let mut body = Body::parse(&body)?;
    let name = body.required("name")?;
    let password = body.password("password")?;
    let roles = body.strings("roles")?;
    let days = body.integer("expires_in_days")?;
    body.finish()?;
    // A token outlives sessions: making one asks for the password again.
    confirm_current_password(&manager, record, "password", &password).await?;
    let (listed, token) = manager.create_personal(record, name, roles, days).await?;
    Ok(answer(
        StatusCode::CREATED,
        json!({ "token": token, "access_token": listed }),
    ))
}

async fn delete_personal(
    req: HttpRequest,
    manager: web::Data<UserManager>,
    id: web::Path<String>,
) -> Result<HttpResponse, UserError> {
    let holder = account_holder(&req).await?;
    if manager.delete_personal(&holder.cached.record.id, &id).await? {
        Ok(no_content())
    } else {
        Err(UserError::TokenNotFound)
    }
}
