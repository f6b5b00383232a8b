//! Provenance: what every answer says about the model behind it (version, training-data SHA-256,
//! data cut-off), so that a forecast can be traced to the exact model and data that made it.

use prevoir_core::card::ModelCard;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which model answered, and what it was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    /// The model's name in this server (its directory under `models/`), e.g. `canteen-h1`.
    pub model_name: String,
    /// `<name>-<UTC timestamp>-<first 8 hex of the data fingerprint>`.
    pub model_version: String,
    /// SHA-256 over the training data files.
    pub data_fingerprint: String,
    /// Latest information the model has seen.
    pub data_cutoff: String,
}

impl Provenance {
    pub fn of(model_name: &str, card: &ModelCard) -> Self {
        Self {
            model_name: model_name.to_owned(),
            model_version: card.version.clone(),
            data_fingerprint: card.data_fingerprint.clone(),
            data_cutoff: card.data_cutoff.clone(),
        }
    }
}
