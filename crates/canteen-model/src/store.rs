//! Model directories: `model.json` (card + model, the file the server loads; the previous one is
//! kept under a timestamped name), `model-card.json` (the card alone, for people) and
//! `context.json` (the recent data the features need to forecast new days: the last ~16 months of
//! attendance, menus, calendars, enrolment, epidemics). Every file is written atomically.

use chrono::{Duration, NaiveDate};
use std::path::{Path, PathBuf};

use canteen_data::CanteenData;
use prevoir_core::atomic::{write_atomic, write_keeping_previous};

use crate::ModelError;
use crate::model::CanteenModel;

pub const MODEL_FILE: &str = "model.json";
pub const CARD_FILE: &str = "model-card.json";
pub const CONTEXT_FILE: &str = "context.json";

/// Days of history kept in the context: last year's same day plus its own level window.
const CONTEXT_DAYS: i64 = 520;

/// What [`save`] wrote.
#[derive(Debug, Clone)]
pub struct Saved {
    pub model: PathBuf,
    pub card: PathBuf,
    pub context: PathBuf,
    /// The previous `model.json`, kept under a timestamped name.
    pub previous: Option<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn to_json<T: serde::Serialize>(value: &T, path: &Path) -> Result<Vec<u8>, ModelError> {
    serde_json::to_vec(value).map_err(|source| ModelError::Format {
        path: path.display().to_string(),
        source,
    })
}

/// Writes a model directory.
pub fn save(dir: &Path, model: &CanteenModel, context: &CanteenData) -> Result<Saved, ModelError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let card_path = dir.join(CARD_FILE);
    let context_path = dir.join(CONTEXT_FILE);
    let model_path = dir.join(MODEL_FILE);
    let card = serde_json::to_vec_pretty(&model.card).map_err(|source| ModelError::Format {
        path: card_path.display().to_string(),
        source,
    })?;
    // The context first: a server reloading between the two writes sees the old model with the
    // new context, which it can use; the model file is the commit point.
    write_atomic(&context_path, &to_json(context, &context_path)?).map_err(io(&context_path))?;
    let previous = write_keeping_previous(&model_path, &to_json(model, &model_path)?)
        .map_err(io(&model_path))?;
    write_atomic(&card_path, &card).map_err(io(&card_path))?;
    Ok(Saved {
        model: model_path,
        card: card_path,
        context: context_path,
        previous,
    })
}

/// Reads `dir/model.json`.
pub fn load(dir: &Path) -> Result<CanteenModel, ModelError> {
    let path = dir.join(MODEL_FILE);
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    serde_json::from_slice(&bytes).map_err(|source| ModelError::Format {
        path: path.display().to_string(),
        source,
    })
}

/// Reads `dir/context.json`.
pub fn load_context(dir: &Path) -> Result<CanteenData, ModelError> {
    let path = dir.join(CONTEXT_FILE);
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    serde_json::from_slice(&bytes).map_err(|source| ModelError::Format {
        path: path.display().to_string(),
        source,
    })
}

/// The part of `data` needed to forecast days after `last_day`.
pub fn context_snapshot(data: &CanteenData, last_day: NaiveDate) -> CanteenData {
    let keep_from = last_day - Duration::days(CONTEXT_DAYS);
    let recent = |d: NaiveDate| d >= keep_from;
    CanteenData {
        canteens: data.canteens.clone(),
        attendance: data
            .attendance
            .iter()
            .filter(|a| recent(a.date))
            .cloned()
            .collect(),
        menus: data
            .menus
            .iter()
            .filter(|m| recent(m.date))
            .cloned()
            .collect(),
        school_years: data
            .school_years
            .iter()
            .filter(|y| recent(y.end))
            .cloned()
            .collect(),
        holidays: data
            .holidays
            .iter()
            .filter(|h| recent(h.end))
            .cloned()
            .collect(),
        public_holidays: data
            .public_holidays
            .iter()
            .filter(|p| recent(p.date))
            .cloned()
            .collect(),
        strikes: data
            .strikes
            .iter()
            .filter(|s| recent(s.date))
            .cloned()
            .collect(),
        religious: data
            .religious
            .iter()
            .filter(|r| recent(r.date))
            .copied()
            .collect(),
        epidemics: data
            .epidemics
            .iter()
            .filter(|e| recent(e.week_start))
            .copied()
            .collect(),
        enrolment: data.enrolment.clone(),
    }
}
