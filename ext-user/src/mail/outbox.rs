//! The outbox worker. Requests only enqueue mail in the user store; this
//! worker, started with the app, takes due messages (a lease: a
//! compare-and-swap on `due_at`, so two app instances never take one
//! message), renders and sends them, and deletes each once sent. A message
//! that fails is tried again after 30 s, 1, 2, 4 … minutes (at most an
//! hour apart), up to `mail_max_attempts`, then kept with its last error.
//!
//! A message that carries a link gets its token here, at sending time:
//! the outbox holds no secret, and a retry mints a new token (voiding the
//! one of the failed attempt).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::sync::{watch, Notify};

use super::{kind, Mailer};
use crate::clock::Clock;
use crate::email_tokens::{mint, mint_invitation};
use crate::manager::random_hex;
use crate::store::{DynUserStore, OutboxMail, Purpose, UserRecord, NEVER};
use crate::{User, UserError, UserSettings};

/// How long a worker holds a message it took. Much longer than an SMTP
/// conversation may last (20 s), so a message is never taken twice.
const LEASE_SECS: i64 = 300;

/// Messages one worker takes at a time.
const BATCH: u32 = 16;

/// The paths links point at: `[app] public_url`, the prefix, the route.
#[derive(Debug, Clone)]
pub(crate) struct Links {
    pub(crate) public_url: String,
    pub(crate) confirm_email: String,
    pub(crate) reset_password: String,
    pub(crate) change_email: String,
    /// The registration endpoint, which takes `?token=` (or `token` in
    /// its body).
    pub(crate) register: String,
}

/// The outbox: enqueueing (for requests) and the worker.
pub(crate) struct Outbox {
    store: Arc<dyn DynUserStore>,
    clock: Arc<dyn Clock>,
    mailer: Mailer,
    links: Links,
    settings: UserSettings,
    wake: Notify,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("mailer", &self.mailer)
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

/// "1 hour", "24 hours", "15 minutes": a token's lifetime in a mail.
fn lifetime_text(seconds: i64) -> String {
    let (count, unit) = if seconds % 3600 == 0 {
        (seconds / 3600, "hour")
    } else {
        ((seconds + 59) / 60, "minute")
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most an hour.
fn backoff(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 7)).unwrap_or(7);
    (30_i64 << doublings).min(3600)
}

impl Outbox {
    pub(crate) fn new(
        store: Arc<dyn DynUserStore>,
        clock: Arc<dyn Clock>,
        mailer: Mailer,
        links: Links,
        settings: UserSettings,
    ) -> Self {
        Self {
            store,
            clock,
            mailer,
            links,
            settings,
            wake: Notify::new(),
        }
    }

    /// A message of `kind` to `to` about `user`, due now.
    pub(crate) fn message(
        &self,
        kind: &str,
        to: &str,
        user: Option<&UserRecord>,
        context: Value,
    ) -> Result<OutboxMail, UserError> {
        let now = self.clock.now();
        Ok(OutboxMail {
            id: random_hex()?,
            kind: kind.to_owned(),
            to_address: to.to_owned(),
            user_id: user.map(|user| user.id.clone()),
            context: context.to_string(),
            created_at: now,
            due_at: now,
            attempts: 0,
        })
    }

    /// Adds `mail` to the outbox and wakes this instance's worker.
    pub(crate) async fn enqueue(&self, mail: &OutboxMail) -> Result<(), UserError> {
        self.store.enqueue_mail(mail).await.map_err(UserError::Store)?;
        self.wake.notify_one();
        Ok(())
    }

