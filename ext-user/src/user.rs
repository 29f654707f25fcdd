//! The user as handlers see it, and role requirements with Flask-User's
//! nested AND/OR.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::store::UserRecord;

/// A user: what handlers, templates and JSON answers get. It has no
/// password hash and no session stamp, so printing or serialising it
/// cannot leak them.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct User {
    /// The user's id (32 hex digits).
    pub id: String,
    /// The email address, if the app uses them.
    pub email: Option<String>,
    /// The username, if the app uses them.
    pub username: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
    /// When the email was confirmed (seconds since the epoch).
    pub email_confirmed_at: Option<i64>,
    /// Role names.
    pub roles: Vec<String>,
    /// The app's own fields.
    #[schema(value_type = Object)]
    pub profile: Map<String, Value>,
    /// When the user registered (seconds since the epoch).
    pub created_at: i64,
}

impl From<&UserRecord> for User {
    fn from(record: &UserRecord) -> Self {
        Self {
            id: record.id.clone(),
            email: record.email.clone(),
            username: record.username.clone(),
            active: record.active,
            email_confirmed_at: record.email_confirmed_at,
            roles: record.roles.clone(),
            profile: record.profile.clone(),
            created_at: record.created_at,
        }
    }
}

impl User {
    /// Whether the user has `role` (exactly; case matters).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|have| have == role)
    }

    /// Whether the user meets `roles`.
    pub fn has_roles(&self, roles: &Roles) -> bool {
        roles.allows(&self.roles)
    }

    /// The app's fields as its own type (the one given to
    /// [`crate::Users::profile`]).
    pub fn profile_as<P: DeserializeOwned>(&self) -> Result<P, serde_json::Error> {
        serde_json::from_value(Value::Object(self.profile.clone()))
    }
}

/// Which roles a route needs: every group must be met, and a group is met
/// by any one of its roles, as Flask-User's
/// `@roles_required('admin', ['editor', 'author'])`.
///
/// ```
/// use ext_user::Roles;
///
/// // admin AND (editor OR author)
/// let rule = Roles::required(["admin"]).and_one_of(["editor", "author"]);
/// let has = |roles: &[&str]| rule.allows(&roles.iter().map(|r| r.to_string()).collect::<Vec<_>>());
/// assert!(has(&["admin", "author"]));
/// assert!(!has(&["admin"]));
/// assert!(!has(&["editor", "author"]));
/// assert!(!has(&["Admin", "editor"]), "names are compared exactly");
///
/// // roles_accepted: any one will do
/// assert!(Roles::accepted(["a", "b"]).allows(&["b".to_string()]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Roles {
    groups: Vec<Vec<String>>,
}

impl Roles {
    /// Every one of `roles` (Flask-User's `roles_required`).
    pub fn required<I, S>(roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            groups: roles.into_iter().map(|role| vec![role.into()]).collect(),
        }
    }

    /// Any one of `roles` (Flask-User's `roles_accepted`).
    pub fn accepted<I, S>(roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::default().and_one_of(roles)
    }

    /// And also any one of `roles`.
    pub fn and_one_of<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups.push(roles.into_iter().map(Into::into).collect());
        self
    }

    /// Whether a user with `have` meets the rule.
    pub fn allows(&self, have: &[String]) -> bool {
        self.groups
            .iter()
            .all(|group| group.iter().any(|role| have.contains(role)))
    }
}
