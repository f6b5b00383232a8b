//! A 1-day model blended with a 28-day companion, on the shipped sample town: the forecast is the
//! equal-parts blend of the two models' own forecasts, its explanation still adds up, and the
//! model refuses rows built without the companion's view.

mod sample;

use canteen_features::FeatureBuilder;
use canteen_model::dataset::evaluation_rows;

#[test]
fn blended_forecasts_are_the_equal_parts_blend_and_stay_explained() {
    let loaded = sample::town();
    let cutoff = sample::cutoff();
    let model = sample::one_day_model(&loaded, Some(28));
    let companion = model.companion.clone().expect("a 28-day companion");
    assert_eq!((companion.horizon_days, companion.weight), (28, 0.5));

    let builder = model.builder(&loaded.data);
    model.check_builder(&builder).expect("matching builder");
    let plain = FeatureBuilder::new(&loaded.data, 1);
    assert!(model.check_builder(&plain).is_err());

    let rows = evaluation_rows(
        &builder,
        &loaded.data,
        cutoff,
        cutoff + chrono::Duration::days(60),
    );
    let refs: Vec<_> = rows.rows.iter().collect();
    assert!(refs.iter().all(|r| r.companion.is_some()));
    let blended = model.forecast(&refs);

    // Each part on its own: the 1-day model without its companion, and the companion as a
    // 28-day model reading the rows' 28-day view.
    let one_day = canteen_model::CanteenModel {
        companion: None,
        ..model.clone()
    };
    let alone = one_day.forecast(&refs);
    let long = canteen_model::CanteenModel {
        horizon_days: 28,
        features: companion.features.clone(),
        estimator: companion.estimator.clone(),
        companion: None,
        ..model.clone()
    };
    let long_rows: Vec<_> = refs.iter().filter_map(|r| r.companion.as_deref()).collect();
    let long_forecasts = long.forecast(&long_rows);
    let fast = model.predict_meals(&refs);
    let mut differ = 0;
    for (((b, a), l), p) in blended.iter().zip(&alone).zip(&long_forecasts).zip(&fast) {
        let expected = 0.5 * a.forecast_meals + 0.5 * l.forecast_meals;
        assert!(
            (b.forecast_meals - expected).abs() < 1e-9,
            "{} {}",
            b.canteen,
            b.date
        );
        assert!((b.explanation.total() - b.forecast_meals).abs() < 1e-9);
        assert!((p - b.forecast_meals).abs() < 1e-9);
        differ += usize::from((a.forecast_meals - l.forecast_meals).abs() > 0.5);
    }
    assert!(
        differ > 0,
        "the two parts never differ: nothing was blended"
    );

    // The companion survives a save and load.
    let json = serde_json::to_string(&model).expect("serialise");
    let back: canteen_model::CanteenModel = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back.companion.map(|c| c.features), Some(companion.features));
}
