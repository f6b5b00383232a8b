//! The cheap path to the order bases of past days (central forecasts, explanations only on
//! strike days) gives what the full forecasts give, on the shipped sample town.

mod sample;

use canteen_features::DayClass;
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

    let cheap = model.recent_needs_in(&builder, &loaded.data, cutoff, last);
    assert!(!cheap.is_empty());
    assert_eq!(cheap, model.recent_needs(&full, &rows.actual));
}
