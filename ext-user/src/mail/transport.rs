//! Where mail goes: an SMTP server (lettre's async transport over rustls),
//! an app's own [`MailTransport`], or a folder of `.eml` files when none is
//! configured.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use ext_core::ExtensionError;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

/// How long one SMTP conversation may take. The outbox lease (five
/// minutes) is much longer, so a slow server never gets a message twice.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// An app's own way of sending mail (Flask-User's email adapters: an
/// HTTP API such as SendGrid's, a queue), given to
/// [`crate::Users::mail_transport`]. Messages still come from the outbox:
/// an error is logged with the message kept, and it is tried again later,
/// so `send` should fail rather than drop a message it could not hand on.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use ext_user::{MailMessage, MailTransport};
///
/// /// Keeps every message (a provider's client would post it).
/// #[derive(Default, Clone)]
/// struct Kept(Arc<Mutex<Vec<Vec<u8>>>>);
///
/// impl MailTransport for Kept {
///     type Error = std::io::Error;
///
///     async fn send(&self, message: MailMessage) -> Result<(), Self::Error> {
///         // `formatted()` is the RFC 5322 message, `envelope()` its
///         // sender and recipients.
///         self.0.lock().unwrap().push(message.formatted());
///         Ok(())
///     }
/// }
///
/// let kept = Kept::default();
/// let users = ext_user::Users::new().mail_transport(kept.clone());
/// # drop(users);
/// ```
pub trait MailTransport: Send + Sync + 'static {
    /// Why a message could not be handed on; logged, and the message is
    /// tried again.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends one message.
    fn send(&self, message: Message) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// [`MailTransport`] with its types erased.
pub(crate) trait DynMailTransport: Send + Sync + 'static {
    fn send(&self, message: Message) -> BoxFuture<'_, Result<(), String>>;
}

impl<T: MailTransport> DynMailTransport for T {
    fn send(&self, message: Message) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            MailTransport::send(self, message)
                .await
                .map_err(|error| error.to_string())
        })
    }
}

/// A configured transport.
pub(crate) enum Transport {
    /// SMTP, as the URL says (TLS, credentials).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// The app's own.
    Custom(Arc<dyn DynMailTransport>),
    /// Each message as a file in this folder.
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The URL may hold a password: never printed.
            Transport::Smtp(_) => f.write_str("Smtp(<url redacted>)"),
            Transport::Custom(_) => f.write_str("Custom"),
            Transport::File(_, folder) => f.debug_tuple("File").field(folder).finish(),
        }
    }
}

impl Transport {
    /// The app's own transport, the SMTP transport of `url`, or the
    /// folder.
    pub(crate) fn new(
        custom: Option<Arc<dyn DynMailTransport>>,
        url: Option<&SecretString>,
        folder: &std::path::Path,
    ) -> Result<Self, ExtensionError> {
        if let Some(custom) = custom {
            if url.is_some() {
                return Err(ExtensionError::invalid_setting(
                    "user.mail_url",
                    "a mail transport is set in code (Users::mail_transport): unset mail_url",
                ));
            }
            return Ok(Transport::Custom(custom));
        }
        match url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|error| {
                        // lettre's error names the part that is wrong, not
                        // the URL itself.
                        ExtensionError::invalid_setting(
                            "user.mail_url",
                            format!("is not an SMTP URL: {error}"),
                        )
                    })?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(folder).map_err(|error| {
                    ExtensionError::failed(
                        format!("could not create the mail folder {}", folder.display()),
                        error,
                    )
                })?;
                tracing::warn!(
                    folder = %folder.display(),
                    "no [user] mail_url: mail is written to this folder, not sent"
                );
                Ok(Transport::File(
                    AsyncFileTransport::new(folder),
                    folder.to_owned(),
                ))
            }
        }
    }

    /// Sends one message; the error's text is for the log and the outbox,
    /// never for a client.
    pub(crate) async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|error| error.to_string()),
            Transport::Custom(custom) => custom.send(message).await,
            Transport::File(file, _) => file
                .send(message)
                .await
                .map(drop)
                .map_err(|error| error.to_string()),
        }
    }
}
