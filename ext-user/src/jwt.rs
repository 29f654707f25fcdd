//! Signed API tokens (JWT, with jsonwebtoken): access tokens that
//! authenticate a request, refresh tokens that buy a new pair.
//!
//! Every token is signed with the one configured algorithm and carries
//! `iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, its kind (`typ`) and the
//! user's token version (`ver`). Verifying checks all of them: a header
//! that names another algorithm or points at a key (`kid`, `jku`, `jwk`,
//! `x5u`, `x5c`), a wrong issuer or audience, a token of the other kind,
//! or one outside its lifetime (with at most 30 s of leeway, by the app's
//! clock) is refused.
//!
//! ```
//! use ext_core::SecretKeys;
//! use ext_user::jwt::{Kind, TokenKeys};
//! use ext_user::UserSettings;
//!
//! let secrets = SecretKeys::new("a long random secret of at least 32 bytes", &[]).unwrap();
//! let keys = TokenKeys::new(&UserSettings::default(), Some(&secrets)).unwrap();
//! let token = keys.sign(Kind::Access, "user-1", 0, 1_000, None).unwrap();
//! let claims = keys.verify(&token, Kind::Access, 1_000).unwrap();
//! assert_eq!(claims.sub, "user-1");
//! assert!(keys.verify(&token, Kind::Refresh, 1_000).is_none(), "the kind is checked");
//! assert!(keys.verify(&token, Kind::Access, 1_000 + 900 + 31).is_none(), "expired");
//! ```

use std::fmt;

use ext_core::{ExtensionError, SecretKeys};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::settings::JwtAlgorithm;
use crate::UserSettings;

/// The shortest HMAC key accepted, in bytes (J5): never padded.
pub const MIN_HMAC_KEY_LEN: usize = 32;

/// The key purpose under `SECRET_KEY` for HMAC-signed tokens.
const PURPOSE: &str = "ext-user.jwt";

/// What a token is for. A token of one kind is refused where the other is
/// expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Authenticates requests (`Authorization: Bearer`).
    Access,
    /// Buys a new pair at the refresh endpoint, once.
    Refresh,
}

/// The claims of an ext-user token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer (`jwt_issuer`).
    pub iss: String,
    /// Audience (`jwt_audience`).
    pub aud: String,
    /// The user's id.
    pub sub: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires.
    pub exp: i64,
    /// Its kind.
    pub typ: Kind,
    /// The user's token version when it was issued.
    pub ver: i64,
    /// Refresh tokens: a random id (only its hash is stored) and the
    /// family it rotates in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Refresh tokens: the family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

