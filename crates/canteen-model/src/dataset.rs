//! Which canteen-days a model learns from and is evaluated on.
//!
//! Training keeps days whose actual is known, and leaves out days nobody could have foreseen at the
//! model's horizon: closures (zero meals outside strike days) and, beyond the strike-notice
//! horizon, strike days. Evaluation keeps every canteen-day of the period.

use chrono::NaiveDate;
use rayon::prelude::*;

use canteen_data::{AttendanceDay, CanteenData};
use canteen_features::{FeatureBuilder, FeatureRow};

/// Feature rows with what happened.
#[derive(Debug, Clone, Default)]
pub struct LabelledRows {
    pub rows: Vec<FeatureRow>,
    pub actual: Vec<Option<f64>>,
    pub agents: Vec<Option<f64>>,
}

impl LabelledRows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// What a model learns from these rows: the ratio of meals served to the usual level,
    /// clipped to [0, [`MAX_RATIO`]] (unknown actual = 0), and each row's weight, its usual level,
    /// so that the loss counts meals, not canteens.
    pub fn targets(&self) -> (Vec<f64>, Vec<f64>) {
        self.rows
            .iter()
            .zip(&self.actual)
            .map(|(row, actual)| {
                let ratio = actual.unwrap_or(0.0) / row.reference_meals;
                (ratio.clamp(0.0, MAX_RATIO), row.reference_meals)
            })
            .unzip()
    }
}

/// Ratio targets are clipped to this range: beyond it a row is a data error, not a pattern.
pub const MAX_RATIO: f64 = 3.0;

fn build(builder: &FeatureBuilder, days: Vec<&AttendanceDay>) -> LabelledRows {
    let built: Vec<(FeatureRow, Option<f64>, Option<f64>)> = days
        .par_iter()
        .filter_map(|day| {
            builder.row(&day.canteen, day.date).ok().map(|row| {
                (
                    row,
                    day.actual.map(f64::from),
                    day.agents_forecast.map(f64::from),
                )
            })
        })
        .collect();
    let mut out = LabelledRows::default();
    for (row, actual, agents) in built {
        out.rows.push(row);
        out.actual.push(actual);
        out.agents.push(agents);
    }
    out
}

/// Whether a canteen-day can teach the model: its actual is known, it is not a closure (zero
/// meals outside strike days), and, beyond the strike-notice horizon, it is not a strike day.
pub fn is_training_day(builder: &FeatureBuilder, day: &AttendanceDay) -> bool {
    let strikes_unknown = !canteen_features::spec::strikes_known(builder.horizon_days());
    let strike = builder.is_strike_day(day.date);
    match day.actual {
        None => false,
        Some(0) => strike && !strikes_unknown,
        Some(_) => !(strike && strikes_unknown),
    }
}

/// Training rows dated in `[from, until)`.
pub fn training_rows(
    builder: &FeatureBuilder,
    data: &CanteenData,
    from: Option<NaiveDate>,
    until: NaiveDate,
) -> LabelledRows {
    let days: Vec<&AttendanceDay> = data
        .attendance
        .iter()
        .filter(|d| d.date < until && from.is_none_or(|f| d.date >= f))
        .filter(|d| is_training_day(builder, d))
        .collect();
    build(builder, days)
}

/// Every canteen-day dated in `[from, to]`, known actual or not.
pub fn evaluation_rows(
    builder: &FeatureBuilder,
    data: &CanteenData,
    from: NaiveDate,
    to: NaiveDate,
) -> LabelledRows {
    let days: Vec<&AttendanceDay> = data
        .attendance
        .iter()
        .filter(|d| d.date >= from && d.date <= to)
        .collect();
    build(builder, days)
}
