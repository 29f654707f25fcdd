//! A Flask-User app's settings, read as Flask-User reads them.
//!
//! - Older names: `USER_USER_SESSION_EXPIRATION` is `idle_timeout_secs`,
//!   and Flask-User's deprecated aliases still work ([`KEY_ALIASES`]).
//! - URLs: Flask-User's keys hold whole paths with Flask placeholders
//!   (`/user/reset-password/<token>`); ext-user mounts its routes under one
//!   prefix and puts the token after the path itself. A path under the
//!   prefix is read relative to it, and the placeholders Flask-User's
//!   routes end in are dropped ([`UserSettings::adopt_flask_user_values`]).
//! - Template names: `flask_user/login.html` is ext-user's
//!   `user/login.html`.
//! - Keys deliberately not implemented are taken, and each one that asks
//!   for what ext-user does not do gives one warning at start-up saying
//!   why ([`UserSettings::not_implemented`]).

use super::UserSettings;

/// `(older name, key)`: read in the file and the environment alike.
pub(crate) const KEY_ALIASES: &[(&str, &str)] = &[
    // Flask-User's name for the idle timeout.
    ("user_session_expiration", "idle_timeout_secs"),
    // Flask-User's own deprecated aliases (it still reads them).
    (
        "enable_login_without_confirm_email",
        "allow_login_without_confirmed_email",
    ),
    ("enable_retype_password", "require_retype_password"),
    ("show_username_email_does_not_exist", "show_email_does_not_exist"),
    ("password_hash", "passlib_cryptcontext_schemes"),
];

/// The Flask-User template folder, and ext-user's.
const FLASK_USER_TEMPLATES: &str = "flask_user/";
const TEMPLATES: &str = "user/";

/// `value` with a leading `prefix` (`/user`) taken off, when it is a path
/// under it.
fn under_prefix(value: &str, prefix: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    match value.strip_prefix(prefix) {
        Some(rest) if !prefix.is_empty() && rest.starts_with('/') => rest.to_owned(),
        _ => value.to_owned(),
    }
}

/// `value` without its trailing Flask placeholders (`/<token>`,
/// `/<id>/<action>`, `/<string:token>`).
fn without_placeholders(value: &str) -> String {
    let mut path = value;
    while let Some((head, last)) = path.rsplit_once('/') {
        if last.starts_with('<') && last.ends_with('>') {
            path = head;
        } else {
            break;
        }
    }
    path.to_owned()
}

fn template_name(value: &str) -> String {
    match value.strip_prefix(FLASK_USER_TEMPLATES) {
        Some(rest) => format!("{TEMPLATES}{rest}"),
        None => value.to_owned(),
    }
}

impl UserSettings {
    /// Reads Flask-User's forms of values as ext-user's, for routes mounted
    /// under `prefix`:
    ///
    /// ```
    /// let mut settings = ext_user::UserSettings {
    ///     login_url: "/user/sign-in".into(),
    ///     reset_password_url: "/user/reset-password/<token>".into(),
    ///     email_action_url: "/user/email/<id>/<action>".into(),
    ///     login_template: "flask_user/login.html".into(),
    ///     email_sender_email: String::new(),
    ///     ..Default::default()
    /// };
    /// settings.adopt_flask_user_values("/user");
    /// assert_eq!(settings.login_url, "/sign-in");
    /// assert_eq!(settings.reset_password_url, "/reset-password");
    /// assert_eq!(settings.email_action_url, "/email");
    /// assert_eq!(settings.login_template, "user/login.html");
    /// assert_eq!(settings.email_sender_email, "no-reply@localhost");
    /// ```
    pub fn adopt_flask_user_values(&mut self, prefix: &str) {
        let defaults = UserSettings::default();
        // The routes that take a token or an id after their path.
        for url in [
            &mut self.reset_password_url,
            &mut self.confirm_email_url,
            &mut self.change_email_url,
            &mut self.email_action_url,
        ] {
            *url = without_placeholders(url);
        }
        for url in [
            &mut self.register_url,
            &mut self.login_url,
            &mut self.logout_url,
            &mut self.change_password_url,
            &mut self.change_username_url,
            &mut self.edit_user_profile_url,
            &mut self.current_user_url,
            &mut self.token_refresh_url,
            &mut self.token_revoke_url,
            &mut self.sign_out_everywhere_url,
            &mut self.personal_tokens_url,
            &mut self.openapi_url,
            &mut self.forgot_password_url,
            &mut self.reset_password_url,
            &mut self.confirm_email_url,
            &mut self.resend_email_confirmation_url,
            &mut self.change_email_url,
            &mut self.invite_user_url,
            &mut self.manage_emails_url,
            &mut self.email_action_url,
        ] {
            *url = under_prefix(url, prefix);
        }
        for name in [
            &mut self.confirm_email_template,
            &mut self.invite_user_email_template,
            &mut self.password_changed_email_template,
            &mut self.registered_email_template,
            &mut self.reset_password_email_template,
            &mut self.username_changed_email_template,
            &mut self.change_password_template,
            &mut self.change_username_template,
            &mut self.edit_user_profile_template,
            &mut self.forgot_password_template,
            &mut self.invite_user_template,
            &mut self.login_template,
            &mut self.login_auth0_template,
            &mut self.manage_emails_template,
            &mut self.register_template,
            &mut self.resend_confirm_email_template,
            &mut self.reset_password_template,
        ] {
            *name = template_name(name);
        }
        // Flask-User's defaults leave both empty, meaning "not set".
        if self.email_sender_email.trim().is_empty() {
            self.email_sender_email = defaults.email_sender_email;
        }
        if self
            .email_sender_name
            .as_deref()
            .is_some_and(|name| name.trim().is_empty())
        {
            self.email_sender_name = None;
        }
    }

