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
        Self { env }
    }

    /// Renders the three parts of `kind`.
    pub(crate) fn render(&self, kind: &str, context: minijinja::Value) -> Result<Rendered, String> {
        let part = |suffix: &str| {
            let name = format!("user/emails/{kind}_{suffix}");
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
