//! `/v1/models…`: the loaded models, their cards, their public-algorithm notices (JSON or HTML),
//! and the atomic reload (token).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use prevoir_core::card::{DataSource, FeatureCard, ModelCard};
use prevoir_core::fingerprint::FileFingerprint;

use crate::api::canteens::{canteen_service, compute_day};
use crate::api::extract::{ApiPath, ApiQuery, Writer, day_param};
use crate::notice::{NoticeAnswer, NoticeCase, NoticeCaseLine, html, notice};
use crate::problem::{ApiError, Problem};
use crate::provenance::Provenance;
use crate::registry::{ModelEntry, ModelKind, Models};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_models))
        .routes(routes!(model_card))
        .routes(routes!(model_notice))
        .routes(routes!(reload))
}

/// A loaded model in one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelSummary {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// `canteen` or `leaks`.
    pub kind: String,
    pub purpose_fr: String,
    pub purpose_en: String,
    pub trained_at: String,
    pub training_from: String,
    pub training_to: String,
    /// Canteen models: days between the information cut-off and the forecast day.
    pub horizon_days: Option<u32>,
}

/// The loaded models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelsAnswer {
    pub models: Vec<ModelSummary>,
}

/// A model card: what the model is for, what it was trained on, how, and how well it does.
///
/// The fields of [`ModelCard`] but for `data_fingerprint` and `data_cutoff`, which every answer
/// already carries in its provenance (flattening both would repeat those keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CardAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub kind: String,
    pub name: String,
    pub version: String,
    pub purpose_fr: String,
    pub purpose_en: String,
    pub trained_at: String,
    pub training_from: String,
    pub training_to: String,
    pub data_files: Vec<FileFingerprint>,
    pub data_sources: Vec<DataSource>,
    pub features: Vec<FeatureCard>,
    pub algorithm: String,
    /// Learner settings, as the card records them.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// Metrics on data not used for fitting, with how they were measured.
    #[schema(value_type = Object)]
    pub validation: serde_json::Value,
    pub operations: Vec<String>,
    pub limitations: Vec<String>,
    pub software: String,
}

/// The horizon of the canteen model loaded as `name` (`None` for other models).
fn canteen_horizon(models: &Models, name: &str) -> Option<u32> {
    models
        .canteen
        .iter()
        .find(|(_, s)| s.provenance.model_name == name)
        .map(|(h, _)| *h)
}

fn summary(name: &str, entry: &ModelEntry, models: &Models) -> ModelSummary {
    let horizon_days = canteen_horizon(models, name);
    ModelSummary {
        provenance: entry.provenance.clone(),
        kind: entry.kind.key().to_owned(),
        purpose_fr: entry.card.purpose_fr.clone(),
        purpose_en: entry.card.purpose_en.clone(),
        trained_at: entry.card.trained_at.clone(),
        training_from: entry.card.training_from.clone(),
        training_to: entry.card.training_to.clone(),
        horizon_days,
    }
}

fn models_answer(models: &Models) -> ModelsAnswer {
    ModelsAnswer {
        models: models
            .entries
            .iter()
            .map(|(name, e)| summary(name, e, models))
            .collect(),
    }
}

fn entry<'a>(models: &'a Models, name: &str) -> Result<&'a ModelEntry, ApiError> {
    models.entries.get(name).ok_or_else(|| {
        let loaded: Vec<&str> = models.entries.keys().map(String::as_str).collect();
        ApiError::UnknownModel(format!(
            "unknown model {name:?} (loaded: {})",
            loaded.join(", ")
        ))
    })
}

/// The loaded models with their versions, data fingerprints and cut-offs.
#[utoipa::path(
    get,
    path = "/v1/models",
    tag = "models",
    responses((status = 200, description = "The loaded models", body = ModelsAnswer))
)]
async fn list_models(State(state): State<AppState>) -> axum::Json<ModelsAnswer> {
    axum::Json(models_answer(&state.models()))
}

fn card_answer(entry: &ModelEntry) -> CardAnswer {
    let c: &ModelCard = &entry.card;
    CardAnswer {
        provenance: entry.provenance.clone(),
        kind: entry.kind.key().to_owned(),
        name: c.name.clone(),
        version: c.version.clone(),
        purpose_fr: c.purpose_fr.clone(),
        purpose_en: c.purpose_en.clone(),
        trained_at: c.trained_at.clone(),
        training_from: c.training_from.clone(),
        training_to: c.training_to.clone(),
        data_files: c.data_files.clone(),
        data_sources: c.data_sources.clone(),
        features: c.features.clone(),
        algorithm: c.algorithm.clone(),
        parameters: c.parameters.clone(),
        validation: c.validation.clone(),
        operations: c.operations.clone(),
        limitations: c.limitations.clone(),
        software: c.software.clone(),
    }
}

