//! What every template sees: `request`, `session`, `config`, `url_for`,
//! `get_flashed_messages` and `csrf_token`.
//!
//! The functions need the request being rendered, which actix keeps on one
//! thread (`HttpRequest` is not `Send`) while minijinja's values must be
//! `Send + Sync`. The request is carried in a `fragile::Fragile` (by
//! minijinja's author, for this): rendering is synchronous on the thread
//! that holds the request, and the value is dropped there at the end of the
//! render, so its thread check never fails; if it ever did, the function
//! answers a template error, not a panic.

use std::sync::Arc;

use actix_web::HttpRequest;
use fragile::Fragile;
use minijinja::value::{Enumerator, Kwargs, Object, Rest};
use minijinja::{Environment, Error, ErrorKind, State, Value};

/// The `request` global.
#[derive(Debug)]
pub(crate) struct RequestObject {
    req: Fragile<HttpRequest>,
}

impl RequestObject {
    fn request(&self) -> Result<&HttpRequest, Error> {
        self.req.try_get().map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                "the request was used from another thread",
            )
        })
    }
}

impl Object for RequestObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let req = self.request().ok()?;
        Some(match key.as_str()? {
            "path" => Value::from(req.path()),
            "method" => Value::from(req.method().as_str()),
            "query_string" => Value::from(req.query_string()),
            "args" => {
                // Flask's `request.args[key]`: the first value of a key.
                let pairs: Vec<(String, String)> =
                    serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
                let mut args = std::collections::BTreeMap::new();
                for (key, value) in pairs {
                    args.entry(key).or_insert(value);
                }
                Value::from(minijinja::value::Serde(args))
            }
            "endpoint" => match req.match_name() {
                Some(name) => Value::from(name),
                None => Value::from(()),
            },
            "url_rule" => match req.match_pattern() {
                Some(pattern) => Value::from(pattern),
                None => Value::from(()),
            },
            "host" => Value::from(req.connection_info().host()),
            "scheme" => Value::from(req.connection_info().scheme()),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&[
            "path",
            "method",
            "query_string",
            "args",
            "endpoint",
            "url_rule",
            "host",
            "scheme",
        ])
    }
}

/// The per-request variables every render gets, below the handler's own
/// (`config` is an environment global, set once).
pub(crate) fn globals(req: &HttpRequest) -> Value {
    minijinja::context! {
        request => Value::from_object(RequestObject { req: Fragile::new(req.clone()) }),
        session => session_value(req),
    }
}

#[cfg(feature = "sessions")]
fn session_value(req: &HttpRequest) -> Value {
    use crate::session::SessionExt;
    match req.session() {
        Some(session) => Value::from_object(SessionObject(Fragile::new(session))),
        None => Value::from(()),
    }
}

#[cfg(not(feature = "sessions"))]
fn session_value(_: &HttpRequest) -> Value {
    Value::from(())
}

/// The `session` global: read lazily, so a page that never looks at the
/// session does not mark it read.
#[cfg(feature = "sessions")]
#[derive(Debug)]
struct SessionObject(Fragile<crate::session::Session>);

#[cfg(feature = "sessions")]
impl Object for SessionObject {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let session = self.0.try_get().ok()?;
        let value: Option<serde_json::Value> = session.get(key.as_str()?).ok()?;
        value.map(|v| Value::from(minijinja::value::Serde(&v)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.0.try_get() {
            Ok(session) => Enumerator::Values(session.keys().into_iter().map(Value::from).collect()),
            Err(_) => Enumerator::Empty,
        }
    }
}

fn current_request(state: &State<'_, '_>) -> Result<HttpRequest, Error> {
    let value = state
        .lookup("request")
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "no request is being rendered"))?;
    let object = value.downcast_object_ref::<RequestObject>().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            "`request` was overwritten by the context",
        )
    })?;
    object.request().cloned()
}

pub(crate) fn add_functions(env: &mut Environment<'static>) {
    env.add_function("url_for", url_for);
    env.add_function("get_flashed_messages", get_flashed_messages);
    env.add_function("csrf_token", csrf_token);
}

