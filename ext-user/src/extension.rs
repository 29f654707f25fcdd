//! [`Users`]: the extension, registered in one call after ext-orm or
//! ext-mongo, `Sessions` and `Csrf`.

use std::fmt;
use std::sync::Arc;

use ext_core::session::{CsrfSettings, SessionSettings, StoreKind};
use ext_core::{Extension, ExtensionError, Section, Setup};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock};
use crate::counters::Counters;
use crate::events::{Listeners, UserEvent};
use crate::mail::transport::{DynMailTransport, MailTransport};
use crate::manager::ProfileCheck;
use crate::password::{Passwords, Validator};
use crate::settings::StoreChoice;
use crate::store::{DynUserStore, UserStore};
use crate::{UserError, UserManager, UserSettings};

/// An app's own user fields: deserialised from the registration (and
/// profile edit) body, then checked.
///
/// ```
/// use ext_user::{Profile, UserError};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Member {
///     display_name: String,
/// }
///
/// impl Profile for Member {
///     fn validate(&self) -> Result<(), UserError> {
///         if self.display_name.trim().is_empty() {
///             return Err(UserError::invalid("display_name", "is empty"));
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait Profile: Serialize + DeserializeOwned + 'static {
    /// Checks the fields; the error names the one that is wrong.
    fn validate(&self) -> Result<(), UserError> {
        Ok(())
    }
}

fn profile_check<P: Profile>() -> ProfileCheck {
    Arc::new(|fields: Map<String, Value>| {
        let profile: P = serde_json::from_value(Value::Object(fields))
            .map_err(|error| UserError::BadRequest(format!("The profile fields are wrong: {error}.")))?;
        profile.validate()?;
        match serde_json::to_value(&profile) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(UserError::Internal(
                "a profile must serialise to a JSON object".to_owned(),
            )),
        }
    })
}

/// Without [`Users::profile`], users have no fields of the app's.
fn no_profile() -> ProfileCheck {
    Arc::new(|fields: Map<String, Value>| match fields.keys().next() {
        None => Ok(fields),
        Some(field) => Err(UserError::BadRequest(format!(
            "`{field}` is not a field of this endpoint."
        ))),
    })
}

