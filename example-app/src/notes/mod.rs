//! Notes: a paginated resource on ext-orm (SQLite by default, PostgreSQL or
//! MariaDB from `[sqlalchemy]` / `DATABASE_URL`).
//!
//! | route | answer |
//! |---|---|
//! | `GET /notes?page=&per_page=` | a page of notes (JSON envelope, `Link` header), at most 100 per page |
//! | `POST /notes` | creates a note from `{"title", "body"}`: 201 with `Location` |
//! | `GET /notes/{id}` | one note, or a 404 problem |
//! | `DELETE /notes/{id}` | 204, or a 404 problem |

pub mod entity;
pub mod migration;
mod routes;

pub use self::routes::routes;
