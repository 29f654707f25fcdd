//! `[user]` / `USER_*`: Flask-User's keys, with its defaults where they are
//! safe. Where ours differ, the field says why. Every key of Flask-User 1.0
//! is taken ([`flask_user`] says how its URLs, template names and older
//! names are read, and which keys are deliberately not implemented).

pub(crate) mod flask_user;

use std::path::PathBuf;

use ext_core::ExtensionError;
use secrecy::SecretString;
use serde::Deserialize;

use crate::password::HashSettings;

/// Which store keeps the users.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreChoice {
    /// ext-orm's database (feature `orm`).
    Sqlalchemy,
    /// ext-mongo's database (feature `mongo`).
    Mongodb,
}

/// How API tokens are signed. The algorithm is pinned: a token whose
/// header names another one is refused.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256, keyed from `SECRET_KEY` (or `jwt_secret`). The default.
    #[default]
    HS256,
    /// HMAC-SHA512, keyed the same way.
    HS512,
    /// Ed25519, with `jwt_private_key_file` and `jwt_public_key_file`
    /// (PEM).
    EdDSA,
    /// RSA PKCS#1 v1.5 with SHA-256, with the same two files.
    RS256,
}

/// ext-user's settings.
///
/// Unknown keys follow ext-core's rule: an error in the file (with the
/// closest key, when one is close), a warning in the environment.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// `USER_APP_NAME`.
    pub app_name: String,
    /// `USER_ENABLE_REGISTER`: self sign-up. Default true.
    pub enable_register: bool,
    /// `USER_ENABLE_USERNAME`: users have usernames. Default true.
    pub enable_username: bool,
    /// `USER_ENABLE_EMAIL`: users have email addresses. Default true.
    pub enable_email: bool,
    /// `USER_ENABLE_CHANGE_PASSWORD`. Default true.
    pub enable_change_password: bool,
    /// `USER_ENABLE_CHANGE_USERNAME`. Default true.
    pub enable_change_username: bool,
    /// `USER_ENABLE_REMEMBER_ME`: a sign-in may ask for a cookie that
    /// outlives the browser. When false, `remember_me` is ignored by the
    /// server, not only hidden. Default true.
    pub enable_remember_me: bool,
    /// `USER_REQUIRE_RETYPE_PASSWORD`: register and change-password need
    /// `retype_password` equal to the new password. Default true.
    pub require_retype_password: bool,
    /// `USER_ENABLE_CONFIRM_EMAIL`: registration mails a confirmation link,
    /// and sign-in waits for it (unless
    /// `allow_login_without_confirmed_email`). Default false (Flask-User:
    /// true), because it needs mail delivery set up (`mail_url`) and
    /// `[app] public_url`; turn it on once they are.
    pub enable_confirm_email: bool,
    /// `USER_ENABLE_FORGOT_PASSWORD`: a reset link by mail. Default true;
    /// off, with a warning, while `[app] public_url` is unset.
    pub enable_forgot_password: bool,
    /// Users may move their account to another address: the new address
    /// gets a link, and the account moves when it is followed (the old
    /// address keeps working until then, and is told afterwards). Needs
    /// the password in the request. Default true; off, like
    /// forgot-password, while `[app] public_url` is unset. (Flask-User has
    /// only its multiple-emails screens.)
    pub enable_change_email: bool,
    /// How long a change-email link works, seconds. Default 86400.
    pub change_email_expiration: i64,
    /// The change-email endpoint; its link is `…/{token}`.
    pub change_email_url: String,
    /// `USER_ENABLE_MULTIPLE_EMAILS`: users may add addresses besides the
    /// primary one (`manage_emails_url`), each confirmed by a mailed link
    /// before it signs in or gets a reset link, and make one primary.
    /// Default false.
    pub enable_multiple_emails: bool,
    /// `USER_MANAGE_EMAILS_URL`: GET lists the user's addresses, POST adds
    /// one (with the password).
    pub manage_emails_url: String,
    /// `USER_EMAIL_ACTION_URL`, without Flask-User's `/<id>/<action>`:
    /// `POST …/{id}/delete` and `…/{id}/make-primary` (with the password;
    /// Flask-User takes GET).
    pub email_action_url: String,
    /// `USER_ENABLE_INVITE_USER`: signed-in users may invite an address
    /// (`POST invite_user_url`); the mail's link is the registration URL
    /// with `?token=`. Default false.
    pub enable_invite_user: bool,
    /// `USER_REQUIRE_INVITATION`: registration needs an invitation's
    /// token (checked on the POST), for the invited address only. Default
    /// false.
    pub require_invitation: bool,
    /// `USER_INVITE_EXPIRATION`, seconds, at most 90 days. Default 604800
    /// (7 days; Flask-User: 90 days).
    pub invite_expiration: i64,
    /// `USER_INVITE_USER_URL`.
    pub invite_user_url: String,
    /// `USER_ALLOW_LOGIN_WITHOUT_CONFIRMED_EMAIL`. Default false.
    pub allow_login_without_confirmed_email: bool,
    /// `USER_AUTO_LOGIN_AFTER_CONFIRM`. Default false (Flask-User: true): a
    /// link that signs in is a credential anyone holding the mail can use.
    pub auto_login_after_confirm: bool,
    /// `USER_AUTO_LOGIN_AFTER_RESET_PASSWORD`. Default false (Flask-User:
    /// true), as OWASP's forgot-password cheat sheet asks.
    pub auto_login_after_reset_password: bool,
    /// `USER_CONFIRM_EMAIL_EXPIRATION`, seconds. Default 86400 (Flask-User:
    /// 2 days).
    pub confirm_email_expiration: i64,
    /// `USER_RESET_PASSWORD_EXPIRATION`, seconds. Default 3600 (Flask-User:
    /// 2 days).
    pub reset_password_expiration: i64,
    /// `USER_SEND_PASSWORD_CHANGED_EMAIL`: a notice after a password change
    /// or reset. Default true.
    pub send_password_changed_email: bool,
    /// `USER_SEND_USERNAME_CHANGED_EMAIL`. Default true.
    pub send_username_changed_email: bool,
    /// `USER_SEND_REGISTERED_EMAIL`: a welcome mail after registering,
    /// when confirmation is off. It never suppresses the confirmation
    /// mail (Flask-User's welcome mail carries the confirmation link, so
    /// there `false` leaves new users unable to confirm). Whatever this
    /// says, the owner of an address someone tries to register again is
    /// told. Default true.
    pub send_registered_email: bool,
    /// `USER_EMAIL_SENDER_EMAIL`. Default (and when empty, as in
    /// Flask-User's defaults) `no-reply@localhost`.
    pub email_sender_email: String,
    /// `USER_EMAIL_SENDER_NAME`; default (and when empty) `app_name`.
    pub email_sender_name: Option<String>,
    /// Where mail goes: `smtps://user:password@host:465` (implicit TLS),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtp://host:port` (plain, for a local relay), as lettre reads
    /// them. Unset: each message is written to `mail_folder` as an `.eml`
    /// file. A secret: redacted in `Debug`.
    pub mail_url: Option<SecretString>,
    /// Where mail is written when `mail_url` is unset. Default `mail`.
    pub mail_folder: PathBuf,
    /// Messages to one address per hour, from every endpoint that sends
    /// mail, before 429. Default 3.
    pub mail_per_address: u32,
    /// Mail-sending requests from one client address per hour. Default 20.
    pub mail_per_client: u32,
    /// How often a message is tried before the outbox gives up on it
    /// (kept, with its last error). Default 10: retries after 30 s, 1, 2,
    /// 4 … minutes up to an hour apart: the tenth try is about 3 hours
    /// after the first (`outbox::tests::retries_back_off_to_an_hour`).
    pub mail_max_attempts: i64,
    /// How often the outbox worker looks for mail another instance
    /// enqueued or that is due again, milliseconds. Mail enqueued by this
    /// instance goes at once. Default 1000.
    pub mail_poll_ms: u64,
    /// `USER_FORGOT_PASSWORD_URL`.
    pub forgot_password_url: String,
    /// `USER_RESET_PASSWORD_URL`, without Flask-User's `/<token>`: the
    /// token follows it (GET describes the link, POST sets the password).
    pub reset_password_url: String,
    /// `USER_CONFIRM_EMAIL_URL`, without `/<token>` (GET describes, POST
    /// confirms).
    pub confirm_email_url: String,
    /// `USER_RESEND_EMAIL_CONFIRMATION_URL`.
    pub resend_email_confirmation_url: String,
    /// `USER_REGISTER_URL`, relative to the prefix (`[app.url_prefixes]
    /// user`, default `/user`). Flask-User's keys hold the whole path; here
    /// one prefix moves them all.
    pub register_url: String,
    /// `USER_LOGIN_URL` (sign-in).
    pub login_url: String,
    /// `USER_LOGOUT_URL` (sign-out; POST only, unlike Flask-User).
    pub logout_url: String,
    /// `USER_CHANGE_PASSWORD_URL`.
    pub change_password_url: String,
    /// `USER_CHANGE_USERNAME_URL`.
    pub change_username_url: String,
    /// `USER_EDIT_USER_PROFILE_URL`.
    pub edit_user_profile_url: String,
    /// The signed-in user as JSON (Flask-User has none).
    pub current_user_url: String,
    /// Where users live; by default whichever of ext-orm and ext-mongo
    /// the app registered (ext-orm if both).
    pub store: Option<StoreChoice>,
    /// Sign-in attempts per account (or unknown login) in one window before
    /// 429. Default 5; with the window, at most 100 per hour (ASVS 2.2.1).
    pub login_attempts: u32,
    /// The throttle window, seconds. Default 900 (15 minutes).
    pub login_window_secs: i64,
    /// Sign-in attempts from one client address in one window. Default 100.
    pub client_attempts: u32,
    /// Keep the throttle counters in Redis at this URL (feature `redis`)
    /// instead of the user store. Windows then follow Redis's clock.
    pub throttle_redis_url: Option<String>,
    /// Kept for configurations that set it: the client address always
    /// comes from [`ext_core::client_ip`], which believes `Forwarded` /
    /// `X-Forwarded-For` only from `[app] trusted_proxies`. `true` with no
    /// trusted proxies is a start-up error; default false.
    pub trust_proxy_headers: bool,
    /// A session with no request for this long is signed out.
    /// `USER_USER_SESSION_EXPIRATION`; default 1800 s (Flask-User: 3600).
    pub idle_timeout_secs: i64,
    /// A session is signed out this long after sign-in, however busy.
    /// Default 43200 s (12 hours); Flask-User has none.
    pub absolute_timeout_secs: i64,
    /// The same for a remember-me sign-in; default 30 days.
    pub remember_me_secs: i64,
    /// How long a signed-in user's record is reused before the store is
    /// read again: changes made on another instance of the app count here
    /// within this many seconds (changes made through this one at once).
    /// Default 2; 0 reads the store on every request.
    pub user_cache_secs: i64,
    /// See [`HashSettings`].
    pub hash_memory_kib: u32,
    /// See [`HashSettings`].
    pub hash_iterations: u32,
    /// See [`HashSettings`].
    pub hash_parallelism: u32,
    /// See [`HashSettings`].
    pub allow_weak_params_for_tests: bool,
    /// See [`HashSettings`].
    pub hash_concurrency: usize,
    /// See [`HashSettings`].
    pub hash_queue: usize,
    /// See [`HashSettings`].
    pub password_min_length: usize,
    /// See [`HashSettings`].
    pub password_max_length: usize,
    /// See [`HashSettings`].
    pub refuse_common_passwords: bool,
    /// API tokens: sign-in may return an access and a refresh token, and
    /// `Authorization: Bearer` authenticates. Default true.
    pub enable_api_tokens: bool,
    /// See [`JwtAlgorithm`]. Default HS256.
    pub jwt_algorithm: JwtAlgorithm,
    /// The HMAC key, when tokens must verify elsewhere too (at least 32
    /// bytes; never padded). By default a key derived from `SECRET_KEY`
    /// for this purpose alone, verified with `SECRET_KEY_FALLBACKS` too.
    pub jwt_secret: Option<SecretString>,
    /// EdDSA / RS256: the PEM private key that signs.
    pub jwt_private_key_file: Option<PathBuf>,
    /// EdDSA / RS256: the PEM public key that verifies.
    pub jwt_public_key_file: Option<PathBuf>,
    /// The `iss` claim set and required; default `app_name`.
    pub jwt_issuer: Option<String>,
    /// The `aud` claim set and required; default `app_name`.
    pub jwt_audience: Option<String>,
    /// Clock skew allowed on `exp` and `nbf`, seconds; 0 to 30, default 30.
    pub jwt_leeway_secs: i64,
    /// Access tokens' lifetime; default 900 s (15 minutes), at most a day.
    pub access_token_secs: i64,
    /// Refresh tokens' lifetime; default 14 days. Each use rotates one.
    pub refresh_token_secs: i64,
    /// How long a refresh-token family may go on rotating after its
    /// sign-in, however often it is used; default 30 days (as
    /// `remember_me_secs`). Then the client signs in again.
    pub refresh_family_max_secs: i64,
    /// Personal access tokens one user may hold; default 50.
    pub max_personal_tokens: usize,
    /// Refresh: a refresh token for a new pair.
    pub token_refresh_url: String,
    /// Revoke: ends a refresh token's family.
    pub token_revoke_url: String,
    /// Ends every session and token of the signed-in user.
    pub sign_out_everywhere_url: String,
    /// Lists (GET) and makes (POST) personal access tokens; `…/{id}` takes
    /// DELETE.
    pub personal_tokens_url: String,
    /// The OpenAPI 3.1 description of these endpoints (GET).
    pub openapi_url: String,

    /// `USER_AUTO_LOGIN_AFTER_REGISTER`: a new account whose address need
    /// not be confirmed first is signed in by its registration. Default
    /// false (Flask-User: true): the new session tells whoever registers
    /// that the address was free, which the same answer for a taken
    /// address (E5) otherwise hides.
    pub auto_login_after_register: bool,
    /// `USER_AUTO_LOGIN_AT_LOGIN`: a signed-in user who opens the sign-in
    /// page is sent on to `after_login_endpoint` (the pages).
    pub auto_login_at_login: bool,
    /// `USER_AUTO_LOGIN`: taken, and read by nothing, as in Flask-User.
    pub auto_login: bool,
    /// `USER_APP_VERSION`, for templates.
    pub app_version: String,
    /// `USER_CORPORATION_NAME`, for templates.
    pub corporation_name: String,
    /// `USER_COPYRIGHT_YEAR`, for templates.
    pub copyright_year: i64,

    /// `USER_CONFIRM_EMAIL_TEMPLATE`: the confirmation mail's templates,
    /// as a prefix to which `_subject.txt`, `_message.txt` and
    /// `_message.html` are appended. Flask-User's `flask_user/…` names
    /// are read as ext-user's `user/…`. Default `user/emails/confirm_email`.
    pub confirm_email_template: String,
    /// `USER_INVITE_USER_EMAIL_TEMPLATE`, likewise.
    pub invite_user_email_template: String,
    /// `USER_PASSWORD_CHANGED_EMAIL_TEMPLATE`, likewise.
    pub password_changed_email_template: String,
    /// `USER_REGISTERED_EMAIL_TEMPLATE`, likewise.
    pub registered_email_template: String,
    /// `USER_RESET_PASSWORD_EMAIL_TEMPLATE`, likewise.
    pub reset_password_email_template: String,
    /// `USER_USERNAME_CHANGED_EMAIL_TEMPLATE`, likewise.
    pub username_changed_email_template: String,

    /// `USER_CHANGE_PASSWORD_TEMPLATE`: the page's template (the pages
    /// render it); `flask_user/…` reads as `user/…`.
    pub change_password_template: String,
    /// `USER_CHANGE_USERNAME_TEMPLATE`, likewise.
    pub change_username_template: String,
    /// `USER_EDIT_USER_PROFILE_TEMPLATE`, likewise.
    pub edit_user_profile_template: String,
    /// `USER_FORGOT_PASSWORD_TEMPLATE`, likewise.
    pub forgot_password_template: String,
    /// `USER_INVITE_USER_TEMPLATE`, likewise.
    pub invite_user_template: String,
    /// `USER_LOGIN_TEMPLATE`, likewise.
    pub login_template: String,
    /// `USER_LOGIN_AUTH0_TEMPLATE`, taken for Flask-User's files; Auth0 is
    /// not implemented (see `enable_auth0`).
    pub login_auth0_template: String,
    /// `USER_MANAGE_EMAILS_TEMPLATE`, likewise.
    pub manage_emails_template: String,
    /// `USER_REGISTER_TEMPLATE`, likewise.
    pub register_template: String,
    /// `USER_RESEND_CONFIRM_EMAIL_TEMPLATE`, likewise.
    pub resend_confirm_email_template: String,
    /// `USER_RESET_PASSWORD_TEMPLATE`, likewise.
    pub reset_password_template: String,

    /// `USER_AFTER_CHANGE_PASSWORD_ENDPOINT`: where a page lands after the
    /// flow: a path, a route name, or empty for `/`, as in Flask-User.
    pub after_change_password_endpoint: String,
    /// `USER_AFTER_CHANGE_USERNAME_ENDPOINT`, likewise.
    pub after_change_username_endpoint: String,
    /// `USER_AFTER_CONFIRM_ENDPOINT`, likewise.
    pub after_confirm_endpoint: String,
    /// `USER_AFTER_EDIT_USER_PROFILE_ENDPOINT`, likewise.
    pub after_edit_user_profile_endpoint: String,
    /// `USER_AFTER_FORGOT_PASSWORD_ENDPOINT`, likewise.
    pub after_forgot_password_endpoint: String,
    /// `USER_AFTER_LOGIN_ENDPOINT`, likewise.
    pub after_login_endpoint: String,
    /// `USER_AFTER_LOGOUT_ENDPOINT`, likewise.
    pub after_logout_endpoint: String,
    /// `USER_AFTER_REGISTER_ENDPOINT`, likewise.
    pub after_register_endpoint: String,
    /// `USER_AFTER_RESEND_EMAIL_CONFIRMATION_ENDPOINT`, likewise.
    pub after_resend_email_confirmation_endpoint: String,
    /// `USER_AFTER_RESET_PASSWORD_ENDPOINT`, likewise.
    pub after_reset_password_endpoint: String,
    /// `USER_AFTER_INVITE_ENDPOINT`, likewise.
    pub after_invite_endpoint: String,
    /// `USER_UNAUTHENTICATED_ENDPOINT`: where a browser that is not
    /// signed in is sent; default `user.login` (the sign-in page).
    pub unauthenticated_endpoint: String,
    /// `USER_UNAUTHORIZED_ENDPOINT`: where a browser without the role is
    /// sent; empty gives the 403 page.
    pub unauthorized_endpoint: String,

    /// `USER_ENABLE_AUTH0`: not implemented; `true` starts with a warning.
    pub enable_auth0: bool,
    /// `USER_IFIND_MODE`: not implemented (lookups are always exact, on a
    /// normalised key: E6); set, it starts with a warning.
    pub ifind_mode: Option<String>,
    /// `USER_SHOW_EMAIL_DOES_NOT_EXIST`: not implemented (no answer tells
    /// whether an account exists: E1, E3, E5); `true` starts with a warning.
    pub show_email_does_not_exist: bool,
    /// `USER_SHOW_USERNAME_DOES_NOT_EXIST`, likewise.
    pub show_username_does_not_exist: bool,
    /// `USER_PASSLIB_CRYPTCONTEXT_SCHEMES` (and the older
    /// `USER_PASSWORD_HASH`): not implemented; new hashes are argon2id,
    /// and Flask-User's bcrypt hashes still verify and are rehashed at
    /// sign-in. Set, it starts with a warning.
    pub passlib_cryptcontext_schemes: Option<serde_json::Value>,
    /// `USER_PASSLIB_CRYPTCONTEXT_KEYWORDS`, likewise (a warning unless
    /// empty).
    pub passlib_cryptcontext_keywords: Option<serde_json::Value>,
}

