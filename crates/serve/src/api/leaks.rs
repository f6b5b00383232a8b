//! `/v1/leaks…`: scoring posted readings, ingesting readings (token), the alarms and score
//! timeline of the readings held, and the network sketch. Leak data is readable with the token
//! unless the server makes it public.

use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use leak_data::Readings;

use crate::api::canteens::blocking;
use crate::api::extract::{
    ApiJson, ApiQuery, LeakReader, Writer, body_bytes, content_type, time_param,
};
use crate::leaks::answer::{
    AlarmAnswer, AlarmsAnswer, IngestAnswer, NetworkAnswer, ScoreAnswer, ScoresAnswer, time,
};
use crate::leaks::readings::{ReadingsBody, from_csv};
use crate::leaks::{LeakService, area_scores};
use crate::problem::{ApiError, Problem};
use crate::registry::Models;
use crate::state::{AppState, no_leak_model};

pub fn routes(readings_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(score))
        .routes(routes!(ingest))
        .layer(DefaultBodyLimit::max(readings_body_limit))
        .routes(routes!(alarms))
        .routes(routes!(scores))
        .routes(routes!(network))
}

fn leak_service(models: &Models) -> Result<Arc<LeakService>, ApiError> {
    models.leaks.clone().ok_or_else(no_leak_model)
}

/// Readings as sent: JSON columns or one SCADA CSV table.
pub enum Upload {
    Json(ReadingsBody),
    Csv(String),
}

impl FromRequest<AppState> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match content_type(req.headers()).as_deref() {
            Some("application/json") => ApiJson::<ReadingsBody>::from_request(req, state).await.map(|ApiJson(b)| Upload::Json(b)),
            Some("text/csv" | "text/plain") => {
                let bytes = body_bytes(req, state).await?;
                String::from_utf8(bytes.to_vec())
                    .map(Upload::Csv)
                    .map_err(|e| ApiError::MalformedBody(format!("the CSV body is not UTF-8: {e}")))
            }
            _ => Err(ApiError::UnsupportedMediaType(
                "send readings as JSON (`Content-Type: application/json`) or as one SCADA table (`Content-Type: text/csv`)".into(),
            )),
        }
    }
}

