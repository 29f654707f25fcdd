//! The OpenAPI 3.1 description of ext-user's endpoints (utoipa), at the
//! configured paths, served at `openapi_url` and returned by
//! [`crate::UserManager::openapi`] for an app to merge into its own.
//!
//! The request types here describe the JSON bodies the handlers read
//! field by field (with a 400 for a wrong type and a 422 naming a refused
//! value); the responses are the types the handlers serialise.
//! `scripts/api-conformance.sh` runs schemathesis against the example app
//! to keep the two in step.

use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr,
    Required, ResponseBuilder,
};
use utoipa::ToSchema;

use crate::api_tokens::{PersonalToken, TokenPair};
use crate::{User, UserSettings};

/// `POST register`. Fields an app adds with [`crate::Users::profile`] go
/// beside these.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct RegisterRequest {
    /// Required when the app uses emails.
    #[schema(format = Email, max_length = 254)]
    email: Option<String>,
    /// Required when the app uses usernames.
    #[schema(min_length = 3, max_length = 64)]
    username: Option<String>,
    /// 8 to 128 characters, not a common password.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
    /// Equal to `password`; required with `require_retype_password`.
    retype_password: Option<String>,
    /// An invitation's token (`enable_invite_user`; required with
    /// `require_invitation`); or `?token=`, as in the mailed link.
    token: Option<String>,
}

/// What a sign-in hands back.
#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "lowercase")]
pub(crate) enum SignInMode {
    /// A session cookie (the default).
    Session,
    /// An access and a refresh token, no cookie.
    Tokens,
    /// Both.
    Both,
}

/// `POST sign-in`: `login` (an email or a username), or `email` or
/// `username`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignInRequest {
    login: Option<String>,
    email: Option<String>,
    username: Option<String>,
    password: String,
    /// A cookie that outlives the browser (when enabled).
    remember_me: Option<bool>,
    mode: Option<SignInMode>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePasswordRequest {
    old_password: String,
    /// 8 to 128 characters, not a common password.
    #[schema(min_length = 8, max_length = 128)]
    new_password: String,
    /// Equal to `new_password`; required with `require_retype_password`.
    retype_password: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeUsernameRequest {
    #[schema(min_length = 3, max_length = 64)]
    new_username: String,
    old_password: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshRequest {
    refresh_token: String,
}

/// `POST access-tokens`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonalTokenRequest {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// The current password.
    password: String,
    /// Of the user's roles; none by default.
    roles: Option<Vec<String>>,
    /// 1 to 3650; never expires by default.
    #[schema(minimum = 1, maximum = 3650)]
    expires_in_days: Option<i64>,
}

/// `POST forgot-password` and `resend-email-confirmation`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
}

/// `POST change-email`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeEmailRequest {
    #[schema(format = Email, max_length = 254)]
    new_email: String,
    /// The current password (fresh re-authentication).
    password: String,
}

/// The account, moved to its new address.
#[derive(Serialize, ToSchema)]
pub(crate) struct EmailChangedResponse {
    status: String,
    user: User,
}

/// `POST manage-emails`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddEmailRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// The current password (fresh re-authentication).
    password: String,
}

/// The current password alone.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordRequest {
    password: String,
}

/// One of the user's addresses.
#[derive(Serialize, ToSchema)]
pub(crate) struct EmailEntry {
    /// None for the primary address.
    id: Option<String>,
    email: Option<String>,
    primary: bool,
    confirmed_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct EmailList {
    emails: Vec<EmailEntry>,
}

/// `POST reset-password/{token}`.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetPasswordRequest {
    /// 8 to 128 characters, not a common password.
    #[schema(min_length = 8, max_length = 128)]
    new_password: String,
    /// Equal to `new_password`; required with `require_retype_password`.
    retype_password: Option<String>,
}

/// `POST confirm-email/{token}`: nothing, or an empty object.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmptyRequest {}

/// What a link is for (its GET, which changes nothing).
#[derive(Serialize, ToSchema)]
pub(crate) struct LinkResponse {
    /// `reset_password` or `confirm_email`.
    purpose: String,
    email: Option<String>,
    /// Seconds since the epoch.
    expires_at: i64,
}

