//! What happened to a user, for listeners, as Flask-User's signals
//! (`user_registered`, `user_logged_in`, …) and Flask-Security's
//! `user_failed_authn`.

use std::fmt;
use std::sync::Arc;

use crate::User;

/// One event. Listeners run in the request, after the change is stored;
/// keep them quick (send slow work elsewhere).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum UserEvent<'a> {
    /// A new account (`user_registered`), with the invitation it used,
    /// if it used one (Flask-User's `user_invitation`).
    Registered {
        /// The new user.
        user: &'a User,
        /// The invitation the registration carried.
        invitation: Option<Invitation<'a>>,
    },
    /// A password reset link was enqueued for the user
    /// (`user_forgot_password`). Nothing is emitted for an address no
    /// account has, and the client's answer is the same either way.
    ForgotPassword(&'a User),
    /// A signed-in user invited an address (`user_sent_invitation`).
    /// Nothing is emitted when the address has an account already, and
    /// the inviter's answer is the same either way.
    SentInvitation {
        /// Who invited.
        user: &'a User,
        /// The address invited, as typed.
        email: &'a str,
    },
    /// A sign-in (`user_logged_in`).
    SignedIn(&'a User),
    /// A sign-out (`user_logged_out`).
    SignedOut(&'a User),
    /// A password change (`user_changed_password`).
    PasswordChanged(&'a User),
    /// A username change (`user_changed_username`), with the old name.
    UsernameChanged {
        /// The user, renamed.
        user: &'a User,
        /// The name before.
        old: &'a str,
    },
    /// A password set through an emailed link (`user_reset_password`).
    PasswordReset(&'a User),
    /// An address confirmed through an emailed link
    /// (`user_confirmed_email`).
    EmailConfirmed(&'a User),
    /// Every session and token of the user was ended at their request.
    SignedOutEverywhere(&'a User),
    /// A refresh token was used a second time: a copy is in someone's
    /// hands. Its family was revoked.
    RefreshReplayed {
        /// Whose token it was.
        user_id: &'a str,
    },
    /// A refused sign-in, for whatever reason; `login` is the normalised
    /// login that was tried (never the password).
    SignInFailed {
        /// What was typed in the login field, normalised.
        login: &'a str,
    },
}

/// The invitation a registration used.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Invitation<'a> {
    /// The id of the user who sent it.
    pub invited_by: &'a str,
    /// The address it was sent to (the new account's).
    pub email: &'a str,
}

impl<'a> Invitation<'a> {
    /// An invitation from the user `invited_by` to `email`.
    pub fn new(invited_by: &'a str, email: &'a str) -> Self {
        Self { invited_by, email }
    }
}

pub(crate) type Listener = Arc<dyn Fn(&UserEvent<'_>) + Send + Sync>;

/// The registered listeners.
#[derive(Clone, Default)]
pub(crate) struct Listeners(Vec<Listener>);

impl fmt::Debug for Listeners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Listeners({})", self.0.len())
    }
}

impl Listeners {
    pub(crate) fn push(&mut self, listener: Listener) {
        self.0.push(listener);
    }

    pub(crate) fn emit(&self, event: UserEvent<'_>) {
        for listener in &self.0 {
            listener(&event);
        }
    }
}
