//! The cheap path to the order bases of past days (central forecasts, explanations only on
//! strike days) gives what the full forecasts give, on the shipped sample town.

use std::path::Path;

use canteen_features::{DayClass, FeatureBuilder};
use canteen_model::dataset::evaluation_rows;
use chrono::NaiveDate;

#[test]
fn order_bases_and_recent_needs_match_the_full_forecasts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data-samples/canteen");
    let loaded = canteen_data::load(&dir).expect("sample town");
    let cutoff = NaiveDate::from_ymd_opt(2017, 9, 4).expect("date");
    let last = NaiveDate::from_ymd_opt(2018, 7, 6).expect("date");
    // One day ahead, announced strikes are features: their effect is left out of the bases.
    let config = canteen_model::TrainConfig {
        horizon_days: 1,
        until: Some(cutoff),
        spare_meals: 15.0,
        ..canteen_model::TrainConfig::default()
    };
    let model = canteen_model::train::train(
        &loaded.data,
        &loaded.files,
        &config,
        &prevoir_core::progress::NoProgress,
    )
    .expect("training")
    .model;
    let builder = FeatureBuilder::new(&loaded.data, model.horizon_days);
    let rows = evaluation_rows(&builder, &loaded.data, cutoff, last);
    let refs: Vec<_> = rows.rows.iter().collect();
    let full = model.forecast(&refs);
    let bases = model.order_bases(&refs);

    let mut strike_days = 0;
    for (forecast, basis) in full.iter().zip(&bases) {
        assert!(
            (forecast.order_basis_meals - basis).abs() < 1e-9,
            "{} {}: {} vs {basis}",
            forecast.canteen,
            forecast.date,
            forecast.order_basis_meals
        );
        if forecast.day_class == DayClass::Strike
            && (forecast.order_basis_meals - forecast.forecast_meals).abs() > 0.5
        {
            strike_days += 1;
        }
    }
    assert!(
        strike_days > 0,
        "the sample has no announced strike to check"
    );

    let cheap = model.recent_needs_in(&builder, &loaded.data, cutoff, last);
    assert!(!cheap.is_empty());
    assert_eq!(cheap, model.recent_needs(&full, &rows.actual));
}
