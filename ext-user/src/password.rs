//! Passwords: the policy (length, a list of common passwords) and argon2id
//! hashing on a blocking thread, a bounded number at a time.
//!
//! Flask-User's passlib bcrypt hashes (`$2a$`, `$2b$`, `$2y$`) verify too,
//! as passlib checks them (the password as typed, its first 72 bytes), and
//! a right password is rehashed to argon2id at that sign-in. While any
//! bcrypt hash is known, every check also runs one bcrypt at the highest
//! cost seen (a dummy one where the account has none), so that an
//! imported account, an argon2id account and an unknown login still take
//! the same time (E2).
//!
//! ```
//! use ext_user::password::{HashSettings, Password, Passwords};
//!
//! # actix_rt::System::new().block_on(async {
//! let passwords = Passwords::new(&HashSettings::default()).unwrap();
//! let hash = passwords.hash(&Password::new("correct horse battery")).await.unwrap();
//! assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
//! let verdict = passwords.verify(&Password::new("correct horse battery"), Some(&hash)).await.unwrap();
//! assert!(verdict.is_right());
//! # });
//! ```

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use ext_core::ExtensionError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

use crate::UserError;

/// The most common passwords of eight characters or more, most common
/// first (`scripts/refresh-common-passwords.sh` says where they come from).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// A password as a client sent it: never printed, never serialised.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(SecretString);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(SecretString::from(password.into()))
    }

    /// The password as typed, for comparing two fields of one form.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// NFKC, as NIST SP 800-63B asks: the same password typed on two
    /// keyboards hashes the same.
    fn normalised(&self) -> String {
        self.0.expose_secret().nfkc().collect()
    }
}

/// How passwords are hashed and checked: `[user]` keys of the same names.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct HashSettings {
    /// argon2id memory in KiB; OWASP's minimum 19456 (the default).
    pub hash_memory_kib: u32,
    /// argon2id passes; at least 2 (the default).
    pub hash_iterations: u32,
    /// argon2id lanes; default 1.
    pub hash_parallelism: u32,
    /// Lets tests use parameters under OWASP's minimum. Never in production.
    pub allow_weak_params_for_tests: bool,
    /// Hashes run at once (0: one per CPU).
    pub hash_concurrency: usize,
    /// Hashes that may wait for a free hasher before requests get a 503.
    pub hash_queue: usize,
    /// The shortest password, in characters: at least 8 (NIST), default 8.
    pub password_min_length: usize,
    /// The longest password, in characters; default 128.
    pub password_max_length: usize,
    /// Refuse the ~11,600 most common passwords. Default true.
    pub refuse_common_passwords: bool,
}

impl Default for HashSettings {
    fn default() -> Self {
        Self {
            hash_memory_kib: Params::DEFAULT_M_COST,
            hash_iterations: Params::DEFAULT_T_COST,
            hash_parallelism: Params::DEFAULT_P_COST,
            allow_weak_params_for_tests: false,
            hash_concurrency: 0,
            hash_queue: 64,
            password_min_length: 8,
            password_max_length: 128,
            refuse_common_passwords: true,
        }
    }
}

/// The longest password in bytes, whatever its characters: 128 emoji are
/// 512 bytes, so this only stops abuse.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Wrong password, or no such user.
    Wrong,
    /// Right; `rehash` holds a new hash when the stored one used older
    /// parameters.
    Right {
        /// The hash at today's parameters, to store.
        rehash: Option<String>,
    },
}

impl Verdict {
    /// Whether the password was right.
    pub fn is_right(&self) -> bool {
        matches!(self, Verdict::Right { .. })
    }
}

