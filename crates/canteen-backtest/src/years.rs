//! Backtests over several school years (rolling origin): each year is forecast by a model trained
//! on everything before it, with its margin chosen on the school years before that, exactly as
//! [`crate::run`] does for one period. One test year is luck-prone (a margin that held all of
//! 2017-2018 let 2016-2017 fall short three times), so a change is judged on every year, model
//! beside agents, and on the years pooled.
//!
//! This module owns the range of years ([`SchoolYearRange`], `2014-15..2016-17`), the periods it
//! covers in the calendar ([`test_periods`]) and the summary ([`YearLine`], [`Pooled`],
//! [`summary_csv`]).

use std::str::FromStr;

use canteen_data::{CanteenData, SchoolYear};
use canteen_model::metrics::Metrics;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::BacktestError;
use crate::run::BacktestMetrics;

/// School years by the calendar year they start in, both ends inclusive: `2014-15..2016-17` is
/// 2014-2015, 2015-2016 and 2016-2017.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchoolYearRange {
    pub first_start: i32,
    pub last_start: i32,
}

impl SchoolYearRange {
    pub fn contains(&self, start_year: i32) -> bool {
        (self.first_start..=self.last_start).contains(&start_year)
    }
}

/// `2014-15` or `2014-2015` → 2014.
fn start_year(text: &str) -> Result<i32, String> {
    let expected = || format!("expected a school year like 2016-17 or 2016-2017, found `{text}`");
    let (first, second) = text.trim().split_once('-').ok_or_else(expected)?;
    let (Ok(start), Ok(end)) = (first.parse::<i32>(), second.parse::<i32>()) else {
        return Err(expected());
    };
    if first.len() != 4 {
        return Err(expected());
    }
    let follows = match second.len() {
        2 => (start + 1).rem_euclid(100) == end,
        4 => start + 1 == end,
        _ => false,
    };
    if follows {
        Ok(start)
    } else {
        Err(format!(
            "`{text}` is not a school year: the second year must follow the first (e.g. {start}-{:02})",
            (start + 1).rem_euclid(100)
        ))
    }
}

impl FromStr for SchoolYearRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (first, last) = match text.split_once("..") {
            Some((a, b)) => (start_year(a)?, start_year(b)?),
            None => {
                let year = start_year(text)?;
                (year, year)
            }
        };
        if last < first {
            return Err(format!(
                "`{text}`: the last school year comes before the first"
            ));
        }
        Ok(Self {
            first_start: first,
            last_start: last,
        })
    }
}

/// The school years of `range` in the calendar, oldest first. Every year of the range must be
/// there: a missing one is an error, not a silently shorter comparison.
pub fn test_periods<'a>(
    data: &'a CanteenData,
    range: &SchoolYearRange,
) -> Result<Vec<&'a SchoolYear>, BacktestError> {
    use chrono::Datelike;
    let mut years: Vec<&SchoolYear> = data
        .school_years
        .iter()
        .filter(|y| range.contains(y.start.year()))
        .collect();
    years.sort_by_key(|y| y.start);
    years.dedup_by_key(|y| y.start.year());
    let missing: Vec<String> = (range.first_start..=range.last_start)
        .filter(|start| !years.iter().any(|y| y.start.year() == *start))
        .map(|start| format!("{start}-{}", start + 1))
        .collect();
    if !missing.is_empty() {
        let known: Vec<&str> = data.school_years.iter().map(|y| y.label.as_str()).collect();
        return Err(BacktestError::SchoolYears(format!(
            "not in the school calendar: {} (the calendar has {})",
            missing.join(", "),
            known.join(", ")
        )));
    }
    Ok(years)
}

/// One school year's outcome, model beside agents on the same canteen-days.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct YearLine {
    pub school_year: String,
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    /// The margin chosen before the year (on earlier years).
    pub relative_margin: f64,
    /// Test days the margin was raised on after known shortfalls.
    pub raised_margin_days: usize,
    /// The model's order quantities.
    pub model: Metrics,
    /// The model's central forecast (no margin): its accuracy.
    pub central: Metrics,
    /// The agents' forecast, which is also their order.
    pub agents: Metrics,
}