/// `url_for("name", id=5)` or `url_for("name", 5)`: the path of the actix
/// resource named `name` (`.name("name")`), its `{segments}` filled by name
/// from the named arguments, as Flask's, or in order from positional ones
/// (not both); `_external=true` for an absolute URL, `_anchor` for a
/// fragment.
/// `url_for("static", filename="app.css")` is a static file's URL with its
/// content hash.
fn url_for(
    state: &State<'_, '_>,
    endpoint: &str,
    args: Rest<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let req = current_request(state)?;
    let external: bool = kwargs.get::<Option<bool>>("_external")?.unwrap_or(false);
    let anchor: Option<String> = kwargs.get("_anchor")?;
    let mut url = if endpoint == "static" {
        let filename: String = kwargs.get("filename")?;
        kwargs.assert_all_used()?;
        static_url(&req, &filename).map_err(|message| Error::new(ErrorKind::InvalidOperation, message))?
    } else {
        let named: std::collections::HashMap<&str, String> = kwargs
            .args()
            .filter(|name| !name.starts_with('_'))
            .map(|name| Ok((name, kwargs.get::<Value>(name)?.to_string())))
            .collect::<Result<_, Error>>()?;
        kwargs.assert_all_used()?;
        let generated = match (args.is_empty(), named.is_empty()) {
            (_, true) => req.url_for(endpoint, args.iter().map(ToString::to_string)),
            (true, false) => req.url_for_map(endpoint, &named),
            (false, false) => {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("url_for(\"{endpoint}\"): give the segments by name or in order, not both"),
                ))
            }
        };
        let full = generated.map_err(|error| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("url_for(\"{endpoint}\"): {error}"),
            )
        })?;
        let mut path = full.path().to_owned();
        if let Some(query) = full.query() {
            path.push('?');
            path.push_str(query);
        }
        path
    };
    if external {
        let info = req.connection_info();
        url = format!("{}://{}{url}", info.scheme(), info.host());
    }
    if let Some(anchor) = anchor {
        url.push('#');
        url.push_str(
            &percent_encoding::utf8_percent_encode(&anchor, percent_encoding::NON_ALPHANUMERIC).to_string(),
        );
    }
    Ok(url)
}

#[cfg(feature = "static-files")]
use crate::static_files::static_url;

#[cfg(not(feature = "static-files"))]
fn static_url(_: &HttpRequest, _: &str) -> Result<String, String> {
    Err("url_for('static'): ext-core is built without the `static-files` feature".to_owned())
}

#[cfg(feature = "sessions")]
fn get_flashed_messages(state: &State<'_, '_>, kwargs: Kwargs) -> Result<Value, Error> {
    use crate::session::SessionExt;
    let with_categories: bool = kwargs.get::<Option<bool>>("with_categories")?.unwrap_or(false);
    let filter: Vec<String> = kwargs
        .get::<Option<Vec<String>>>("category_filter")?
        .unwrap_or_default();
    kwargs.assert_all_used()?;
    let req = current_request(state)?;
    let Some(session) = req.session() else {
        return Ok(Value::from(Vec::<Value>::new()));
    };
    let filter: Vec<&str> = filter.iter().map(String::as_str).collect();
    let messages = crate::session::get_flashed_messages(&session, &filter)
        .map_err(|error| Error::new(ErrorKind::InvalidOperation, error.to_string()))?;
    Ok(if with_categories {
        Value::from_iter(
            messages
                .into_iter()
                .map(|m| Value::from(vec![m.category, m.message])),
        )
    } else {
        Value::from_iter(messages.into_iter().map(|m| Value::from(m.message)))
    })
}

#[cfg(not(feature = "sessions"))]
fn get_flashed_messages(_: &State<'_, '_>, _: Kwargs) -> Result<Value, Error> {
    Ok(Value::from(Vec::<Value>::new()))
}

#[cfg(feature = "sessions")]
fn csrf_token(state: &State<'_, '_>) -> Result<String, Error> {
    use crate::session::SessionExt;
    let req = current_request(state)?;
    let session = req.session().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            "csrf_token() needs ext_core::session::Sessions",
        )
    })?;
    crate::session::csrf_token(&session)
        .map_err(|error| Error::new(ErrorKind::InvalidOperation, error.to_string()))
}

#[cfg(not(feature = "sessions"))]
fn csrf_token(_: &State<'_, '_>) -> Result<String, Error> {
    Err(Error::new(
        ErrorKind::InvalidOperation,
        "csrf_token() needs ext-core's `sessions` feature",
    ))
}