impl Default for UserSettings {
    fn default() -> Self {
        let hash = HashSettings::default();
        Self {
            app_name: "USER_APP_NAME".to_owned(),
            enable_register: true,
            enable_username: true,
            enable_email: true,
            enable_change_password: true,
            enable_change_username: true,
            enable_remember_me: true,
            require_retype_password: true,
            enable_confirm_email: false,
            enable_forgot_password: true,
            enable_change_email: true,
            change_email_expiration: 86_400,
            change_email_url: "/change-email".to_owned(),
            enable_multiple_emails: false,
            manage_emails_url: "/manage-emails".to_owned(),
            email_action_url: "/email".to_owned(),
            enable_invite_user: false,
            require_invitation: false,
            invite_expiration: 7 * 86_400,
            invite_user_url: "/invite".to_owned(),
            allow_login_without_confirmed_email: false,
            auto_login_after_confirm: false,
            auto_login_after_reset_password: false,
            confirm_email_expiration: 86_400,
            reset_password_expiration: 3_600,
            send_password_changed_email: true,
            send_username_changed_email: true,
            send_registered_email: true,
            email_sender_email: "no-reply@localhost".to_owned(),
            email_sender_name: None,
            mail_url: None,
            mail_folder: PathBuf::from("mail"),
            mail_per_address: 3,
            mail_per_client: 20,
            mail_max_attempts: 10,
            mail_poll_ms: 1_000,
            forgot_password_url: "/forgot-password".to_owned(),
            reset_password_url: "/reset-password".to_owned(),
            confirm_email_url: "/confirm-email".to_owned(),
            resend_email_confirmation_url: "/resend-email-confirmation".to_owned(),
            register_url: "/register".to_owned(),
            login_url: "/sign-in".to_owned(),
            logout_url: "/sign-out".to_owned(),
            change_password_url: "/change-password".to_owned(),
            change_username_url: "/change-username".to_owned(),
            edit_user_profile_url: "/edit_user_profile".to_owned(),
            current_user_url: "/me".to_owned(),
            store: None,
            login_attempts: 5,
            login_window_secs: 900,
            client_attempts: 100,
            throttle_redis_url: None,
            trust_proxy_headers: false,
            idle_timeout_secs: 1800,
            absolute_timeout_secs: 43_200,
            remember_me_secs: 30 * 86_400,
            user_cache_secs: 2,
            hash_memory_kib: hash.hash_memory_kib,
            hash_iterations: hash.hash_iterations,
            hash_parallelism: hash.hash_parallelism,
            allow_weak_params_for_tests: hash.allow_weak_params_for_tests,
            hash_concurrency: hash.hash_concurrency,
            hash_queue: hash.hash_queue,
            password_min_length: hash.password_min_length,
            password_max_length: hash.password_max_length,
            refuse_common_passwords: hash.refuse_common_passwords,
            enable_api_tokens: true,
            jwt_algorithm: JwtAlgorithm::HS256,
            jwt_secret: None,
            jwt_private_key_file: None,
            jwt_public_key_file: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_secs: 30,
            access_token_secs: 900,
            refresh_token_secs: 14 * 86_400,
            refresh_family_max_secs: 30 * 86_400,
            max_personal_tokens: 50,
            token_refresh_url: "/token/refresh".to_owned(),
            token_revoke_url: "/token/revoke".to_owned(),
            sign_out_everywhere_url: "/sign-out-everywhere".to_owned(),
            personal_tokens_url: "/access-tokens".to_owned(),
            openapi_url: "/openapi.json".to_owned(),
            auto_login_after_register: false,
            auto_login_at_login: true,
            auto_login: true,
            app_version: "v1.0".to_owned(),
            corporation_name: "MyCorp".to_owned(),
            copyright_year: 2019,
            confirm_email_template: "user/emails/confirm_email".to_owned(),
            invite_user_email_template: "user/emails/invite_user".to_owned(),
            password_changed_email_template: "user/emails/password_changed".to_owned(),
            registered_email_template: "user/emails/registered".to_owned(),
            reset_password_email_template: "user/emails/reset_password".to_owned(),
            username_changed_email_template: "user/emails/username_changed".to_owned(),
            change_password_template: "user/change_password.html".to_owned(),
            change_username_template: "user/change_username.html".to_owned(),
            edit_user_profile_template: "user/edit_user_profile.html".to_owned(),
            forgot_password_template: "user/forgot_password.html".to_owned(),
            invite_user_template: "user/invite_user.html".to_owned(),
            login_template: "user/login.html".to_owned(),
            login_auth0_template: "user/login_auth0.html".to_owned(),
            manage_emails_template: "user/manage_emails.html".to_owned(),
            register_template: "user/register.html".to_owned(),
            resend_confirm_email_template: "user/resend_confirm_email.html".to_owned(),
            reset_password_template: "user/reset_password.html".to_owned(),
            after_change_password_endpoint: String::new(),
            after_change_username_endpoint: String::new(),
            after_confirm_endpoint: String::new(),
            after_edit_user_profile_endpoint: String::new(),
            after_forgot_password_endpoint: String::new(),
            after_login_endpoint: String::new(),
            after_logout_endpoint: String::new(),
            after_register_endpoint: String::new(),
            after_resend_email_confirmation_endpoint: String::new(),
            after_reset_password_endpoint: String::new(),
            after_invite_endpoint: String::new(),
            unauthenticated_endpoint: "user.login".to_owned(),
            unauthorized_endpoint: String::new(),
            enable_auth0: false,
            ifind_mode: None,
            show_email_does_not_exist: false,
            show_username_does_not_exist: false,
            passlib_cryptcontext_schemes: None,
            passlib_cryptcontext_keywords: None,
        }
    }
}

