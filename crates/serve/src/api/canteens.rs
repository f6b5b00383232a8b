//! `/v1/canteens…`: the canteen list, single and batch forecasts with explanations, and the
//! recent history for charts. Handlers check input and pick the model; the work is in
//! [`crate::canteen`].

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use canteen_features::KnownEvents;

use crate::api::extract::{ApiJson, ApiPath, ApiQuery, day_param};
use crate::canteen::answer::{BatchAnswer, CanteensAnswer, ForecastAnswer, HistoryAnswer};
use crate::canteen::cache::CachedForecast;
use crate::canteen::{CanteenService, DayRequest};
use crate::problem::{ApiError, Problem};
use crate::registry::Models;
use crate::state::AppState;

/// Horizon served when the caller names none.
pub const DEFAULT_HORIZON: u32 = 28;
/// Longest history answered at once (days).
const MAX_HISTORY_DAYS: i64 = 400;
const MAX_DISHES: usize = 30;
const MAX_DISH_CHARS: usize = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_canteens))
        .routes(routes!(forecast_one))
        .routes(routes!(forecast_batch))
        .routes(routes!(history))
}

/// The canteen model at `horizon` (default 28 days, else the longest loaded).
pub fn canteen_service(
    models: &Models,
    horizon: Option<u32>,
) -> Result<Arc<CanteenService>, ApiError> {
    if models.canteen.is_empty() {
        return Err(ApiError::Unavailable(
            "no canteen model is loaded on this server".into(),
        ));
    }
    let chosen = match horizon {
        Some(h) => models.canteen.get(&h),
        None => models
            .canteen
            .get(&DEFAULT_HORIZON)
            .or_else(|| models.canteen.values().next_back()),
    };
    chosen.cloned().ok_or_else(|| {
        let loaded: Vec<String> = models.canteen.keys().map(u32::to_string).collect();
        ApiError::UnknownModel(format!(
            "no canteen model at horizon {} days (loaded horizons: {})",
            horizon.unwrap_or(DEFAULT_HORIZON),
            loaded.join(", ")
        ))
    })
}

/// Parses a `YYYY-MM-DD` day with the project's date parser.
pub fn parse_day(text: &str) -> Result<NaiveDate, String> {
    prevoir_core::dates::parse_date(text, prevoir_core::dates::DateFormat::Iso).ok_or_else(|| {
        format!(
            "expected {}, found {text:?}",
            prevoir_core::dates::DateFormat::Iso.expected()
        )
    })
}

pub fn json_response(body: Bytes) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Runs CPU-bound work off the async workers.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("computation failed: {e}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HorizonQuery {
    /// Forecast horizon in days (a loaded model's; 28 by default).
    #[param(minimum = 1, maximum = 366, example = 28)]
    pub horizon: Option<u32>,
}

