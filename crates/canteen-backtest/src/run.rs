//! The backtest run: train before the period, forecast each canteen-day of it, score against the
//! actuals and the agents' forecasts on the same rows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use canteen_data::CanteenData;
use canteen_features::FeatureBuilder;
use canteen_model::dataset::evaluation_rows;
use canteen_model::margin::{CurvePoint, Evaluated, margin_grid, tradeoff_curve};
use canteen_model::metrics::{Metrics, Scored};
use canteen_model::recent::NeededLevel;
use canteen_model::train::{TrainConfig, ValidationReport, train};
use prevoir_core::fingerprint::FileFingerprint;
use prevoir_core::progress::Progress;

use crate::BacktestError;

/// What to backtest.
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    /// Training settings; `until` is set to `test_from`.
    pub train: TrainConfig,
}

/// One line of `predictions.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRow {
    pub date: NaiveDate,
    pub canteen: String,
    pub horizon_days: u32,
    pub actual: Option<u32>,
    pub agents_forecast: Option<u32>,
    pub forecast: f64,
    pub order_quantity: u32,
}

/// A feature's average effect over the test period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactorSummary {
    pub feature: String,
    pub group: String,
    pub label_fr: String,
    pub label_en: String,
    /// Mean absolute contribution per canteen-day (meals).
    pub mean_abs_meals: f64,
    /// Largest single contribution, with its canteen-day.
    pub largest_meals: f64,
    pub largest_canteen: String,
    pub largest_date: NaiveDate,
}

/// A city-wide day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CityDay {
    pub date: NaiveDate,
    pub actual: f64,
    pub agents: f64,
    pub forecast: f64,
    pub order_quantity: f64,
    pub strike: bool,
    /// The three largest city-wide factor contributions that day, in words (French).
    pub reasons: Vec<String>,
}

/// Everything measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BacktestMetrics {
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    pub horizon_days: u32,
    pub canteen_days: usize,
    pub canteen_days_with_actual: usize,
    /// Rows where actual and agents' forecast are both known: the comparison rows.
    pub comparable_rows: usize,
    pub relative_margin: f64,
    pub model: Metrics,
    pub agents: Metrics,
    /// The ridge fallback at the chosen margin (not raised after shortfalls), same rows.
    pub fallback: Metrics,
    /// The model at the level chosen on validation, never raised after recent shortfalls.
    pub model_chosen_level: Metrics,
    /// How long a known shortfall raised the margin (0 = never), and on how many test days it did.
    pub recent_window_days: u32,
    pub raised_margin_days: usize,
    /// Test days whose city-wide total needed more than the chosen level, with the level needed.
    pub needy_days: Vec<NeededLevel>,
    /// The model's central forecast with no margin, same rows.
    pub model_no_margin: Metrics,
    /// Excluding strike days (unknowable beyond 2 days), same rows otherwise.
    pub model_excluding_strikes: Metrics,
    pub agents_excluding_strikes: Metrics,
    pub strike_days: usize,
    /// The trade-off on the test period (for the report; the margin was NOT chosen on it).
    pub curve: Vec<CurvePoint>,
    pub validation: Option<ValidationReport>,
    pub training_rows: usize,
    pub fit_seconds: f64,
    /// Largest |contributions + base − forecast| over every forecast (meals).
    pub max_additivity_error: f64,
    pub model_version: String,
}

/// The run's results.
#[derive(Debug, Clone)]
pub struct BacktestResult {
    pub predictions: Vec<PredictionRow>,
    pub metrics: BacktestMetrics,
    pub factors: Vec<FactorSummary>,
    pub city_days: Vec<CityDay>,
    pub card: prevoir_core::card::ModelCard,
}

fn scored(rows: &[(NaiveDate, f64, f64)]) -> Vec<Scored> {
    rows.iter()
        .map(|(date, actual, quantity)| Scored {
            date: *date,
            actual: *actual,
            quantity: *quantity,
        })
        .collect()
}

