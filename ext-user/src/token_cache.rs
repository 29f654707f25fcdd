//! Access tokens this app has verified already, by their text, so that a
//! bearer request does not decode and check the same signature again.
//!
//! Measured reason (`scripts/bench-user.sh`, BENCHMARKS.md): decoding the
//! header and claims and checking the HMAC on every request was the largest
//! part of what a bearer-authenticated trivial route cost over the same
//! route without a user.
//!
//! Only what the signature guarantees is kept (the subject, the token
//! version and the lifetime), and the lifetime is checked again on every
//! use; revocation is still checked per request against the user's token
//! version. Nothing an attacker sends gets in unverified, so the cache
//! cannot be filled with junk, and it is bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many tokens are kept; a full cache starts again.
const CAPACITY: usize = 10_000;

/// What a verified access token says.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    /// The user's id.
    pub(crate) sub: Arc<str>,
    /// The token version it was issued at.
    pub(crate) ver: i64,
    /// Valid from (leeway included).
    not_before: i64,
    /// Valid until (leeway included).
    until: i64,
}

impl Verified {
    pub(crate) fn new(sub: &str, ver: i64, not_before: i64, until: i64) -> Self {
        Self {
            sub: Arc::from(sub),
            ver,
            not_before,
            until,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct VerifiedTokens {
    entries: Mutex<HashMap<Box<str>, Verified>>,
}

impl VerifiedTokens {
    /// `token`'s claims if it was verified before and is current at `now`.
    pub(crate) fn get(&self, token: &str, now: i64) -> Option<Verified> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(token)
            .filter(|verified| (verified.not_before..=verified.until).contains(&now))
            .cloned()
    }

    pub(crate) fn put(&self, token: &str, verified: Verified) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(token.into(), verified);
        }
    }
}
