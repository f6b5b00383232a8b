//! Errors as answers: every failure of the API is an RFC 9457 `application/problem+json` document
//! that says what was wrong and, for bad input, which field.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem, e.g. `urn:prevoir:problem:unknown-canteen`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem (the same for every occurrence).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, in words a caller can act on.
    pub detail: String,
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The offending fields, for invalid input (`requests[2].date`, `date`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Where the field is: a query or path parameter name, or a JSON path in the body.
    pub field: String,
    pub message: String,
}

/// Why a request failed. Every variant maps to one status and one problem type.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("unknown canteen {0:?}: see GET /v1/canteens for the known ones")]
    UnknownCanteen(String),
    /// No such model (the message says which and what is loaded).
    #[error("{0}")]
    UnknownModel(String),
    /// A query or path parameter is malformed or out of range (400).
    #[error("{field}: {message}")]
    InvalidParameter { field: String, message: String },
    /// The body is well-formed but a field is wrong (422).
    #[error("{field}: {message}")]
    InvalidBody { field: String, message: String },
    /// A well-formed parameter the server cannot use, e.g. a day outside the model's range (422).
    #[error("{field}: {message}")]
    OutOfRange { field: String, message: String },
    /// The body is not syntactically valid (400).
    #[error("{0}")]
    MalformedBody(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("the request body is larger than the limit of {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("no route for {0}: see GET /openapi.json or /docs for the API")]
    RouteNotFound(String),
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error(
        "the request took longer than {seconds} s and was abandoned; retry later or ask for less"
    )]
    Timeout { seconds: f64 },
    #[error("{0}")]
    Unavailable(String),
    /// A model reload was refused: the running models stay.
    #[error("{0}")]
    ModelRefused(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn parameter(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn body(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidBody {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn out_of_range(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::OutOfRange {
            field: field.into(),
            message: message.into(),
        }
    }

    /// `Err` naming `from` when a period's `from` comes after its `to`.
    pub fn check_period<T: PartialOrd + std::fmt::Display>(from: &T, to: &T) -> Result<(), Self> {
        if from > to {
            return Err(Self::out_of_range(
                "from",
                format!("{from} is after `to` ({to})"),
            ));
        }
        Ok(())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnknownCanteen(_) | Self::UnknownModel(_) | Self::RouteNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            Self::InvalidParameter { .. } | Self::MalformedBody(_) => StatusCode::BAD_REQUEST,
            Self::InvalidBody { .. } | Self::OutOfRange { .. } | Self::ModelRefused(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout { .. } | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem type's slug and title.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::UnknownCanteen(_) => ("unknown-canteen", "Unknown canteen"),
            Self::UnknownModel(_) => ("unknown-model", "Unknown model"),
            Self::InvalidParameter { .. } => ("invalid-parameter", "Invalid parameter"),
            Self::InvalidBody { .. } => ("invalid-body", "Invalid request body"),
            Self::OutOfRange { .. } => ("out-of-range", "Value out of range"),
            Self::MalformedBody(_) => ("malformed-body", "Malformed request body"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::NotAcceptable(_) => ("not-acceptable", "Not acceptable"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Forbidden"),
            Self::RouteNotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::Timeout { .. } => ("timeout", "Request timed out"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::ModelRefused(_) => ("model-refused", "Model refused"),
            Self::Internal(_) => ("internal", "Internal error"),
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        let errors = match self {
            Self::InvalidParameter { field, message }
            | Self::InvalidBody { field, message }
            | Self::OutOfRange { field, message } => {
                vec![FieldError {
                    field: field.clone(),
                    message: message.clone(),
                }]
            }
            _ => Vec::new(),
        };
        Problem {
            problem_type: format!("urn:prevoir:problem:{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail: self.to_string(),
            instance: None,
            errors,
        }
    }
}

impl Problem {
    /// A generic problem for a bare status (used when a layer answered without a body we know).
    pub fn for_status(status: StatusCode, detail: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        let slug = title.to_lowercase().replace(' ', "-");
        Self {
            problem_type: format!("urn:prevoir:problem:{slug}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            errors: Vec::new(),
        }
    }

    pub fn into_response_with(self, status: StatusCode) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = self.problem().into_response_with(status);
        match &self {
            Self::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::MethodNotAllowed { .. } => {}
            Self::Timeout { .. } | Self::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_names_the_field() {
        let problem = ApiError::body(
            "requests[2].date",
            "expected a date YYYY-MM-DD, found \"2018-13-01\"",
        )
        .problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.problem_type, "urn:prevoir:problem:invalid-body");
        assert_eq!(problem.errors[0].field, "requests[2].date");
        assert!(
            problem
                .detail
                .starts_with("requests[2].date: expected a date")
        );
    }

    #[test]
    fn answers_are_problem_json() {
        let response = ApiError::UnknownCanteen("NOWHERE".into()).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let response = ApiError::Unauthorized("missing token".into()).into_response();
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