/// Runs the backtest.
pub fn run(
    data: &CanteenData,
    files: &[FileFingerprint],
    config: &BacktestConfig,
    progress: &dyn Progress,
) -> Result<BacktestResult, BacktestError> {
    let (from, to) = (config.test_from, config.test_to);
    if to < from {
        return Err(BacktestError::EmptyPeriod { from, to });
    }
    let train_config = TrainConfig {
        until: Some(from),
        ..config.train.clone()
    };
    let outcome = train(data, files, &train_config, progress)?;
    let model = &outcome.model;
    let spare = train_config.spare_meals;
    let h = train_config.horizon_days;

    let builder = model.builder(data);
    let rows = evaluation_rows(&builder, data, from, to);
    if rows.is_empty() {
        return Err(BacktestError::NoTestDays { from, to });
    }
    progress.start("forecasting the test period", rows.len() as u64);
    let refs: Vec<_> = rows.rows.iter().collect();
    let mut forecasts = Vec::with_capacity(refs.len());
    for chunk in refs.chunks(2048) {
        forecasts.extend(model.forecast(chunk));
        progress.advance(chunk.len() as u64);
    }
    progress.finish();
    let fallback = model.forecast_fallback(&refs);
    // Orders at the level chosen on validation, then raised after the test days' own shortfalls
    // once they are known (`h` days before each order).
    let chosen_level: Vec<f64> = forecasts.iter().map(|f| f.order_quantity).collect();
    let recent = model.recent_needs(&forecasts, &rows.actual);
    model.apply_recent(&mut forecasts, &recent);

    let mut predictions = Vec::with_capacity(forecasts.len());
    let mut max_additivity_error = 0.0_f64;
    let mut factor_abs: BTreeMap<String, (f64, f64, String, NaiveDate)> = BTreeMap::new();
    for (forecast, (actual, agents)) in forecasts.iter().zip(rows.actual.iter().zip(&rows.agents)) {
        max_additivity_error = max_additivity_error
            .max((forecast.explanation.total() - forecast.forecast_meals).abs());
        for c in &forecast.explanation.contributions {
            let entry = factor_abs.entry(c.feature.clone()).or_insert((
                0.0,
                0.0,
                String::new(),
                forecast.date,
            ));
            entry.0 += c.meals.abs();
            if c.meals.abs() > entry.1.abs() {
                entry.1 = c.meals;
                entry.2 = forecast.canteen.clone();
                entry.3 = forecast.date;
            }
        }
        predictions.push(PredictionRow {
            date: forecast.date,
            canteen: forecast.canteen.clone(),
            horizon_days: h,
            actual: actual.map(|a| a as u32),
            agents_forecast: agents.map(|a| a as u32),
            forecast: (forecast.forecast_meals * 100.0).round() / 100.0,
            order_quantity: forecast.order_quantity as u32,
        });
    }

    // Comparison rows: actual and agents' forecast both known.
    let n = forecasts.len();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut central = Vec::new();
    let mut ridge = Vec::new();
    let mut ours_chosen = Vec::new();
    let mut ours_ns = Vec::new();
    let mut theirs_ns = Vec::new();
    let mut evaluated = Vec::new();
    for i in 0..n {
        let p = &predictions[i];
        let (Some(actual), Some(agents)) = (p.actual, p.agents_forecast) else {
            continue;
        };
        let (actual, agents) = (f64::from(actual), f64::from(agents));
        let q = f64::from(p.order_quantity);
        ours.push((p.date, actual, q));
        theirs.push((p.date, actual, agents));
        central.push((p.date, actual, forecasts[i].forecast_meals));
        ridge.push((p.date, actual, fallback[i].order_quantity));
        ours_chosen.push((p.date, actual, chosen_level[i]));
        evaluated.push(Evaluated {
            scored_date: p.date,
            actual,
            forecast: forecasts[i].order_basis_meals,
            agents: Some(agents),
            scale: model.margin.scale(&p.canteen, rows.rows[i].day_class),
        });
        if !builder.is_strike_day(p.date) {
            ours_ns.push((p.date, actual, q));
            theirs_ns.push((p.date, actual, agents));
        }
    }
    let strike_days = predictions
        .iter()
        .map(|p| p.date)
        .filter(|d| builder.is_strike_day(*d))
        .collect::<std::collections::BTreeSet<_>>()
        .len();

    let factors = {
        let mut list: Vec<FactorSummary> = factor_abs
            .into_iter()
            .filter_map(|(feature, (sum, largest, canteen, date))| {
                canteen_features::spec::find(&feature).map(|s| FactorSummary {
                    feature: feature.clone(),
                    group: s.group.key().to_owned(),
                    label_fr: s.label_fr.to_owned(),
                    label_en: s.label_en.to_owned(),
                    mean_abs_meals: sum / n.max(1) as f64,
                    largest_meals: largest,
                    largest_canteen: canteen,
                    largest_date: date,
                })
            })
            .collect();
        list.sort_by(|a, b| b.mean_abs_meals.total_cmp(&a.mean_abs_meals));
        list
    };

    let city_days = city_days(&predictions, &forecasts, &builder);

    let metrics = BacktestMetrics {
        test_from: from,
        test_to: to,
        horizon_days: h,
        canteen_days: predictions.len(),
        canteen_days_with_actual: predictions.iter().filter(|p| p.actual.is_some()).count(),
        comparable_rows: ours.len(),
        relative_margin: model.margin.relative_margin,
        model: Metrics::compute(&scored(&ours), spare),
        agents: Metrics::compute(&scored(&theirs), spare),
        fallback: Metrics::compute(&scored(&ridge), spare),
        model_chosen_level: Metrics::compute(&scored(&ours_chosen), spare),
        recent_window_days: model.margin.recent_window_days,
        raised_margin_days: forecasts
            .iter()
            .filter(|f| f.margin_raised_by.is_some())
            .map(|f| f.date)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        needy_days: recent
            .days()
            .filter(|n| n.level > model.margin.relative_margin)
            .copied()
            .collect(),
        model_no_margin: Metrics::compute(&scored(&central), spare),
        model_excluding_strikes: Metrics::compute(&scored(&ours_ns), spare),
        agents_excluding_strikes: Metrics::compute(&scored(&theirs_ns), spare),
        strike_days,
        curve: tradeoff_curve(&evaluated, &margin_grid(), spare),
        validation: outcome.validation.clone(),
        training_rows: outcome.training_rows,
        fit_seconds: outcome.fit_seconds,
        max_additivity_error,
        model_version: model.card.version.clone(),
    };
    Ok(BacktestResult {
        predictions,
        metrics,
        factors,
        city_days,
        card: model.card.clone(),
    })
}

