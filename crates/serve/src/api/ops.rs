//! `/health` and `/metrics`: what operators and monitoring read.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::canteen::CanteenService;
use crate::metrics::{Sample, resident_memory_bytes};
use crate::provenance::Provenance;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(metrics))
}

/// A loaded model, briefly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthModel {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub kind: String,
}

/// How far the background precompute of a canteen model is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrecomputeStatus {
    pub model_name: String,
    /// Canteen-days done and to do.
    pub done: usize,
    pub total: usize,
    /// First and last precomputed day.
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

/// The server is up; what it serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthAnswer {
    /// Always `ok` when the server answers.
    pub status: String,
    pub uptime_seconds: f64,
    pub models: Vec<HealthModel>,
    pub precompute: Vec<PrecomputeStatus>,
    /// Leak readings held (`null` when none).
    pub leak_readings_from: Option<String>,
    pub leak_readings_to: Option<String>,
}

/// Liveness, the models in service and the background work.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses((status = 200, description = "The server is up", body = HealthAnswer))
)]
async fn health(State(state): State<AppState>) -> axum::Json<HealthAnswer> {
    let models = state.models();
    let (leak_readings_from, leak_readings_to) = state.leak_store().held_from_to();
    axum::Json(HealthAnswer {
        status: "ok".into(),
        uptime_seconds: state.metrics().uptime().as_secs_f64(),
        models: models
            .entries
            .values()
            .map(|e| HealthModel {
                provenance: e.provenance.clone(),
                kind: e.kind.key().to_owned(),
            })
            .collect(),
        precompute: models
            .canteen
            .values()
            .map(|s| {
                let p = s.precompute_progress();
                PrecomputeStatus {
                    model_name: s.provenance.model_name.clone(),
                    done: p.done,
                    total: p.total,
                    from: s.precompute_window.0,
                    to: s.precompute_window.1,
                }
            })
            .collect(),
        leak_readings_from,
        leak_readings_to,
    })
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"))
)]
async fn metrics(State(state): State<AppState>) -> Response {
    let models = state.models();
    let mut extra = Vec::new();
    for (name, entry) in &models.entries {
        extra.push(Sample {
            name: "prevoir_model_info",
            help: "Loaded models (value 1) with their version and training-data fingerprint.",
            kind: "gauge",
            labels: vec![
                ("model", name.clone()),
                ("kind", entry.kind.key().to_owned()),
                ("version", entry.provenance.model_version.clone()),
                (
                    "data_fingerprint",
                    entry.provenance.data_fingerprint.clone(),
                ),
                ("data_cutoff", entry.provenance.data_cutoff.clone()),
            ],
            value: 1.0,
        });
    }
    type PerModel = fn(&CanteenService) -> f64;
    let per_model: [(&'static str, &'static str, &'static str, PerModel); 5] = [
        (
            "prevoir_forecast_cache_entries",
            "Forecasts held in memory.",
            "gauge",
            |s| s.cache_stats().entries as f64,
        ),
        (
            "prevoir_forecast_cache_hits_total",
            "Forecasts served from memory.",
            "counter",
            |s| s.cache_stats().hits as f64,
        ),
        (
            "prevoir_forecast_cache_misses_total",
            "Forecasts not found in memory.",
            "counter",
            |s| s.cache_stats().misses as f64,
        ),
        (
            "prevoir_precompute_done",
            "Canteen-days precomputed so far.",
            "gauge",
            |s| s.precompute_progress().done as f64,
        ),
        (
            "prevoir_precompute_total",
            "Canteen-days in the precompute window.",
            "gauge",
            |s| s.precompute_progress().total as f64,
        ),
    ];
    for (name, help, kind, value) in per_model {
        extra.extend(models.canteen.values().map(|s| Sample {
            name,
            help,
            kind,
            labels: vec![("model", s.provenance.model_name.clone())],
            value: value(s),
        }));
    }
    if let Some(rss) = resident_memory_bytes() {
        extra.push(Sample::plain(
            "process_resident_memory_bytes",
            "Resident memory of the server process.",
            "gauge",
            rss as f64,
        ));
    }
    let mut response = state.metrics().render(&extra).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
