//! The rule that keeps forecasts honest: a forecast of day `d` at horizon `h` uses nothing dated
//! after `d − h`, and no strike (nor strike menu) not yet announced at that horizon. Checked by
//! changing everything after the cut-off and requiring identical features.

use std::path::Path;

use canteen_data::{CanteenData, StrikeDay};
use canteen_features::FeatureBuilder;
use chrono::{Duration, NaiveDate};

fn sample() -> CanteenData {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data-samples/canteen");
    canteen_data::load(&dir).unwrap().data
}

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Everything known only after `cutoff` changed beyond recognition (the day itself included).
fn rewrite_future(data: &CanteenData, cutoff: NaiveDate) -> CanteenData {
    let mut future = data.clone();
    for row in &mut future.attendance {
        if row.date > cutoff {
            row.actual = row.actual.map(|a| a * 3 + 7);
            row.agents_forecast = None;
        }
    }
    for week in &mut future.epidemics {
        if week.week_start + Duration::days(7) > cutoff {
            week.incidence_per_100k = week.incidence_per_100k * 10.0 + 500.0;
        }
    }
    future
}

#[test]
fn nothing_after_the_cutoff_changes_a_forecast() {
    let data = sample();
    let canteens: Vec<String> = data.canteens.iter().map(|c| c.name.clone()).collect();
    let mut checked = 0;
    for horizon in [1u32, 7, 28, 42] {
        for day in ["2017-10-02", "2017-12-14", "2018-03-20", "2018-07-05"] {
            let date = d(day);
            let cutoff = date - Duration::days(i64::from(horizon));
            let before = FeatureBuilder::new(&data, horizon);
            let after = FeatureBuilder::new(&rewrite_future(&data, cutoff), horizon);
            for canteen in &canteens {
                let (Ok(a), Ok(b)) = (before.row(canteen, date), after.row(canteen, date)) else {
                    continue;
                };
                for ((spec, x), y) in before.specs().iter().zip(&a.values).zip(&b.values) {
                    assert!(
                        x == y || (x.is_nan() && y.is_nan()),
                        "{canteen} {date} h={horizon}: {} changed from {x} to {y} when only data after {cutoff} changed",
                        spec.name
                    );
                }
                assert_eq!(a.reference_meals, b.reference_meals);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} canteen-days checked");
}

#[test]
fn strikes_count_only_once_announced() {
    let data = sample();
    let canteen = data.canteens[0].name.clone();
    // A Tuesday with no strike in the sample.
    let date = d("2018-03-20");
    assert!(!data.strikes.iter().any(|s| s.date == date));
    let mut with_strike = data.clone();
    with_strike.strikes.push(StrikeDay {
        date,
        event: "GREVE".into(),
    });

    let value = |data: &CanteenData, horizon: u32, name: &str| {
        let builder = FeatureBuilder::new(data, horizon);
        let row = builder.row(&canteen, date).unwrap();
        builder
            .specs()
            .iter()
            .position(|s| s.name == name)
            .map(|i| row.values[i])
    };
    // 28 days ahead the strike is unknown: the model has no strike input at all.
    assert_eq!(value(&with_strike, 28, "strike_announced"), None);
    let long_before: Vec<f64> = FeatureBuilder::new(&data, 28)
        .row(&canteen, date)
        .unwrap()
        .values;
    let long_after: Vec<f64> = FeatureBuilder::new(&with_strike, 28)
        .row(&canteen, date)
        .unwrap()
        .values;
    assert_eq!(format!("{long_before:?}"), format!("{long_after:?}"));
    // The day before, the notice is known.
    assert_eq!(value(&data, 1, "strike_announced"), Some(0.0));
    assert_eq!(value(&with_strike, 1, "strike_announced"), Some(1.0));
}

#[test]
fn strike_menus_written_after_the_fact_stay_out_of_long_horizons() {
    let mut data = sample();
    let date = d("2018-03-20");
    let canteen = data.canteens[0].name.clone();
    let menu = data
        .menus
        .iter_mut()
        .find(|m| m.date == date)
        .expect("the sample has a menu that day");
    menu.dishes = vec!["Menu dépannage grève".into()];
    let long = FeatureBuilder::new(&data, 28);
    let row = long.row(&canteen, date).unwrap();
    let known = long
        .specs()
        .iter()
        .position(|s| s.name == "menu_known")
        .unwrap();
    assert_eq!(
        row.values[known], 0.0,
        "28 days ahead the strike menu does not exist yet"
    );
    let short = FeatureBuilder::new(&data, 1);
    let row = short.row(&canteen, date).unwrap();
    let emergency = short
        .specs()
        .iter()
        .position(|s| s.name == "menu_emergency")
        .unwrap();
    assert_eq!(row.values[emergency], 1.0);
}

#[test]
fn canteens_serve_on_the_weekdays_the_data_shows() {
    let data = sample();
    let builder = FeatureBuilder::new(&data, 28);
    assert!(
        builder.is_service_day(d("2018-06-26")),
        "a Tuesday of school"
    );
    assert!(
        !builder.is_service_day(d("2018-06-27")),
        "Wednesdays have no canteen service"
    );
    assert!(!builder.is_service_day(d("2018-06-30")), "Saturday");
    assert!(!builder.is_service_day(d("2018-08-07")), "summer holidays");
    // A make-up Wednesday with meals served in the data is a service day.
    let wednesday = data
        .attendance
        .iter()
        .map(|a| a.date)
        .find(|d| d.format("%u").to_string() == "3");
    if let Some(wednesday) = wednesday {
        assert!(builder.is_service_day(wednesday));
    }
}
