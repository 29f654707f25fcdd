//! Flask's `flash` and `get_flashed_messages`: messages kept in the session
//! until the next request that reads them, so they survive one redirect.

use serde::{Deserialize, Serialize};

use super::state::{Session, SessionError};

/// Where the messages wait, as Flask names it.
pub(crate) const FLASHES: &str = "_flashes";

/// One flashed message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashMessage {
    /// Flask's category (`"message"`, `"error"`, `"success"`, …).
    pub category: String,
    /// The text.
    pub message: String,
}

/// Flashes `message` under `category` for the next request that reads them.
///
/// ```
/// # use ext_core::session::{flash, get_flashed_messages, FlashMessage, Session};
/// # fn demo(session: &Session) -> Result<(), ext_core::session::SessionError> {
/// flash(session, "success", "Note saved.")?;
/// // ... redirect; on the next request:
/// let messages = get_flashed_messages(session, &[])?;
/// assert_eq!(messages[0].message, "Note saved.");
/// # Ok(()) }
/// ```
pub fn flash(session: &Session, category: &str, message: impl Into<String>) -> Result<(), SessionError> {
    let mut queued: Vec<FlashMessage> = session.get(FLASHES)?.unwrap_or_default();
    queued.push(FlashMessage {
        category: category.to_owned(),
        message: message.into(),
    });
    session.insert(FLASHES, queued)
}

/// The flashed messages, oldest first, keeping only `categories` when it is
/// not empty. As in Flask, the first call in a request takes every message
/// out of the session (filtered or not); later calls in the same request
/// see the same messages.
pub fn get_flashed_messages(
    session: &Session,
    categories: &[&str],
) -> Result<Vec<FlashMessage>, SessionError> {
    let all = session.take_flashes(|| {
        let queued: Option<Vec<FlashMessage>> = session.get(FLASHES)?;
        if queued.is_some() {
            session.remove(FLASHES);
        }
        Ok(queued.unwrap_or_default())
    })?;
    Ok(all
        .into_iter()
        .filter(|m| categories.is_empty() || categories.contains(&m.category.as_str()))
        .collect())
}
