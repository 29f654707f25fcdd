//! [`UserManager`]: Flask-User's `user_manager`, the state every ext-user
//! route shares, and the administration API (create a user, set a
//! password, add or remove a role, deactivate).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::cache::{Cached, UserCache};
use crate::clock::Clock;
use crate::counters::Counters;
use crate::events::{Listeners, UserEvent};
use crate::identifier::{Email, Login, Username};
use crate::password::{Password, Passwords, Verdict};
use crate::store::{Change, DynUserStore, Insert, Update, UserRecord};
use crate::{User, UserError, UserSettings};

/// Checks and shapes the app's own user fields.
pub(crate) type ProfileCheck =
    Arc<dyn Fn(Map<String, Value>) -> Result<Map<String, Value>, UserError> + Send + Sync>;

/// A new account, for [`UserManager::create_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The email (required when the app uses emails).
    pub email: Option<String>,
    /// The username (required when the app uses usernames).
    pub username: Option<String>,
    /// The password; the policy applies.
    pub password: Password,
    /// Roles to give.
    pub roles: Vec<String>,
    /// The app's own fields, checked as at registration.
    pub profile: Map<String, Value>,
}

/// ext-user's shared state: settings, the hasher, the store, the clock and
/// the listeners. Handlers get it as `web::Data<UserManager>`.
pub struct UserManager {
    pub(crate) settings: UserSettings,
    pub(crate) passwords: Arc<Passwords>,
    pub(crate) store: Arc<dyn DynUserStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) listeners: Listeners,
    pub(crate) profile: ProfileCheck,
    pub(crate) cache: UserCache,
    pub(crate) counters: Counters,
    /// The API tokens' keys; `None` when `enable_api_tokens` is off.
    pub(crate) tokens: Option<crate::jwt::TokenKeys>,
    /// Access tokens verified already (see [`crate::token_cache`]).
    pub(crate) verified: crate::token_cache::VerifiedTokens,
    /// The OpenAPI description of the endpoints, at their mounted paths.
    pub(crate) openapi: utoipa::openapi::OpenApi,
    /// The mail outbox; `None` without emails or `[app] public_url`.
    pub(crate) outbox: Option<Arc<crate::mail::outbox::Outbox>>,
    /// Permits for mail requests' work after their answer.
    pub(crate) background: crate::email_routes::Background,
    /// The app's own rule for new usernames.
    pub(crate) username_validator: Option<crate::password::Validator>,
}

impl fmt::Debug for UserManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserManager")
            .field("settings", &self.settings)
            .field("passwords", &self.passwords)
            .field("listeners", &self.listeners)
            .finish_non_exhaustive()
    }
}

