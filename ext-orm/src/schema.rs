//! `create_all` and `drop_all` for the entities registered on each bind.
//!
//! sea-orm's `SchemaBuilder::apply` fails when a table already exists
//! (sea-orm #2810), so this orders the tables itself: parents before the
//! tables whose foreign keys point at them, each created only if missing,
//! as SQLAlchemy's `checkfirst` does.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use sea_orm::sea_query::{IndexCreateStatement, Table, TableCreateStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Schema};
use sea_orm_migration::SchemaManager;

type CreateFn = dyn Fn(DbBackend) -> (TableCreateStatement, Vec<IndexCreateStatement>) + Send + Sync;

/// An entity registered for `create_all`, type-erased.
#[derive(Clone)]
pub struct EntityDef {
    table: String,
    create: Arc<CreateFn>,
}

impl fmt::Debug for EntityDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EntityDef").field(&self.table).finish()
    }
}

impl EntityDef {
    /// The definition of `E`'s table and indexes.
    pub fn of<E: EntityTrait + Default>() -> Self {
        EntityDef {
            table: E::default().table_name().to_owned(),
            create: Arc::new(|backend| {
                let schema = Schema::new(backend);
                (
                    schema.create_table_from_entity(E::default()),
                    schema.create_index_from_entity(E::default()),
                )
            }),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Orders `entities` so that every table comes after the tables it
/// references; references to tables outside the list are ignored, and a
/// cycle keeps registration order for the tables in it.
fn ordered(
    entities: &[EntityDef],
    backend: DbBackend,
) -> Vec<(String, TableCreateStatement, Vec<IndexCreateStatement>)> {
    let mut pending: Vec<_> = entities
        .iter()
        .map(|entity| {
            let (table, indexes) = (entity.create)(backend);
            let parents: BTreeSet<String> = table
                .get_foreign_key_create_stmts()
                .iter()
                .filter_map(|fk| fk.get_foreign_key().get_ref_table())
                .map(|table| table.sea_orm_table().to_string())
                .filter(|parent| parent != &entity.table && entities.iter().any(|e| &e.table == parent))
                .collect();
            (entity.table.clone(), table, indexes, parents)
        })
        .collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, _, _, parents)| parents.is_subset(&done))
            .unwrap_or(0);
        let (name, table, indexes, _) = pending.remove(ready);
        done.insert(name.clone());
        out.push((name, table, indexes));
    }
    out
}

/// Creates the tables (and their indexes) that do not exist yet, parents
/// first. Safe to run twice.
pub async fn create_all(db: &DatabaseConnection, entities: &[EntityDef]) -> Result<(), DbErr> {
    let manager = SchemaManager::new(db);
    for (name, mut table, indexes) in ordered(entities, db.get_database_backend()) {
        if manager.has_table(&name).await? {
            continue;
        }
        db.execute(table.if_not_exists()).await?;
        for index in indexes {
            db.execute(&index).await?;
        }
    }
    Ok(())
}

/// Drops the tables that exist, children first. Safe to run twice.
pub async fn drop_all(db: &DatabaseConnection, entities: &[EntityDef]) -> Result<(), DbErr> {
    for (name, _, _) in ordered(entities, db.get_database_backend()).into_iter().rev() {
        db.execute(
            Table::drop()
                .table(sea_orm::sea_query::Alias::new(name))
                .if_exists(),
        )
        .await?;
    }
    Ok(())
}
