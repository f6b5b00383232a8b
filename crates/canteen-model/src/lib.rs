//! Canteen meal models: learners, training with a validation year, order quantities, explanations
//! and metrics.
//!
//! The models predict the ratio of a canteen-day's meals to the canteen's usual level (see
//! `canteen-features`), so one model serves canteens of every size, and their contributions
//! convert exactly into meals. Two learners share one shape (params → `fit` → predict +
//! contributions): gradient-boosted trees ([`gbm`], the default) and a ridge regression
//! ([`linear`], the transparent baseline and fallback). [`train`] fits a model, chooses its
//! safety margin on the school year before the training cut-off and writes its model card;
//! [`store`] saves and loads model directories. This crate reads no files but its own models and
//! knows nothing of HTTP.

pub mod dataset;
pub mod explain;
pub mod gbm;
pub mod linear;
pub mod margin;
pub mod metrics;
pub mod model;
pub mod recent;
pub mod store;
pub mod train;
pub mod treeshap;

pub use explain::{Contribution, Explanation, GroupContribution};
pub use margin::MarginPolicy;
pub use metrics::Metrics;
pub use model::{CanteenModel, Companion, Estimator, Forecast};
pub use recent::RecentNeeds;
pub use train::{Learner, TrainConfig, TrainOutcome};

/// Why a model could not be trained, loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no canteen-day to train on (check the data directory and --until)")]
    NoTrainingData,
    #[error("inconsistent shapes: {0}")]
    Shape(String),
    #[error("training failed: {0}")]
    Fit(String),
    #[error(
        "the model uses features {model:?} but this program computes {program:?} at horizon {horizon} days"
    )]
    FeatureMismatch {
        model: Vec<String>,
        program: Vec<String>,
        horizon: u32,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a canteen model: {source}")]
    Format {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Feature(#[from] canteen_features::FeatureError),
}
