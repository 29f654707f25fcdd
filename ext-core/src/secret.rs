//! The app's one secret and the keys derived from it, one per purpose.
//!
//! A user sets `[app] secret_key` (or `SECRET_KEY`, as in Flask) and, while
//! rotating, `secret_key_fallbacks` (`SECRET_KEY_FALLBACKS`, Flask 3.1).
//! Nothing signs with the secret itself: each purpose — sessions, CSRF
//! tokens, each kind of emailed token — derives its own key with HKDF-SHA256,
//! so a value signed for one purpose never verifies as another's.
//!
//! ```
//! use ext_core::{PurposeKey, SecretKeys};
//!
//! let keys = SecretKeys::new("a long random secret of at least 32 bytes", &[]).unwrap();
//! let session: PurposeKey = keys.derive("session");
//! let csrf: PurposeKey = keys.derive("csrf");
//! let tag = session.sign(b"user=1");
//! assert!(session.verify(b"user=1", &tag));
//! assert!(!csrf.verify(b"user=1", &tag), "another purpose's key does not verify it");
//! assert!(SecretKeys::new("dev", &[]).is_err(), "short keys are refused");
//! ```

use std::fmt;

use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};

use crate::config::AppSettings;
use crate::ExtensionError;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// Placeholders found in tutorials and templates: refused whatever their
/// length, compared without case.
const PLACEHOLDERS: &[&str] = &[
    "dev",
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "secret-key",
    "secret_key",
    "your-secret-key",
    "your_secret_key",
    "your-secret-key-here",
    "replace-me",
    "please-change-this-secret-key-now",
    "super-secret-key-change-me-in-production",
    "0123456789abcdef0123456789abcdef",
];

/// Why a secret was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretKeyError {
    /// No secret is configured, but a feature that signs needs one.
    #[error("no secret key is set; set `[app] secret_key` or SECRET_KEY to at least {MIN_SECRET_LEN} random bytes")]
    Missing,
    /// The secret is shorter than [`MIN_SECRET_LEN`].
    #[error("the secret key is {0} bytes long; it must be at least {MIN_SECRET_LEN}")]
    TooShort(usize),
    /// The secret is a well-known placeholder.
    #[error("the secret key is a well-known placeholder; generate a random one")]
    Placeholder,
}

/// The app's secret and its fallbacks, validated. Never printed.
#[derive(Clone)]
pub struct SecretKeys {
    current: SecretString,
    fallbacks: Vec<SecretString>,
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeys")
            .field("fallbacks", &self.fallbacks.len())
            .finish_non_exhaustive()
    }
}

impl SecretKeys {
    /// The current secret and the fallbacks still accepted for verifying.
    pub fn new(current: &str, fallbacks: &[&str]) -> Result<Self, SecretKeyError> {
        check(current)?;
        for fallback in fallbacks {
            check(fallback)?;
        }
        Ok(Self {
            current: SecretString::from(current),
            fallbacks: fallbacks.iter().map(|f| SecretString::from(*f)).collect(),
        })
    }

    /// The keys from `[app]`; the error names the key at fault.
    pub(crate) fn from_settings(settings: &AppSettings) -> Result<Self, ExtensionError> {
        let current = settings.secret_key.as_ref().ok_or_else(|| {
            ExtensionError::invalid_setting("app.secret_key", SecretKeyError::Missing.to_string())
        })?;
        check(current.expose_secret())
            .map_err(|error| ExtensionError::invalid_setting("app.secret_key", error.to_string()))?;
        for (index, fallback) in settings.secret_key_fallbacks.iter().enumerate() {
            check(fallback.expose_secret()).map_err(|error| {
                ExtensionError::invalid_setting(
                    format!("app.secret_key_fallbacks[{index}]"),
                    error.to_string(),
                )
            })?;
        }
        Ok(Self {
            current: current.clone(),
            fallbacks: settings.secret_key_fallbacks.clone(),
        })
    }

    /// The key for one purpose (`"session"`, `"csrf"`, `"reset-password"`):
    /// signs with the current secret, verifies with it and the fallbacks.
    pub fn derive(&self, purpose: &str) -> PurposeKey {
        let current = derive(&self.current, purpose);
        let fallbacks: Vec<KeyBytes> = self.fallbacks.iter().map(|f| derive(f, purpose)).collect();
        PurposeKey {
            purpose: purpose.to_owned(),
            signer: mac(&current),
            verifiers: std::iter::once(&current).chain(&fallbacks).map(mac).collect(),
            current,
            fallbacks,
        }
    }
}

fn check(secret: &str) -> Result<(), SecretKeyError> {
    if PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(secret.trim())) {
        return Err(SecretKeyError::Placeholder);
    }
    if secret.len() < MIN_SECRET_LEN {
        return Err(SecretKeyError::TooShort(secret.len()));
    }
    Ok(())
}

/// Derived key material: HMAC-SHA256's block size, so it is used as is.
type KeyBytes = [u8; 64];

/// HKDF-SHA256 over the secret, with the purpose as `info`.
fn derive(secret: &SecretString, purpose: &str) -> KeyBytes {
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"actix-flask-ext"), secret.expose_secret().as_bytes());
    let mut key = [0u8; 64];
    // 64 bytes is far below HKDF-SHA256's limit of 255 × 32, so this cannot fail.
    let _ = hkdf.expand(purpose.as_bytes(), &mut key);
    key
}

/// The key of one purpose: HMAC-SHA256 tags, verified in constant time
/// against the current secret's key and every fallback's.
#[derive(Clone)]
pub struct PurposeKey {
    purpose: String,
    current: KeyBytes,
    /// The same purpose's keys under each fallback secret.
    fallbacks: Vec<KeyBytes>,
    /// HMAC keyed with the current secret's key, ready to clone: keying
    /// costs two SHA-256 blocks, which every tag would otherwise pay again.
    signer: HmacSha256,
    /// Keyed for the current key, then each fallback's.
    verifiers: Vec<HmacSha256>,
}

impl fmt::Debug for PurposeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PurposeKey")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl PurposeKey {
    /// The purpose this key was derived for.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// The 64 bytes of key material for this purpose (current secret), for
    /// a use other than these tags (a JWT library, say). Never log it.
    pub fn material(&self) -> &[u8; 64] {
        &self.current
    }

    /// The current key material, then each fallback secret's: what a JWT
    /// library verifies with while secrets rotate. Never log them.
    ///
    /// ```
    /// use ext_core::SecretKeys;
    ///
    /// let old = "an old random secret of at least 32 bytes";
    /// let keys = SecretKeys::new("a new random secret of at least 32 bytes", &[old]).unwrap();
    /// let jwt = keys.derive("jwt");
    /// let materials: Vec<_> = jwt.materials().collect();
    /// assert_eq!(materials.len(), 2);
    /// assert_eq!(materials[0], jwt.material());
    /// assert_eq!(materials[1], SecretKeys::new(old, &[]).unwrap().derive("jwt").material());
    /// ```
    pub fn materials(&self) -> impl Iterator<Item = &[u8; 64]> {
        std::iter::once(&self.current).chain(&self.fallbacks)
    }

    /// The HMAC-SHA256 tag of `message` under the current secret.
    pub fn sign(&self, message: &[u8]) -> [u8; 32] {
        let mut mac = self.signer.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` is `message`'s tag under the current secret or a
    /// fallback; compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        self.verifiers.iter().any(|keyed| {
            let mut mac = keyed.clone();
            mac.update(message);
            mac.verify_slice(tag).is_ok()
        })
    }
}

fn mac(key: &KeyBytes) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new(key.into())
}