/// A model's card.
#[utoipa::path(
    get,
    path = "/v1/models/{name}",
    tag = "models",
    params(("name" = String, Path, description = "Model name, from GET /v1/models", example = "canteen")),
    responses(
        (status = 200, description = "The model card", body = CardAnswer),
        (status = 404, description = "Unknown model", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn model_card(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> Result<axum::Json<CardAnswer>, ApiError> {
    let models = state.models();
    Ok(axum::Json(card_answer(entry(&models, &name)?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// `json` or `html`; by default the `Accept` header decides (HTML for browsers).
    #[param(pattern = "^(json|html)$", example = "html")]
    pub format: Option<String>,
    /// Canteen models: apply item 3 to this canteen (id or exact name)…
    #[param(example = "jules-ferry")]
    pub canteen: Option<String>,
    /// …on this day (`YYYY-MM-DD`).
    #[param(format = Date, example = "2018-07-02")]
    pub date: Option<String>,
}

fn wants_html(query: &NoticeQuery, headers: &HeaderMap) -> Result<bool, ApiError> {
    match query.format.as_deref() {
        Some("html") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::parameter(
            "format",
            format!("expected `json` or `html`, found {other:?}"),
        )),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| {
                accept.contains("text/html") && !accept.starts_with("application/json")
            })),
    }
}

/// The public-algorithm notice (CRPA L.311-3-1) of a model, in French: contribution to the
/// decision, data and sources, parameters and weights (applied to a canteen-day when asked),
/// operations; JSON for an algorithm register or a printable HTML page.
#[utoipa::path(
    get,
    path = "/v1/models/{name}/notice",
    tag = "models",
    params(("name" = String, Path, description = "Model name, from GET /v1/models", example = "canteen"), NoticeQuery),
    responses(
        (status = 200, description = "The notice", content(
            (NoticeAnswer = "application/json"),
            (String = "text/html")
        )),
        (status = 400, description = "Malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown model or canteen", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A case that cannot be applied (leak model, day out of range, canteen without date)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn model_notice(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<NoticeQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let as_html = wants_html(&query, &headers)?;
    let models = state.models();
    let entry = entry(&models, &name)?;
    let case = match (&query.canteen, &query.date) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::out_of_range(
                "date",
                "a case needs both `canteen` and `date`",
            ));
        }
        (None, Some(_)) => {
            return Err(ApiError::out_of_range(
                "canteen",
                "a case needs both `canteen` and `date`",
            ));
        }
        (Some(canteen), Some(date)) => {
            if entry.kind != ModelKind::Canteen {
                return Err(ApiError::out_of_range(
                    "canteen",
                    "cases apply to canteen models only",
                ));
            }
            let date = day_param("date", date)?;
            let service = canteen_service(&models, canteen_horizon(&models, &name))?;
            let index = service
                .resolve(canteen)
                .ok_or_else(|| ApiError::UnknownCanteen(canteen.clone()))?;
            service
                .check_date(date)
                .map_err(|m| ApiError::out_of_range("date", m))?;
            let first = compute_day(service, index, date).await?;
            let answer: crate::canteen::answer::ForecastAnswer =
                serde_json::from_slice(&first.json)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
            Some(NoticeCase {
                description: format!(
                    "restaurant {} le {} ({})",
                    answer.canteen.trim(),
                    answer.date,
                    answer.weekday_fr
                ),
                base: answer.explanation.base_meals,
                result: answer.forecast_meals,
                unit: "repas".into(),
                lines: answer
                    .explanation
                    .contributions
                    .iter()
                    .map(|c| NoticeCaseLine {
                        label: c.label_fr.clone(),
                        value: c.value_fr.clone(),
                        effect: c.meals,
                    })
                    .collect(),
            })
        }
    };
    let n: NoticeAnswer = notice(&entry.provenance, entry.kind, &entry.card, case);
    let mut response = if as_html {
        Html(html(&n)).into_response()
    } else {
        axum::Json(n).into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(response)
}

/// Loads every model again from the models directory and swaps them in at once. A model that
/// fails to load is refused and the running models stay. Needs the token.
#[utoipa::path(
    post,
    path = "/v1/admin/reload",
    tag = "models",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The models now in service", body = ModelsAnswer),
        (status = 401, description = "Token missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token configured: writing disabled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A model was refused; the running models stay", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn reload(
    State(state): State<AppState>,
    _writer: Writer,
) -> Result<axum::Json<ModelsAnswer>, ApiError> {
    let models = state.reload().await?;
    Ok(axum::Json(models_answer(&models)))
}
