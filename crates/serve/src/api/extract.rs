//! Extractors with one error format: JSON bodies, query strings and path parameters whose
//! failures become problem documents naming the field, and the bearer-token guards.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::{HeaderMap, header, request::Parts};
use serde::de::DeserializeOwned;

use crate::problem::ApiError;
use crate::state::AppState;

/// A JSON body; unknown fields are refused by the target types (`deny_unknown_fields`).
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    content_type(headers).is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"))
}

/// The media type of the request, lower case, without parameters.
pub fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Reads the whole body within the route's limit.
pub async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    let limit = if req.uri().path().starts_with("/v1/leaks") {
        state.config().readings_body_limit
    } else {
        state.config().json_body_limit
    };
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ApiError::PayloadTooLarge { limit_bytes: limit }
            }
            other => ApiError::MalformedBody(format!(
                "could not read the request body: {}",
                other.body_text()
            )),
        })
}

/// Parses JSON, naming the field that does not fit: syntax errors are 400, data errors 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." { "body".to_owned() } else { path };
                ApiError::body(field, inner.to_string())
            }
            _ => ApiError::MalformedBody(format!("the body is not valid JSON: {inner}")),
        }
    })?;
    de.end()
        .map_err(|e| ApiError::MalformedBody(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "expected a JSON body with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A query string; unknown parameters are refused by the target types.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

/// The field a serde message is about: "unknown field `x`", "missing field `x`" or "x: …".
fn field_of(message: &str) -> String {
    if let Some(rest) = message.split("field `").nth(1)
        && let Some(name) = rest.split('`').next()
    {
        return name.to_owned();
    }
    match message.split_once(": ") {
        Some((field, _)) if !field.contains(' ') => field.to_owned(),
        _ => "query".to_owned(),
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|rejection| {
                let text = match &rejection {
                    QueryRejection::FailedToDeserializeQueryString(e) => e.body_text(),
                    other => other.body_text(),
                };
                let message = text
                    .trim_start_matches("Failed to deserialize query string: ")
                    .to_owned();
                let field = field_of(&message);
                let message = message
                    .strip_prefix(&format!("{field}: "))
                    .map(str::to_owned)
                    .unwrap_or(message);
                ApiError::parameter(field, message)
            })
    }
}

/// A path parameter (percent-decoded).
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(p)| ApiPath(p))
            .map_err(|rejection| ApiError::parameter("path", rejection.body_text()))
    }
}

/// Whether `text` has the shape of `template`, where `d` stands for an ASCII digit.
fn shaped(text: &str, template: &str) -> bool {
    text.len() == template.len()
        && text.bytes().zip(template.bytes()).all(|(c, t)| {
            if t == b'd' {
                c.is_ascii_digit()
            } else {
                c == t
            }
        })
}

const DAY: &str = "dddd-dd-dd";
const TIMES: [&str; 3] = ["dddd-dd-dd", "dddd-dd-dd dd:dd", "dddd-dd-dd dd:dd:dd"];

/// A `YYYY-MM-DD` parameter: a malformed value is 400; a well-formed one that is not a day of
/// the calendar (`2019-02-30`) is 422.
pub fn day_param(field: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    use prevoir_core::dates::{DateFormat, parse_date};
    parse_date(text, DateFormat::Iso).ok_or_else(|| {
        if shaped(text, DAY) {
            ApiError::out_of_range(field, format!("{text} is not a day of the calendar"))
        } else {
            ApiError::parameter(
                field,
                format!("expected {}, found {text:?}", DateFormat::Iso.expected()),
            )
        }
    })
}