/// The extension (Flask-User's `UserManager(app, db, User)`).
#[must_use]
pub struct Users {
    section: Section,
    store: Option<Arc<dyn DynUserStore>>,
    clock: Arc<dyn Clock>,
    listeners: Listeners,
    profile: ProfileCheck,
    password_validator: Option<Validator>,
    username_validator: Option<Validator>,
    mail_transport: Option<Arc<dyn DynMailTransport>>,
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users")
            .field("section", &self.section.name())
            .field("custom_store", &self.store.is_some())
            .field("listeners", &self.listeners)
            .field("password_validator", &self.password_validator.is_some())
            .field("username_validator", &self.username_validator.is_some())
            .field("mail_transport", &self.mail_transport.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Users {
    fn default() -> Self {
        Self::new()
    }
}

impl Users {
    /// Users configured by `[user]` / `USER_*`.
    pub fn new() -> Self {
        Self {
            section: crate::settings::flask_user::KEY_ALIASES
                .iter()
                .fold(Section::new("user"), |section, (alias, key)| {
                    section.key_alias(*alias, *key)
                }),
            store: None,
            clock: Arc::new(SystemClock),
            listeners: Listeners::default(),
            profile: no_profile(),
            password_validator: None,
            username_validator: None,
            mail_transport: None,
        }
    }

    /// Sets an option in code; code beats the file and the environment.
    pub fn set(mut self, key: &str, value: impl Serialize) -> Self {
        self.section = self.section.set(key, value);
        self
    }

    /// Keeps users in `store` instead of ext-orm's or ext-mongo's.
    pub fn store(mut self, store: impl UserStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The app's own user fields, checked at registration and profile
    /// edits.
    pub fn profile<P: Profile>(mut self) -> Self {
        self.profile = profile_check::<P>();
        self
    }

    /// Calls `listener` for every [`UserEvent`].
    pub fn on_event(mut self, listener: impl Fn(&UserEvent<'_>) + Send + Sync + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// The app's own rule for new passwords (Flask-User's
    /// `password_validator`), at registration, change and reset: the
    /// password as typed, and why it is refused (shown next to the field).
    /// It adds to the built-in policy (length, common passwords), which
    /// always applies.
    ///
    /// ```
    /// let users = ext_user::Users::new().password_validator(|password| {
    ///     if password.chars().all(|c| c.is_ascii_digit()) {
    ///         return Err("must not be digits only".to_owned());
    ///     }
    ///     Ok(())
    /// });
    /// # drop(users);
    /// ```
    pub fn password_validator(
        mut self,
        validator: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.password_validator = Some(Arc::new(validator));
        self
    }

    /// The app's own rule for new usernames (Flask-User's
    /// `username_validator`), at registration and username changes, after
    /// the built-in one (3 to 64 characters, no `@`).
    ///
    /// ```
    /// let users = ext_user::Users::new().username_validator(|name| match name {
    ///     "admin" | "root" => Err("is reserved".to_owned()),
    ///     _ => Ok(()),
    /// });
    /// # drop(users);
    /// ```
    pub fn username_validator(
        mut self,
        validator: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.username_validator = Some(Arc::new(validator));
        self
    }

    /// Sends mail through `transport` (an app's own provider) instead of
    /// `mail_url`'s SMTP server or `mail_folder`; it is still sent from
    /// the outbox, with its retries. Setting `mail_url` as well is a
    /// start-up error.
    pub fn mail_transport(mut self, transport: impl MailTransport) -> Self {
        self.mail_transport = Some(Arc::new(transport));
        self
    }

    /// Reads time from `clock` (tests move a [`crate::clock::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

fn registered_store(
    app: &Setup,
    choice: Option<StoreChoice>,
) -> Result<Arc<dyn DynUserStore>, ExtensionError> {
    #[cfg(feature = "orm")]
    if matches!(choice, None | Some(StoreChoice::Sqlalchemy)) {
        if let Some(orm) = app.registry().get::<ext_orm::OrmState>() {
            let conn = orm
                .conn()
                .map_err(|error| ExtensionError::failed("ext-orm has no default database", error))?;
            return Ok(Arc::new(crate::store::SqlUserStore::new(conn.clone())));
        }
    }
    #[cfg(feature = "mongo")]
    if matches!(choice, None | Some(StoreChoice::Mongodb)) {
        if let Some(mongo) = app.registry().get::<ext_mongo::MongoState>() {
            if let Ok(db) = mongo.db() {
                return Ok(Arc::new(crate::store::MongoUserStore::new(db)));
            }
        }
    }
    Err(app.missing(match choice {
        Some(StoreChoice::Sqlalchemy) => "ext-orm (and ext-user's `orm` feature)",
        Some(StoreChoice::Mongodb) => "ext-mongo, configured (and ext-user's `mongo` feature)",
        None => "ext-orm or ext-mongo (with ext-user's `orm` or `mongo` feature)",
    }))
}

/// `[app] public_url`, checked: an absolute http(s) URL without a query,
/// without its trailing slash.
fn public_url(app: &Setup) -> Result<Option<String>, ExtensionError> {
    let Some(url) = app.app_settings().public_url.as_deref() else {
        return Ok(None);
    };
    let url = url.trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    if host.is_empty() || host.contains(['?', '#', ' ', '\\', '@']) {
        return Err(ExtensionError::invalid_setting(
            "app.public_url",
            "must be an http or https URL such as https://notes.example.com",
        ));
    }
    Ok(Some(url.to_owned()))
}

/// The mail outbox, when the app uses emails and says where it is
/// reached; without `[app] public_url` no mail can carry a link, so the
/// flows that need one are off (confirmation is refused at start-up).
fn outbox(
    app: &Setup,
    settings: &UserSettings,
    prefix: &str,
    store: &Arc<dyn DynUserStore>,
    clock: &Arc<dyn Clock>,
    custom: Option<Arc<dyn DynMailTransport>>,
) -> Result<Option<Arc<crate::mail::outbox::Outbox>>, ExtensionError> {
    if !settings.enable_email {
        return Ok(None);
    }
    let Some(public_url) = public_url(app)? else {
        if settings.enable_confirm_email || settings.enable_invite_user || settings.enable_multiple_emails {
            return Err(ExtensionError::invalid_setting(
                "app.public_url",
                "email confirmation, invitations and added addresses mail links: set the URL users reach the app at",
            ));
        }
        tracing::warn!("[app] public_url is not set: ext-user sends no mail (no password reset, no notices)");
        return Ok(None);
    };
    let sender_name = settings
        .email_sender_name
        .clone()
        .unwrap_or_else(|| settings.app_name.clone());
    let sender = format!("{sender_name} <{}>", settings.email_sender_email)
        .parse()
        .or_else(|_| settings.email_sender_email.parse())
        .map_err(|error| {
            ExtensionError::invalid_setting(
                "user.email_sender_email",
                format!("is not a mail address: {error}"),
            )
        })?;
    let mailer = crate::mail::Mailer {
        templates: crate::mail::templates::MailTemplates::new(Some(
            app.app_settings().template_folder.clone(),
        ))
        .with_families(settings),
        transport: crate::mail::transport::Transport::new(
            custom,
            settings.mail_url.as_ref(),
            &settings.mail_folder,
        )?,
        sender,
    };
    let links = crate::mail::outbox::Links {
        confirm_email: format!("{prefix}{}", settings.confirm_email_url),
        reset_password: format!("{prefix}{}", settings.reset_password_url),
        change_email: format!("{prefix}{}", settings.change_email_url),
        register: format!("{prefix}{}", settings.register_url),
        public_url,
    };
    Ok(Some(Arc::new(crate::mail::outbox::Outbox::new(
        Arc::clone(store),
        Arc::clone(clock),
        mailer,
        links,
        settings.clone(),
    ))))
}

/// Where the throttle counters go.
async fn counters(redis_url: Option<&str>) -> Result<Counters, ExtensionError> {
    match redis_url {
        None => Ok(Counters::Store),
        #[cfg(feature = "redis")]
        Some(url) => Counters::redis(url, std::time::Duration::from_secs(2))
            .await
            .map_err(|error| ExtensionError::failed("could not reach the throttle's Redis", error)),
        #[cfg(not(feature = "redis"))]
        Some(_) => Err(ExtensionError::invalid_setting(
            "user.throttle_redis_url",
            "needs ext-user's `redis` feature",
        )),
    }
}

impl Extension for Users {
    fn name(&self) -> &str {
        "user"
    }

    async fn init_app(self, app: &mut Setup) -> Result<(), ExtensionError> {
        let prefix = app.url_prefix("/user");
        let mut settings: UserSettings = app.settings(&self.section)?;
        settings.adopt_flask_user_values(&prefix);
        settings.validate()?;
        if settings.auto_login_after_register
            && (!settings.enable_confirm_email || settings.allow_login_without_confirmed_email)
        {
            tracing::warn!(
                "user.auto_login_after_register: a registration that signs in tells the client the \
                 address was free (a taken one gets no session)"
            );
        }
        for (key, why) in settings.not_implemented() {
            tracing::warn!(%key, "Flask-User setting not implemented: {why}");
        }
        if settings.trust_proxy_headers && app.app_settings().trusted_proxies.is_empty() {
            return Err(ExtensionError::invalid_setting(
                "user.trust_proxy_headers",
                "forwarding headers are believed only from the proxies in `[app] trusted_proxies`: \
                 list them there (the client writes the first address itself)",
            ));
        }
        let sessions = app.require::<SessionSettings>("ext_core::session::Sessions")?;
        let csrf = app.require::<CsrfSettings>("ext_core::session::Csrf")?;
        if !csrf.enabled {
            tracing::warn!(
                "CSRF protection is off: ext-user's sign-in and sign-out can be forged by other sites"
            );
        }
        if sessions.store == StoreKind::Cookie {
            tracing::warn!(
                "sessions are signed cookies: a copy of one stays valid after sign-out until it expires; \
                 set `session.type` to a server-side store to end sessions for good"
            );
        }
        let store = match self.store {
            Some(store) => store,
            None => registered_store(app, settings.store)?,
        };
        store
            .prepare()
            .await
            .map_err(|error| ExtensionError::failed("could not prepare the user store", error))?;
        let passwords = Passwords::with_validator(&settings.hash_settings(), self.password_validator)?;
        let bcrypt_cost = store
            .max_bcrypt_cost()
            .await
            .map_err(|error| ExtensionError::failed("could not read the user store", error))?;
        if let Some(cost) = bcrypt_cost {
            tracing::info!(
                cost,
                "the user store holds bcrypt hashes (from Flask-User): each sign-in also runs one bcrypt \
                 of this cost until they are rehashed to argon2id and the app restarts"
            );
            passwords.expect_bcrypt(cost);
        }
        let counters = counters(settings.throttle_redis_url.as_deref()).await?;
        let cache = crate::cache::UserCache::new(settings.user_cache_secs);
        let tokens = if settings.enable_api_tokens {
            let secrets = if settings.jwt_secret.is_some() {
                None
            } else {
                Some(app.secret_keys()?)
            };
            Some(crate::jwt::TokenKeys::new(&settings, secrets.as_ref())?)
        } else {
            None
        };
        let outbox = outbox(app, &settings, &prefix, &store, &self.clock, self.mail_transport)?;
        let mut settings = settings;
        if outbox.is_none() {
            settings.enable_forgot_password = false;
            settings.enable_change_email = false;
        }
        let openapi = crate::openapi::describe(&settings, &prefix, sessions.cookie_name());
        let routes_settings = settings.clone();
        if let Some(outbox) = &outbox {
            let (stop, stopped) = tokio::sync::watch::channel(false);
            tokio::spawn(Arc::clone(outbox).run(stopped));
            app.on_shutdown(move || async move {
                let _ = stop.send(true);
            });
        }
        app.provide(UserManager {
            outbox,
            background: crate::email_routes::Background::default(),
            verified: crate::token_cache::VerifiedTokens::default(),
            openapi,
            tokens,
            cache,
            counters,
            settings,
            passwords,
            store,
            clock: self.clock,
            listeners: self.listeners,
            profile: self.profile,
            username_validator: self.username_validator,
        });
        app.routes("/user", move |cfg| {
            crate::routes::configure(&routes_settings, cfg)
        });
        Ok(())
    }
}
