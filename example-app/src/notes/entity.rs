//! The `note` table.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "note")]
pub struct Model {
    /// Its id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A short title (1 to 200 characters).
    pub title: String,
    /// Free text.
    pub body: String,
}

/// Notes relate to nothing yet.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
