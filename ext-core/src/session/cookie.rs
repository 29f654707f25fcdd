//! The session cookie's value: signed, with an expiry the server checks.
//!
//! Written by hand rather than with actix-session: its middleware signs with
//! one key (no `SECRET_KEY_FALLBACKS` rotation), its cookie store ignores the
//! lifetime (a copied cookie stays valid forever), and it has no
//! `Partitioned` attribute. The format is small: `payload.tag`, both
//! base64url, the tag an HMAC-SHA256 under the session purpose's key.
//!
//! As in Flask, a cookie session is signed, not encrypted: the client can
//! read it, so keep secrets in a server-side store.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::PurposeKey;

/// Session data: what handlers put in the session.
pub type SessionData = Map<String, Value>;

#[derive(Serialize, Deserialize)]
struct Payload {
    /// Expiry, seconds since the Unix epoch.
    e: u64,
    /// The data.
    d: SessionData,
}

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
    pub(crate) fn encode(&self, data: &SessionData, expires: u64) -> String {
        let payload = Payload {
            e: expires,
            d: data.clone(),
        };
        // A map of JSON values always serialises.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(json);
        let tag = URL_SAFE_NO_PAD.encode(self.data.sign(body.as_bytes()));
        format!("{body}.{tag}")
    }

    /// The data of a cookie value, if its tag verifies and it has not
    /// expired at `now`.
    pub(crate) fn decode(&self, value: &str, now: u64) -> Option<SessionData> {
        let (body, tag) = value.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !self.data.verify(body.as_bytes(), &tag) {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        let payload: Payload = serde_json::from_slice(&json).ok()?;
        (payload.e > now).then_some(payload.d)
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
