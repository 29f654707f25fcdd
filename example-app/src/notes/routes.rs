//! The notes handlers.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use ext_core::converters::Int;
use ext_core::Problem;
use ext_orm::{get_or_404, DbSession, OrmError, PageArgs, SelectPaginate};
use sea_orm::{ActiveModelTrait, EntityTrait, ModelTrait, QueryOrder, Set};
use serde::Deserialize;

use super::entity::{self as note, Entity as Note};
use crate::ExampleSettings;

/// The largest page a client may ask for.
const MAX_PER_PAGE: u64 = 100;

/// Adds the notes routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/notes")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/notes/{id}")
            .route(web::get().to(show))
            .route(web::delete().to(delete)),
    );
}

async fn list(req: HttpRequest, session: DbSession) -> Result<HttpResponse, OrmError> {
    let page = Note::find()
        .order_by_asc(note::Column::Id)
        .paginate_request(&session, &req, PageArgs::new().max_per_page(MAX_PER_PAGE))
        .await?;
    // A page can hold megabytes: the connection goes back first, and the
    // page is serialised off the worker, so other requests go on.
    session.rollback().await?;
    page.respond(&req).await
}

async fn show(session: DbSession, id: web::Path<Int>) -> Result<HttpResponse, OrmError> {
    let found = get_or_404::<Note, _>(&session, id.into_inner().0, Some("no note with this id")).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// A new note, as posted.
#[derive(Debug, Deserialize)]
struct NewNote {
    title: String,
    #[serde(default)]
    body: String,
}

/// A note that fails validation: 422 naming the field and the reason.
#[derive(Debug, thiserror::Error)]
#[error("`{field}` {reason}")]
struct Invalid {
    field: &'static str,
    reason: String,
}

impl ResponseError for Invalid {
    fn status_code(&self) -> StatusCode {
        StatusCode::UNPROCESSABLE_ENTITY
    }

    fn error_response(&self) -> HttpResponse {
        Problem::typed("invalid-note", self.status_code(), "Invalid note")
            .with_detail(self.to_string())
            .with_extension("field", self.field)
            .to_response()
    }
}

impl NewNote {
    /// The note as it is stored (title trimmed), or what is wrong with it.
    /// Every limit is checked here, before the database sees the value: a
    /// NUL is refused by PostgreSQL's `text` (a 500) and a body past 64 KiB
    /// by MariaDB's `TEXT`.
    fn validate(self, limits: &ExampleSettings) -> Result<(String, String), Invalid> {
        let title = self.title.trim();
        let length = title.chars().count();
        if length == 0 || length > limits.note_title_max {
            return Err(Invalid {
                field: "title",
                reason: format!("must have 1 to {} characters", limits.note_title_max),
            });
        }
        for (field, text) in [("title", title), ("body", self.body.as_str())] {
            if text.contains('\0') {
                return Err(Invalid {
                    field,
                    reason: "must not contain a NUL character".to_owned(),
                });
            }
        }
        if self.body.len() > limits.note_body_max {
            return Err(Invalid {
                field: "body",
                reason: format!("must have at most {} bytes of UTF-8", limits.note_body_max),
            });
        }
        Ok((title.to_owned(), self.body))
    }
}

async fn create(
    new: web::Json<NewNote>,
    limits: web::Data<ExampleSettings>,
    session: DbSession,
) -> Result<HttpResponse, actix_web::Error> {
    let (title, body) = new.into_inner().validate(&limits)?;
    let saved = note::ActiveModel {
        title: Set(title),
        body: Set(body),
        ..Default::default()
    }
    .insert(&session)
    .await
    .map_err(OrmError::from)?;
    session.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/notes/{}", saved.id)))
        .json(saved))
}

/// Deletes the note, then its attachments while the row's deletion is
/// still uncommitted: an upload finishing meanwhile waits for the row (see
/// `attachments::upload`) and removes its own file, and a MongoDB failure
/// rolls the note back, so a retry can finish the job.
async fn delete(
    req: HttpRequest,
    session: DbSession,
    id: web::Path<Int>,
) -> Result<HttpResponse, actix_web::Error> {
    let id = id.into_inner().0;
    let found = get_or_404::<Note, _>(&session, id, Some("no note with this id")).await?;
    found.delete(&session).await.map_err(OrmError::from)?;
    crate::attachments::delete_all(&req, id).await?;
    session.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
