//! What the stores keep for the email flows: the emailed tokens (only
//! their SHA-256) and the outbox, the mail waiting to be sent.

use std::fmt;

/// What an emailed token is for. A token of one purpose is refused by
/// every endpoint of another (T4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms the address it was sent to.
    ConfirmEmail,
    /// Sets a new password.
    ResetPassword,
    /// Moves the account to the address it was sent to.
    ChangeEmail,
    /// Lets the address it was sent to register (`user_id` is the
    /// inviter's, `email_key` the invited address's).
    Invite,
}

impl Purpose {
    /// The name stored with the token.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ConfirmEmail => "confirm_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
            Purpose::Invite => "invite",
        }
    }
}

/// An emailed token as the store keeps it: the hash of the secret, what it
/// is for, and the state it was issued for. It works once, before
/// `expires_at`, and only while the user's state still matches.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailTokenRecord {
    /// SHA-256 (hex) of the token sent by mail.
    pub token_hash: String,
    /// [`Purpose::as_str`].
    pub purpose: String,
    /// Whose it is.
    pub user_id: String,
    /// The email key it was sent to: the token is void once the user's
    /// address is another.
    pub email_key: String,
    /// The user's session stamp when it was issued: a password change
    /// moves the stamp on, and the token is void (T5).
    pub stamp: String,
    /// When it was issued (seconds since the epoch).
    pub created_at: i64,
    /// When it stops working.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
    /// For [`Purpose::ChangeEmail`]: the new address, as typed (the token
    /// was mailed to it).
    pub address: Option<String>,
}

impl fmt::Debug for EmailTokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailTokenRecord")
            .field("purpose", &self.purpose)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("used_at", &self.used_at)
            .finish_non_exhaustive()
    }
}

/// One message in the outbox. It holds what to send, never a secret: a
/// mail that carries a token gets its token when the worker sends it, so
/// the outbox (and a dump of it) holds none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// 32 hex digits.
    pub id: String,
    /// The template family (`reset_password`, `password_changed`, …).
    pub kind: String,
    /// The address it goes to.
    pub to_address: String,
    /// The user it is about, if any.
    pub user_id: Option<String>,
    /// More for the template, as a JSON object (no secrets).
    pub context: String,
    /// When it was enqueued (seconds since the epoch).
    pub created_at: i64,
    /// When a worker may take it next: enqueue time, then the end of a
    /// worker's lease, then the next retry; [`NEVER`] once given up.
    pub due_at: i64,
    /// How many times a worker took it.
    pub attempts: i64,
}

/// `due_at` of a mail the worker gave up on: kept for an operator to see,
/// never taken again.
pub const NEVER: i64 = i64::MAX;

/// An address of a user's besides the primary one (`enable_multiple_emails`,
/// Flask-User's `UserEmail`). Only a confirmed one signs in or receives a
/// reset link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryEmail {
    /// 32 hex digits.
    pub id: String,
    /// Whose it is.
    pub user_id: String,
    /// As typed (NFKC).
    pub email: String,
    /// Its lookup key, unique among secondary addresses.
    pub email_key: String,
    /// When it was confirmed, if it was.
    pub confirmed_at: Option<i64>,
    /// When it was added.
    pub created_at: i64,
}
