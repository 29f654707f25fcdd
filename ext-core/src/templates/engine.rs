//! The template environment of the app: loader, autoescape, globals.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use minijinja::{path_loader, AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use super::context;
use crate::Problem;

/// The app's templates. Built by ext-core after every extension has run;
/// handlers reach it with [`render_template`] or as `web::Data<Templates>`.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("auto_reload", &self.env.auto_reload())
            .finish_non_exhaustive()
    }
}

/// A template failed to load or render: logged with its name and line,
/// answered as a 500 without details.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The engine reported an error (syntax, missing template, undefined
    /// variable in development, a failing function).
    #[error("template error: {0:#}")]
    Render(#[from] minijinja::Error),
    /// The app was built without templates (no `web::Data<Templates>`).
    #[error("templates are not set up: build ext-core with the `templates` feature and use ExtApp::app")]
    NotConfigured,
}

impl ResponseError for TemplateError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            TemplateError::Render(error) => tracing::error!(
                template = error.name().unwrap_or("?"),
                line = error.line().unwrap_or(0),
                error = %error,
                "template failed"
            ),
            TemplateError::NotConfigured => tracing::error!(error = %self, "template failed"),
        }
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR).to_response()
    }
}

/// Template files ext-core's extensions bundled, by name.
pub(crate) type Bundles = BTreeMap<String, &'static str>;

/// Flask's autoescape rule.
fn auto_escape(name: &str) -> AutoEscape {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    if ["html", "htm", "xml", "xhtml", "svg"].contains(&extension) {
        AutoEscape::Html
    } else {
        AutoEscape::None
    }
}

/// Escapes as Jinja2's markupsafe does (`&`, `<`, `>`, `"`, `'`), so a URL
/// keeps its slashes; minijinja's own escaping also encodes `/`.
fn markupsafe_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let text = match value.as_str() {
        Some(text) if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() => text,
        _ => return minijinja::escape_formatter(out, state, value),
    };
    crate::negotiate::write_escaped_html(out, text)?;
    Ok(())
}

impl Templates {
    /// The engine over `folder` (the app's templates, if it exists) and the
    /// bundled templates; `development` makes undefined variables errors,
    /// `auto_reload` re-reads changed files.
    pub(crate) fn new(
        folder: Option<PathBuf>,
        bundles: Bundles,
        development: bool,
        auto_reload: bool,
        config: Value,
    ) -> Self {
        let mut env = Environment::new();
        let disk = folder.map(path_loader);
        let bundles = Arc::new(bundles);
        env.set_loader(move |name| {
            if let Some(disk) = &disk {
                if let Some(source) = disk(name)? {
                    return Ok(Some(source));
                }
            }
            Ok(bundles
                .get(name)
                .map(|source| minijinja::TemplateSource::new(*source)))
        });
        env.set_auto_reload(auto_reload);
        env.set_auto_escape_callback(auto_escape);
        env.set_undefined_behavior(if development {
            UndefinedBehavior::Strict
        } else {
            UndefinedBehavior::Lenient
        });
        env.set_formatter(markupsafe_formatter);
        context::add_functions(&mut env);
        env.add_global("config", config);
        Self { env }
    }

    /// Renders `name` for `req` with `ctx` (any serialisable value whose
    /// fields become variables), plus the request-wide globals.
    pub fn render(
        &self,
        req: &HttpRequest,
        name: &str,
        ctx: impl Serialize,
    ) -> Result<String, TemplateError> {
        let template = self.env.get_template(name)?;
        let globals = context::globals(req);
        let ctx = minijinja::context! { ..Value::from(minijinja::value::Serde(ctx)), ..globals };
        Ok(template.render(ctx)?)
    }

    /// Whether a template of this name exists.
    pub fn has(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }
}

/// Renders a template into a `200 text/html` response, as Flask's
/// `render_template`. The content type follows the template's extension
/// for `.xml`, `.svg`, `.txt` and `.json`.
pub fn render_template(
    req: &HttpRequest,
    name: &str,
    ctx: impl Serialize,
) -> Result<HttpResponse, TemplateError> {
    let templates = req
        .app_data::<web::Data<Templates>>()
        .ok_or(TemplateError::NotConfigured)?;
    let body = templates.render(req, name, ctx)?;
    let content_type = match name.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        _ => "text/html; charset=utf-8",
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .body(body))
}