/// 128 random bits as 32 hex digits: user ids and session stamps.
pub(crate) fn random_hex() -> Result<String, UserError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| UserError::Internal(format!("no OS randomness: {error}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

impl UserManager {
    /// The settings in force.
    pub fn settings(&self) -> &UserSettings {
        &self.settings
    }

    /// The hasher (its counters show how many hashes ran).
    pub fn passwords(&self) -> &Arc<Passwords> {
        &self.passwords
    }

    /// The OpenAPI 3.1 description of ext-user's endpoints at the paths
    /// they are mounted on, to merge into an app's own:
    /// `app_doc.merge(manager.openapi())`.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        self.openapi.clone()
    }

    /// Now, by the manager's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub(crate) fn emit(&self, event: UserEvent<'_>) {
        self.listeners.emit(event);
    }

    /// The user `id`, from the cache when it is fresh there.
    pub(crate) async fn by_id(&self, id: &str) -> Result<Option<Arc<Cached>>, UserError> {
        let now = self.now();
        if let Some(cached) = self.cache.get(id, now) {
            return Ok(Some(cached));
        }
        let Some(record) = self.store.by_id(id).await.map_err(UserError::Store)? else {
            return Ok(None);
        };
        let cached = Cached::new(record);
        self.cache.put(&cached, now);
        Ok(Some(cached))
    }

    /// Applies `change` to the user `id` in the store, and drops the cached
    /// copy.
    pub(crate) async fn update(&self, id: &str, change: &Change) -> Result<Update, UserError> {
        let outcome = self.store.update(id, change).await.map_err(UserError::Store);
        self.cache.forget(id);
        outcome
    }

    /// The user `login` names (an email if it has `@`, else a username),
    /// looked up exactly.
    pub(crate) async fn by_login(&self, login: &Login) -> Result<Option<UserRecord>, UserError> {
        let found = match login {
            Login::Email(key) if self.settings.enable_email => self.store.by_email(key).await,
            Login::Username(key) if self.settings.enable_username => self.store.by_username(key).await,
            _ => Ok(None),
        };
        let found = found.map_err(UserError::Store)?;
        match (found, login) {
            // A confirmed secondary address signs in too.
            (None, Login::Email(key)) => match self.confirmed_secondary(key).await? {
                Some(email) => self.store.by_id(&email.user_id).await.map_err(UserError::Store),
                None => Ok(None),
            },
            (found, _) => Ok(found),
        }
    }

    /// Counts one attempt on `key`; 429 when it is over `limit`.
    pub(crate) async fn throttle(&self, key: &str, limit: u32) -> Result<(), UserError> {
        self.throttle_for(key, limit, self.settings.login_window_secs)
            .await
    }

    /// Counts one hit on `key` in windows of `window` seconds; 429 when it
    /// is over `limit`.
    pub(crate) async fn throttle_for(&self, key: &str, limit: u32, window: i64) -> Result<(), UserError> {
        let now = self.now();
        let hits = self
            .counters
            .hit(self.store.as_ref(), key, now, window)
            .await
            .map_err(UserError::Store)?;
        if hits.count > limit {
            let wait = u64::try_from(hits.window_ends.saturating_sub(now)).unwrap_or(1);
            return Err(UserError::Throttled(Duration::from_secs(wait)));
        }
        Ok(())
    }

    /// Checks a sign-in's password for `record` (or against the dummy hash
    /// when there is none). It is counted on the account's throttle, or on
    /// the login's when it names nobody: an unknown login is counted exactly
    /// like a known one.
    pub(crate) async fn check_sign_in(
        &self,
        record: Option<&UserRecord>,
        login: &Login,
        password: &Password,
    ) -> Result<bool, UserError> {
        let key = match record {
            Some(record) => Self::account_key(record),
            None => format!("login:{}", login.key()),
        };
        self.check_counted(record, &key, password).await
    }

    /// Checks the signed-in user's current password, counted on the same
    /// throttle as their sign-ins.
    pub(crate) async fn check_current_password(
        &self,
        record: &UserRecord,
        password: &Password,
    ) -> Result<bool, UserError> {
        self.check_counted(Some(record), &Self::account_key(record), password)
            .await
    }

    fn account_key(record: &UserRecord) -> String {
        format!("user:{}", record.id)
    }

    /// Forgets the account's failed sign-ins (a password reset ends a
    /// lockout).
    pub(crate) async fn forget_account_hits(&self, record: &UserRecord) -> Result<(), UserError> {
        self.counters
            .forget(self.store.as_ref(), &Self::account_key(record))
            .await
            .map_err(UserError::Store)
    }

    /// The outbox (a 500 if mail is off: a route that sends mail is only
    /// mounted with it).
    pub(crate) fn outbox(&self) -> Result<&Arc<crate::mail::outbox::Outbox>, UserError> {
        self.outbox
            .as_ref()
            .ok_or_else(|| UserError::Internal("mail is not configured".to_owned()))
    }

    /// Enqueues a security notice of `kind` to the user's address, when
    /// mail is on and the user has one. A notice that cannot be enqueued
    /// is logged: the change it reports is done and stays done.
    pub(crate) async fn notify(&self, kind: &str, record: &UserRecord, context: Value) {
        let (Some(outbox), Some(address)) = (&self.outbox, &record.email) else {
            return;
        };
        if kind == crate::mail::kind::PASSWORD_CHANGED && !self.settings.send_password_changed_email {
            return;
        }
        let enqueued = match outbox.message(kind, address, Some(record), context) {
            Ok(mail) => outbox.enqueue(&mail).await,
            Err(error) => Err(error),
        };
        if let Err(error) = enqueued {
            tracing::warn!(%error, kind, "a security notice could not be enqueued");
        }
    }

    /// Counts one attempt on `key`, then checks the password (the hasher
    /// refuses one over the length limit). A right password resets the
    /// count and upgrades an old hash.
    async fn check_counted(
        &self,
        record: Option<&UserRecord>,
        key: &str,
        password: &Password,
    ) -> Result<bool, UserError> {
        self.throttle(key, self.settings.login_attempts).await?;
        let verdict = self
            .passwords
            .verify(password, record.map(|record| record.password_hash.as_str()))
            .await?;
        let (Some(record), Verdict::Right { rehash }) = (record, verdict) else {
            return Ok(false);
        };
        self.counters
            .forget(self.store.as_ref(), key)
            .await
            .map_err(UserError::Store)?;
        // A deactivated account's sign-in fails whatever the password, so
        // its hash stays as it is (P3: a failed sign-in rewrites nothing).
        if let Some(hash) = rehash.filter(|_| record.active) {
            let change = Change::Password { hash, stamp: None };
            self.store
                .update(&record.id, &change)
                .await
                .map_err(UserError::Store)?;
        }
        Ok(true)
    }

    /// Whether the account may have a session (its password aside): active,
    /// and its address confirmed where confirmation is required (L5, L6).
    pub(crate) fn may_sign_in(&self, record: &UserRecord) -> bool {
        let unconfirmed = self.settings.enable_confirm_email
            && !self.settings.allow_login_without_confirmed_email
            && record.email_confirmed_at.is_none();
        record.active && !unconfirmed
    }

    /// A new username (registering, or changing one): the built-in rule,
    /// then the app's own.
    pub(crate) fn new_username(&self, field: &'static str, raw: &str) -> Result<Username, UserError> {
        let username = Username::parse(raw).map_err(|detail| UserError::invalid(field, detail))?;
        if let Some(validator) = &self.username_validator {
            validator(raw).map_err(|why| UserError::invalid(field, why))?;
        }
        Ok(username)
    }

    /// Checks the app's fields.
    pub(crate) fn check_profile(&self, profile: Map<String, Value>) -> Result<Map<String, Value>, UserError> {
        (self.profile)(profile)
    }

    /// A record for a new account: identifiers checked and normalised, the
    /// password checked against the policy and hashed.
    pub(crate) async fn new_record(
        &self,
        email: Option<&str>,
        username: Option<&str>,
        password: &Password,
        profile: Map<String, Value>,
    ) -> Result<UserRecord, UserError> {
        let email = match (self.settings.enable_email, email) {
            (true, Some(raw)) => {
                Some(Email::parse(raw).map_err(|detail| UserError::invalid("email", detail))?)
            }
            (true, None) => return Err(UserError::invalid("email", "is required")),
            (false, _) => None,
        };
        let username = match (self.settings.enable_username, username) {
            (true, Some(raw)) => Some(self.new_username("username", raw)?),
            (true, None) => return Err(UserError::invalid("username", "is required")),
            (false, _) => None,
        };
        self.passwords.check_new("password", password)?;
        let profile = self.check_profile(profile)?;
        let password_hash = self.passwords.hash(password).await?;
        Ok(UserRecord {
            id: random_hex()?,
            email: email.as_ref().map(|email| email.as_str().to_owned()),
            email_key: email.as_ref().map(|email| email.key().to_owned()),
            username: username.as_ref().map(|name| name.as_str().to_owned()),
            username_key: username.as_ref().map(|name| name.key().to_owned()),
            password_hash,
            stamp: random_hex()?,
            token_version: 0,
            active: true,
            email_confirmed_at: None,
            roles: Vec::new(),
            profile,
            created_at: self.now(),
        })
    }

    /// Creates an account, as an administrator would (no throttle, no
    /// generic answer: a taken email is a 409 here; the email counts as
    /// confirmed).
    pub async fn create_user(&self, new: NewUser) -> Result<User, UserError> {
        let mut record = self
            .new_record(
                new.email.as_deref(),
                new.username.as_deref(),
                &new.password,
                new.profile,
            )
            .await?;
        record.roles = new.roles;
        // An administrator vouches for the address: no confirmation mail.
        record.email_confirmed_at = record.email.as_ref().map(|_| self.now());
        match self.store.insert(&record, &[]).await.map_err(UserError::Store)? {
            Insert::Created => Ok(User::from(&record)),
            Insert::Taken(field) => Err(UserError::Taken(field)),
        }
    }

    /// The user `login` names (email or username).
    pub async fn find(&self, login: &str) -> Result<Option<User>, UserError> {
        Ok(self
            .by_login(&Login::parse(login))
            .await?
            .as_ref()
            .map(User::from))
    }

    async fn record_of(&self, login: &str) -> Result<UserRecord, UserError> {
        self.by_login(&Login::parse(login))
            .await?
            .ok_or(UserError::NotFound)
    }

    async fn apply(&self, id: &str, change: Change) -> Result<(), UserError> {
        match self.update(id, &change).await? {
            Update::Done => Ok(()),
            Update::NotFound => Err(UserError::NotFound),
            Update::Taken(field) => Err(UserError::Taken(field)),
        }
    }

    /// Sets a new password (the policy applies) and ends every session of
    /// the user.
    pub async fn set_password(&self, login: &str, password: &Password) -> Result<(), UserError> {
        let record = self.record_of(login).await?;
        self.passwords.check_new("password", password)?;
        let hash = self.passwords.hash(password).await?;
        self.apply(
            &record.id,
            Change::Password {
                hash,
                stamp: Some(random_hex()?),
            },
        )
        .await?;
        let context = serde_json::json!({ "how": "set by an administrator" });
        self.notify(crate::mail::kind::PASSWORD_CHANGED, &record, context)
            .await;
        Ok(())
    }

    /// Voids every invitation to `email` (unused links stop working);
    /// how many there were.
    pub async fn revoke_invitation(&self, email: &str) -> Result<u64, UserError> {
        let email =
            crate::identifier::Email::parse(email).map_err(|detail| UserError::invalid("email", detail))?;
        self.store
            .revoke_invitations(email.key())
            .await
            .map_err(UserError::Store)
    }

    /// Gives the user `role`; it counts from the user's next request.
    pub async fn add_role(&self, login: &str, role: &str) -> Result<(), UserError> {
        let record = self.record_of(login).await?;
        self.apply(&record.id, Change::AddRole(role.to_owned())).await
    }

    /// Takes `role` away; it counts from the user's next request.
    pub async fn remove_role(&self, login: &str, role: &str) -> Result<(), UserError> {
        let record = self.record_of(login).await?;
        self.apply(&record.id, Change::RemoveRole(role.to_owned())).await
    }

    /// Activates or deactivates the account; deactivation ends every
    /// session at its next request.
    pub async fn set_active(&self, login: &str, active: bool) -> Result<(), UserError> {
        let record = self.record_of(login).await?;
        self.apply(
            &record.id,
            Change::Active {
                active,
                stamp: random_hex()?,
            },
        )
        .await
    }
}
