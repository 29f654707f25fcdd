//! The 404 helpers: `get_or_404`, `first_or_404`, `one_or_404`.

use std::future::Future;

use sea_orm::{ConnectionTrait, EntityTrait, PrimaryKeyTrait, QuerySelect, Select};

use crate::error::OrmError;

/// The row with primary key `id`, or a 404 problem carrying `description`
/// (Flask-SQLAlchemy's `db.get_or_404`).
///
/// ```no_run
/// # mod todo {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "todo")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// async fn show(session: ext_orm::DbSession) -> Result<String, ext_orm::OrmError> {
///     let todo = ext_orm::get_or_404::<todo::Entity, _>(&session, 7, Some("no such todo")).await?;
///     Ok(format!("{todo:?}"))
/// }
/// ```
pub async fn get_or_404<E, C>(
    db: &C,
    id: impl Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    description: Option<&str>,
) -> Result<E::Model, OrmError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| OrmError::not_found(description))
}

/// `first_or_404` and `one_or_404` on any `Select`.
pub trait SelectOr404<E: EntityTrait>: Sized {
    /// The first row, or 404 (`LIMIT 1`).
    fn first_or_404<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
        description: Option<&'a str>,
    ) -> impl Future<Output = Result<E::Model, OrmError>> + 'a;

    /// Exactly one row; none or several give 404, as SQLAlchemy's
    /// `scalar_one` errors become 404 in Flask-SQLAlchemy.
    fn one_or_404<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
        description: Option<&'a str>,
    ) -> impl Future<Output = Result<E::Model, OrmError>> + 'a;
}

impl<E: EntityTrait> SelectOr404<E> for Select<E> {
    async fn first_or_404<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
        description: Option<&'a str>,
    ) -> Result<E::Model, OrmError> {
        self.one(db)
            .await?
            .ok_or_else(|| OrmError::not_found(description))
    }

    async fn one_or_404<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
        description: Option<&'a str>,
    ) -> Result<E::Model, OrmError> {
        let mut rows = self.limit(2).all(db).await?;
        match (rows.pop(), rows.is_empty()) {
            (Some(row), true) => Ok(row),
            _ => Err(OrmError::not_found(description)),
        }
    }
}
