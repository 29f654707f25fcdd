//! GridFS: Flask-PyMongo's `save_file` and `send_file`, streaming both ways.

mod conditional;
mod file;
mod range;
mod save;
mod send;

pub use self::save::{save_file, save_payload, SaveFile};
pub use self::send::{send_file, SendFile};
