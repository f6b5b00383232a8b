//! Leak detection, localisation, sizing and explanation for water networks (BattLeDIM L-Town and
//! networks like it), plus the BattLeDIM economic scorer, the backtest and its HTML report.
//!
//! Flow: readings ([`leak_data::Readings`]) → inputs ([`features`]) → normal behaviour of every
//! pressure sensor ([`pressure`]) and of every metered area ([`balance`]) → change detection on the
//! residuals ([`detector`]), step alarms confirmed by the area balance ([`confirm`]) → candidate pipes ranked by hydraulic signature ([`localise`]) → alarms
//! with their explanation ([`score`]). [`model::LeakModel`] bundles everything with its model
//! card in one JSON file; [`battledim`] scores detections; [`backtest`] and [`report`] replay a
//! test period.
//!
//! The API for a server (no polars, no files needed beyond the model):
//! [`LeakModel::load`], [`LeakModel::score`] on [`leak_data::Readings`] (from JSON or SCADA CSV
//! text) → [`score::ScoreOutput`] (per-area scores, alarms, explanations; all `Serialize`).

pub mod backtest;
pub mod balance;
pub mod battledim;
pub mod breaks;
pub mod calibrate;
pub mod confirm;
pub mod detector;
pub mod features;
pub mod geometry;
pub mod localise;
pub mod model;
pub mod nightflow;
pub mod pressure;
pub mod report;
pub mod score;

pub use model::{LeakModel, LeakModelParams};
pub use score::{Alarm, ScoreOptions, ScoreOutput};

/// Why a leak model could not be trained, loaded or applied.
#[derive(Debug, thiserror::Error)]
pub enum LeakError {
    #[error(transparent)]
    Data(#[from] prevoir_core::DataError),
    #[error(transparent)]
    Readings(#[from] leak_data::readings::ReadingsError),
    #[error("cannot fit the normal-behaviour model: {0}")]
    Fit(String),
    #[error("the readings do not fit the model: {0}")]
    Input(String),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a leak model ({source})")]
    Format {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
}