/// The canteens a model knows and the days it can forecast.
#[utoipa::path(
    get,
    path = "/v1/canteens",
    tag = "canteens",
    params(HorizonQuery),
    responses(
        (status = 200, description = "Canteens known to the model", body = CanteensAnswer),
        (status = 400, description = "Malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No model at this horizon", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No canteen model loaded", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_canteens(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<HorizonQuery>,
) -> Result<axum::Json<CanteensAnswer>, ApiError> {
    let models = state.models();
    let service = canteen_service(&models, query.horizon)?;
    Ok(axum::Json(CanteensAnswer {
        provenance: service.provenance.clone(),
        horizons: models.canteen.keys().copied().collect(),
        forecastable_from: service.forecastable.0,
        forecastable_to: service.forecastable.1,
        canteens: service.canteens().to_vec(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// The day to forecast, `YYYY-MM-DD`.
    #[param(format = Date, example = "2018-07-02")]
    pub date: String,
    /// Forecast horizon in days (a loaded model's; 28 by default).
    #[param(minimum = 1, maximum = 366, example = 28)]
    pub horizon: Option<u32>,
}

/// One canteen-day: forecast, order quantity, interval and contributions in meals.
///
/// `explanation.base_meals` plus the sum of `explanation.contributions[].meals` equals
/// `forecast_meals`.
#[utoipa::path(
    get,
    path = "/v1/canteens/{id}/forecast",
    tag = "canteens",
    params(
        ("id" = String, Path, description = "Canteen id (from GET /v1/canteens) or exact name", example = "jules-ferry"),
        ForecastQuery
    ),
    responses(
        (status = 200, description = "The forecast with its explanation", body = ForecastAnswer),
        (status = 400, description = "Malformed date or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown canteen, or no model at this horizon", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The day cannot be forecast (outside the model's range, no level)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No canteen model loaded, or timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn forecast_one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ForecastQuery>,
) -> Result<Response, ApiError> {
    let service = canteen_service(&state.models(), query.horizon)?;
    let canteen = service.resolve(&id).ok_or(ApiError::UnknownCanteen(id))?;
    let date = day_param("date", &query.date)?;
    service
        .check_date(date)
        .map_err(|m| ApiError::out_of_range("date", m))?;
    if let Some(hit) = service.cached(canteen, date) {
        return Ok(json_response(hit.json.clone()));
    }
    state
        .metrics()
        .forecasts_computed
        .fetch_add(1, Ordering::Relaxed);
    let entry = compute_day(service, canteen, date).await?;
    Ok(json_response(entry.json.clone()))
}

/// Computes the forecast of one canteen-day whose date was checked, off the async workers (no
/// cache lookup; facts as the data set has them).
pub async fn compute_day(
    service: Arc<CanteenService>,
    canteen: usize,
    date: NaiveDate,
) -> Result<Arc<CachedForecast>, ApiError> {
    let request = DayRequest {
        canteen,
        date,
        events: None,
    };
    blocking(move || service.forecast(&[request]))
        .await?
        .map_err(|e| ApiError::out_of_range("date", e.message))?
        .pop()
        .ok_or_else(|| ApiError::Internal("no forecast computed".into()))
}

/// A batch of canteen-days, with facts the caller knows about future days.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Forecast horizon in days (a loaded model's; 28 by default).
    #[schema(minimum = 1, maximum = 366, example = 28)]
    pub horizon: Option<u32>,
    /// The canteen-days, at most 1000.
    #[schema(min_items = 1, max_items = 1000)]
    pub requests: Vec<DayRequestBody>,
}

/// One canteen-day of a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayRequestBody {
    /// Canteen id (from `GET /v1/canteens`) or exact name.
    #[schema(min_length = 1, max_length = 200, example = "jules-ferry")]
    pub canteen: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date, example = "2018-07-02")]
    pub date: String,
    /// The day's dishes as they will be published (replaces the data set's menu).
    #[schema(max_items = 30, example = json!(["Carottes râpées", "Steak haché", "Frites", "Yaourt"]))]
    pub menu: Option<Vec<String>>,
    /// A strike is announced (used by models whose horizon is at most 2 days).
    pub strike: Option<bool>,
}

fn check_item(
    service: &CanteenService,
    i: usize,
    item: DayRequestBody,
) -> Result<DayRequest, ApiError> {
    let field = |name: &str| format!("requests[{i}].{name}");
    let canteen = service.resolve(&item.canteen).ok_or_else(|| {
        ApiError::body(
            field("canteen"),
            format!(
                "unknown canteen {:?}: see GET /v1/canteens for the known ones",
                item.canteen
            ),
        )
    })?;
    let date = parse_day(&item.date).map_err(|m| ApiError::body(field("date"), m))?;
    service
        .check_date(date)
        .map_err(|m| ApiError::body(field("date"), m))?;
    if let Some(menu) = &item.menu {
        if menu.len() > MAX_DISHES {
            return Err(ApiError::body(
                field("menu"),
                format!("{} dishes: at most {MAX_DISHES}", menu.len()),
            ));
        }
        if let Some((j, _)) = menu
            .iter()
            .enumerate()
            .find(|(_, d)| d.chars().count() > MAX_DISH_CHARS)
        {
            return Err(ApiError::body(
                format!("requests[{i}].menu[{j}]"),
                format!("at most {MAX_DISH_CHARS} characters"),
            ));
        }
    }
    let events = (item.menu.is_some() || item.strike.is_some()).then_some(KnownEvents {
        menu: item.menu,
        strike: item.strike,
    });
    Ok(DayRequest {
        canteen,
        date,
        events,
    })
}

/// Concatenates serialised forecasts under the provenance, without parsing them again.
fn batch_body(service: &CanteenService, forecasts: &[Arc<CachedForecast>]) -> Bytes {
    let provenance = serde_json::to_vec(&service.provenance).unwrap_or_else(|_| b"{}".to_vec());
    let mut body =
        Vec::with_capacity(64 + forecasts.iter().map(|f| f.json.len() + 1).sum::<usize>());
    body.extend_from_slice(&provenance[..provenance.len().saturating_sub(1)]);
    body.extend_from_slice(b",\"forecasts\":[");
    for (i, f) in forecasts.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&f.json);
    }
    body.extend_from_slice(b"]}");
    Bytes::from(body)
}

/// Several canteen-days at once; the caller may supply menus and strike notices for future days.
///
/// Days with caller-supplied facts are computed for the request and never cached.
#[utoipa::path(
    post,
    path = "/v1/canteens/forecast",
    tag = "canteens",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "The forecasts, in the order asked", body = BatchAnswer),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No model at this horizon", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No canteen model loaded, or timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn forecast_batch(
    State(state): State<AppState>,
    ApiJson(batch): ApiJson<BatchRequest>,
) -> Result<Response, ApiError> {
    let service = canteen_service(&state.models(), batch.horizon)?;
    let max = state.config().max_batch;
    if batch.requests.is_empty() || batch.requests.len() > max {
        return Err(ApiError::body(
            "requests",
            format!("{} canteen-days: send 1 to {max}", batch.requests.len()),
        ));
    }
    let requests = batch
        .requests
        .into_iter()
        .enumerate()
        .map(|(i, item)| check_item(&service, i, item))
        .collect::<Result<Vec<_>, _>>()?;
    let cached: Option<Vec<Arc<CachedForecast>>> = requests
        .iter()
        .map(|r| {
            if r.events.is_none() {
                service.cached(r.canteen, r.date)
            } else {
                None
            }
        })
        .collect();
    let forecasts = match cached {
        Some(all) => all,
        None => {
            state
                .metrics()
                .forecasts_computed
                .fetch_add(requests.len() as u64, Ordering::Relaxed);
            let worker = service.clone();
            blocking(move || worker.forecast(&requests))
                .await?
                .map_err(|e| ApiError::body(format!("requests[{}]", e.position), e.message))?
        }
    };
    Ok(json_response(batch_body(&service, &forecasts)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// First day, `YYYY-MM-DD` (default: 8 weeks before `to`).
    #[param(format = Date, example = "2018-05-14")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: the last day with data).
    #[param(format = Date, example = "2018-07-06")]
    pub to: Option<String>,
    /// Horizon of the model whose forecasts are shown (28 by default).
    #[param(minimum = 1, maximum = 366, example = 28)]
    pub horizon: Option<u32>,
}

/// Meals served, the agents' forecasts and this model's forecasts over a period, for a chart.
#[utoipa::path(
    get,
    path = "/v1/canteens/{id}/history",
    tag = "canteens",
    params(
        ("id" = String, Path, description = "Canteen id or exact name", example = "jules-ferry"),
        HistoryQuery
    ),
    responses(
        (status = 200, description = "Days with data in the period", body = HistoryAnswer),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown canteen, or no model at this horizon", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`, or a period over 400 days", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No canteen model loaded, or timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn history(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<axum::Json<HistoryAnswer>, ApiError> {
    let service = canteen_service(&state.models(), query.horizon)?;
    let canteen = service.resolve(&id).ok_or(ApiError::UnknownCanteen(id))?;
    let to = match &query.to {
        Some(t) => day_param("to", t)?,
        None => service.last_data_day,
    };
    let from = match &query.from {
        Some(f) => day_param("from", f)?,
        None => to - Duration::days(55),
    };
    ApiError::check_period(&from, &to)?;
    if (to - from).num_days() > MAX_HISTORY_DAYS {
        return Err(ApiError::out_of_range(
            "from",
            format!("the period is over {MAX_HISTORY_DAYS} days: ask for less"),
        ));
    }
    let worker = service.clone();
    let days = blocking(move || worker.history(canteen, from, to)).await?;
    let info = &service.canteens()[canteen];
    Ok(axum::Json(HistoryAnswer {
        provenance: service.provenance.clone(),
        canteen_id: info.id.clone(),
        canteen: info.name.clone(),
        horizon_days: service.horizon_days(),
        from,
        to,
        days,
    }))
}
