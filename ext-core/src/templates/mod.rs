//! Jinja2 templates, as Flask's `render_template`, on minijinja (Jinja2's
//! author's engine).
//!
//! Flask's conventions hold:
//!
//! - templates come from the app's `templates/` folder (`[app]
//!   template_folder`), which overrides any template an extension bundles
//!   under the same name ([`crate::Setup::bundle_templates`]), as an app's
//!   folder beats a blueprint's; bundled templates are compiled into the
//!   extension, so there is nothing to copy at deploy time;
//! - autoescaping for `.html`, `.htm`, `.xml`, `.xhtml` and `.svg`;
//! - in development (`[app] debug = true`) undefined variables are errors
//!   and templates reload when their file changes
//!   (`templates_auto_reload` overrides); in production they are loaded
//!   once;
//! - every template sees `request`, `session`, `config` (without secrets),
//!   `url_for(...)`, `get_flashed_messages(...)` and `csrf_token()`.
//!
//! Errors are logged with the template's name and line and answered as a
//! bare 500.
//!
//! ```
//! use actix_web::{web, HttpRequest, HttpResponse};
//! use ext_core::templates::{render_template, TemplateError};
//!
//! async fn index(req: HttpRequest) -> Result<HttpResponse, TemplateError> {
//!     render_template(&req, "index.html", minijinja::context! { title => "Notes" })
//! }
//! ```

mod context;
mod engine;
mod error_pages;

pub(crate) use self::engine::Bundles;
pub use self::engine::{render_template, TemplateError, Templates};
pub(crate) use self::error_pages::{ErrorPages, ERROR_PAGE};