impl YearLine {
    pub fn new(school_year: &str, metrics: &BacktestMetrics) -> Self {
        Self {
            school_year: school_year.to_owned(),
            test_from: metrics.test_from,
            test_to: metrics.test_to,
            relative_margin: metrics.relative_margin,
            raised_margin_days: metrics.raised_margin_days,
            model: metrics.model,
            central: metrics.model_no_margin,
            agents: metrics.agents,
        }
    }
}

/// Several years' metrics pooled: percentages over all meals served, counts summed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pooled {
    pub meals_served: f64,
    pub city_overproduction_pct: f64,
    pub city_shortage_days: usize,
    pub overproduction_pct: f64,
    pub shortage_meals: f64,
}

impl Pooled {
    pub fn of<'a>(metrics: impl IntoIterator<Item = &'a Metrics>) -> Self {
        let (mut served, mut city_over, mut over, mut short, mut days) = (0.0, 0.0, 0.0, 0.0, 0);
        for m in metrics {
            served += m.meals_served;
            // City-wide and per canteen-day totals are over the same canteen-days.
            city_over += m.city.overproduction_pct / 100.0 * m.meals_served;
            over += m.overproduced_meals;
            short += m.shortage_meals;
            days += m.city.shortage_days;
        }
        let pct = |x: f64| {
            if served > 0.0 {
                100.0 * x / served
            } else {
                0.0
            }
        };
        Self {
            meals_served: served,
            city_overproduction_pct: pct(city_over),
            city_shortage_days: days,
            overproduction_pct: pct(over),
            shortage_meals: short,
        }
    }
}

/// Mean absolute errors of a forecast over several years: per canteen-day (weighted by
/// canteen-days) and on city-wide daily totals (weighted by days), in meals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    pub mean_absolute_error: f64,
    pub city_mean_absolute_error: f64,
}

impl Accuracy {
    pub fn of<'a>(metrics: impl IntoIterator<Item = &'a Metrics>) -> Self {
        let (mut rows, mut abs, mut days, mut city_abs) = (0.0, 0.0, 0.0, 0.0);
        for m in metrics {
            rows += m.canteen_days as f64;
            abs += m.mean_absolute_error * m.canteen_days as f64;
            days += m.city.days as f64;
            city_abs += m.city.mean_absolute_error * m.city.days as f64;
        }
        let ratio = |x: f64, n: f64| if n > 0.0 { x / n } else { 0.0 };
        Self {
            mean_absolute_error: ratio(abs, rows),
            city_mean_absolute_error: ratio(city_abs, days),
        }
    }
}

/// Header of `summary.csv`: one row per school year and forecaster, then the pooled rows
/// (`school_year` = `all`).
pub const SUMMARY_HEADER: [&str; 11] = [
    "school_year",
    "forecaster",
    "relative_margin_pct",
    "meals_served",
    "city_overproduction_pct",
    "city_shortage_days",
    "overproduction_pct",
    "shortage_meals",
    "raised_margin_days",
    "forecast_mae",
    "forecast_city_mae",
];