    /// The keys set to something ext-user deliberately does not do, each
    /// with why: one warning each at start-up.
    ///
    /// ```
    /// let settings = ext_user::UserSettings {
    ///     ifind_mode: Some("nocase_collation".into()),
    ///     ..Default::default()
    /// };
    /// let keys: Vec<_> = settings.not_implemented().into_iter().map(|(key, _)| key).collect();
    /// assert_eq!(keys, ["user.ifind_mode"]);
    /// ```
    pub fn not_implemented(&self) -> Vec<(&'static str, &'static str)> {
        let mut ignored = Vec::new();
        if self.ifind_mode.is_some() {
            ignored.push((
                "user.ifind_mode",
                "ignored: logins are always found by exact equality on a normalised (NFKC, lower-case) \
                 key with a unique index, never by a pattern",
            ));
        }
        if self.show_email_does_not_exist || self.show_username_does_not_exist {
            ignored.push((
                "user.show_email_does_not_exist",
                "ignored: no answer says whether an account exists (the same answer and the same \
                 work for a known and an unknown login)",
            ));
        }
        let keywords_set = self
            .passlib_cryptcontext_keywords
            .as_ref()
            .is_some_and(|keywords| keywords.as_object().is_none_or(|map| !map.is_empty()));
        if self.passlib_cryptcontext_schemes.is_some() || keywords_set {
            ignored.push((
                "user.passlib_cryptcontext_schemes",
                "ignored: new passwords are hashed with argon2id (hash_memory_kib, hash_iterations, \
                 hash_parallelism); Flask-User's bcrypt hashes still verify and are rehashed to \
                 argon2id at the user's next sign-in",
            ));
        }
        if self.enable_auth0 {
            ignored.push((
                "user.enable_auth0",
                "ignored: Auth0 sign-in is not implemented (Flask-User 1.0's is a template with its \
                 callback commented out)",
            ));
        }
        ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_dropped_from_the_end_only() {
        assert_eq!(
            without_placeholders("/user/reset-password/<token>"),
            "/user/reset-password"
        );
        assert_eq!(without_placeholders("/user/email/<id>/<action>"), "/user/email");
        assert_eq!(without_placeholders("/a/<string:token>"), "/a");
        assert_eq!(without_placeholders("/reset-password"), "/reset-password");
        assert_eq!(without_placeholders("/<x>/y"), "/<x>/y");
    }

    #[test]
    fn only_paths_under_the_prefix_lose_it() {
        assert_eq!(under_prefix("/user/sign-in", "/user"), "/sign-in");
        assert_eq!(under_prefix("/user/sign-in", "/user/"), "/sign-in");
        assert_eq!(under_prefix("/users/sign-in", "/user"), "/users/sign-in");
        assert_eq!(under_prefix("/sign-in", "/user"), "/sign-in");
        assert_eq!(under_prefix("/user", "/user"), "/user");
        assert_eq!(under_prefix("/sign-in", ""), "/sign-in");
    }
}
