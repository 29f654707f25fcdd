//! Where users live: the [`UserStore`] trait, and its implementations on
//! ext-orm (feature `orm`) and ext-mongo (feature `mongo`).
//!
//! A store keeps user records, their roles, the throttle counters, the
//! API tokens' and emailed tokens' records (hashed) and the mail outbox. It
//! looks users up by exact key only (the normalised email or username,
//! never a pattern), and its database enforces uniqueness of both keys, so
//! that two registrations racing for one address make one user.

mod mail;
#[cfg(feature = "mongo")]
mod mongo;
#[cfg(feature = "mongo")]
mod mongo_mail;
#[cfg(feature = "orm")]
mod sql;
#[cfg(feature = "orm")]
mod sql_mail;
mod tokens;

use std::fmt;
use std::future::Future;

use ext_core::BoxError;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

pub use self::mail::{EmailTokenRecord, OutboxMail, Purpose, SecondaryEmail, NEVER};
#[cfg(feature = "mongo")]
pub use self::mongo::MongoUserStore;
#[cfg(feature = "orm")]
pub use self::sql::SqlUserStore;
pub use self::tokens::{PersonalTokenRecord, RefreshFamily, Rotated, Rotation};

/// A user as the store keeps it. `password_hash` and `stamp` never leave
/// ext-user: [`crate::User`] is what handlers see.
#[derive(Clone, PartialEq)]
pub struct UserRecord {
    /// 32 hex digits from the OS's random source.
    pub id: String,
    /// The email as typed (NFKC).
    pub email: Option<String>,
    /// Its lookup key (lower case), unique.
    pub email_key: Option<String>,
    /// The username as typed (NFKC).
    pub username: Option<String>,
    /// Its lookup key (lower case), unique.
    pub username_key: Option<String>,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Changes whenever every session of the user must end (a password
    /// change, a deactivation); sessions carry the value they began with.
    pub stamp: String,
    /// Embedded in access and refresh tokens, which stop working when it
    /// moves on: every stamp change moves it, and so does taking a role
    /// away (a token's holder may have relied on the role).
    pub token_version: i64,
    /// Deactivated users cannot sign in, and their sessions end.
    pub active: bool,
    /// When the email was confirmed (seconds since the epoch).
    pub email_confirmed_at: Option<i64>,
    /// Role names, compared exactly.
    pub roles: Vec<String>,
    /// The app's own fields.
    pub profile: Map<String, Value>,
    /// When the user registered (seconds since the epoch).
    pub created_at: i64,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("active", &self.active)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// Which unique identifier a write collided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `email_key`.
    Email,
    /// `username_key`.
    Username,
}

/// The outcome of [`UserStore::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    /// The user exists now.
    Created,
    /// Another user has this identifier; nothing was written.
    Taken(Field),
}

/// One change to a user, applied atomically by [`UserStore::update`].
#[derive(Clone, PartialEq)]
pub enum Change {
    /// A new password hash; `stamp` is set when other sessions must end
    /// (a change, not a rehash), and then the token version moves on.
    Password {
        /// The new PHC string.
        hash: String,
        /// The new stamp, if any.
        stamp: Option<String>,
    },
    /// A new username.
    Username {
        /// As typed.
        shown: String,
        /// Its key.
        key: String,
    },
    /// The app's fields, replaced whole.
    Profile(Map<String, Value>),
    /// Activate or deactivate, with a new stamp (and token version).
    Active {
        /// The new state.
        active: bool,
        /// The new stamp.
        stamp: String,
    },
    /// Adds a role (no-op if present).
    AddRole(String),
    /// Removes a role (no-op if absent) and moves the token version on.
    RemoveRole(String),
    /// Ends every session and token of the user: a new stamp, the token
    /// version moved on.
    RevokeAll {
        /// The new stamp.
        stamp: String,
    },
    /// A new email address, confirmed at `confirmed_at`; moves the token
    /// version on.
    Email {
        /// As typed.
        shown: String,
        /// Its key.
        key: String,
        /// When it was confirmed.
        confirmed_at: i64,
    },
    /// The email address was confirmed at this time.
    EmailConfirmed {
        /// Seconds since the epoch.
        at: i64,
    },
}

