//! GridFS: Flask-PyMongo's `save_file` and `send_file`, streaming both ways.

mod conditional;
mod delete;
mod file;
mod name;
mod range;
mod save;
mod send;
mod write;

pub use self::delete::{delete_files, sweep_orphan_chunks};
pub use self::name::check_file_name;
pub use self::save::{save_file, save_payload, SaveFile};
pub use self::send::{send_file, SendFile};
