//! The mail templates: bundled with ext-user, and overridden by a file of
//! the same name in the app's templates folder (`[app] template_folder`),
//! as Flask-User's `emails/` are. Each kind has `user/emails/<kind>_subject.txt`,
//! `<kind>_message.txt` and `<kind>_message.html`, sharing
//! `user/emails/base_message.*`; every one sees `app_name`, `public_url`,
//! `email` and `user`, and the kind's own variables (the link, …).
//!
//! ext-core's `Templates` renders for a request; mail is rendered by the
//! outbox worker, outside any request, so ext-user keeps this small
//! environment of its own, with the same lookup order and Flask's
//! autoescaping rule (HTML escaped, text not).

use std::collections::BTreeMap;
use std::path::PathBuf;

use minijinja::{path_loader, AutoEscape, Environment, UndefinedBehavior};

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        &[$(( concat!("user/emails/", $name), include_str!(concat!("../../templates/user/emails/", $name)) )),*]
    };
}

/// Every bundled mail template, by name.
const BUNDLED: &[(&str, &str)] = bundled![
    "base_message.html",
    "base_message.txt",
    "confirm_email_subject.txt",
    "confirm_email_message.txt",
    "confirm_email_message.html",
    "reset_password_subject.txt",
    "reset_password_message.txt",
    "reset_password_message.html",
    "registered_subject.txt",
    "registered_message.txt",
    "registered_message.html",
    "register_attempt_subject.txt",
    "register_attempt_message.txt",
    "register_attempt_message.html",
    "password_changed_subject.txt",
    "password_changed_message.txt",
    "password_changed_message.html",
    "username_changed_subject.txt",
    "username_changed_message.txt",
    "username_changed_message.html",
    "change_email_subject.txt",
    "change_email_message.txt",
    "change_email_message.html",
    "email_changed_subject.txt",
    "email_changed_message.txt",
    "email_changed_message.html",
    "invite_user_subject.txt",
    "invite_user_message.txt",
    "invite_user_message.html",
];

/// Escapes as Jinja2's markupsafe does (`&`, `<`, `>`, `"`, `'`), so a
/// link keeps its slashes; minijinja's own escaping also encodes `/`,
/// which mail clients show in a link's text.
fn markupsafe_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let text = match value.as_str() {
        Some(text) if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() => text,
        _ => return minijinja::escape_formatter(out, state, value),
    };
    for ch in text.chars() {
        let escaped = match ch {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&#34;",
            '\'' => "&#39;",
            _ => {
                write!(out, "{ch}").map_err(minijinja::Error::from)?;
                continue;
            }
        };
        out.write_str(escaped).map_err(minijinja::Error::from)?;
    }
    Ok(())
}

/// One message's three parts.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
}

/// The mail template environment.
pub(crate) struct MailTemplates {
    env: Environment<'static>,
    /// Kinds whose templates the settings moved (`USER_*_EMAIL_TEMPLATE`):
    /// the kind, and the prefix its parts' names start with.
    families: BTreeMap<&'static str, String>,
}

impl MailTemplates {
    /// Templates from `folder` (the app's, when it exists), then the
    /// bundled ones.
    pub(crate) fn new(folder: Option<PathBuf>) -> Self {
        let mut env = Environment::new();
        let disk = folder.filter(|folder| folder.is_dir()).map(path_loader);
        let bundled: BTreeMap<&'static str, &'static str> = BUNDLED.iter().copied().collect();
        env.set_loader(move |name| {
            if let Some(disk) = &disk {
                if let Some(source) = disk(name)? {
                    return Ok(Some(source));
                }
            }
            Ok(bundled
                .get(name)
                .map(|source| minijinja::TemplateSource::new(*source)))
        });
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        // A template that names a variable the mail lacks fails loudly
        // (the outbox keeps the message and logs it) rather than sending
        // a mail with a hole in it.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(markupsafe_formatter);
        Self {
            env,
            families: BTreeMap::new(),
        }
    }

