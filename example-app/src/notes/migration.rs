//! The example's migrations, run by `example-app migrate` or at start-up
//! when `[example] migrate = true` (the default).
//!
//! Each migration has a dated name of its own, written out rather than
//! derived: sea-orm-migration's derive names a migration after its file,
//! so two in one file would share a name and the second would never run on
//! a database that applied the first. Databases that applied the first
//! migration under its old derived name (`migration`) are renamed by
//! [`rename_legacy`] before the migrator looks.

use sea_orm_migration::prelude::*;

/// Every migration of the example, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateNote)]
    }
}

/// Names recorded by earlier versions, with the name each has now.
const LEGACY_NAMES: [(&str, &str); 1] = [("migration", CREATE_NOTE)];

/// The migrator's own table (sea-orm-migration's default).
const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// Rewrites applied migrations' legacy names to their dated ones, so that
/// the migrator sees them as applied rather than as missing files.
pub async fn rename_legacy(conn: &sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    let manager = SchemaManager::new(conn);
    if !manager.has_table(MIGRATIONS_TABLE).await? {
        return Ok(());
    }
    for (old, new) in LEGACY_NAMES {
        let rename = Query::update()
            .table(MIGRATIONS_TABLE)
            .value("version", new)
            .and_where(Expr::col("version").eq(old))
            .to_owned();
        conn.execute(&rename).await?;
    }
    Ok(())
}

/// The name of [`CreateNote`].
const CREATE_NOTE: &str = "m20260301_000001_create_note";

/// Creates `note`.
#[derive(Debug)]
struct CreateNote;

impl MigrationName for CreateNote {
    fn name(&self) -> &str {
        CREATE_NOTE
    }
}

#[async_trait::async_trait]
#[allow(elided_lifetimes_in_paths)] // as sea-orm-migration's trait declares it
impl MigrationTrait for CreateNote {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("note")
                    .if_not_exists()
                    .col(
                        ColumnDef::new("id")
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new("title").string_len(200).not_null())
                    .col(ColumnDef::new("body").text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("note").to_owned()).await
    }
}
