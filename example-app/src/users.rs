//! Accounts: ext-user registered on the ORM's database (or MongoDB with
//! `[user] store = "mongodb"`), an administration command, and the secret
//! key the embedded defaults use.

use std::io::Write;
use std::path::Path;

use ext_user::password::Password;
use ext_user::{NewUser, UserManager};
use serde_json::Map;

/// The usage of `example-app user …`.
pub const USAGE: &str = "\
usage: example-app user create --email EMAIL --username NAME [--role ROLE]...
       example-app user set-password LOGIN
       example-app user add-role LOGIN ROLE
       example-app user remove-role LOGIN ROLE
       example-app user deactivate LOGIN
       example-app user activate LOGIN
       example-app user import --from DATABASE_URL [--apply]
The password is read from EXAMPLE_USER_PASSWORD, else from the first line of standard input.";

/// Runs `example-app user ARGS…` against `manager`; `password` is asked for
/// only by the commands that set one. Returns what to print.
pub async fn command(
    manager: &UserManager,
    args: &[String],
    password: impl FnOnce() -> Result<String, String>,
) -> Result<String, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let failed = |error: ext_user::UserError| error.to_string();
    match args.as_slice() {
        ["create", rest @ ..] => {
            let (mut email, mut username, mut roles) = (None, None, Vec::new());
            let mut rest = rest.iter();
            while let Some(flag) = rest.next() {
                let value = rest
                    .next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
                match *flag {
                    "--email" => email = Some((*value).to_owned()),
                    "--username" => username = Some((*value).to_owned()),
                    "--role" => roles.push((*value).to_owned()),
                    other => return Err(format!("unknown option {other}\n{USAGE}")),
                }
            }
            let new = NewUser {
                email,
                username,
                password: Password::new(password()?),
                roles,
                profile: Map::new(),
            };
            let user = manager.create_user(new).await.map_err(failed)?;
            Ok(format!("created user {}", user.id))
        }
        ["set-password", login] => {
            let password = Password::new(password()?);
            manager.set_password(login, &password).await.map_err(failed)?;
            Ok(format!("password set for {login}; their sessions have ended"))
        }
        ["add-role", login, role] => {
            manager.add_role(login, role).await.map_err(failed)?;
            Ok(format!("{login} has the role {role}"))
        }
        ["remove-role", login, role] => {
            manager.remove_role(login, role).await.map_err(failed)?;
            Ok(format!("{login} no longer has the role {role}"))
        }
        ["deactivate", login] => {
            manager.set_active(login, false).await.map_err(failed)?;
            Ok(format!("{login} is deactivated; their sessions have ended"))
        }
        ["activate", login] => {
            manager.set_active(login, true).await.map_err(failed)?;
            Ok(format!("{login} is active"))
        }
        ["import", rest @ ..] => import(manager, rest).await,
        _ => Err(USAGE.to_owned()),
    }
}

/// `user import --from URL [--apply]`: a Flask-User database's users into
/// the user store; a dry run with its report unless `--apply`.
async fn import(manager: &UserManager, args: &[&str]) -> Result<String, String> {
    let (mut from, mut apply) = (None, false);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        match *flag {
            "--from" => from = args.next().copied(),
            "--apply" => apply = true,
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    let from = from.ok_or_else(|| format!("import needs --from DATABASE_URL\n{USAGE}"))?;
    let source = ext_user::import::read_flask_user_database(from)
        .await
        .map_err(|error| error.to_string())?;
    let report = manager
        .import_flask_users(&source.users, apply)
        .await
        .map_err(|error| error.to_string())?;
    Ok(format!(
        "Flask-User database: {} users, {} roles\n{report}",
        source.users.len(),
        source.roles
    ))
}

/// The secret key kept at `path`: read, or created (64 random bytes as hex,
/// readable by the owner only) when missing, so that the embedded defaults
/// sign sessions with a key of this installation's own that survives
/// restarts.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("secret-doc-{}", std::process::id()));
/// let path = dir.join("secret_key");
/// let first = example_app::users::instance_secret_key(&path).unwrap();
/// assert_eq!(first.len(), 128);
/// assert_eq!(example_app::users::instance_secret_key(&path).unwrap(), first);
/// # std::fs::remove_dir_all(dir).unwrap();
/// ```
pub fn instance_secret_key(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(key) => return Ok(key.trim().to_owned()),
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    let key: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(key.as_bytes())?;
    Ok(key)
}