/// An app's own rule for a field (Flask-User's `password_validator`,
/// `username_validator`): the value as typed, and why it is refused.
pub type Validator = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// The hasher and the policy; one per app.
pub struct Passwords {
    argon: Argon2<'static>,
    settings: HashSettings,
    common: HashSet<&'static str>,
    gate: Arc<Semaphore>,
    waiting: AtomicUsize,
    /// A hash of a random password at today's parameters: an unknown user's
    /// sign-in is checked against it, so that it takes as long.
    dummy: String,
    /// The highest bcrypt cost among the stored hashes known to this
    /// process (0: none), so that every check runs one bcrypt that long.
    bcrypt_cost: AtomicU32,
    /// The app's own rule, after the built-in policy.
    validator: Option<Validator>,
    hashes: AtomicU64,
    verifications: AtomicU64,
}

/// Whether `hash` is a bcrypt hash of the kinds passlib writes.
pub fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"]
        .iter()
        .any(|prefix| hash.starts_with(prefix))
}

/// The cost of a bcrypt hash (`$2b$12$…` → 12), if it has a valid one.
pub fn bcrypt_cost(hash: &str) -> Option<u32> {
    if !is_bcrypt(hash) {
        return None;
    }
    hash.get(4..6)
        .and_then(|digits| digits.parse().ok())
        .filter(|cost| (4..=31).contains(cost))
}

/// A fixed salt for the dummy bcrypt runs: only their time matters.
const DUMMY_SALT: [u8; 16] = *b"ext-user-dummy!!";

impl fmt::Debug for Passwords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passwords")
            .field("memory_kib", &self.settings.hash_memory_kib)
            .field("iterations", &self.settings.hash_iterations)
            .field("parallelism", &self.settings.hash_parallelism)
            .finish_non_exhaustive()
    }
}

impl Passwords {
    /// Checks the settings and computes the dummy hash (one hash, now).
    pub fn new(settings: &HashSettings) -> Result<Arc<Self>, ExtensionError> {
        Self::with_validator(settings, None)
    }

