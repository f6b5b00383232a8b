//! The one implementation of the canteen metrics, used by the backtest, its report, the model
//! card and the API alike.
//!
//! Per canteen-day, for an order quantity `q` and the meals actually served `a`:
//! overproduction % = Σ max(q − a, 0) / Σ a; shortage meals = Σ max(a − q, 0); under-forecast
//! rate = share of canteen-days with q < a. City-wide (the central kitchen): the same on daily sums
//! over canteens, and shortage days = days whose city total falls short by more than the drivers'
//! spare meals (180 in Nantes).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Spare meals carried by the delivery drivers city-wide: shortages below this are absorbed.
pub const DEFAULT_SPARE_MEALS: f64 = 180.0;

/// One canteen-day scored: what was served and what was ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub date: NaiveDate,
    pub actual: f64,
    pub quantity: f64,
}

/// Metrics of one series of order quantities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub canteen_days: usize,
    pub meals_served: f64,
    /// Σ max(q − a, 0) / Σ a, in percent.
    pub overproduction_pct: f64,
    pub overproduced_meals: f64,
    /// Σ max(a − q, 0).
    pub shortage_meals: f64,
    /// Share of canteen-days with q < a, in percent.
    pub under_forecast_rate_pct: f64,
    /// Mean absolute error per canteen-day, meals.
    pub mean_absolute_error: f64,
    pub city: CityMetrics,
}

/// Metrics on daily city-wide totals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CityMetrics {
    pub days: usize,
    pub overproduction_pct: f64,
    pub shortage_meals: f64,
    /// Days whose total falls short by more than `spare_meals`.
    pub shortage_days: usize,
    pub spare_meals: f64,
    /// Largest daily shortfall (meals; 0 if never short).
    pub worst_shortfall: f64,
    pub mean_absolute_error: f64,
}

impl Metrics {
    /// Computes the metrics of `rows` (canteen-days whose actual is known).
    pub fn compute(rows: &[Scored], spare_meals: f64) -> Self {
        let mut served = 0.0;
        let mut over = 0.0;
        let mut short = 0.0;
        let mut under_days = 0usize;
        let mut abs_error = 0.0;
        let mut daily: BTreeMap<NaiveDate, (f64, f64)> = BTreeMap::new();
        for row in rows {
            served += row.actual;
            over += (row.quantity - row.actual).max(0.0);
            short += (row.actual - row.quantity).max(0.0);
            under_days += usize::from(row.quantity < row.actual);
            abs_error += (row.quantity - row.actual).abs();
            let day = daily.entry(row.date).or_default();
            day.0 += row.actual;
            day.1 += row.quantity;
        }
        let n = rows.len();
        let pct = |x: f64, of: f64| if of > 0.0 { 100.0 * x / of } else { 0.0 };

        let mut city_served = 0.0;
        let mut city_over = 0.0;
        let mut city_short = 0.0;
        let mut shortage_days = 0usize;
        let mut worst = 0.0_f64;
        let mut city_abs = 0.0;
        for (actual, quantity) in daily.values() {
            city_served += actual;
            city_over += (quantity - actual).max(0.0);
            let shortfall = (actual - quantity).max(0.0);
            city_short += shortfall;
            shortage_days += usize::from(shortfall > spare_meals);
            worst = worst.max(shortfall);
            city_abs += (quantity - actual).abs();
        }
        let days = daily.len();
        Metrics {
            canteen_days: n,
            meals_served: served,
            overproduction_pct: pct(over, served),
            overproduced_meals: over,
            shortage_meals: short,
            under_forecast_rate_pct: if n > 0 {
                100.0 * under_days as f64 / n as f64
            } else {
                0.0
            },
            mean_absolute_error: if n > 0 { abs_error / n as f64 } else { 0.0 },
            city: CityMetrics {
                days,
                overproduction_pct: pct(city_over, city_served),
                shortage_meals: city_short,
                shortage_days,
                spare_meals,
                worst_shortfall: worst,
                mean_absolute_error: if days > 0 {
                    city_abs / days as f64
                } else {
                    0.0
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn hand_computed_case() {
        // Day 1: canteen A over by 10, canteen B short by 5 -> city over by 5.
        // Day 2: A short by 200, B exact -> city short by 200 (> 180: a shortage day).
        let rows = [
            Scored {
                date: d("2018-01-08"),
                actual: 100.0,
                quantity: 110.0,
            },
            Scored {
                date: d("2018-01-08"),
                actual: 50.0,
                quantity: 45.0,
            },
            Scored {
                date: d("2018-01-09"),
                actual: 300.0,
                quantity: 100.0,
            },
            Scored {
                date: d("2018-01-09"),
                actual: 50.0,
                quantity: 50.0,
            },
        ];
        let m = Metrics::compute(&rows, 180.0);
        assert_eq!(m.canteen_days, 4);
        assert_eq!(m.meals_served, 500.0);
        assert_eq!(m.overproduced_meals, 10.0);
        assert!((m.overproduction_pct - 2.0).abs() < 1e-12);
        assert_eq!(m.shortage_meals, 205.0);
        assert!((m.under_forecast_rate_pct - 50.0).abs() < 1e-12);
        assert!((m.mean_absolute_error - 215.0 / 4.0).abs() < 1e-12);
        assert_eq!(m.city.days, 2);
        assert!((m.city.overproduction_pct - 1.0).abs() < 1e-12, "5 / 500");
        assert_eq!(m.city.shortage_meals, 200.0);
        assert_eq!(m.city.shortage_days, 1);
        assert_eq!(m.city.worst_shortfall, 200.0);
    }

    #[test]
    fn spare_meals_absorb_small_city_shortfalls() {
        let rows = [Scored {
            date: d("2018-01-08"),
            actual: 1000.0,
            quantity: 830.0,
        }];
        assert_eq!(Metrics::compute(&rows, 180.0).city.shortage_days, 0);
        assert_eq!(Metrics::compute(&rows, 100.0).city.shortage_days, 1);
    }

    #[test]
    fn empty_input_is_all_zero() {
        let m = Metrics::compute(&[], 180.0);
        assert_eq!(m.canteen_days, 0);
        assert_eq!(m.overproduction_pct, 0.0);
        assert_eq!(m.city.days, 0);
    }
}
