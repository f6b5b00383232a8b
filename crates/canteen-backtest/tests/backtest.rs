//! End-to-end backtests: on the shipped sample town (always) and on the real Nantes data (when
//! `PREVOIR_OPEN_DATA` is set). They check what the issue promises: every canteen-day of the period
//! is forecast, explanations add up, the metrics can be recomputed from `predictions.csv`, the
//! margin is chosen on years before the test period, and the model beats the agents' forecast.

use std::path::{Path, PathBuf};

use canteen_backtest::{BacktestConfig, output, report, run};
use canteen_model::TrainConfig;
use canteen_model::metrics::DEFAULT_SPARE_MEALS;
use chrono::NaiveDate;
use prevoir_core::progress::NoProgress;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn backtest(
    dir: &Path,
    from: &str,
    to: &str,
    horizon: u32,
    spare_meals: f64,
) -> canteen_backtest::BacktestResult {
    backtest_with(
        dir,
        from,
        to,
        TrainConfig {
            horizon_days: horizon,
            spare_meals,
            ..TrainConfig::default()
        },
    )
}

fn backtest_with(
    dir: &Path,
    from: &str,
    to: &str,
    train: TrainConfig,
) -> canteen_backtest::BacktestResult {
    let loaded = canteen_data::load(dir).unwrap();
    let config = BacktestConfig {
        test_from: d(from),
        test_to: d(to),
        train,
    };
    run(&loaded.data, &loaded.files, &config, &NoProgress).unwrap()
}

#[test]
fn sample_town_backtest_is_complete_honest_and_reproducible_from_its_files() {
    let dir = root().join("data-samples/canteen");
    let result = backtest(&dir, "2017-09-04", "2018-07-06", 28, 15.0);
    let m = &result.metrics;

    // Every canteen-day of the period with attendance data is forecast, once.
    let loaded = canteen_data::load(&dir).unwrap();
    let expected = loaded
        .data
        .attendance
        .iter()
        .filter(|a| a.date >= d("2017-09-04") && a.date <= d("2018-07-06"))
        .count();
    assert_eq!(result.predictions.len(), expected);
    assert!(
        result
            .predictions
            .iter()
            .all(|p| p.horizon_days == 28 && p.order_quantity as f64 >= p.forecast.floor())
    );

    // Explanations add up to the forecasts.
    assert!(
        m.max_additivity_error < 1e-6,
        "additivity error {}",
        m.max_additivity_error
    );

    // The margin was chosen on school years that ended before the test period.
    let validation = m
        .validation
        .as_ref()
        .expect("the sample has earlier school years");
    assert!(!validation.periods.is_empty());
    assert!(
        validation
            .periods
            .iter()
            .all(|(_, to)| *to < d("2017-09-04")),
        "{:?}",
        validation.periods
    );

    // The files say the same as the run: recomputing from predictions.csv gives metrics.json.
    let out = tempfile::tempdir().unwrap();
    output::write(out.path(), &result.predictions, m).unwrap();
    report::write(out.path(), &result).unwrap();
    let rows = output::read_predictions(&out.path().join("predictions.csv")).unwrap();
    let (ours, agents) = output::metrics_from_predictions(&rows, 15.0);
    assert_eq!(ours, m.model);
    assert_eq!(agents, m.agents);
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        html.contains("Trade-off")
            && html.contains("City daily totals")
            && html.contains("Worst days")
    );

    // The sample town's agents over-order by design; the model must do better on the same rows.
    assert!(
        m.model.city.overproduction_pct < m.agents.city.overproduction_pct,
        "{:?} vs {:?}",
        m.model.city,
        m.agents.city
    );
    assert!(m.model.overproduction_pct < m.agents.overproduction_pct);
    assert!(m.model.shortage_meals <= m.agents.shortage_meals * 1.25);
}

#[test]
fn test_days_that_fell_short_raise_later_margins_and_only_those() {
    let dir = root().join("data-samples/canteen");
    let train = TrainConfig {
        horizon_days: 28,
        spare_meals: 15.0,
        ..TrainConfig::default()
    };
    let raised = backtest_with(&dir, "2017-09-04", "2018-07-06", train.clone());
    let m = &raised.metrics;
    assert_eq!(
        m.recent_window_days,
        canteen_model::train::DEFAULT_RECENT_WINDOW_DAYS
    );
    // The sample town has days that fell short at the chosen margin; each needed more.
    assert!(!m.needy_days.is_empty());
    assert!(
        m.needy_days
            .iter()
            .all(|n| n.level > m.relative_margin && n.shortfall_at_chosen > 0.0),
        "{:?}",
        m.needy_days
    );
    assert!(m.raised_margin_days > 0);
    // Raising a margin only adds meals, and never adds shortage days.
    assert!(m.model.overproduced_meals > m.model_chosen_level.overproduced_meals);
    assert!(m.model.city.shortage_days <= m.model_chosen_level.city.shortage_days);
    // Nothing is raised before the first shortfall is known: orders for 28 days after it or later.
    let first_known = m.needy_days[0].date + chrono::Duration::days(28);
    let fixed = backtest_with(
        &dir,
        "2017-09-04",
        "2018-07-06",
        TrainConfig {
            recent_window_days: 0,
            ..train
        },
    );
    for (a, b) in raised.predictions.iter().zip(&fixed.predictions) {
        assert_eq!((&a.canteen, a.date), (&b.canteen, b.date));
        if a.date < first_known {
            assert_eq!(
                a.order_quantity, b.order_quantity,
                "{} {}",
                a.canteen, a.date
            );
        } else {
            assert!(
                a.order_quantity >= b.order_quantity,
                "{} {}",
                a.canteen,
                a.date
            );
        }
    }
    // With the rule off, the orders are those at the chosen level.
    assert_eq!(fixed.metrics.model, fixed.metrics.model_chosen_level);
    assert_eq!(fixed.metrics.raised_margin_days, 0);
    assert_eq!(fixed.metrics.model_chosen_level, m.model_chosen_level);
}

#[test]
fn nantes_2017_2018_at_28_days_beats_the_agents_city_wide() {
    let Some(dir) = prevoir_core::open_data::locate(
        &root(),
        "nantes",
        "raw/frequentation.csv",
        "nantes backtest",
    ) else {
        return;
    };
    let result = backtest(&dir, "2017-09-04", "2018-07-06", 28, DEFAULT_SPARE_MEALS);
    let m = &result.metrics;
    assert!(m.comparable_rows > 11_000, "{}", m.comparable_rows);
    assert!(m.max_additivity_error < 1e-6);
    assert_eq!(
        m.strike_days, 16,
        "the README's 16 strike days of 2017-2018"
    );
    // Regression guard with some slack below what was measured when this was written (6.39 %, 0 days).
    assert!(
        m.model.city.overproduction_pct < 7.0,
        "city overproduction {:.2} %",
        m.model.city.overproduction_pct
    );
    assert!(m.model.city.overproduction_pct < m.agents.city.overproduction_pct);
    assert!(
        m.model.city.shortage_days <= m.agents.city.shortage_days,
        "{} shortage days",
        m.model.city.shortage_days
    );
    // The factors that move forecasts most should read like a manager's reasons.
    let top: Vec<&str> = result
        .factors
        .iter()
        .take(8)
        .map(|f| f.feature.as_str())
        .collect();
    assert!(
        top.contains(&"recent_vs_reference") || top.contains(&"trend"),
        "{top:?}"
    );
}
