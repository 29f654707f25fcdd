//! The example's migrations, run by `example-app migrate` or at start-up
//! when `[example] migrate = true` (the default).

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

/// Creates `note`.
#[derive(Debug, DeriveMigrationName)]
struct CreateNote;

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