    /// Wakes the worker: mail was written with something else (a new
    /// user).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// The worker: runs until `stop` turns true.
    pub(crate) async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.settings.mail_poll_ms);
        // A store that is down is logged when it goes and when it is back,
        // not at every poll.
        let mut store_down = false;
        loop {
            let now = self.clock.now();
            let claimed = match self.store.claim_mail(now, now + LEASE_SECS, BATCH).await {
                Ok(claimed) => {
                    if std::mem::take(&mut store_down) {
                        tracing::info!("the outbox reaches the user store again");
                    }
                    claimed
                }
                Err(error) => {
                    if !std::mem::replace(&mut store_down, true) {
                        tracing::warn!(%error, "the outbox cannot read the user store; mail waits until it can");
                    }
                    Vec::new()
                }
            };
            let idle = claimed.is_empty();
            for mail in claimed {
                self.deliver(mail).await;
            }
            if idle {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                    _ = stop.changed() => {}
                }
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Sends one message it holds, and settles it in the store.
    async fn deliver(&self, mail: OutboxMail) {
        let outcome = match self.build(&mail).await {
            Ok(Some(message)) => self.mailer.transport.send(message).await,
            Ok(None) => {
                tracing::info!(id = %mail.id, kind = %mail.kind, "mail no longer applies (the account changed); dropped");
                Ok(())
            }
            Err(error) => Err(error),
        };
        let settled = match outcome {
            Ok(()) => {
                tracing::info!(id = %mail.id, kind = %mail.kind, attempts = mail.attempts, "mail sent");
                self.store.finish_mail(&mail.id, mail.due_at).await
            }
            Err(error) => {
                let due = if mail.attempts >= self.settings.mail_max_attempts {
                    tracing::error!(id = %mail.id, kind = %mail.kind, attempts = mail.attempts, %error, "mail failed; giving up");
                    NEVER
                } else {
                    let wait = backoff(mail.attempts);
                    tracing::warn!(id = %mail.id, kind = %mail.kind, attempts = mail.attempts, %error, retry_in_secs = wait, "mail failed; will retry");
                    self.clock.now().saturating_add(wait)
                };
                self.store.defer_mail(&mail.id, mail.due_at, due, &error).await
            }
        };
        if let Err(error) = settled {
            // The lease runs out and the message is taken again: at worst
            // sent twice, never lost.
            tracing::warn!(id = %mail.id, %error, "could not settle a mail in the outbox");
        }
    }

    /// The message for `mail`, with a fresh token when it carries a link;
    /// `None` when it no longer applies.
    async fn build(&self, mail: &OutboxMail) -> Result<Option<lettre::Message>, String> {
        let user = match &mail.user_id {
            Some(id) => self.store.by_id(id).await.map_err(|error| error.to_string())?,
            None => None,
        };
        let mut context: Map<String, Value> = match serde_json::from_str(&mail.context) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        context.insert("app_name".into(), json!(self.settings.app_name));
        context.insert("public_url".into(), json!(self.links.public_url));
        context.insert("email".into(), json!(mail.to_address));
        context.insert("user".into(), json!(user.as_ref().map(User::from)));
        let link = match mail.kind.as_str() {
            kind::CONFIRM_EMAIL => Some((
                Purpose::ConfirmEmail,
                self.settings.confirm_email_expiration,
                &self.links.confirm_email,
                "confirm_email_link",
            )),
            kind::RESET_PASSWORD => Some((
                Purpose::ResetPassword,
                self.settings.reset_password_expiration,
                &self.links.reset_password,
                "reset_password_link",
            )),
            kind::CHANGE_EMAIL => Some((
                Purpose::ChangeEmail,
                self.settings.change_email_expiration,
                &self.links.change_email,
                "change_email_link",
            )),
            _ => None,
        };
        if mail.kind == kind::INVITE_USER {
            let Some(inviter) = user.as_ref().filter(|user| user.active) else {
                return Ok(None);
            };
            let (token, record) = mint_invitation(
                inviter,
                &mail.to_address,
                self.clock.now(),
                self.settings.invite_expiration,
            )
            .map_err(|error| error.to_string())?;
            self.store
                .insert_email_token(&record)
                .await
                .map_err(|error| error.to_string())?;
            let link = format!("{}{}?token={token}", self.links.public_url, self.links.register);
            context.insert("accept_invitation_link".into(), json!(link));
            context.insert("invited_by_user".into(), json!(User::from(inviter)));
            context.insert(
                "expires_in".into(),
                json!(lifetime_text(self.settings.invite_expiration)),
            );
        }
        if let Some((purpose, lifetime, path, variable)) = link {
            let Some(user) = user.filter(|user| user.active) else {
                return Ok(None);
            };
            let to = crate::identifier::Email::parse(&mail.to_address).map_err(str::to_owned)?;
            // A change-email link goes to the new address; the others to
            // one of the account's own, which it must still be (and, to be
            // confirmed, not confirmed yet).
            let applies = if purpose == Purpose::ChangeEmail {
                user.email_key.as_deref() != Some(to.key())
            } else {
                let confirming = purpose == Purpose::ConfirmEmail;
                let owned = crate::email_addresses::owns_address(
                    self.store.as_ref(),
                    &self.settings,
                    &user,
                    to.key(),
                    confirming,
                )
                .await
                .map_err(|error| error.to_string())?;
                let primary = user.email_key.as_deref() == Some(to.key());
                owned && !(confirming && primary && user.email_confirmed_at.is_some())
            };
            if !applies {
                return Ok(None);
            }
            let (token, mut record) =
                mint(&user, purpose, self.clock.now(), lifetime).map_err(|error| error.to_string())?;
            if purpose == Purpose::ChangeEmail {
                record.address = Some(mail.to_address.clone());
            } else {
                record.email_key = to.key().to_owned();
            }
            self.store
                .insert_email_token(&record)
                .await
                .map_err(|error| error.to_string())?;
            context.insert(
                variable.into(),
                json!(format!("{}{path}/{token}", self.links.public_url)),
            );
            context.insert("expires_in".into(), json!(lifetime_text(lifetime)));
        }
        let context = minijinja::Value::from(minijinja::value::Serde(&context));
        self.mailer
            .message(&mail.kind, &mail.to_address, context)
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(backoff).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn lifetimes_read_as_words() {
        assert_eq!(lifetime_text(3600), "1 hour");
        assert_eq!(lifetime_text(86_400), "24 hours");
        assert_eq!(lifetime_text(900), "15 minutes");
    }
}