    /// [`Passwords::new`], with the app's own rule for new passwords,
    /// checked after the built-in policy (which always applies).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ext_user::password::{HashSettings, Password, Passwords};
    ///
    /// let no_app_name = Arc::new(|password: &str| {
    ///     if password.to_lowercase().contains("notes") {
    ///         return Err("must not contain the app's name".to_owned());
    ///     }
    ///     Ok(())
    /// });
    /// let passwords = Passwords::with_validator(&HashSettings::default(), Some(no_app_name)).unwrap();
    /// let refused = passwords.check_new("password", &Password::new("my notes passphrase")).unwrap_err();
    /// assert!(refused.to_string().contains("must not contain the app's name"));
    /// assert!(passwords.check_new("password", &Password::new("correct horse battery")).is_ok());
    /// ```
    pub fn with_validator(
        settings: &HashSettings,
        validator: Option<Validator>,
    ) -> Result<Arc<Self>, ExtensionError> {
        let weak = settings.hash_memory_kib < Params::DEFAULT_M_COST
            || settings.hash_iterations < Params::DEFAULT_T_COST
            || settings.hash_parallelism < 1;
        if weak && !settings.allow_weak_params_for_tests {
            return Err(ExtensionError::invalid_setting(
                "user.hash_memory_kib",
                "argon2id needs at least 19456 KiB, 2 iterations and 1 lane (OWASP); \
                 `allow_weak_params_for_tests` exists for tests only",
            ));
        }
        if settings.password_min_length < 8 {
            return Err(ExtensionError::invalid_setting(
                "user.password_min_length",
                "must be 8 or more (NIST SP 800-63B)",
            ));
        }
        if settings.password_max_length < 64 || settings.password_max_length > 256 {
            return Err(ExtensionError::invalid_setting(
                "user.password_max_length",
                "must be between 64 (OWASP ASVS 2.1.2) and 256",
            ));
        }
        let params = Params::new(
            settings.hash_memory_kib,
            settings.hash_iterations,
            settings.hash_parallelism,
            None,
        )
        .map_err(|error| ExtensionError::invalid_setting("user.hash_memory_kib", error.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|error| ExtensionError::failed("no OS randomness", error))?;
        let dummy = argon
            .hash_password(&random)
            .map_err(|error| ExtensionError::failed("argon2id failed", error.to_string()))?
            .to_string();
        let concurrency = match settings.hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let common = if settings.refuse_common_passwords {
            COMMON_PASSWORDS.lines().collect()
        } else {
            HashSet::new()
        };
        Ok(Arc::new(Self {
            argon,
            settings: settings.clone(),
            common,
            gate: Arc::new(Semaphore::new(concurrency)),
            waiting: AtomicUsize::new(0),
            dummy,
            bcrypt_cost: AtomicU32::new(0),
            validator,
            hashes: AtomicU64::new(0),
            verifications: AtomicU64::new(0),
        }))
    }

    /// Checks a new password against the policy, before any hash runs.
    pub fn check_new(&self, field: &'static str, password: &Password) -> Result<(), UserError> {
        self.check_length(field, password)?;
        let normalised = password.normalised();
        if normalised.chars().count() < self.settings.password_min_length {
            return Err(UserError::invalid(
                field,
                format!(
                    "must be at least {} characters long",
                    self.settings.password_min_length
                ),
            ));
        }
        if self.common.contains(normalised.to_lowercase().as_str()) {
            return Err(UserError::invalid(
                field,
                "is one of the most common passwords; choose another",
            ));
        }
        if let Some(validator) = &self.validator {
            validator(password.expose()).map_err(|why| UserError::invalid(field, why))?;
        }
        Ok(())
    }

    /// Refuses a password over the limits, before any hash runs.
    pub fn check_length(&self, field: &'static str, password: &Password) -> Result<(), UserError> {
        let text = password.0.expose_secret();
        if text.len() > MAX_PASSWORD_BYTES || text.chars().count() > self.settings.password_max_length {
            return Err(UserError::invalid(
                field,
                format!(
                    "must be at most {} characters ({MAX_PASSWORD_BYTES} bytes) long",
                    self.settings.password_max_length
                ),
            ));
        }
        Ok(())
    }

    /// Hashes `password` at today's parameters (its length checked first).
    pub async fn hash(self: &Arc<Self>, password: &Password) -> Result<String, UserError> {
        self.check_length("password", password)?;
        let this = Arc::clone(self);
        let password = password.normalised();
        self.run(move || {
            this.hashes.fetch_add(1, Ordering::Relaxed);
            this.hash_now(&password)
        })
        .await?
    }

    /// Checks `password` against `stored`, or against the dummy hash when
    /// there is no user, so that both take the same time.
    pub async fn verify(
        self: &Arc<Self>,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verdict, UserError> {
        self.check_length("password", password)?;
        let this = Arc::clone(self);
        let typed = password.clone();
        let stored = stored.map(str::to_owned);
        self.run(move || this.verify_now(&typed, stored.as_deref()))
            .await?
    }

    /// Makes every check run one bcrypt at `cost` too (the highest cost
    /// among the stored hashes): ext-user calls it at start-up with what
    /// the store holds, and each check raises it when it meets a higher
    /// one.
    pub fn expect_bcrypt(&self, cost: u32) {
        if (4..=31).contains(&cost) {
            self.bcrypt_cost.fetch_max(cost, Ordering::Relaxed);
        }
    }

    /// The bcrypt cost every check runs (0: none).
    pub fn bcrypt_balance(&self) -> u32 {
        self.bcrypt_cost.load(Ordering::Relaxed)
    }

    /// One bcrypt of `password` at `cost`, for its time alone.
    fn dummy_bcrypt(&self, password: &str, cost: u32) {
        if cost > 0 {
            let _ = bcrypt::hash_with_salt(password.as_bytes(), cost, DUMMY_SALT);
        }
    }

    /// One argon2id check against the dummy hash, for its time alone.
    fn dummy_argon2(&self, password: &str) -> Result<(), UserError> {
        let dummy = PasswordHash::new(&self.dummy).map_err(|e| UserError::Internal(e.to_string()))?;
        let _ = self.argon.verify_password(password.as_bytes(), &dummy);
        Ok(())
    }

    /// Checks a Flask-User (passlib) bcrypt hash: the password as typed,
    /// not normalised, its first 72 bytes, as passlib did; and the dummy
    /// argon2id, so that it takes as long as any other check.
    fn verify_bcrypt(&self, password: &Password, stored: &str) -> Result<Verdict, UserError> {
        let cost = bcrypt_cost(stored).unwrap_or(0);
        self.expect_bcrypt(cost);
        let balance = self.bcrypt_balance();
        let typed = password.expose();
        // passlib refuses NUL bytes in bcrypt passwords: no stored hash
        // can match one.
        let right = !typed.contains('\0') && bcrypt::verify(typed, stored).unwrap_or(false);
        let normalised = password.normalised();
        self.dummy_argon2(&normalised)?;
        if balance > cost {
            // A hash cheaper than the highest cost is topped up to it.
            self.dummy_bcrypt(typed, balance);
        }
        if !right {
            return Ok(Verdict::Wrong);
        }
        self.hashes.fetch_add(1, Ordering::Relaxed);
        Ok(Verdict::Right {
            rehash: Some(self.hash_now(&normalised)?),
        })
    }

    fn hash_now(&self, password: &str) -> Result<String, UserError> {
        self.argon
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| UserError::Internal(format!("argon2id failed: {error}")))
    }

    fn verify_now(&self, typed: &Password, stored: Option<&str>) -> Result<Verdict, UserError> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        if let Some(stored) = stored.filter(|stored| is_bcrypt(stored)) {
            return self.verify_bcrypt(typed, stored);
        }
        let password = typed.normalised();
        let password = password.as_str();
        // With bcrypt hashes about, every check runs one bcrypt as long as
        // theirs (E2).
        self.dummy_bcrypt(typed.expose(), self.bcrypt_balance());
        let target = stored.unwrap_or(&self.dummy);
        let Ok(parsed) = PasswordHash::new(target) else {
            // A hash that does not parse is no password anyone can match;
            // check the dummy so that the time is the same.
            self.dummy_argon2(password)?;
            return Ok(Verdict::Wrong);
        };
        let right = self.argon.verify_password(password.as_bytes(), &parsed).is_ok();
        if !right || stored.is_none() {
            return Ok(Verdict::Wrong);
        }
        let rehash = if self.is_current(&parsed) {
            None
        } else {
            self.hashes.fetch_add(1, Ordering::Relaxed);
            Some(self.hash_now(password)?)
        };
        Ok(Verdict::Right { rehash })
    }

    /// Whether `hash` is argon2id v19 at today's parameters.
    fn is_current(&self, hash: &PasswordHash) -> bool {
        let Ok(params) = Params::try_from(hash) else {
            return false;
        };
        hash.algorithm.as_str() == "argon2id"
            && hash.version == Some(0x13)
            && params.m_cost() == self.settings.hash_memory_kib
            && params.t_cost() == self.settings.hash_iterations
            && params.p_cost() == self.settings.hash_parallelism
    }

    /// Runs `job` on a blocking thread once a hasher is free; 503 when the
    /// queue is full.
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, UserError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.settings.hash_queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(UserError::Busy);
        }
        let permit = Arc::clone(&self.gate).acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(|_| UserError::Internal("the hasher is closed".to_owned()))?;
        // The permit goes with the job: a request that gives up early does
        // not free a hasher that is still running.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await
        .map_err(|error| UserError::Internal(format!("the hasher panicked: {error}")))
    }

    /// Hashes computed so far (new passwords and rehashes).
    pub fn hashes_run(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    /// Password checks run so far, dummy ones included.
    pub fn verifications_run(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}
