//! The shipped sample town, and 1-day models trained on it before its 2017-2018 school year.

use std::path::Path;

use chrono::NaiveDate;

/// The first day of the sample's last school year: models train on the days before it.
pub fn cutoff() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 9, 4).expect("date")
}

pub fn town() -> canteen_data::Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data-samples/canteen");
    canteen_data::load(&dir).expect("sample town")
}

/// A 1-day model (announced strikes are features), blended with a companion of
/// `companion_horizon_days` if given.
pub fn one_day_model(
    loaded: &canteen_data::Loaded,
    companion_horizon_days: Option<u32>,
) -> canteen_model::CanteenModel {
    let config = canteen_model::TrainConfig {
        horizon_days: 1,
        until: Some(cutoff()),
        spare_meals: 15.0,
        companion_horizon_days,
        ..canteen_model::TrainConfig::default()
    };
    canteen_model::train::train(
        &loaded.data,
        &loaded.files,
        &config,
        &prevoir_core::progress::NoProgress,
    )
    .expect("training")
    .model
}
