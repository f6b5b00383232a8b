//! The models the server answers with, loaded from a models directory: one sub-directory per model
//! (`canteen/`, `canteen-h1/`, `leaks/`), each with its `model.json`. Loading is all or nothing, so
//! a reload either replaces every model or leaves the running ones in place.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use prevoir_core::card::ModelCard;

use crate::canteen::CanteenService;
use crate::config::ServeConfig;
use crate::leaks::LeakService;
use crate::provenance::Provenance;

/// What kind of model a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    Canteen,
    Leaks,
}

impl ModelKind {
    pub fn key(self) -> &'static str {
        match self {
            ModelKind::Canteen => "canteen",
            ModelKind::Leaks => "leaks",
        }
    }
}

/// One loaded model, as `/v1/models` lists it.
#[derive(Debug, Clone)]
pub struct ModelEntry {
    pub kind: ModelKind,
    pub dir: PathBuf,
    pub provenance: Provenance,
    pub card: ModelCard,
}

/// Every loaded model.
#[derive(Debug, Default)]
pub struct Models {
    /// Canteen models by horizon (days).
    pub canteen: BTreeMap<u32, Arc<CanteenService>>,
    pub leaks: Option<Arc<LeakService>>,
    /// Every model by name (directory name).
    pub entries: BTreeMap<String, ModelEntry>,
}

/// Why the models directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a Prévoir model: {source}", path.display())]
    NotAModel {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: a model file without `horizon_days` (canteen) nor `sensors` (leaks)", path.display())]
    UnknownKind { path: PathBuf },
    #[error("{}: {source}", dir.display())]
    Canteen {
        dir: PathBuf,
        #[source]
        source: canteen_model::ModelError,
    },
    #[error("{}: {source}", dir.display())]
    Leaks {
        dir: PathBuf,
        #[source]
        source: Box<leak_detect::LeakError>,
    },
    #[error("two canteen models at horizon {horizon} days: {first} and {second}; keep one")]
    DuplicateHorizon {
        horizon: u32,
        first: String,
        second: String,
    },
    #[error("two leak models: {first} and {second}; keep one")]
    DuplicateLeaks { first: String, second: String },
    #[error("{}: no model directory (expected sub-directories holding model.json)", dir.display())]
    Empty { dir: PathBuf },
}

/// Just enough of a `model.json` to tell its kind.
#[derive(Deserialize)]
struct Probe {
    card: ModelCard,
    horizon_days: Option<u32>,
    sensors: Option<serde::de::IgnoredAny>,
}

fn probe(path: &Path) -> Result<(ModelKind, ModelCard), LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let probe: Probe = serde_json::from_slice(&bytes).map_err(|source| LoadError::NotAModel {
        path: path.to_path_buf(),
        source,
    })?;
    let kind = match (probe.horizon_days, probe.sensors) {
        (Some(_), _) => ModelKind::Canteen,
        (None, Some(_)) => ModelKind::Leaks,
        (None, None) => {
            return Err(LoadError::UnknownKind {
                path: path.to_path_buf(),
            });
        }
    };
    Ok((kind, probe.card))
}

/// Loads every model under `config.models_dir` (blocking: a model file is several MB of JSON).
pub fn load_models(config: &ServeConfig) -> Result<Models, LoadError> {
    let root = &config.models_dir;
    let listing = std::fs::read_dir(root).map_err(|source| LoadError::Io {
        path: root.clone(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("model.json").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(LoadError::Empty { dir: root.clone() });
    }
    let search_root = root.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut models = Models::default();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (kind, card) = probe(&dir.join("model.json"))?;
        match kind {
            ModelKind::Canteen => {
                let service = CanteenService::load(
                    &name,
                    &dir,
                    config.memo_capacity,
                    (config.precompute_days_before, config.precompute_days_after),
                )
                .map_err(|source| LoadError::Canteen {
                    dir: dir.clone(),
                    source,
                })?;
                let horizon = service.horizon_days();
                if let Some(first) = models.canteen.get(&horizon) {
                    return Err(LoadError::DuplicateHorizon {
                        horizon,
                        first: first.provenance.model_name.clone(),
                        second: name,
                    });
                }
                models.canteen.insert(horizon, Arc::new(service));
            }
            ModelKind::Leaks => {
                let service =
                    LeakService::load(&name, &dir, config.network.as_deref(), &search_root)
                        .map_err(|source| LoadError::Leaks {
                            dir: dir.clone(),
                            source: Box::new(source),
                        })?;
                if let Some(first) = &models.leaks {
                    return Err(LoadError::DuplicateLeaks {
                        first: first.provenance.model_name.clone(),
                        second: name,
                    });
                }
                models.leaks = Some(Arc::new(service));
            }
        }
        models.entries.insert(
            name.clone(),
            ModelEntry {
                kind,
                dir: dir.clone(),
                provenance: Provenance::of(&name, &card),
                card,
            },
        );
    }
    Ok(models)
}
