//! Canteen backtests: replay a past period as if live. A model trained on the canteen-days before
//! the test period forecasts every canteen-day of it with only the information available
//! `horizon` days before each day; the margin comes from the school year before the test period.
//! This crate owns the run ([`run`]), the output files ([`output`]: `predictions.csv`,
//! `metrics.json`), the self-contained HTML report ([`report`]) and the comparison over several
//! school years ([`years`]).

pub mod output;
pub mod report;
pub mod run;
pub mod years;

pub use run::{BacktestConfig, BacktestResult, PredictionRow, run};

/// Why a backtest failed.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("the test period {from}..{to} is empty or reversed")]
    EmptyPeriod {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    #[error("no canteen-day with attendance data in the test period {from}..{to}")]
    NoTestDays {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
    #[error(transparent)]
    Model(#[from] canteen_model::ModelError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Predictions { path: String, message: String },
    #[error("school years: {0}")]
    SchoolYears(String),
}
