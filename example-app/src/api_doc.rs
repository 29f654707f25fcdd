//! `GET /openapi.json`: ext-user's OpenAPI description merged with the
//! example's own account route, as an app merges its paths into it.

use actix_web::{web, HttpResponse};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, ResponseBuilder,
};

/// The example's own operations, described with utoipa's builders.
fn own_paths() -> OpenApi {
    let content = |schema: &str| {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(schema)))
            .build()
    };
    let account = OperationBuilder::new()
        .operation_id(Some("account"))
        .summary(Some("The signed-in user, as the example's own route shows it"))
        .tag("example")
        .response(
            "200",
            ResponseBuilder::new()
                .description("The user")
                .content("application/json", content("UserResponse"))
                .build(),
        )
        .response(
            "401",
            ResponseBuilder::new()
                .description("Not signed in, or the token is invalid")
                .content("application/problem+json", content("Problem"))
                .build(),
        )
        .response(
            "503",
            ResponseBuilder::new()
                .description("The user store is unavailable")
                .content("application/problem+json", content("Problem"))
                .build(),
        )
        .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
        .security(SecurityRequirement::new("session", Vec::<String>::new()))
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("example-app")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(
            PathsBuilder::new()
                .path("/account", PathItem::new(HttpMethod::Get, account))
                .build(),
        )
        .build()
}

/// The whole description: the example's paths and ext-user's.
pub fn describe(users: &ext_user::UserManager) -> OpenApi {
    let mut doc = own_paths();
    doc.merge(users.openapi());
    doc
}

pub(crate) async fn openapi(users: web::Data<ext_user::UserManager>) -> HttpResponse {
    HttpResponse::Ok().json(describe(&users))
}
