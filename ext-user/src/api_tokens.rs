//! API tokens on the manager: issuing and rotating access/refresh pairs,
//! authenticating a bearer token, ending everything at once, and personal
//! access tokens.
//!
//! Revocation is immediate. An access token carries the user's token
//! version; each request that presents one reads the user through the
//! user cache (the same `Arc` lookup a signed-in session makes) and
//! refuses the token unless the account is active and the version is
//! still the same. A password change, a deactivation, a role taken away
//! and sign-out-everywhere move the version on; changes made through this
//! app drop the cached user at once, another instance's count within
//! `user_cache_secs`.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cache::Cached;
use crate::events::UserEvent;
use crate::jwt::Kind;
use crate::manager::random_hex;
use crate::store::{Change, PersonalTokenRecord, RefreshFamily, Rotated, Rotation, Update, UserRecord};
use crate::token_cache::Verified;
use crate::{User, UserError, UserManager};

/// What personal access tokens start with, so that a leaked one is easy to
/// recognise (and to tell from a JWT, which starts `eyJ`).
pub const PERSONAL_PREFIX: &str = "eupat_";

/// An access token and a refresh token, as sign-in and refresh return
/// them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// For `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The access token's lifetime, seconds.
    pub expires_in: i64,
    /// For the refresh endpoint, once.
    pub refresh_token: String,
    /// The refresh token's lifetime, seconds.
    pub refresh_expires_in: i64,
}

/// A personal access token as its owner sees it in lists (never the
/// secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonalToken {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The roles it may use.
    pub roles: Vec<String>,
    /// When it was made (seconds since the epoch).
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
}

impl From<&PersonalTokenRecord> for PersonalToken {
    fn from(record: &PersonalTokenRecord) -> Self {
        Self {
            id: record.id.clone(),
            name: record.name.clone(),
            roles: record.roles.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
        }
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session (cookie).
    Session,
    /// An access token.
    AccessToken,
    /// A personal access token (limited to its roles; cannot manage the
    /// account).
    PersonalToken,
}

/// SHA-256 as 64 hex digits: how token secrets are stored.
pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn signing_failed(error: jsonwebtoken::errors::Error) -> UserError {
    UserError::Internal(format!("could not sign a token: {error}"))
}

impl UserManager {
    fn keys(&self) -> Result<&crate::jwt::TokenKeys, UserError> {
        self.tokens.as_ref().ok_or(UserError::InvalidToken)
    }

    /// A random refresh-token id (256 bits) and its hash.
    fn refresh_id() -> Result<(String, String), UserError> {
        let id = format!("{}{}", random_hex()?, random_hex()?);
        let hash = sha256_hex(&id);
        Ok((id, hash))
    }

