//! What the stores keep about API tokens: refresh tokens (by family, for
//! rotation and replay detection) and personal access tokens. Neither is
//! kept in the clear: a store holds the SHA-256 of the secret part only.

use std::fmt;

/// One refresh-token family: every token rotated from one sign-in. The
/// store keeps the hash of the family's current token only, so rotation is
/// one compare-and-swap: of two uses of one token, one rotates and the
/// other finds the hash moved on, a replay, and the family is revoked for
/// good (the row stays, marked, until it expires).
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    /// 32 hex digits.
    pub family: String,
    /// Whose it is.
    pub user_id: String,
    /// SHA-256 (hex) of the current token's random id.
    pub token_hash: String,
    /// When the family began (seconds since the epoch).
    pub issued_at: i64,
    /// When the current token stops working.
    pub expires_at: i64,
}

impl fmt::Debug for RefreshFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshFamily")
            .field("family", &self.family)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One rotation, for [`super::UserStore::rotate_refresh`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation<'a> {
    /// The family.
    pub family: &'a str,
    /// The hash of the token presented.
    pub from_hash: &'a str,
    /// The hash of its successor.
    pub to_hash: &'a str,
    /// Now.
    pub now: i64,
    /// When the successor stops working.
    pub expires_at: i64,
    /// Families that began at or before this time rotate no more (the
    /// absolute limit since sign-in).
    pub started_after: i64,
}

/// The outcome of a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotated {
    /// The presented token was the family's current one: its successor is
    /// current now.
    Done,
    /// The family has moved on past the presented token: someone holds a
    /// copy. Revoke the family.
    Replayed,
    /// No such family, or it is revoked, expired or past its absolute
    /// limit.
    Unknown,
}

/// A personal access token: named by its user, limited to some of the
/// user's roles, listed and revoked through the API.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonalTokenRecord {
    /// 32 hex digits; shown in lists, part of the token.
    pub id: String,
    /// Whose it is.
    pub user_id: String,
    /// The user's name for it.
    pub name: String,
    /// SHA-256 (hex) of the whole token.
    pub secret_hash: String,
    /// The roles it may use (of those the user still has).
    pub roles: Vec<String>,
    /// The user's stamp when it was made: a password change, a
    /// deactivation or sign-out-everywhere revokes it.
    pub stamp: String,
    /// When it was made (seconds since the epoch).
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
}

impl fmt::Debug for PersonalTokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonalTokenRecord")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}
