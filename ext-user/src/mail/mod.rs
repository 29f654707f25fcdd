//! Mail: the messages ext-user sends, rendered from templates the app can
//! override ([`templates`]), sent through SMTP or written to a folder
//! ([`transport`]), and only ever from the outbox in the user store
//! ([`outbox`]): a request that sends mail enqueues it, and a worker sends
//! it with retries, so a mail server that is down loses nothing.

pub(crate) mod outbox;
pub(crate) mod templates;
pub(crate) mod transport;

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use self::templates::MailTemplates;
use self::transport::Transport;

/// The kinds of mail, by template family name (Flask-User's names where
/// it has one).
pub(crate) mod kind {
    /// The confirmation link (Flask-User's `confirm_email`).
    pub(crate) const CONFIRM_EMAIL: &str = "confirm_email";
    /// The password reset link.
    pub(crate) const RESET_PASSWORD: &str = "reset_password";
    /// A welcome after registering, when confirmation is off.
    pub(crate) const REGISTERED: &str = "registered";
    /// To an address's owner when someone registers it again.
    pub(crate) const REGISTER_ATTEMPT: &str = "register_attempt";
    /// The password was changed or reset.
    pub(crate) const PASSWORD_CHANGED: &str = "password_changed";
    /// The username was changed.
    pub(crate) const USERNAME_CHANGED: &str = "username_changed";
    /// The link that moves the account to a new address, to that address.
    pub(crate) const CHANGE_EMAIL: &str = "change_email";
    /// An invitation to register (Flask-User's `invite_user`).
    pub(crate) const INVITE_USER: &str = "invite_user";
    /// The address was changed, to the old address.
    pub(crate) const EMAIL_CHANGED: &str = "email_changed";
}

/// Renders and sends messages.
pub(crate) struct Mailer {
    pub(crate) templates: MailTemplates,
    pub(crate) transport: Transport,
    pub(crate) sender: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.transport)
            .field("sender", &self.sender.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The message of `kind` to `to`: subject, text and HTML from the
    /// templates.
    pub(crate) fn message(&self, kind: &str, to: &str, context: minijinja::Value) -> Result<Message, String> {
        let rendered = self.templates.render(kind, context)?;
        let to: Mailbox = to
            .parse()
            .map_err(|error| format!("`{to}` is not a mail address: {error}"))?;
        Message::builder()
            .from(self.sender.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .map_err(|error| format!("the message did not build: {error}"))
    }
}