/// An outcome: `requested`, `password-reset`, `email-confirmed`.
#[derive(Serialize, ToSchema)]
pub(crate) struct StatusResponse {
    status: String,
    detail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RegisteredResponse {
    status: String,
    detail: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UserResponse {
    user: User,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SignedInResponse {
    user: User,
    /// With `mode` `tokens` or `both`.
    tokens: Option<TokenPair>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PasswordChangedResponse {
    status: String,
    /// When the change was made with an access token (which it revoked).
    tokens: Option<TokenPair>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TokensResponse {
    tokens: TokenPair,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PersonalTokenCreated {
    /// Shown once; only its hash is kept.
    token: String,
    access_token: PersonalToken,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PersonalTokenList {
    tokens: Vec<PersonalToken>,
}

/// An RFC 9457 problem document.
#[derive(Serialize, ToSchema)]
pub(crate) struct Problem {
    r#type: String,
    title: String,
    status: u16,
    detail: Option<String>,
    /// The refused field, on a 422.
    field: Option<String>,
}

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Access {
    Anyone,
    /// A session cookie or a bearer token.
    SignedIn,
}

struct Operation {
    method: HttpMethod,
    path: String,
    id: &'static str,
    summary: &'static str,
    body: Option<&'static str>,
    ok: (&'static str, &'static str, Option<&'static str>),
    errors: &'static [u16],
    access: Access,
}

fn problem_response(status: u16) -> utoipa::openapi::Response {
    let description = match status {
        400 => "The body is not JSON of the right shape",
        401 => "Not signed in, or the token is invalid, expired or revoked",
        403 => "Refused: a cookie request without the CSRF check's consent, or a credential or roles that may not do this",
        404 => "Not found",
        409 => "Already in use",
        422 => "A field's value is refused; `field` names it",
        429 => "Too many attempts; see Retry-After",
        _ => "The user store or the hashers are unavailable; see Retry-After",
    };
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn operation(op: &Operation) -> PathItem {
    let (status, description, schema) = op.ok;
    let mut ok = ResponseBuilder::new().description(description);
    if let Some(schema) = schema {
        ok = ok.content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(schema)))
                .build(),
        );
    }
    let mut builder = OperationBuilder::new()
        .operation_id(Some(op.id))
        .summary(Some(op.summary))
        .tag("user")
        .response(status, ok.build());
    // Every unsafe method can meet the CSRF check (403), and any route the
    // store (or the hashers) being down (503).
    let csrf: &[u16] = if matches!(op.method, HttpMethod::Get) {
        &[]
    } else {
        &[403]
    };
    let mut errors: Vec<u16> = op.errors.iter().chain(csrf).chain(&[503]).copied().collect();
    errors.sort_unstable();
    errors.dedup();
    for error in errors {
        builder = builder.response(error.to_string(), problem_response(error));
    }
    if let Some(body) = op.body {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(body)))
            .build();
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", content)
                .build(),
        ));
    }
    for name in op
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
    {
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(utoipa::openapi::schema::Object::with_type(
                    utoipa::openapi::schema::Type::String,
                )))
                .build(),
        );
    }
    if let Access::SignedIn = op.access {
        builder = builder
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .security(SecurityRequirement::new("session", Vec::<String>::new()));
    }
    PathItem::new(op.method.clone(), builder.build())
}

