//! Emailed tokens (confirm an address, reset a password): 256 random
//! bits, sent in a link and stored only as their SHA-256, bound to one
//! purpose and to the state they were issued for, used once.
//!
//! Unlike Flask-User's (an encrypted user id, reusable until it expires,
//! good for any purpose), a token here is checked against its record:
//! unknown, used, expired, of another purpose, or issued before the
//! user's password (stamp) or address changed, it is the same
//! [`UserError::InvalidLink`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::api_tokens::sha256_hex;
use crate::store::{EmailTokenRecord, Purpose, UserRecord};
use crate::{UserError, UserManager};

/// The length of a token in a link: 32 bytes, base64url without padding.
const TOKEN_LENGTH: usize = 43;

/// A new token: the text for the link, and its record.
pub(crate) fn mint(
    user: &UserRecord,
    purpose: Purpose,
    now: i64,
    lifetime: i64,
) -> Result<(String, EmailTokenRecord), UserError> {
    let email_key = user
        .email_key
        .clone()
        .ok_or_else(|| UserError::Internal("a token for a user without an email".to_owned()))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| UserError::Internal(format!("no OS randomness: {error}")))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let record = EmailTokenRecord {
        token_hash: sha256_hex(&token),
        purpose: purpose.as_str().to_owned(),
        user_id: user.id.clone(),
        email_key,
        stamp: user.stamp.clone(),
        created_at: now,
        expires_at: now.saturating_add(lifetime),
        used_at: None,
        address: None,
    };
    Ok((token, record))
}

/// A new invitation from `inviter` to `address`.
pub(crate) fn mint_invitation(
    inviter: &UserRecord,
    address: &str,
    now: i64,
    lifetime: i64,
) -> Result<(String, EmailTokenRecord), UserError> {
    let invited = crate::identifier::Email::parse(address)
        .map_err(|detail| UserError::Internal(format!("an invitation to a bad address: {detail}")))?;
    let (token, mut record) = mint(inviter, Purpose::Invite, now, lifetime)?;
    record.email_key = invited.key().to_owned();
    record.address = Some(invited.as_str().to_owned());
    Ok((token, record))
}

impl UserManager {
    /// The token's record and its user, when the token is good for
    /// `purpose` now. Reads the store, never the cache: a change made on
    /// another instance a moment ago counts.
    pub(crate) async fn check_email_token(
        &self,
        token: &str,
        purpose: Purpose,
    ) -> Result<(EmailTokenRecord, UserRecord), UserError> {
        let well_formed = token.len() == TOKEN_LENGTH
            && token
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !well_formed {
            return Err(UserError::InvalidLink);
        }
        let now = self.now();
        let record = self
            .store
            .email_token(&sha256_hex(token))
            .await
            .map_err(UserError::Store)?
            .filter(|record| record.purpose == purpose.as_str())
            .filter(|record| record.used_at.is_none() && record.expires_at > now)
            .ok_or(UserError::InvalidLink)?;
        let user = self
            .store
            .by_id(&record.user_id)
            .await
            .map_err(UserError::Store)?
            .filter(|user| user.active)
            .ok_or(UserError::InvalidLink)?;
        // An invitation stands for its inviter (still active) and names
        // another address; every other link is bound to the user's own.
        if purpose != Purpose::Invite {
            let confirming = purpose == Purpose::ConfirmEmail;
            let owned = crate::email_addresses::owns_address(
                self.store.as_ref(),
                &self.settings,
                &user,
                &record.email_key,
                confirming,
            )
            .await?;
            if !owned {
                return Err(UserError::InvalidLink);
            }
        }
        // A reset or change-email link dies with the password it was
        // issued under; a confirmation link only with its address.
        if matches!(purpose, Purpose::ResetPassword | Purpose::ChangeEmail) && user.stamp != record.stamp {
            return Err(UserError::InvalidLink);
        }
        Ok((record, user))
    }

    /// Uses the token: true for exactly one of any number of concurrent
    /// callers.
    pub(crate) async fn use_email_token(&self, record: &EmailTokenRecord) -> Result<(), UserError> {
        if self
            .store
            .use_email_token(&record.token_hash, self.now())
            .await
            .map_err(UserError::Store)?
        {
            Ok(())
        } else {
            Err(UserError::InvalidLink)
        }
    }
}