/// The most password checks one account may get in an hour (ASVS 2.2.1).
pub const MAX_CHECKS_PER_HOUR: i64 = 100;

impl UserSettings {
    /// Refuses settings that contradict each other or weaken a guarantee,
    /// naming the key.
    pub fn validate(&self) -> Result<(), ExtensionError> {
        if !self.enable_email && !self.enable_username {
            return Err(ExtensionError::invalid_setting(
                "user.enable_email",
                "users need an email or a username: enable one",
            ));
        }
        if (self.enable_invite_user || self.require_invitation) && !self.enable_email {
            return Err(ExtensionError::invalid_setting(
                "user.enable_invite_user",
                "invitations are mailed: needs enable_email",
            ));
        }
        if self.enable_multiple_emails && !self.enable_email {
            return Err(ExtensionError::invalid_setting(
                "user.enable_multiple_emails",
                "needs enable_email",
            ));
        }
        if self.require_invitation && !self.enable_invite_user {
            return Err(ExtensionError::invalid_setting(
                "user.require_invitation",
                "needs enable_invite_user, or nobody could register",
            ));
        }
        if self.enable_confirm_email && !self.enable_email {
            return Err(ExtensionError::invalid_setting(
                "user.enable_confirm_email",
                "needs enable_email",
            ));
        }
        for (key, seconds) in [
            ("user.confirm_email_expiration", self.confirm_email_expiration),
            ("user.reset_password_expiration", self.reset_password_expiration),
            ("user.change_email_expiration", self.change_email_expiration),
        ] {
            if !(60..=30 * 86_400).contains(&seconds) {
                return Err(ExtensionError::invalid_setting(
                    key,
                    "must be between 60 and 2592000 (30 days)",
                ));
            }
        }
        // An invitation is single-use and bound to its address (T10), so
        // Flask-User's 90 days are allowed.
        if !(60..=90 * 86_400).contains(&self.invite_expiration) {
            return Err(ExtensionError::invalid_setting(
                "user.invite_expiration",
                "must be between 60 and 7776000 (90 days)",
            ));
        }
        if self.mail_per_address == 0 || self.mail_per_client == 0 {
            return Err(ExtensionError::invalid_setting(
                "user.mail_per_address",
                "must be 1 or more",
            ));
        }
        if !(1..=30).contains(&self.mail_max_attempts) {
            return Err(ExtensionError::invalid_setting(
                "user.mail_max_attempts",
                "must be between 1 and 30",
            ));
        }
        if !(10..=60_000).contains(&self.mail_poll_ms) {
            return Err(ExtensionError::invalid_setting(
                "user.mail_poll_ms",
                "must be between 10 and 60000",
            ));
        }
        if self.login_window_secs < 60 {
            return Err(ExtensionError::invalid_setting(
                "user.login_window_secs",
                "must be 60 or more",
            ));
        }
        if self.login_attempts == 0 || self.client_attempts == 0 {
            return Err(ExtensionError::invalid_setting(
                "user.login_attempts",
                "must be 1 or more",
            ));
        }
        let windows_per_hour = (3600 + self.login_window_secs - 1) / self.login_window_secs;
        if i64::from(self.login_attempts) * windows_per_hour > MAX_CHECKS_PER_HOUR {
            return Err(ExtensionError::invalid_setting(
                "user.login_attempts",
                format!(
                    "{} attempts per {} s allow more than {MAX_CHECKS_PER_HOUR} password checks per account per hour",
                    self.login_attempts, self.login_window_secs
                ),
            ));
        }
        if !(0..=300).contains(&self.user_cache_secs) {
            return Err(ExtensionError::invalid_setting(
                "user.user_cache_secs",
                "must be between 0 and 300",
            ));
        }
        if !(0..=30).contains(&self.jwt_leeway_secs) {
            return Err(ExtensionError::invalid_setting(
                "user.jwt_leeway_secs",
                "must be between 0 and 30",
            ));
        }
        if !(60..=86_400).contains(&self.access_token_secs) {
            return Err(ExtensionError::invalid_setting(
                "user.access_token_secs",
                "must be between 60 and 86400: access tokens are checked against the user's \
                 token version on every request, but a short life limits a stolen one",
            ));
        }
        if self.refresh_token_secs < self.access_token_secs {
            return Err(ExtensionError::invalid_setting(
                "user.refresh_token_secs",
                "must be at least access_token_secs",
            ));
        }
        if self.refresh_family_max_secs < self.refresh_token_secs {
            return Err(ExtensionError::invalid_setting(
                "user.refresh_family_max_secs",
                "must be at least refresh_token_secs",
            ));
        }
        for (key, seconds) in [
            ("user.idle_timeout_secs", self.idle_timeout_secs),
            ("user.absolute_timeout_secs", self.absolute_timeout_secs),
            ("user.remember_me_secs", self.remember_me_secs),
        ] {
            if seconds < 60 {
                return Err(ExtensionError::invalid_setting(key, "must be 60 or more"));
            }
        }
        for (key, path) in [
            ("user.register_url", &self.register_url),
            ("user.login_url", &self.login_url),
            ("user.logout_url", &self.logout_url),
            ("user.change_password_url", &self.change_password_url),
            ("user.change_username_url", &self.change_username_url),
            ("user.edit_user_profile_url", &self.edit_user_profile_url),
            ("user.current_user_url", &self.current_user_url),
            ("user.token_refresh_url", &self.token_refresh_url),
            ("user.token_revoke_url", &self.token_revoke_url),
            ("user.sign_out_everywhere_url", &self.sign_out_everywhere_url),
            ("user.personal_tokens_url", &self.personal_tokens_url),
            ("user.openapi_url", &self.openapi_url),
            ("user.forgot_password_url", &self.forgot_password_url),
            ("user.reset_password_url", &self.reset_password_url),
            ("user.confirm_email_url", &self.confirm_email_url),
            (
                "user.resend_email_confirmation_url",
                &self.resend_email_confirmation_url,
            ),
            ("user.change_email_url", &self.change_email_url),
            ("user.invite_user_url", &self.invite_user_url),
            ("user.manage_emails_url", &self.manage_emails_url),
            ("user.email_action_url", &self.email_action_url),
        ] {
            if !path.starts_with('/') || path.contains(['{', '}', '<', '>', '?', '#']) {
                return Err(ExtensionError::invalid_setting(
                    key,
                    "must be a path such as /sign-in",
                ));
            }
        }
        Ok(())
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        self.jwt_issuer.as_deref().unwrap_or(&self.app_name)
    }

    /// The `aud` claim.
    pub fn audience(&self) -> &str {
        self.jwt_audience.as_deref().unwrap_or(&self.app_name)
    }

    /// The hashing part.
    pub fn hash_settings(&self) -> HashSettings {
        HashSettings {
            hash_memory_kib: self.hash_memory_kib,
            hash_iterations: self.hash_iterations,
            hash_parallelism: self.hash_parallelism,
            allow_weak_params_for_tests: self.allow_weak_params_for_tests,
            hash_concurrency: self.hash_concurrency,
            hash_queue: self.hash_queue,
            password_min_length: self.password_min_length,
            password_max_length: self.password_max_length,
            refuse_common_passwords: self.refuse_common_passwords,
        }
    }
}
