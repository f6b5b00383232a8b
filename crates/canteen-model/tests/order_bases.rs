//! The cheap path to the order bases of past days (central forecasts, no explanations) gives
//! what the full forecasts give, on the shipped sample town; on a strike day both are the
//! forecast without the announcement.

mod sample;

use canteen_features::{DayClass, KnownEvents};
use canteen_model::dataset::evaluation_rows;
use chrono::NaiveDate;

#[test]
fn order_bases_and_recent_needs_match_the_full_forecasts() {
    let loaded = sample::town();
    let cutoff = sample::cutoff();
    let last = NaiveDate::from_ymd_opt(2018, 7, 6).expect("date");
    // One day ahead, announced strikes are features: their effect is left out of the bases, also
    // when blended with the 28-day companion.
    let model = sample::one_day_model(&loaded, Some(28));
    let builder = model.builder(&loaded.data);
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

    // On a strike day, the basis is what the model forecasts when no strike is announced.
    let mut compared = 0;
    for (row, forecast) in rows.rows.iter().zip(&full) {
        if row.day_class != DayClass::Strike {
            continue;
        }
        let unannounced = KnownEvents {
            menu: None,
            strike: Some(false),
        };
        let plain = builder
            .row_with(&row.canteen, row.date, &unannounced)
            .expect("row");
        if plain.day_class == DayClass::Strike {
            continue; // a strike menu still announces it
        }
        let meals = model.predict_meals(&[&plain])[0];
        assert!(
            (meals - forecast.order_basis_meals).abs() < 1e-9,
            "{} {}: basis {} vs {meals} without the announcement",
            row.canteen,
            row.date,
            forecast.order_basis_meals
        );
        compared += 1;
    }
    assert!(
        compared > 0,
        "no strike day without a strike menu to compare"
    );

    let cheap = model.recent_needs_in(&builder, &loaded.data, cutoff, last);
    assert!(!cheap.is_empty());
    assert_eq!(cheap, model.recent_needs(&full, &rows.actual));
}