/// The signing key and the keys that verify (the current one, then each
/// `SECRET_KEY_FALLBACKS` one for derived HMAC keys).
#[derive(Clone)]
pub struct TokenKeys {
    algorithm: Algorithm,
    signing: EncodingKey,
    verifying: Vec<DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    leeway: i64,
    access_secs: i64,
    refresh_secs: i64,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

fn pem(key: &'static str, path: Option<&std::path::Path>) -> Result<Vec<u8>, ExtensionError> {
    let path =
        path.ok_or_else(|| ExtensionError::invalid_setting(key, "is required for this jwt_algorithm"))?;
    std::fs::read(path).map_err(|error| {
        ExtensionError::invalid_setting(key, format!("cannot read {}: {error}", path.display()))
    })
}

fn bad_key(key: &'static str) -> impl Fn(jsonwebtoken::errors::Error) -> ExtensionError {
    move |error| ExtensionError::invalid_setting(key, format!("is not a usable PEM key: {error}"))
}

impl TokenKeys {
    /// The keys `settings` asks for. HMAC keys come from `jwt_secret`, or
    /// else are derived from the app's secrets; a `jwt_secret` shorter
    /// than [`MIN_HMAC_KEY_LEN`] is refused.
    pub fn new(settings: &UserSettings, secrets: Option<&SecretKeys>) -> Result<Self, ExtensionError> {
        let (algorithm, signing, verifying) = match settings.jwt_algorithm {
            JwtAlgorithm::HS256 | JwtAlgorithm::HS512 => {
                let algorithm = if settings.jwt_algorithm == JwtAlgorithm::HS256 {
                    Algorithm::HS256
                } else {
                    Algorithm::HS512
                };
                let materials: Vec<Vec<u8>> = match (&settings.jwt_secret, secrets) {
                    (Some(secret), _) => {
                        let bytes = secret.expose_secret().as_bytes();
                        if bytes.len() < MIN_HMAC_KEY_LEN {
                            return Err(ExtensionError::invalid_setting(
                                "user.jwt_secret",
                                format!(
                                    "is {} bytes long; it must be at least {MIN_HMAC_KEY_LEN} random bytes",
                                    bytes.len()
                                ),
                            ));
                        }
                        vec![bytes.to_vec()]
                    }
                    (None, Some(secrets)) => secrets
                        .derive(PURPOSE)
                        .materials()
                        .map(|material| material.to_vec())
                        .collect(),
                    (None, None) => {
                        return Err(ExtensionError::invalid_setting(
                            "app.secret_key",
                            "API tokens need SECRET_KEY (or `user.jwt_secret`)",
                        ))
                    }
                };
                let signing = EncodingKey::from_secret(&materials[0]).map_err(bad_key("user.jwt_secret"))?;
                let verifying = materials
                    .iter()
                    .map(|material| DecodingKey::from_secret(material))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(bad_key("user.jwt_secret"))?;
                (algorithm, signing, verifying)
            }
            JwtAlgorithm::EdDSA | JwtAlgorithm::RS256 => {
                let private = pem(
                    "user.jwt_private_key_file",
                    settings.jwt_private_key_file.as_deref(),
                )?;
                let public = pem(
                    "user.jwt_public_key_file",
                    settings.jwt_public_key_file.as_deref(),
                )?;
                let private_error = bad_key("user.jwt_private_key_file");
                let public_error = bad_key("user.jwt_public_key_file");
                if settings.jwt_algorithm == JwtAlgorithm::EdDSA {
                    (
                        Algorithm::EdDSA,
                        EncodingKey::from_ed_pem(&private).map_err(private_error)?,
                        vec![DecodingKey::from_ed_pem(&public).map_err(public_error)?],
                    )
                } else {
                    (
                        Algorithm::RS256,
                        EncodingKey::from_rsa_pem(&private).map_err(private_error)?,
                        vec![DecodingKey::from_rsa_pem(&public).map_err(public_error)?],
                    )
                }
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[settings.issuer()]);
        validation.set_audience(&[settings.audience()]);
        // Times are checked below against the app's clock, which tests move.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let keys = Self {
            algorithm,
            signing,
            verifying,
            validation,
            issuer: settings.issuer().to_owned(),
            audience: settings.audience().to_owned(),
            leeway: settings.jwt_leeway_secs,
            access_secs: settings.access_token_secs,
            refresh_secs: settings.refresh_token_secs,
        };
        // A key pair that does not match fails here, not at the first sign-in.
        let probe = keys.sign(Kind::Access, "probe", 0, 0, None).map_err(|error| {
            ExtensionError::invalid_setting("user.jwt_private_key_file", error.to_string())
        })?;
        if keys.verify(&probe, Kind::Access, 0).is_none() {
            return Err(ExtensionError::invalid_setting(
                "user.jwt_public_key_file",
                "does not verify what the private key signs",
            ));
        }
        Ok(keys)
    }

    /// The clock skew allowed on `exp` and `nbf`, seconds.
    pub fn leeway(&self) -> i64 {
        self.leeway
    }

    /// How long a token of `kind` lives, seconds.
    pub fn lifetime(&self, kind: Kind) -> i64 {
        match kind {
            Kind::Access => self.access_secs,
            Kind::Refresh => self.refresh_secs,
        }
    }

    /// Signs a token of `kind` for user `sub` at token version `ver`,
    /// issued `now`; `refresh` is the id and family of a refresh token.
    pub fn sign(
        &self,
        kind: Kind,
        sub: &str,
        ver: i64,
        now: i64,
        refresh: Option<(&str, &str)>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            iat: now,
            nbf: now,
            exp: now.saturating_add(self.lifetime(kind)),
            typ: kind,
            ver,
            jti: refresh.map(|(id, _)| id.to_owned()),
            fam: refresh.map(|(_, family)| family.to_owned()),
        };
        let mut header = Header::new(self.algorithm);
        header.typ = Some(
            match kind {
                Kind::Access => "at+jwt",
                Kind::Refresh => "JWT",
            }
            .to_owned(),
        );
        jsonwebtoken::encode(&header, &claims, &self.signing)
    }

    /// The claims of `token` if it is a valid, current token of `kind` at
    /// `now`; `None` for anything else, whatever the reason (the answer is
    /// the same 401 for every one).
    pub fn verify(&self, token: &str, kind: Kind, now: i64) -> Option<Claims> {
        self.verify_any_time(token, kind).filter(|claims| {
            now <= claims.exp.saturating_add(self.leeway) && now.saturating_add(self.leeway) >= claims.nbf
        })
    }

    /// [`TokenKeys::verify`] without the lifetime: for revoking a token
    /// that may have expired.
    pub fn verify_any_time(&self, token: &str, kind: Kind) -> Option<Claims> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let points_at_a_key = header.kid.is_some()
            || header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
            || header.crit.is_some();
        if header.alg != self.algorithm || points_at_a_key {
            return None;
        }
        let claims = self
            .verifying
            .iter()
            .find_map(|key| jsonwebtoken::decode::<Claims>(token, key, &self.validation).ok())?
            .claims;
        let shaped = match kind {
            Kind::Access => claims.jti.is_none() && claims.fam.is_none(),
            Kind::Refresh => claims.jti.is_some() && claims.fam.is_some(),
        };
        (claims.typ == kind && shaped).then_some(claims)
    }
}