impl fmt::Debug for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Password { .. } => f.write_str("Password(<redacted>)"),
            Change::Username { shown, .. } => f.debug_tuple("Username").field(shown).finish(),
            Change::Profile(profile) => f.debug_tuple("Profile").field(&profile.len()).finish(),
            Change::Active { active, .. } => f.debug_tuple("Active").field(active).finish(),
            Change::AddRole(role) => f.debug_tuple("AddRole").field(role).finish(),
            Change::RemoveRole(role) => f.debug_tuple("RemoveRole").field(role).finish(),
            Change::RevokeAll { .. } => f.write_str("RevokeAll"),
            Change::EmailConfirmed { at } => f.debug_tuple("EmailConfirmed").field(at).finish(),
            Change::Email { shown, .. } => f.debug_tuple("Email").field(shown).finish(),
        }
    }
}

/// The outcome of [`UserStore::update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// Applied.
    Done,
    /// No user has this id.
    NotFound,
    /// The new username or email is taken; nothing was written.
    Taken(Field),
}

/// A throttle counter after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// Hits in the current window, this one included.
    pub count: u32,
    /// When the window ends (seconds since the epoch).
    pub window_ends: i64,
}

/// A place to keep users, as axum-login's backends: an associated error
/// type and `Send` futures, so a store of your own plugs in with
/// [`crate::Users::store`].
pub trait UserStore: Send + Sync + 'static {
    /// What the store fails with; logged, answered as a 503.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Creates tables and indexes if missing; runs at start-up.
    fn prepare(&self) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The highest cost among the bcrypt hashes the store holds (users
    /// imported from Flask-User who have not signed in since), read at
    /// start-up so that every sign-in takes as long as theirs. A store
    /// that never holds bcrypt hashes keeps the default, `None`.
    fn max_bcrypt_cost(&self) -> impl Future<Output = Result<Option<u32>, Self::Error>> + Send {
        async { Ok(None) }
    }

    /// Inserts `user`, unless its email or username key is taken, and
    /// enqueues `mail` with it (in one transaction where the store has
    /// them: no account without its confirmation mail).
    fn insert(
        &self,
        user: &UserRecord,
        mail: &[OutboxMail],
    ) -> impl Future<Output = Result<Insert, Self::Error>> + Send;

    /// The user with this id.
    fn by_id(&self, id: &str) -> impl Future<Output = Result<Option<UserRecord>, Self::Error>> + Send;

    /// The user whose `email_key` is exactly `key`.
    fn by_email(&self, key: &str) -> impl Future<Output = Result<Option<UserRecord>, Self::Error>> + Send;

    /// The user whose `username_key` is exactly `key`.
    fn by_username(&self, key: &str) -> impl Future<Output = Result<Option<UserRecord>, Self::Error>> + Send;

    /// Applies `change` to the user `id`.
    fn update(&self, id: &str, change: &Change) -> impl Future<Output = Result<Update, Self::Error>> + Send;

    /// Counts one hit on the throttle counter `key`, atomically: a window
    /// of `window` seconds starts at the first hit after the last one
    /// ended.
    fn hit(&self, key: &str, now: i64, window: i64)
        -> impl Future<Output = Result<Hits, Self::Error>> + Send;

    /// Forgets the counter `key`.
    fn forget_hits(&self, key: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Keeps a new refresh-token family, and drops the user's expired
    /// ones.
    fn start_refresh(
        &self,
        family: &RefreshFamily,
        now: i64,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Moves the family from one token to its successor, atomically (a
    /// compare-and-swap on the current hash), unless it is revoked or
    /// expired.
    fn rotate_refresh(
        &self,
        rotation: &Rotation<'_>,
    ) -> impl Future<Output = Result<Rotated, Self::Error>> + Send;

    /// Revokes `family` for good: no token of it rotates again.
    fn revoke_family(&self, family: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Drops every refresh-token family of the user.
    fn revoke_refresh_of(&self, user_id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Keeps a new personal access token.
    fn insert_personal(
        &self,
        token: &PersonalTokenRecord,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The personal access token whose `secret_hash` is exactly this.
    fn personal_by_hash(
        &self,
        secret_hash: &str,
    ) -> impl Future<Output = Result<Option<PersonalTokenRecord>, Self::Error>> + Send;

    /// The user's personal access tokens, oldest first.
    fn personal_of(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Vec<PersonalTokenRecord>, Self::Error>> + Send;

    /// Deletes the user's token `id`; false when they have none of that id.
    fn delete_personal(
        &self,
        user_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Keeps a new emailed token, and voids the older tokens of the same
    /// purpose and the same user, or for invitations ([`Purpose::Invite`])
    /// the same invited address: the newest link is the one that works.
    fn insert_email_token(
        &self,
        token: &EmailTokenRecord,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// The emailed token whose `token_hash` is exactly this.
    fn email_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<EmailTokenRecord>, Self::Error>> + Send;

    /// Marks the token used, atomically: true for exactly one caller, and
    /// only while it is unused and unexpired at `now`.
    fn use_email_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Voids every invitation to the address whose key is `email_key`;
    /// how many there were.
    fn revoke_invitations(&self, email_key: &str) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// Adds a secondary address, unless another secondary address has its
    /// key (then `Taken(Email)`, nothing written).
    fn insert_secondary(
        &self,
        email: &SecondaryEmail,
    ) -> impl Future<Output = Result<Insert, Self::Error>> + Send;

    /// The secondary address whose key is exactly `email_key`.
    fn secondary_by_key(
        &self,
        email_key: &str,
    ) -> impl Future<Output = Result<Option<SecondaryEmail>, Self::Error>> + Send;

    /// The user's secondary addresses, oldest first.
    fn secondaries_of(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Vec<SecondaryEmail>, Self::Error>> + Send;

    /// Marks the user's secondary address `id` confirmed; false when they
    /// have none of that id.
    fn confirm_secondary(
        &self,
        user_id: &str,
        id: &str,
        at: i64,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Deletes the user's secondary address `id`; false when they have
    /// none of that id.
    fn delete_secondary(
        &self,
        user_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Adds a message to the outbox.
    fn enqueue_mail(&self, mail: &OutboxMail) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Takes up to `limit` messages due at `now` for one worker: each
    /// becomes due again only at `lease_until` (a compare-and-swap on its
    /// `due_at`, so two workers never take one message), with one more
    /// attempt counted. The messages come back with `due_at` =
    /// `lease_until`.
    fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxMail>, Self::Error>> + Send;

    /// Removes a sent message, if the worker's lease still holds it.
    fn finish_mail(&self, id: &str, lease_until: i64)
        -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Makes a message due again at `due_at` (a retry, or [`NEVER`]) after
    /// a failure, keeping its text, if the worker's lease still holds it.
    fn defer_mail(
        &self,
        id: &str,
        lease_until: i64,
        due_at: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// [`UserStore`] with its types erased, so the app holds any store.
pub(crate) trait DynUserStore: Send + Sync + 'static {
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>>;
    fn max_bcrypt_cost(&self) -> BoxFuture<'_, Result<Option<u32>, BoxError>>;
    fn insert<'a>(
        &'a self,
        user: &'a UserRecord,
        mail: &'a [OutboxMail],
    ) -> BoxFuture<'a, Result<Insert, BoxError>>;
    fn by_id<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>, BoxError>>;
    fn by_email<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>, BoxError>>;
    fn by_username<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>, BoxError>>;
    fn update<'a>(&'a self, id: &'a str, change: &'a Change) -> BoxFuture<'a, Result<Update, BoxError>>;
    fn hit<'a>(&'a self, key: &'a str, now: i64, window: i64) -> BoxFuture<'a, Result<Hits, BoxError>>;
    fn forget_hits<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;
    fn start_refresh<'a>(
        &'a self,
        family: &'a RefreshFamily,
        now: i64,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
    fn rotate_refresh<'a>(&'a self, rotation: &'a Rotation<'a>) -> BoxFuture<'a, Result<Rotated, BoxError>>;
    fn revoke_family<'a>(&'a self, family: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;
    fn revoke_refresh_of<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), BoxError>>;
    fn insert_personal<'a>(&'a self, token: &'a PersonalTokenRecord) -> BoxFuture<'a, Result<(), BoxError>>;
    fn personal_by_hash<'a>(
        &'a self,
        secret_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<PersonalTokenRecord>, BoxError>>;
    fn personal_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<PersonalTokenRecord>, BoxError>>;
    fn delete_personal<'a>(&'a self, user_id: &'a str, id: &'a str) -> BoxFuture<'a, Result<bool, BoxError>>;
    fn insert_email_token<'a>(&'a self, token: &'a EmailTokenRecord) -> BoxFuture<'a, Result<(), BoxError>>;
    fn email_token<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<EmailTokenRecord>, BoxError>>;
    fn use_email_token<'a>(&'a self, token_hash: &'a str, now: i64) -> BoxFuture<'a, Result<bool, BoxError>>;
    fn revoke_invitations<'a>(&'a self, email_key: &'a str) -> BoxFuture<'a, Result<u64, BoxError>>;
    fn insert_secondary<'a>(&'a self, email: &'a SecondaryEmail) -> BoxFuture<'a, Result<Insert, BoxError>>;
    fn secondary_by_key<'a>(
        &'a self,
        email_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecondaryEmail>, BoxError>>;
    fn secondaries_of<'a>(&'a self, user_id: &'a str)
        -> BoxFuture<'a, Result<Vec<SecondaryEmail>, BoxError>>;
    fn confirm_secondary<'a>(
        &'a self,
        user_id: &'a str,
        id: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<bool, BoxError>>;
    fn delete_secondary<'a>(&'a self, user_id: &'a str, id: &'a str)
        -> BoxFuture<'a, Result<bool, BoxError>>;
    fn enqueue_mail<'a>(&'a self, mail: &'a OutboxMail) -> BoxFuture<'a, Result<(), BoxError>>;
    fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> BoxFuture<'_, Result<Vec<OutboxMail>, BoxError>>;
    fn finish_mail<'a>(&'a self, id: &'a str, lease_until: i64) -> BoxFuture<'a, Result<(), BoxError>>;
    fn defer_mail<'a>(
        &'a self,
        id: &'a str,
        lease_until: i64,
        due_at: i64,
        error: &'a str,
    ) -> BoxFuture<'a, Result<(), BoxError>>;
}

fn boxed<T>(result: Result<T, impl std::error::Error + Send + Sync + 'static>) -> Result<T, BoxError> {
    result.map_err(|error| Box::new(error) as BoxError)
}

impl<S: UserStore> DynUserStore for S {
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::prepare(self).await) })
    }
    fn max_bcrypt_cost(&self) -> BoxFuture<'_, Result<Option<u32>, BoxError>> {
        Box::pin(async move { boxed(UserStore::max_bcrypt_cost(self).await) })
    }
    fn insert<'a>(
        &'a self,
        user: &'a UserRecord,
        mail: &'a [OutboxMail],
    ) -> BoxFuture<'a, Result<Insert, BoxError>> {
        Box::pin(async move { boxed(UserStore::insert(self, user, mail).await) })
    }
    fn by_id<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>, BoxError>> {
        Box::pin(async move { boxed(UserStore::by_id(self, id).await) })
    }
    fn by_email<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>, BoxError>> {
        Box::pin(async move { boxed(UserStore::by_email(self, key).await) })
    }
    fn by_username<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<UserRecord>, BoxError>> {
        Box::pin(async move { boxed(UserStore::by_username(self, key).await) })
    }
    fn update<'a>(&'a self, id: &'a str, change: &'a Change) -> BoxFuture<'a, Result<Update, BoxError>> {
        Box::pin(async move { boxed(UserStore::update(self, id, change).await) })
    }
    fn hit<'a>(&'a self, key: &'a str, now: i64, window: i64) -> BoxFuture<'a, Result<Hits, BoxError>> {
        Box::pin(async move { boxed(UserStore::hit(self, key, now, window).await) })
    }
    fn forget_hits<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::forget_hits(self, key).await) })
    }
    fn start_refresh<'a>(
        &'a self,
        family: &'a RefreshFamily,
        now: i64,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::start_refresh(self, family, now).await) })
    }
    fn rotate_refresh<'a>(&'a self, rotation: &'a Rotation<'a>) -> BoxFuture<'a, Result<Rotated, BoxError>> {
        Box::pin(async move { boxed(UserStore::rotate_refresh(self, rotation).await) })
    }
    fn revoke_family<'a>(&'a self, family: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::revoke_family(self, family).await) })
    }
    fn revoke_refresh_of<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::revoke_refresh_of(self, user_id).await) })
    }
    fn insert_personal<'a>(&'a self, token: &'a PersonalTokenRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::insert_personal(self, token).await) })
    }
    fn personal_by_hash<'a>(
        &'a self,
        secret_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<PersonalTokenRecord>, BoxError>> {
        Box::pin(async move { boxed(UserStore::personal_by_hash(self, secret_hash).await) })
    }
    fn personal_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<PersonalTokenRecord>, BoxError>> {
        Box::pin(async move { boxed(UserStore::personal_of(self, user_id).await) })
    }
    fn delete_personal<'a>(&'a self, user_id: &'a str, id: &'a str) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async move { boxed(UserStore::delete_personal(self, user_id, id).await) })
    }
    fn insert_email_token<'a>(&'a self, token: &'a EmailTokenRecord) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::insert_email_token(self, token).await) })
    }
    fn email_token<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<EmailTokenRecord>, BoxError>> {
        Box::pin(async move { boxed(UserStore::email_token(self, token_hash).await) })
    }
    fn use_email_token<'a>(&'a self, token_hash: &'a str, now: i64) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async move { boxed(UserStore::use_email_token(self, token_hash, now).await) })
    }
    fn revoke_invitations<'a>(&'a self, email_key: &'a str) -> BoxFuture<'a, Result<u64, BoxError>> {
        Box::pin(async move { boxed(UserStore::revoke_invitations(self, email_key).await) })
    }
    fn insert_secondary<'a>(&'a self, email: &'a SecondaryEmail) -> BoxFuture<'a, Result<Insert, BoxError>> {
        Box::pin(async move { boxed(UserStore::insert_secondary(self, email).await) })
    }
    fn secondary_by_key<'a>(
        &'a self,
        email_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecondaryEmail>, BoxError>> {
        Box::pin(async move { boxed(UserStore::secondary_by_key(self, email_key).await) })
    }
    fn secondaries_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<SecondaryEmail>, BoxError>> {
        Box::pin(async move { boxed(UserStore::secondaries_of(self, user_id).await) })
    }
    fn confirm_secondary<'a>(
        &'a self,
        user_id: &'a str,
        id: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async move { boxed(UserStore::confirm_secondary(self, user_id, id, at).await) })
    }
    fn delete_secondary<'a>(
        &'a self,
        user_id: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<bool, BoxError>> {
        Box::pin(async move { boxed(UserStore::delete_secondary(self, user_id, id).await) })
    }
    fn enqueue_mail<'a>(&'a self, mail: &'a OutboxMail) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::enqueue_mail(self, mail).await) })
    }
    fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> BoxFuture<'_, Result<Vec<OutboxMail>, BoxError>> {
        Box::pin(async move { boxed(UserStore::claim_mail(self, now, lease_until, limit).await) })
    }
    fn finish_mail<'a>(&'a self, id: &'a str, lease_until: i64) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::finish_mail(self, id, lease_until).await) })
    }
    fn defer_mail<'a>(
        &'a self,
        id: &'a str,
        lease_until: i64,
        due_at: i64,
        error: &'a str,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move { boxed(UserStore::defer_mail(self, id, lease_until, due_at, error).await) })
    }
}
