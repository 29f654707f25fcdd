//! The session cookie's value: signed, with an expiry the server checks.
//!
//! Written by hand rather than with actix-session: its middleware signs with
//! one key (no `SECRET_KEY_FALLBACKS` rotation), its cookie store ignores the
//! lifetime (a copied cookie stays valid forever), and it has no
//! `Partitioned` attribute. The format is small: `expiry.flag.data.tag`,
//! where `expiry` is seconds since the epoch, `flag` is `p` for a permanent
//! session and `s` otherwise, `data` is the JSON data in base64url, and
//! `tag` the base64url HMAC-SHA256, under the session purpose's key, of
//! everything before it. Expiry and flag stand outside the data so that a
//! request that never reads the session can have its permanent cookie
//! refreshed without decoding it (the tag is still checked).
//!
//! As in Flask, a cookie session is signed, not encrypted: the client can
//! read it, so keep secrets in a server-side store.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use crate::PurposeKey;

/// Session data: what handlers put in the session.
pub type SessionData = Map<String, Value>;

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Signs and checks session cookies.
#[derive(Clone, Debug)]
pub(crate) struct CookieCodec {
    data: PurposeKey,
    id: PurposeKey,
}

impl CookieCodec {
    pub(crate) fn new(data: PurposeKey, id: PurposeKey) -> Self {
        Self { data, id }
    }

    /// The cookie value holding `data` until `expires`.
    pub(crate) fn encode(&self, data: &SessionData, expires: u64, permanent: bool) -> String {
        // A map of JSON values always serialises.
        let json = serde_json::to_vec(data).unwrap_or_default();
        let flag = if permanent { 'p' } else { 's' };
        self.seal(format!("{expires}.{flag}.{}", URL_SAFE_NO_PAD.encode(json)))
    }

    fn seal(&self, body: String) -> String {
        let tag = URL_SAFE_NO_PAD.encode(self.data.sign(body.as_bytes()));
        format!("{body}.{tag}")
    }

    /// The parts of a cookie value whose tag verifies and which has not
    /// expired at `now`: (flag, base64url data).
    fn open<'a>(&self, value: &'a str, now: u64) -> Option<(&'a str, &'a str)> {
        let (body, tag) = value.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !self.data.verify(body.as_bytes(), &tag) {
            return None;
        }
        let mut parts = body.splitn(3, '.');
        let expires: u64 = parts.next()?.parse().ok()?;
        let (flag, data) = (parts.next()?, parts.next()?);
        (expires > now).then_some((flag, data))
    }

    /// The data of a cookie value, if its tag verifies and it has not
    /// expired at `now`.
    pub(crate) fn decode(&self, value: &str, now: u64) -> Option<SessionData> {
        let (_, data) = self.open(value, now)?;
        let json = URL_SAFE_NO_PAD.decode(data).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// Whether a cookie value says it is permanent (not yet verified: only
    /// a hint for whether to [`CookieCodec::refresh`] it).
    pub(crate) fn says_permanent(value: &str) -> bool {
        value.split('.').nth(1) == Some("p")
    }

    /// The same data and flag under a new expiry, if the value verifies
    /// and has not expired at `now`.
    pub(crate) fn refresh(&self, value: &str, now: u64, expires: u64) -> Option<String> {
        let (flag, data) = self.open(value, now)?;
        Some(self.seal(format!("{expires}.{flag}.{data}")))
    }

    /// The cookie value carrying a server-side session's id.
    pub(crate) fn sign_id(&self, id: &str) -> String {
        let tag = URL_SAFE_NO_PAD.encode(self.id.sign(id.as_bytes()));
        format!("{id}.{tag}")
    }

    /// The id in a cookie value, if its tag verifies: a forged id never
    /// reaches the store.
    pub(crate) fn verify_id<'a>(&self, value: &'a str) -> Option<&'a str> {
        let (id, tag) = value.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.id.verify(id.as_bytes(), &tag).then_some(id)
    }
}

/// A new random session id: 256 bits, base64url.
pub(crate) fn new_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The key a store files a session under: a hash of its id, so a copy of
/// the store gives no one a cookie to replay.
pub(crate) fn store_key(prefix: &str, id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(digest))
}