/// City-wide daily totals on the comparison rows, with the day's main reasons.
fn city_days(
    predictions: &[PredictionRow],
    forecasts: &[canteen_model::Forecast],
    builder: &FeatureBuilder,
) -> Vec<CityDay> {
    let mut days: BTreeMap<NaiveDate, (CityDay, HashMap<String, f64>)> = BTreeMap::new();
    for (p, f) in predictions.iter().zip(forecasts) {
        let (Some(actual), Some(agents)) = (p.actual, p.agents_forecast) else {
            continue;
        };
        let (day, factors) = days.entry(p.date).or_insert_with(|| {
            (
                CityDay {
                    date: p.date,
                    actual: 0.0,
                    agents: 0.0,
                    forecast: 0.0,
                    order_quantity: 0.0,
                    strike: builder.is_strike_day(p.date),
                    reasons: Vec::new(),
                },
                HashMap::new(),
            )
        });
        day.actual += f64::from(actual);
        day.agents += f64::from(agents);
        day.forecast += f.forecast_meals;
        day.order_quantity += f64::from(p.order_quantity);
        for c in &f.explanation.contributions {
            *factors.entry(c.label_fr.clone()).or_default() += c.meals;
        }
    }
    days.into_values()
        .map(|(mut day, factors)| {
            let mut list: Vec<(String, f64)> = factors.into_iter().collect();
            list.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            day.reasons = list
                .iter()
                .take(3)
                .map(|(label, meals)| format!("{label} {meals:+.0}"))
                .collect();
            day
        })
        .collect()
}