    /// The templates of each kind the settings name (Flask-User's
    /// `USER_*_EMAIL_TEMPLATE` keys): `<prefix>_subject.txt`, ….
    pub(crate) fn with_families(mut self, settings: &crate::UserSettings) -> Self {
        use crate::mail::kind;
        for (kind, prefix) in [
            (kind::CONFIRM_EMAIL, &settings.confirm_email_template),
            (kind::INVITE_USER, &settings.invite_user_email_template),
            (kind::PASSWORD_CHANGED, &settings.password_changed_email_template),
            (kind::REGISTERED, &settings.registered_email_template),
            (kind::RESET_PASSWORD, &settings.reset_password_email_template),
            (kind::USERNAME_CHANGED, &settings.username_changed_email_template),
        ] {
            self.families.insert(kind, prefix.clone());
        }
        self
    }

    /// Renders the three parts of `kind`.
    pub(crate) fn render(&self, kind: &str, context: minijinja::Value) -> Result<Rendered, String> {
        let family = match self.families.get(kind) {
            Some(prefix) => prefix.clone(),
            None => format!("user/emails/{kind}"),
        };
        let part = |suffix: &str| {
            let name = format!("{family}_{suffix}");
            self.env
                .get_template(&name)
                .and_then(|template| template.render(&context))
                .map_err(|error| format!("mail template {name}: {error:#}"))
        };
        let subject = part("subject.txt")?;
        Ok(Rendered {
            // One line: a template's trailing newline is not a header fold.
            subject: subject
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .unwrap_or("")
                .to_owned(),
            text: part("message.txt")?,
            html: part("message.html")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_with_its_variables() {
        let templates = MailTemplates::new(None);
        let base = minijinja::context! {
            app_name => "Notes", public_url => "https://notes.example", email => "a@example.com",
            user => minijinja::context! { username => "ann" }, expires_in => "1 hour",
            confirm_email_link => "https://notes.example/user/confirm-email/T",
            reset_password_link => "https://notes.example/user/reset-password/T",
            how => "changed", old_username => "anne",
            change_email_link => "https://notes.example/user/change-email/T", new_email => "b@example.com",
            accept_invitation_link => "https://notes.example/user/register?token=T",
            invited_by_user => minijinja::context! { username => "ann" },
        };
        for kind in [
            "invite_user",
            "change_email",
            "email_changed",
            "confirm_email",
            "reset_password",
            "registered",
            "register_attempt",
            "password_changed",
            "username_changed",
        ] {
            let rendered = templates.render(kind, base.clone()).unwrap();
            assert!(rendered.subject.contains("Notes"), "{kind}: {}", rendered.subject);
            assert!(rendered.text.contains("Hello ann"), "{kind}: {}", rendered.text);
            assert!(rendered.html.contains("https://notes.example"), "{kind}");
        }
    }

    #[test]
    fn a_kind_renders_from_the_templates_its_setting_names() {
        let folder = std::env::temp_dir().join(format!("mail-families-{}", std::process::id()));
        std::fs::create_dir_all(folder.join("mails")).unwrap();
        for (part, text) in [
            ("subject.txt", "Our own subject"),
            ("message.txt", "Our own text"),
            ("message.html", "<p>Our own HTML</p>"),
        ] {
            std::fs::write(folder.join(format!("mails/welcome_{part}")), text).unwrap();
        }
        let settings = crate::UserSettings {
            registered_email_template: "mails/welcome".to_owned(),
            ..Default::default()
        };
        let templates = MailTemplates::new(Some(folder.clone())).with_families(&settings);
        let ctx =
            minijinja::context! { app_name => "A", public_url => "https://x", email => "a@x", user => () };
        let rendered = templates.render("registered", ctx.clone()).unwrap();
        assert_eq!(rendered.subject, "Our own subject");
        assert_eq!(rendered.text, "Our own text");
        // The kinds no setting moved keep their bundled templates.
        let other = templates
            .render("password_changed", minijinja::context! { how => "reset", ..ctx })
            .unwrap();
        assert!(other.subject.contains('A'), "{}", other.subject);
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let templates = MailTemplates::new(None);
        let ctx = minijinja::context! {
            app_name => "A&B", public_url => "https://x", email => "<a@x>", user => (), how => "reset",
        };
        let rendered = templates.render("password_changed", ctx).unwrap();
        assert!(rendered.html.contains("A&amp;B"));
        assert!(rendered.text.contains("A&B"));
    }
}
