//! Health checks from every extension, aggregated at `/health`.
//!
//! All checks run concurrently, each bounded by `app.health_timeout_ms`.
//! When every check is up, busy or not configured the answer is 200 with
//! each check's status; otherwise 503 with a problem document naming what is down.
//! Reasons are logged, not sent: they may name hosts and credentials.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use serde_json::{json, Map, Value};

use crate::Problem;

/// The result of one health check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HealthStatus {
    /// Working.
    Up,
    /// Working, but saturated: every pooled connection was in use, so
    /// requests are waiting their turn. Not a failure (the answer stays
    /// 200); the reason is logged.
    Busy(String),
    /// Not working; the reason is logged, never sent to clients.
    Down(String),
    /// Deliberately not set up (e.g. no `MONGO_URI`): not a failure.
    NotConfigured,
}

impl HealthStatus {
    fn label(&self) -> &'static str {
        match self {
            HealthStatus::Up => "up",
            HealthStatus::Busy(_) => "busy",
            HealthStatus::Down(_) => "down",
            HealthStatus::NotConfigured => "not_configured",
        }
    }
}

/// The future a health check returns.
pub type HealthFuture = Pin<Box<dyn Future<Output = HealthStatus> + Send>>;

type CheckFn = Arc<dyn Fn() -> HealthFuture + Send + Sync>;

/// A named health check.
#[derive(Clone)]
pub(crate) struct HealthCheck {
    pub(crate) name: String,
    pub(crate) check: CheckFn,
}

/// All checks of one app and their time limit.
#[derive(Clone)]
pub(crate) struct HealthChecks {
    pub(crate) checks: Vec<HealthCheck>,
    pub(crate) timeout: Duration,
}

impl HealthChecks {
    /// Runs every check concurrently; one that overruns the limit is down.
    pub(crate) async fn run(&self) -> Vec<(String, HealthStatus)> {
        let runs = self.checks.iter().map(|check| {
            let future = (check.check)();
            let timeout = self.timeout;
            async move {
                let status = tokio::time::timeout(timeout, future)
                    .await
                    .unwrap_or_else(|_| HealthStatus::Down(format!("no answer within {timeout:?}")));
                (check.name.clone(), status)
            }
        });
        join_all(runs).await
    }
}

/// The `/health` handler.
pub(crate) async fn health_endpoint(checks: web::Data<HealthChecks>) -> HttpResponse {
    let results = checks.run().await;
    let mut statuses = Map::new();
    let mut down = Vec::new();
    for (name, status) in &results {
        match status {
            HealthStatus::Down(reason) => {
                tracing::warn!(check = %name, %reason, "health check down");
                down.push(name.as_str());
            }
            HealthStatus::Busy(reason) => tracing::info!(check = %name, %reason, "health check busy"),
            HealthStatus::Up | HealthStatus::NotConfigured => {}
        }
        statuses.insert(name.clone(), json!({ "status": status.label() }));
    }
    if down.is_empty() {
        HttpResponse::Ok().json(json!({ "status": "up", "checks": Value::Object(statuses) }))
    } else {
        Problem::typed(
            "service-unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable",
        )
        .with_detail(format!("down: {}", down.join(", ")))
        .with_extension("checks", Value::Object(statuses))
        .to_response()
    }
}