/// A day (`YYYY-MM-DD`, its midnight) or a time (`YYYY-MM-DD HH:MM[:SS]`) parameter; malformed
/// is 400, well-formed but impossible (`25:00`) is 422.
pub fn time_param(field: &str, text: &str) -> Result<chrono::NaiveDateTime, ApiError> {
    crate::leaks::readings::parse_time(text, true).ok_or_else(|| {
        if TIMES.iter().any(|t| shaped(text, t)) {
            ApiError::out_of_range(field, format!("{text} is not a time of the calendar"))
        } else {
            ApiError::parameter(
                field,
                format!("expected a date YYYY-MM-DD or a time YYYY-MM-DD HH:MM:SS, found {text:?}"),
            )
        }
    })
}

/// Checks `Authorization: Bearer <token>` against the configured token.
fn check_token(headers: &HeaderMap, state: &AppState, what: &str) -> Result<(), ApiError> {
    let Some(expected) = state.config().token.as_deref() else {
        return Err(ApiError::Forbidden(format!(
            "{what} is disabled on this server: no API token is configured (start it with --token-file or PREVOIR_API_TOKEN)"
        )));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match given {
        None => Err(ApiError::Unauthorized(format!(
            "{what} needs an `Authorization: Bearer <token>` header"
        ))),
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::Unauthorized(
            "the bearer token is not valid".into(),
        )),
    }
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

/// A caller allowed to write (reload models, ingest readings).
#[derive(Debug, Clone, Copy)]
pub struct Writer;

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        check_token(&parts.headers, state, "writing").map(|()| Writer)
    }
}

/// A caller allowed to read leak data: anyone if the server makes it public, else token holders.
#[derive(Debug, Clone, Copy)]
pub struct LeakReader;

impl FromRequestParts<AppState> for LeakReader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config().leaks_public {
            return Ok(LeakReader);
        }
        check_token(
            &parts.headers,
            state,
            "leak data (not public on this server)",
        )
        .map(|()| LeakReader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        date: String,
        count: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Batch {
        items: Vec<Item>,
    }

    #[test]
    fn json_errors_name_the_field() {
        let e =
            parse_json::<Batch>(br#"{"items":[{"date":"x","count":1},{"date":"y","count":-1}]}"#)
                .unwrap_err();
        assert!(
            matches!(e, ApiError::InvalidBody { ref field, .. } if field == "items[1].count"),
            "{e:?}"
        );
        let e = parse_json::<Batch>(br#"{"items":[],"name":"Jean"}"#).unwrap_err();
        assert!(
            matches!(e, ApiError::InvalidBody { ref field, ref message } if field == "name" && message.contains("unknown field")),
            "{e:?}"
        );
        assert!(matches!(
            parse_json::<Batch>(b"{\"items\": ["),
            Err(ApiError::MalformedBody(_))
        ));
        assert!(matches!(
            parse_json::<Batch>(b"{\"items\": []} x"),
            Err(ApiError::MalformedBody(_))
        ));
    }

    #[test]
    fn query_messages_give_the_field() {
        assert_eq!(field_of("unknown field `name`, expected `date`"), "name");
        assert_eq!(field_of("missing field `date`"), "date");
        assert_eq!(
            field_of("horizon: invalid digit found in string"),
            "horizon"
        );
        assert_eq!(field_of("something odd"), "query");
    }

    #[test]
    fn malformed_is_400_and_impossible_is_422() {
        assert!(day_param("date", "2019-02-28").is_ok());
        assert!(matches!(
            day_param("date", "2019-02-30"),
            Err(ApiError::OutOfRange { .. })
        ));
        assert!(matches!(
            day_param("date", "28/02/2019"),
            Err(ApiError::InvalidParameter { .. })
        ));
        assert!(time_param("from", "2019-02-28 10:05").is_ok());
        assert!(matches!(
            time_param("from", "2019-02-28 25:05"),
            Err(ApiError::OutOfRange { .. })
        ));
        assert!(matches!(
            time_param("from", "yesterday"),
            Err(ApiError::InvalidParameter { .. })
        ));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secre", b"secret"));
        assert!(!constant_time_eq(b"secrex", b"secret"));
        assert!(!constant_time_eq(b"", b"secret"));
    }
}
