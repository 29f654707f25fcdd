//! Emails and usernames: normalised once (Unicode NFKC, then lower case for
//! the lookup key) and compared exactly, never as patterns.
//!
//! ```
//! use ext_user::identifier::{Email, Username};
//!
//! let email = Email::parse(" Alice@Example.COM ").unwrap();
//! assert_eq!(email.as_str(), "Alice@Example.COM");
//! assert_eq!(email.key(), "alice@example.com");
//!
//! // NFKC folds look-alike forms: a fullwidth name is the same user.
//! let name = Username::parse("ＡＬＩＣＥ").unwrap();
//! assert_eq!(name.key(), "alice");
//! assert!(Username::parse("a@b").is_err());
//! ```

use unicode_normalization::UnicodeNormalization;

/// The longest email address SMTP carries (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

fn normalise(raw: &str) -> String {
    raw.trim().nfkc().collect()
}

fn has_control_or_space(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// An email address as the user typed it (NFKC, trimmed) with its lookup
/// key (lower case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    shown: String,
    key: String,
}

impl Email {
    /// Checks and normalises `raw`; the error is a phrase after the field
    /// name ("is not an email address").
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let shown = normalise(raw);
        if shown.is_empty() {
            return Err("is empty");
        }
        if shown.len() > MAX_EMAIL_LEN {
            return Err("is longer than 254 bytes");
        }
        let Some((local, domain)) = shown.rsplit_once('@') else {
            return Err("is not an email address");
        };
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || has_control_or_space(&shown)
        {
            return Err("is not an email address");
        }
        let key = shown.to_lowercase();
        Ok(Self { shown, key })
    }

    /// As typed.
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    /// The lookup key: what uniqueness and sign-in compare.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A username as typed (NFKC, trimmed) with its lookup key (lower case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username {
    shown: String,
    key: String,
}

impl Username {
    /// The shortest and longest usernames, in characters.
    pub const LENGTHS: (usize, usize) = (3, 64);

    /// Checks and normalises `raw`: 3 to 64 characters, no `@` (a login
    /// with `@` is an email), no spaces or control characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let shown = normalise(raw);
        let chars = shown.chars().count();
        if chars < Self::LENGTHS.0 {
            return Err("must be at least 3 characters long");
        }
        if chars > Self::LENGTHS.1 {
            return Err("must be at most 64 characters long");
        }
        if shown.contains('@') || has_control_or_space(&shown) {
            return Err("may not contain `@`, spaces or control characters");
        }
        let key = shown.to_lowercase();
        Ok(Self { shown, key })
    }

    /// As typed.
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    /// The lookup key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// What a sign-in form's one login field holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    /// It has an `@`.
    Email(String),
    /// It has none.
    Username(String),
}

impl Login {
    /// The lookup key for whatever the user typed; never fails, so that an
    /// impossible login is looked up (and not found) like any other.
    pub fn parse(raw: &str) -> Self {
        let key = normalise(raw).to_lowercase();
        if key.contains('@') {
            Login::Email(key)
        } else {
            Login::Username(key)
        }
    }

    /// The key, for throttling.
    pub fn key(&self) -> &str {
        match self {
            Login::Email(key) | Login::Username(key) => key,
        }
    }
}