/// `summary.csv`: model and agents per school year, then pooled. The errors are those of the
/// forecasts (the model's before its margin).
pub fn summary_csv(lines: &[YearLine]) -> String {
    let mut out = SUMMARY_HEADER.join(",");
    out.push('\n');
    let mut row =
        |year: &str, who: &str, margin: String, p: &Pooled, raised: String, a: Accuracy| {
            out.push_str(&format!(
                "{year},{who},{margin},{:.0},{:.3},{},{:.3},{:.0},{raised},{:.3},{:.1}\n",
                p.meals_served,
                p.city_overproduction_pct,
                p.city_shortage_days,
                p.overproduction_pct,
                p.shortage_meals,
                a.mean_absolute_error,
                a.city_mean_absolute_error
            ));
        };
    for line in lines {
        row(
            &line.school_year,
            "model",
            format!("{:.2}", 100.0 * line.relative_margin),
            &Pooled::of([&line.model]),
            line.raised_margin_days.to_string(),
            Accuracy::of([&line.central]),
        );
        row(
            &line.school_year,
            "agents",
            String::new(),
            &Pooled::of([&line.agents]),
            String::new(),
            Accuracy::of([&line.agents]),
        );
    }
    row(
        "all",
        "model",
        String::new(),
        &Pooled::of(lines.iter().map(|l| &l.model)),
        lines
            .iter()
            .map(|l| l.raised_margin_days)
            .sum::<usize>()
            .to_string(),
        Accuracy::of(lines.iter().map(|l| &l.central)),
    );
    row(
        "all",
        "agents",
        String::new(),
        &Pooled::of(lines.iter().map(|l| &l.agents)),
        String::new(),
        Accuracy::of(lines.iter().map(|l| &l.agents)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use canteen_model::metrics::Scored;

    #[test]
    fn parses_school_year_ranges() {
        let r: SchoolYearRange = "2014-15..2016-17".parse().unwrap();
        assert_eq!((r.first_start, r.last_start), (2014, 2016));
        let r: SchoolYearRange = "2016-2017".parse().unwrap();
        assert_eq!((r.first_start, r.last_start), (2016, 2016));
        let r: SchoolYearRange = "1999-00".parse().unwrap();
        assert_eq!(r.first_start, 1999);
        for bad in [
            "2014",
            "2014-16",
            "16-17",
            "2016-17..2014-15",
            "x-y",
            "2014-2016",
        ] {
            let err = bad.parse::<SchoolYearRange>().unwrap_err();
            assert!(
                err.contains(bad) || err.contains("school year"),
                "{bad}: {err}"
            );
        }
    }

    fn day(d: &str, actual: f64, quantity: f64) -> Scored {
        Scored {
            date: d.parse().unwrap(),
            actual,
            quantity,
        }
    }

    #[test]
    fn pooling_weights_years_by_meals_served() {
        // Year 1: 100 meals, 10 over (10 %). Year 2: 300 meals, 0 over, 200 short city-wide.
        let one = Metrics::compute(&[day("2015-01-05", 100.0, 110.0)], 180.0);
        let two = Metrics::compute(&[day("2016-01-04", 300.0, 100.0)], 180.0);
        let pooled = Pooled::of([&one, &two]);
        assert_eq!(pooled.meals_served, 400.0);
        assert!((pooled.city_overproduction_pct - 2.5).abs() < 1e-12);
        assert!((pooled.overproduction_pct - 2.5).abs() < 1e-12);
        assert_eq!(pooled.city_shortage_days, 1);
        assert_eq!(pooled.shortage_meals, 200.0);
    }

    #[test]
    fn pooled_errors_weight_years_by_canteen_days_and_days() {
        // Year 1: two canteen-days on one day, errors 1 and 3 (city error 4). Year 2: one
        // canteen-day, error 10.
        let one = Metrics::compute(
            &[
                day("2015-01-05", 100.0, 101.0),
                day("2015-01-05", 50.0, 53.0),
            ],
            180.0,
        );
        let two = Metrics::compute(&[day("2016-01-04", 100.0, 90.0)], 180.0);
        let a = Accuracy::of([&one, &two]);
        assert!((a.mean_absolute_error - 14.0 / 3.0).abs() < 1e-12);
        assert!((a.city_mean_absolute_error - 7.0).abs() < 1e-12);
    }

    #[test]
    fn summary_has_a_row_per_year_and_forecaster_then_pooled_rows() {
        let model = Metrics::compute(&[day("2015-01-05", 100.0, 104.0)], 180.0);
        let central = Metrics::compute(&[day("2015-01-05", 100.0, 98.0)], 180.0);
        let agents = Metrics::compute(&[day("2015-01-05", 100.0, 109.0)], 180.0);
        let line = YearLine {
            school_year: "2014-2015".into(),
            test_from: "2014-09-02".parse().unwrap(),
            test_to: "2015-07-04".parse().unwrap(),
            relative_margin: 0.04,
            raised_margin_days: 3,
            model,
            central,
            agents,
        };
        let csv = summary_csv(&[line.clone(), line]);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows[0], SUMMARY_HEADER.join(","));
        assert_eq!(rows.len(), 1 + 4 + 2);
        // Orders 4 over; the central forecast 2 under (MAE 2); the agents 9 over.
        assert_eq!(
            rows[1],
            "2014-2015,model,4.00,100,4.000,0,4.000,0,3,2.000,2.0"
        );
        assert_eq!(rows[2], "2014-2015,agents,,100,9.000,0,9.000,0,,9.000,9.0");
        assert_eq!(rows[5], "all,model,,200,4.000,0,4.000,0,6,2.000,2.0");
        assert_eq!(rows[6], "all,agents,,200,9.000,0,9.000,0,,9.000,9.0");
    }
}