    fn sign_pair(&self, record: &UserRecord, id: &str, family: &str) -> Result<TokenPair, UserError> {
        let keys = self.keys()?;
        let now = self.now();
        let access_token = keys
            .sign(Kind::Access, &record.id, record.token_version, now, None)
            .map_err(signing_failed)?;
        let refresh_token = keys
            .sign(
                Kind::Refresh,
                &record.id,
                record.token_version,
                now,
                Some((id, family)),
            )
            .map_err(signing_failed)?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer",
            expires_in: keys.lifetime(Kind::Access),
            refresh_token,
            refresh_expires_in: keys.lifetime(Kind::Refresh),
        })
    }

    /// A new pair for `record`, in a new family (a sign-in).
    pub(crate) async fn issue_tokens(&self, record: &UserRecord) -> Result<TokenPair, UserError> {
        let now = self.now();
        let (id, token_hash) = Self::refresh_id()?;
        let family = RefreshFamily {
            family: random_hex()?,
            user_id: record.id.clone(),
            token_hash,
            issued_at: now,
            expires_at: now.saturating_add(self.keys()?.lifetime(Kind::Refresh)),
        };
        self.store
            .start_refresh(&family, now)
            .await
            .map_err(UserError::Store)?;
        self.sign_pair(record, &id, &family.family)
    }

    /// Rotates `refresh_token`: its family moves on to a new token, and the
    /// next pair is returned. A token the family has moved past is a
    /// replay: the whole family is revoked.
    pub(crate) async fn refresh_tokens(&self, refresh_token: &str) -> Result<TokenPair, UserError> {
        let keys = self.keys()?;
        let now = self.now();
        let claims = keys
            .verify(refresh_token, Kind::Refresh, now)
            .ok_or(UserError::InvalidToken)?;
        let (Some(id), Some(family)) = (&claims.jti, &claims.fam) else {
            return Err(UserError::InvalidToken);
        };
        let (next_id, next_hash) = Self::refresh_id()?;
        let from_hash = sha256_hex(id);
        let rotation = Rotation {
            family,
            from_hash: &from_hash,
            to_hash: &next_hash,
            now,
            expires_at: now.saturating_add(keys.lifetime(Kind::Refresh)),
            started_after: now.saturating_sub(self.settings.refresh_family_max_secs),
        };
        match self
            .store
            .rotate_refresh(&rotation)
            .await
            .map_err(UserError::Store)?
        {
            Rotated::Done => {}
            Rotated::Replayed => {
                self.revoke_family(family).await?;
                self.emit(UserEvent::RefreshReplayed { user_id: &claims.sub });
                return Err(UserError::InvalidToken);
            }
            Rotated::Unknown => return Err(UserError::InvalidToken),
        }
        let Some(cached) = self.current_holder(&claims.sub, claims.ver).await? else {
            self.revoke_family(family).await?;
            return Err(UserError::InvalidToken);
        };
        self.sign_pair(&cached.record, &next_id, family)
    }

    async fn revoke_family(&self, family: &str) -> Result<(), UserError> {
        self.store.revoke_family(family).await.map_err(UserError::Store)
    }

    /// Ends `refresh_token`'s family, if it is one of ours (RFC 7009: the
    /// answer is the same either way).
    pub(crate) async fn revoke_refresh(&self, refresh_token: &str) -> Result<(), UserError> {
        let Some(keys) = self.tokens.as_ref() else {
            return Ok(());
        };
        // An expired token may be revoked too: only the signature matters.
        match keys
            .verify_any_time(refresh_token, Kind::Refresh)
            .and_then(|claims| claims.fam)
        {
            Some(family) => self.revoke_family(&family).await,
            None => Ok(()),
        }
    }

    /// The user `id` if the account is active and its token version is
    /// still `version`.
    async fn current_holder(&self, id: &str, version: i64) -> Result<Option<Arc<Cached>>, UserError> {
        Ok(self
            .by_id(id)
            .await?
            .filter(|cached| cached.record.active && cached.record.token_version == version))
    }

    /// The user a bearer token stands for: an access token, or a personal
    /// access token (whose user has only the token's roles).
    pub(crate) async fn bearer(
        &self,
        token: &str,
    ) -> Result<(Arc<Cached>, Arc<User>, Credential), UserError> {
        if token.starts_with(PERSONAL_PREFIX) {
            return self.personal_bearer(token).await;
        }
        let now = self.now();
        let verified = match self.verified.get(token, now) {
            Some(verified) => verified,
            None => {
                let keys = self.keys()?;
                let claims = keys
                    .verify(token, Kind::Access, now)
                    .ok_or(UserError::InvalidToken)?;
                let verified = Verified::new(
                    &claims.sub,
                    claims.ver,
                    claims.nbf.saturating_sub(keys.leeway()),
                    claims.exp.saturating_add(keys.leeway()),
                );
                self.verified.put(token, verified.clone());
                verified
            }
        };
        let cached = self
            .current_holder(&verified.sub, verified.ver)
            .await?
            .ok_or(UserError::InvalidToken)?;
        let user = Arc::clone(&cached.user);
        Ok((cached, user, Credential::AccessToken))
    }

    async fn personal_bearer(&self, token: &str) -> Result<(Arc<Cached>, Arc<User>, Credential), UserError> {
        let record = self
            .store
            .personal_by_hash(&sha256_hex(token))
            .await
            .map_err(UserError::Store)?
            .ok_or(UserError::InvalidToken)?;
        let now = self.now();
        if record.expires_at.is_some_and(|at| now >= at) {
            return Err(UserError::InvalidToken);
        }
        let cached = self
            .by_id(&record.user_id)
            .await?
            .filter(|cached| cached.record.active && cached.record.stamp == record.stamp)
            .ok_or(UserError::InvalidToken)?;
        let mut user = (*cached.user).clone();
        user.roles.retain(|role| record.roles.contains(role));
        Ok((cached, Arc::new(user), Credential::PersonalToken))
    }

    /// Ends every session, access token, refresh token and personal access
    /// token of user `id`.
    pub(crate) async fn revoke_all(&self, id: &str) -> Result<String, UserError> {
        let stamp = random_hex()?;
        let change = Change::RevokeAll { stamp: stamp.clone() };
        if self.update(id, &change).await? != Update::Done {
            return Err(UserError::Unauthenticated);
        }
        self.store.revoke_refresh_of(id).await.map_err(UserError::Store)?;
        Ok(stamp)
    }

    /// Makes a personal access token for `record`, limited to `roles` (of
    /// those the user has). The token is returned once; only its hash is
    /// kept.
    pub(crate) async fn create_personal(
        &self,
        record: &UserRecord,
        name: String,
        roles: Vec<String>,
        lifetime_days: Option<i64>,
    ) -> Result<(PersonalToken, String), UserError> {
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(UserError::invalid("name", "must be 1 to 100 characters"));
        }
        // PostgreSQL refuses a NUL in text, and no name needs a control
        // character: a 422 here, not a store error.
        if name.chars().any(char::is_control) {
            return Err(UserError::invalid("name", "must not contain control characters"));
        }
        if let Some(role) = roles.iter().find(|role| !record.roles.contains(role)) {
            return Err(UserError::invalid(
                "roles",
                format!("names `{role}`, which you do not have"),
            ));
        }
        let expires_at = match lifetime_days {
            None => None,
            Some(days @ 1..=3650) => Some(self.now().saturating_add(days * 86_400)),
            Some(_) => return Err(UserError::invalid("expires_in_days", "must be 1 to 3650")),
        };
        let held = self
            .store
            .personal_of(&record.id)
            .await
            .map_err(UserError::Store)?;
        if held.len() >= self.settings.max_personal_tokens {
            return Err(UserError::invalid(
                "name",
                format!(
                    "cannot be added: you hold {} tokens already; revoke one first",
                    held.len()
                ),
            ));
        }
        let id = random_hex()?;
        let token = format!("{PERSONAL_PREFIX}{id}{}{}", random_hex()?, random_hex()?);
        let stored = PersonalTokenRecord {
            id,
            user_id: record.id.clone(),
            name,
            secret_hash: sha256_hex(&token),
            roles,
            stamp: record.stamp.clone(),
            created_at: self.now(),
            expires_at,
        };
        self.store
            .insert_personal(&stored)
            .await
            .map_err(UserError::Store)?;
        Ok((PersonalToken::from(&stored), token))
    }

    /// The user's personal access tokens.
    pub(crate) async fn personal_tokens(&self, user_id: &str) -> Result<Vec<PersonalToken>, UserError> {
        Ok(self
            .store
            .personal_of(user_id)
            .await
            .map_err(UserError::Store)?
            .iter()
            .map(PersonalToken::from)
            .collect())
    }

    /// Revokes the user's personal access token `id`.
    pub(crate) async fn delete_personal(&self, user_id: &str, id: &str) -> Result<bool, UserError> {
        self.store
            .delete_personal(user_id, id)
            .await
            .map_err(UserError::Store)
    }
}
