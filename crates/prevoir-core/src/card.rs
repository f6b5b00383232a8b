//! The model card: what every shipped model says about itself. It is written next to the model,
//! embedded in it, served by the API and turned into the public-algorithm notice (CRPA L.311-3-1):
//! data used and sources, parameters and weights, operations performed, limitations.

use serde::{Deserialize, Serialize};

use crate::fingerprint::FileFingerprint;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Short machine name: `canteen`, `leaks`.
    pub name: String,
    /// `<name>-<UTC timestamp>-<first 8 hex of the data fingerprint>`.
    pub version: String,
    /// What the model is for, in one sentence each.
    pub purpose_fr: String,
    pub purpose_en: String,
    /// RFC 3339 time of training.
    pub trained_at: String,
    /// First and last date (or timestamp) of the training data.
    pub training_from: String,
    pub training_to: String,
    /// Latest information the model has seen: nothing after this was used.
    pub data_cutoff: String,
    /// SHA-256 over all training files (see [`crate::fingerprint::combined_fingerprint`]).
    pub data_fingerprint: String,
    pub data_files: Vec<FileFingerprint>,
    /// Where the data come from (publisher, dataset, licence).
    pub data_sources: Vec<DataSource>,
    pub features: Vec<FeatureCard>,
    /// Learning algorithm and its settings.
    pub algorithm: String,
    pub parameters: serde_json::Value,
    /// Metrics measured on data not used for fitting, with how they were measured.
    pub validation: serde_json::Value,
    /// The operations performed, in order, in plain words.
    pub operations: Vec<String>,
    pub limitations: Vec<String>,
    /// The program that trained the model.
    pub software: String,
}

/// A data source of a model card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataSource {
    pub name: String,
    pub publisher: String,
    pub url: String,
    pub licence: String,
}

/// One input of the model, as a person reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeatureCard {
    pub name: String,
    /// Factor group: `menu`, `calendar`, `strikes`, `religious`, `recent_level`, `enrolment`,
    /// `epidemics` for canteens; `pressure`, `flow`, `level`, `calendar`, `known_leaks` for leaks.
    pub group: String,
    pub label_fr: String,
    pub label_en: String,
    /// When the value is known, e.g. "28 days ahead (published calendar)".
    pub availability: String,
    /// Share of the total absolute contribution on validation data (0–1), when measured.
    pub importance: Option<f64>,
}
