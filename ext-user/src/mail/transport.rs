//! Where mail goes: an SMTP server (lettre's async transport over rustls),
//! or a folder of `.eml` files when none is configured.

use std::path::PathBuf;
use std::time::Duration;

use ext_core::ExtensionError;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

/// How long one SMTP conversation may take. The outbox lease (five
/// minutes) is much longer, so a slow server never gets a message twice.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A configured transport.
pub(crate) enum Transport {
    /// SMTP, as the URL says (TLS, credentials).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Each message as a file in this folder.
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The URL may hold a password: never printed.
            Transport::Smtp(_) => f.write_str("Smtp(<url redacted>)"),
            Transport::File(_, folder) => f.debug_tuple("File").field(folder).finish(),
        }
    }
}

impl Transport {
    /// The SMTP transport of `url`, or the folder.
    pub(crate) fn new(url: Option<&SecretString>, folder: &std::path::Path) -> Result<Self, ExtensionError> {
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
            Transport::File(file, _) => file
                .send(message)
                .await
                .map(drop)
                .map_err(|error| error.to_string()),
        }
    }
}