/// The description of the endpoints `settings` enables, mounted under
/// `prefix`; `cookie` names the session cookie.
pub(crate) fn describe(settings: &UserSettings, prefix: &str, cookie: &str) -> OpenApi {
    let at = |path: &str| format!("{}{path}", prefix.trim_end_matches('/'));
    let mut ops = vec![
        Operation {
            method: HttpMethod::Post,
            path: at(&settings.login_url),
            id: "sign_in",
            summary: "Sign in with a password",
            body: Some("SignInRequest"),
            ok: ("200", "Signed in", Some("SignedInResponse")),
            errors: &[400, 401, 422, 429],
            access: Access::Anyone,
        },
        Operation {
            method: HttpMethod::Post,
            path: at(&settings.logout_url),
            id: "sign_out",
            summary: "Sign out of this session",
            body: None,
            ok: ("204", "Signed out", None),
            errors: &[401],
            access: Access::Anyone,
        },
        Operation {
            method: HttpMethod::Post,
            path: at(&settings.edit_user_profile_url),
            id: "edit_user_profile",
            summary: "Change the app's own fields",
            body: Some("ProfileFields"),
            ok: ("200", "The user, changed", Some("UserResponse")),
            errors: &[400, 401, 403, 422],
            access: Access::SignedIn,
        },
        Operation {
            method: HttpMethod::Get,
            path: at(&settings.current_user_url),
            id: "current_user",
            summary: "The signed-in user",
            body: None,
            ok: ("200", "The user", Some("UserResponse")),
            errors: &[401],
            access: Access::SignedIn,
        },
        Operation {
            method: HttpMethod::Post,
            path: at(&settings.sign_out_everywhere_url),
            id: "sign_out_everywhere",
            summary: "End every session and token of the user",
            body: None,
            ok: ("204", "Everything ended", None),
            errors: &[401, 403],
            access: Access::SignedIn,
        },
    ];
    if settings.enable_register {
        ops.push(Operation {
            method: HttpMethod::Post,
            path: at(&settings.register_url),
            id: "register",
            summary: "Make an account (the same answer whether or not the email was free)",
            body: Some("RegisterRequest"),
            ok: (
                "202",
                "Registered, unless the email was taken",
                Some("RegisteredResponse"),
            ),
            errors: &[400, 409, 422, 429],
            access: Access::Anyone,
        });
        if settings.enable_invite_user {
            ops.push(Operation {
                method: HttpMethod::Get,
                path: at(&settings.register_url),
                id: "describe_invitation",
                summary: "What the invitation in `?token=` (the mailed link) is for (changes nothing)",
                body: None,
                ok: ("200", "A usable invitation", Some("LinkResponse")),
                errors: &[400],
                access: Access::Anyone,
            });
        }
    }
    if settings.enable_forgot_password {
        let link = format!("{}/{{token}}", at(&settings.reset_password_url));
        ops.extend([
            Operation {
                method: HttpMethod::Post,
                path: at(&settings.forgot_password_url),
                id: "forgot_password",
                summary: "Mail a password reset link (the same answer for every address)",
                body: Some("EmailRequest"),
                ok: ("202", "Requested", Some("StatusResponse")),
                errors: &[400, 422, 429],
                access: Access::Anyone,
            },
            Operation {
                method: HttpMethod::Get,
                path: link.clone(),
                id: "describe_reset_link",
                summary: "What a reset link is for (changes nothing)",
                body: None,
                ok: ("200", "A usable link", Some("LinkResponse")),
                errors: &[400],
                access: Access::Anyone,
            },
            Operation {
                method: HttpMethod::Post,
                path: link,
                id: "reset_password",
                summary: "Set a new password with a reset link (once; signs nobody in)",
                body: Some("ResetPasswordRequest"),
                ok: ("200", "The password is set", Some("StatusResponse")),
                errors: &[400, 422],
                access: Access::Anyone,
            },
        ]);
    }
    if settings.enable_invite_user {
        ops.push(Operation {
            method: HttpMethod::Post,
            path: at(&settings.invite_user_url),
            id: "invite_user",
            summary: "Mail an invitation to register (the same answer for every address)",
            body: Some("EmailRequest"),
            ok: ("202", "Requested", Some("StatusResponse")),
            errors: &[400, 401, 403, 422, 429],
            access: Access::SignedIn,
        });
    }
    if settings.enable_change_email {
        let link = format!("{}/{{token}}", at(&settings.change_email_url));
        ops.extend([
            Operation {
                method: HttpMethod::Post,
                path: at(&settings.change_email_url),
                id: "change_email",
                summary: "Mail a link that moves the account to a new address (needs the password)",
                body: Some("ChangeEmailRequest"),
                ok: ("202", "Requested", Some("StatusResponse")),
                errors: &[400, 401, 403, 422, 429],
                access: Access::SignedIn,
            },
            Operation {
                method: HttpMethod::Get,
                path: link.clone(),
                id: "describe_change_email_link",
                summary: "What a change-email link is for (changes nothing)",
                body: None,
                ok: ("200", "A usable link", Some("LinkResponse")),
                errors: &[400],
                access: Access::Anyone,
            },
            Operation {
                method: HttpMethod::Post,
                path: link,
                id: "confirm_change_email",
                summary: "Move the account to the link's address (once)",
                body: Some("EmptyRequest"),
                ok: ("200", "Moved", Some("EmailChangedResponse")),
                errors: &[400, 409],
                access: Access::Anyone,
            },
        ]);
    }
    if settings.enable_confirm_email {
        ops.push(Operation {
            method: HttpMethod::Post,
            path: at(&settings.resend_email_confirmation_url),
            id: "resend_email_confirmation",
            summary: "Mail a new confirmation link (the same answer for every address)",
            body: Some("EmailRequest"),
            ok: ("202", "Requested", Some("StatusResponse")),
            errors: &[400, 422, 429],
            access: Access::Anyone,
        });
    }
    if settings.enable_multiple_emails {
        ops.extend([
            Operation {
                method: HttpMethod::Get,
                path: at(&settings.manage_emails_url),
                id: "list_emails",
                summary: "The user's addresses",
                body: None,
                ok: ("200", "The addresses, primary first", Some("EmailList")),
                errors: &[401, 403],
                access: Access::SignedIn,
            },
            Operation {
                method: HttpMethod::Post,
                path: at(&settings.manage_emails_url),
                id: "add_email",
                summary: "Add an address; a link to confirm it is mailed (needs the password)",
                body: Some("AddEmailRequest"),
                ok: ("202", "Requested", Some("StatusResponse")),
                errors: &[400, 401, 403, 422, 429],
                access: Access::SignedIn,
            },
            Operation {
                method: HttpMethod::Post,
                path: format!("{}/{{id}}/{{action}}", at(&settings.email_action_url)),
                id: "email_action",
                summary: "`delete` an added address, or `make-primary` a confirmed one (needs the password)",
                body: Some("PasswordRequest"),
                ok: ("200", "Done", Some("StatusResponse")),
                errors: &[400, 401, 403, 409, 422, 429],
                access: Access::SignedIn,
            },
        ]);
    }
    if settings.enable_confirm_email || settings.enable_multiple_emails {
        let link = format!("{}/{{token}}", at(&settings.confirm_email_url));
        ops.extend([
            Operation {
                method: HttpMethod::Get,
                path: link.clone(),
                id: "describe_confirm_link",
                summary: "What a confirmation link is for (changes nothing)",
                body: None,
                ok: ("200", "A usable link", Some("LinkResponse")),
                errors: &[400],
                access: Access::Anyone,
            },
            Operation {
                method: HttpMethod::Post,
                path: link,
                id: "confirm_email",
                summary: "Confirm the address with its link (once; signs nobody in)",
                body: Some("EmptyRequest"),
                ok: ("200", "Confirmed", Some("StatusResponse")),
                errors: &[400],
                access: Access::Anyone,
            },
        ]);
    }
    if settings.enable_change_password {
        ops.push(Operation {
            method: HttpMethod::Post,
            path: at(&settings.change_password_url),
            id: "change_password",
            summary: "Change the password (ends the other sessions and every token)",
            body: Some("ChangePasswordRequest"),
            ok: ("200", "Changed", Some("PasswordChangedResponse")),
            errors: &[400, 401, 403, 422, 429],
            access: Access::SignedIn,
        });
    }
    if settings.enable_change_username && settings.enable_username {
        ops.push(Operation {
            method: HttpMethod::Post,
            path: at(&settings.change_username_url),
            id: "change_username",
            summary: "Change the username",
            body: Some("ChangeUsernameRequest"),
            ok: ("200", "The user, renamed", Some("UserResponse")),
            errors: &[400, 401, 403, 409, 422, 429],
            access: Access::SignedIn,
        });
    }
    if settings.enable_api_tokens {
        ops.extend([
            Operation {
                method: HttpMethod::Post,
                path: at(&settings.token_refresh_url),
                id: "refresh_tokens",
                summary: "Trade a refresh token for a new pair (once)",
                body: Some("RefreshRequest"),
                ok: ("200", "The next pair", Some("TokensResponse")),
                errors: &[400, 401, 422],
                access: Access::Anyone,
            },
            Operation {
                method: HttpMethod::Post,
                path: at(&settings.token_revoke_url),
                id: "revoke_refresh_token",
                summary: "End a refresh token's family (RFC 7009: 204 whatever the token)",
                body: Some("RefreshRequest"),
                ok: ("204", "Revoked, if it was one", None),
                errors: &[400, 422],
                access: Access::Anyone,
            },
            Operation {
                method: HttpMethod::Get,
                path: at(&settings.personal_tokens_url),
                id: "list_personal_tokens",
                summary: "The user's personal access tokens",
                body: None,
                ok: (
                    "200",
                    "The tokens (never their secrets)",
                    Some("PersonalTokenList"),
                ),
                errors: &[401, 403],
                access: Access::SignedIn,
            },
            Operation {
                method: HttpMethod::Post,
                path: at(&settings.personal_tokens_url),
                id: "create_personal_token",
                summary: "Make a personal access token (needs the password)",
                body: Some("PersonalTokenRequest"),
                ok: (
                    "201",
                    "Made; the token is shown this once",
                    Some("PersonalTokenCreated"),
                ),
                errors: &[400, 401, 403, 422, 429],
                access: Access::SignedIn,
            },
            Operation {
                method: HttpMethod::Delete,
                path: format!("{}/{{id}}", at(&settings.personal_tokens_url)),
                id: "delete_personal_token",
                summary: "Revoke a personal access token",
                body: None,
                ok: ("204", "Revoked", None),
                errors: &[401, 403, 404],
                access: Access::SignedIn,
            },
        ]);
    }
    let mut paths = PathsBuilder::new();
    // Operations on one path share its item.
    let mut items: Vec<(String, PathItem)> = Vec::new();
    for op in &ops {
        let item = operation(op);
        match items.iter_mut().find(|(path, _)| path == &op.path) {
            Some((_, existing)) => existing.merge_operations(item),
            None => items.push((op.path.clone(), item)),
        }
    }
    for (path, item) in items {
        paths = paths.path(path, item);
    }
    let profile_fields = utoipa::openapi::schema::ObjectBuilder::new()
        .description(Some("The app's own user fields"))
        .build();
    let components = ComponentsBuilder::new()
        .schema_from::<RegisterRequest>()
        .schema_from::<SignInMode>()
        .schema_from::<SignInRequest>()
        .schema_from::<ChangePasswordRequest>()
        .schema_from::<ChangeUsernameRequest>()
        .schema_from::<RefreshRequest>()
        .schema_from::<PersonalTokenRequest>()
        .schema_from::<RegisteredResponse>()
        .schema_from::<EmailRequest>()
        .schema_from::<ChangeEmailRequest>()
        .schema_from::<AddEmailRequest>()
        .schema_from::<PasswordRequest>()
        .schema_from::<EmailEntry>()
        .schema_from::<EmailList>()
        .schema_from::<EmailChangedResponse>()
        .schema_from::<ResetPasswordRequest>()
        .schema_from::<EmptyRequest>()
        .schema_from::<LinkResponse>()
        .schema_from::<StatusResponse>()
        .schema_from::<UserResponse>()
        .schema_from::<SignedInResponse>()
        .schema_from::<PasswordChangedResponse>()
        .schema_from::<TokensResponse>()
        .schema_from::<PersonalTokenCreated>()
        .schema_from::<PersonalTokenList>()
        .schema_from::<User>()
        .schema_from::<TokenPair>()
        .schema_from::<PersonalToken>()
        .schema_from::<Problem>()
        .schema("ProfileFields", profile_fields)
        .security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT or personal access token")
                    .build(),
            ),
        )
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(cookie))),
        )
        .build();
    let mut components = components;
    if settings.require_retype_password {
        for name in ["RegisterRequest", "ChangePasswordRequest", "ResetPasswordRequest"] {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                object.required.push("retype_password".to_owned());
            }
        }
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(format!("{} accounts", settings.app_name))
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .build()
}
