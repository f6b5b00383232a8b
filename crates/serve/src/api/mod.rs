//! The HTTP surface: routes (with their OpenAPI description), the docs page, and the middleware
//! every request goes through — metrics, compression, request timeout, panic catching, and a
//! last net that turns any error answer without a problem body into one.

pub mod canteens;
pub mod extract;
pub mod leaks;
pub mod models;
pub mod ops;

use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::problem::{ApiError, FieldError, PROBLEM_JSON, Problem};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Prévoir API",
        description = "Explainable meal forecasts for school canteens, leak alarms for water networks, and the public-algorithm notices of the models behind them (CRPA L.311-3-1).\n\nEvery answer carries `model_version`, `data_fingerprint` (SHA-256 of the training data) and `data_cutoff`. Errors are `application/problem+json` (RFC 9457) and name the offending field. Writing endpoints need `Authorization: Bearer <token>`; leak data too unless the server makes it public.",
        license(name = "MIT")
    ),
    modifiers(&BearerScheme),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "canteens", description = "Meal forecasts per canteen and day, with their explanation"),
        (name = "leaks", description = "Leak scores, alarms and the network sketch"),
        (name = "models", description = "Model cards, public-algorithm notices, reload"),
        (name = "operations", description = "Health and metrics")
    )
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI 3.1 description of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes(usize::MAX).split_for_parts().1
}

fn api_routes(readings_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(canteens::routes())
        .merge(leaks::routes(readings_body_limit))
        .merge(models::routes())
        .merge(ops::routes())
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let config = state.config().clone();
    let (api, spec) = api_routes(config.readings_body_limit).split_for_parts();
    let spec = Bytes::from(serde_json::to_vec(&spec).unwrap_or_default());
    Router::new()
        .merge(api)
        .route(
            "/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move { canteens::json_response(spec) }
            }),
        )
        .route(
            "/docs",
            get(|| async { Html(include_str!("../../assets/docs.html")) }),
        )
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(config.json_body_limit))
        // Each layer wraps the ones before it: timeout innermost, then the panic catcher, the
        // problem net, metrics (which see every final status), and compression outermost.
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("the request failed unexpectedly".into()).into_response()
        }))
        .layer(middleware::map_response(problem_net))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        // Outermost, so that the middleware above sees plain bodies; only when the client asks.
        .layer(CompressionLayer::new())
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::RouteNotFound(uri.path().to_owned())
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// Counts and times every answer under its route template.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics().observe(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Abandons requests that take longer than the configured timeout.
async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout {
            seconds: limit.as_secs_f64(),
        }
        .into_response(),
    }
}

/// Any error answer that is not already a problem document becomes one (layers such as the
/// panic catcher or a body limit answer on their own).
async fn problem_net(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than the limit",
        StatusCode::METHOD_NOT_ALLOWED => "this method is not allowed on this path",
        _ => "the request could not be answered",
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut replaced = Problem::for_status(status, detail).into_response_with(status);
    if let Some(allow) = allow {
        replaced.headers_mut().insert(header::ALLOW, allow);
    }
    replaced
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    replaced
}