impl Upload {
    fn into_readings(self, service: &LeakService) -> Result<Readings, ApiError> {
        match self {
            Upload::Json(body) => {
                body.into_readings(&service.sensor_kinds, service.step_minutes(), "")
            }
            Upload::Csv(text) => from_csv(&text, &service.sensor_kinds, service.step_minutes()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// Raise alarms from this time on (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`); earlier readings
    /// warm the detector up. Default: 8 days after the first reading, or the first reading when
    /// there are fewer days.
    #[param(
        pattern = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$",
        example = "2019-02-01 00:00:00"
    )]
    pub alarms_from: Option<String>,
}

/// Scores posted sensor readings: per-area scores, alarms with candidate pipes, estimated flow
/// and explanation.
///
/// The body is either JSON columns on a regular grid or one SCADA table (`Timestamp;<id>;…`, `;`
/// separated, decimal comma or point) holding every kind of sensor. Sensors the model does not know
/// are refused. Nothing is stored.
#[utoipa::path(
    post,
    path = "/v1/leaks/score",
    tag = "leaks",
    params(ScoreQuery),
    request_body(content(
        (ReadingsBody = "application/json"),
        (String = "text/csv", example = "Timestamp;pin1;pin2;PUMP_1;n1;T1\n2019-02-01 00:00:00;13,29;13,42;0,00;45.08;3,00\n")
    )),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "Scores and alarms", body = ScoreAnswer),
        (status = 400, description = "Malformed body or parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Token missing or wrong (leak data not public)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token configured", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Readings that do not fit the model (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No leak model loaded, or timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn score(
    State(state): State<AppState>,
    _reader: LeakReader,
    ApiQuery(query): ApiQuery<ScoreQuery>,
    upload: Upload,
) -> Result<axum::Json<ScoreAnswer>, ApiError> {
    let service = leak_service(&state.models())?;
    let alarms_from = query
        .alarms_from
        .as_deref()
        .map(|t| time_param("alarms_from", t))
        .transpose()?;
    let readings = upload.into_readings(&service)?;
    let steps = readings.len as u64;
    let worker = service.clone();
    let (output, from) = blocking(move || {
        let from = alarms_from.unwrap_or_else(|| crate::leaks::default_alarms_from(&readings));
        worker.score(&readings, Some(from)).map(|o| (o, from))
    })
    .await?
    .map_err(|e| ApiError::body("body", e.to_string()))?;
    state
        .metrics()
        .readings_scored
        .fetch_add(steps, Ordering::Relaxed);
    Ok(axum::Json(service.score_answer(&output, from)))
}

/// Adds readings to the ones the server holds (merged by time; the latest 90 days are kept) and
/// scores them again. Needs the token.
#[utoipa::path(
    post,
    path = "/v1/leaks/readings",
    tag = "leaks",
    request_body(content(
        (ReadingsBody = "application/json"),
        (String = "text/csv", example = "Timestamp;pin1;pin2;PUMP_1;n1;T1\n2019-02-01 00:00:00;13,29;13,42;0,00;45.08;3,00\n")
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What is held now", body = IngestAnswer),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Token missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token configured: writing disabled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Readings that do not fit the model", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No leak model loaded, or timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn ingest(
    State(state): State<AppState>,
    _writer: Writer,
    upload: Upload,
) -> Result<axum::Json<IngestAnswer>, ApiError> {
    let service = leak_service(&state.models())?;
    let readings = upload.into_readings(&service)?;
    let steps_received = readings.len;
    let store = state.ingest(readings).await?;
    let held = store
        .readings
        .as_ref()
        .ok_or_else(|| ApiError::Internal("no readings held after ingest".into()))?;
    Ok(axum::Json(IngestAnswer {
        provenance: service.provenance.clone(),
        steps_received,
        readings_from: time(held.start),
        readings_to: time(held.end()),
        steps_held: held.len,
        alarms: store.scored.as_ref().map_or(0, |s| s.alarms.len()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// From this day (`YYYY-MM-DD`) or time (`YYYY-MM-DD HH:MM:SS`), inclusive.
    #[param(
        pattern = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$",
        example = "2019-01-28"
    )]
    pub from: Option<String>,
    /// Up to this day (the whole day) or time, inclusive.
    #[param(
        pattern = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$",
        example = "2019-02-17"
    )]
    pub to: Option<String>,
}

/// `[from, to]` as times; a date alone for `to` means the end of that day.
fn period(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<NaiveDateTime>, Option<NaiveDateTime>), ApiError> {
    let from = from.map(|t| time_param("from", t)).transpose()?;
    let to = to
        .map(|t| {
            let at = time_param("to", t)?;
            Ok::<_, ApiError>(if prevoir_core::dates::parse_timestamp(t).is_none() {
                at + Duration::seconds(86_399)
            } else {
                at
            })
        })
        .transpose()?;
    if let (Some(f), Some(t)) = (&from, &to) {
        ApiError::check_period(f, t)?;
    }
    Ok((from, to))
}

/// Alarms raised on the readings the server holds, detected in `[from, to]`.
#[utoipa::path(
    get,
    path = "/v1/leaks/alarms",
    tag = "leaks",
    params(PeriodQuery),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "The alarms, oldest first", body = AlarmsAnswer),
        (status = 400, description = "Malformed time", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Token missing or wrong (leak data not public)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token configured", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No leak model loaded", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn alarms(
    State(state): State<AppState>,
    _reader: LeakReader,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<axum::Json<AlarmsAnswer>, ApiError> {
    let service = leak_service(&state.models())?;
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let store = state.leak_store();
    let (readings_from, readings_to) = store.held_from_to();
    let alarms = store
        .scored
        .as_ref()
        .map(|s| {
            s.alarms
                .iter()
                .filter(|a| {
                    from.is_none_or(|f| a.detected_at >= f) && to.is_none_or(|t| a.detected_at <= t)
                })
                .map(AlarmAnswer::from_alarm)
                .collect()
        })
        .unwrap_or_default();
    Ok(axum::Json(AlarmsAnswer {
        provenance: service.provenance.clone(),
        readings_from,
        readings_to,
        alarms,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScoresQuery {
    /// From this day or time, inclusive (default: the first reading held).
    #[param(
        pattern = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$",
        example = "2019-01-28"
    )]
    pub from: Option<String>,
    /// Up to this day (the whole day) or time, inclusive (default: the last reading held).
    #[param(
        pattern = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$",
        example = "2019-02-17"
    )]
    pub to: Option<String>,
    /// Bucket length in minutes; each bucket shows its highest score (default 60).
    #[param(minimum = 5, maximum = 10080, example = 60)]
    pub every_minutes: Option<i64>,
}

/// Most buckets in one timeline.
const MAX_BUCKETS: i64 = 20_000;

/// Per-area score timeline of the readings the server holds.
#[utoipa::path(
    get,
    path = "/v1/leaks/scores",
    tag = "leaks",
    params(ScoresQuery),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "Scores per bucket and area", body = ScoresAnswer),
        (status = 400, description = "Malformed parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Token missing or wrong (leak data not public)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token configured", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`from` after `to`, bucket out of range or too many buckets", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No leak model loaded", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn scores(
    State(state): State<AppState>,
    _reader: LeakReader,
    ApiQuery(query): ApiQuery<ScoresQuery>,
) -> Result<axum::Json<ScoresAnswer>, ApiError> {
    let service = leak_service(&state.models())?;
    let every = query.every_minutes.unwrap_or(60);
    if !(5..=10_080).contains(&every) {
        return Err(ApiError::out_of_range(
            "every_minutes",
            format!("{every}: expected 5 to 10080 minutes"),
        ));
    }
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let store = state.leak_store();
    let (readings_from, readings_to) = store.held_from_to();
    let mut answer = ScoresAnswer {
        provenance: service.provenance.clone(),
        readings_from,
        readings_to,
        every_minutes: every,
        times: Vec::new(),
        areas: Vec::new(),
    };
    let Some(scored) = &store.scored else {
        return Ok(axum::Json(answer));
    };
    let first = from.unwrap_or(scored.start).max(scored.start);
    let last = to
        .unwrap_or_else(|| scored.time(scored.len.saturating_sub(1)))
        .min(scored.time(scored.len.saturating_sub(1)));
    if first > last {
        return Ok(axum::Json(answer));
    }
    let buckets = (last - first).num_minutes() / every + 1;
    if buckets > MAX_BUCKETS {
        return Err(ApiError::out_of_range(
            "every_minutes",
            format!(
                "{buckets} buckets: at most {MAX_BUCKETS}, ask for longer buckets or a shorter period"
            ),
        ));
    }
    let buckets = usize::try_from(buckets).unwrap_or(0);
    answer.times = (0..buckets)
        .map(|b| time(first + Duration::minutes(every * b as i64)))
        .collect();
    for area in &scored.areas {
        let mut values: Vec<Option<f64>> = vec![None; buckets];
        for (t, score) in area.score.iter().enumerate() {
            let at = scored.time(t);
            if at < first || at > last || !score.is_finite() {
                continue;
            }
            let b = usize::try_from((at - first).num_minutes() / every).unwrap_or(0);
            if let Some(slot) = values.get_mut(b) {
                *slot = Some(slot.map_or(*score, |v: f64| v.max(*score)));
            }
        }
        answer.areas.push(area_scores(&area.area, values));
    }
    Ok(axum::Json(answer))
}

/// The network geometry (nodes with coordinates, links with their ends, areas, sensors), for a
/// sketch with candidate pipes highlighted.
#[utoipa::path(
    get,
    path = "/v1/leaks/network",
    tag = "leaks",
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "Nodes, links and areas", body = NetworkAnswer),
        (status = 401, description = "Token missing or wrong (leak data not public)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No token configured", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No leak model or network file", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn network(
    State(state): State<AppState>,
    _reader: LeakReader,
) -> Result<axum::Json<NetworkAnswer>, ApiError> {
    let service = leak_service(&state.models())?;
    match &service.network {
        Ok(network) => Ok(axum::Json(network.clone())),
        Err(why) => Err(ApiError::Unavailable(format!("no network sketch: {why}"))),
    }
}
