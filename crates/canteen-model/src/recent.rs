//! The margin raised after recent shortfalls. The margin level is chosen once, on the school
//! years before the model's cut-off; but a year can be harder to forecast than the ones it was
//! chosen on (on Nantes, 2016-2017 was). Once the model is in use, every city-wide day whose
//! meals served are known says which level it would have needed to stay within the drivers'
//! spare meals. The order for day `d`, made `h` days ahead, uses the largest of the chosen level
//! and the levels needed by the days known at that time, `(d − h − window, d − h]`: a shortfall
//! raises the margin for the next `window` days, and only what was known `h` days before `d`
//! is used.
//!
//! Only days from the model's cut-off on count: on the days it was trained on, a model is more
//! accurate than it will be on new days, so their needs would understate the margin.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::margin::CityDay;

/// The highest level a past day can raise the margin to (that of the margin grid's top): beyond it
/// a day is more likely a data error than a forecasting lesson.
pub const MAX_RAISED_LEVEL: f64 = 0.25;

/// Raised levels go up in steps of the margin grid (0.25 %), rounding the need up: a day that fell
/// short is followed by orders with a few meals to spare over what it needed. Rounding to 0.01 %
/// instead was tried on school years 2014-2015 to 2016-2017: one more city shortage day at 28
/// days ahead (2017-05-18, 183 meals short beyond the spare meals instead of 162).
pub const RAISE_STEP: f64 = 0.0025;

/// The days whose needs are known when day `date` is ordered `horizon_days` ahead and still count
/// `window_days` later: `(date − horizon − window, date − horizon]` (empty for a window of 0).
pub fn known_days(
    date: NaiveDate,
    horizon_days: u32,
    window_days: u32,
) -> std::ops::RangeInclusive<NaiveDate> {
    let known_until = date - Duration::days(i64::from(horizon_days));
    let first = known_until - Duration::days(i64::from(window_days)) + Duration::days(1);
    first..=known_until
}

/// One canteen-day of a past city-wide day: its order basis, the margin scale of its canteen and
/// kind of day, and the meals served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PastOrder {
    pub date: NaiveDate,
    pub basis: f64,
    pub scale: f64,
    pub actual: f64,
}

/// The level a past city-wide day needed, as a reason for a raised margin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NeededLevel {
    pub date: NaiveDate,
    /// Smallest level, in steps of [`RAISE_STEP`], that kept the city-wide shortfall within the
    /// spare meals.
    pub level: f64,
    /// Meals the city was short that day beyond the spare meals, at the chosen level.
    pub shortfall_at_chosen: f64,
}

/// The levels needed by the city-wide days known so far, from the model's cut-off on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecentNeeds {
    needed: BTreeMap<NaiveDate, NeededLevel>,
}

/// The margin level of one order, and the past day that raised it (if any).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrderLevel {
    pub level: f64,
    pub raised_by: Option<NeededLevel>,
}

impl RecentNeeds {
    /// The needs of the days of `orders` (rows grouped by date), each day on its own: the
    /// smallest level whose city-wide total is short by at most `spare_meals` ([`CityDay::need`]),
    /// rounded up to a multiple of [`RAISE_STEP`] and at most [`MAX_RAISED_LEVEL`]. `chosen` is
    /// the level chosen on validation, to report the shortfall it left.
    pub fn from_orders(orders: &[PastOrder], spare_meals: f64, chosen: f64) -> Self {
        let days = CityDay::by_date(
            orders
                .iter()
                .filter(|o| o.actual.is_finite() && o.basis.is_finite())
                .map(|o| (o.date, o.basis, o.scale, o.actual)),
        );
        let needed = days
            .into_iter()
            .map(|(date, city)| {
                let need = city.need(spare_meals, MAX_RAISED_LEVEL);
                let level = ((need / RAISE_STEP - 1e-9).ceil() * RAISE_STEP).min(MAX_RAISED_LEVEL);
                let shortfall_at_chosen =
                    (city.served - city.ordered(chosen) - spare_meals).max(0.0);
                (
                    date,
                    NeededLevel {
                        date,
                        level,
                        shortfall_at_chosen,
                    },
                )
            })
            .collect();
        Self { needed }
    }

    pub fn is_empty(&self) -> bool {
        self.needed.is_empty()
    }

    /// The days and the levels they needed, in date order.
    pub fn days(&self) -> impl Iterator<Item = &NeededLevel> {
        self.needed.values()
    }

    /// The level for an order of day `date` made `horizon_days` before it: the largest of
    /// `chosen` and the needs of the days in `(date − horizon − window, date − horizon]`
    /// (`window_days` = 0: always `chosen`). Ties keep the chosen level, then the latest day.
    pub fn level_for(
        &self,
        date: NaiveDate,
        horizon_days: u32,
        window_days: u32,
        chosen: f64,
    ) -> OrderLevel {
        let mut result = OrderLevel {
            level: chosen,
            raised_by: None,
        };
        if window_days == 0 {
            return result;
        }
        for need in self
            .needed
            .range(known_days(date, horizon_days, window_days))
            .map(|(_, n)| n)
        {
            if need.level > result.level
                || (need.level == result.level && result.raised_by.is_some())
            {
                result = OrderLevel {
                    level: need.level,
                    raised_by: Some(*need),
                };
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn day(date: &str, basis: f64, actual: f64) -> Vec<PastOrder> {
        // Two canteens sharing the day's meals.
        (0..2)
            .map(|_| PastOrder {
                date: d(date),
                basis: basis / 2.0,
                scale: 1.0,
                actual: actual / 2.0,
            })
            .collect()
    }

    #[test]
    fn a_day_needs_the_smallest_level_within_the_spare_meals() {
        let mut orders = day("2017-10-02", 10_000.0, 10_100.0); // short by 100 ≤ 180 at 0 %
        orders.extend(day("2017-10-03", 10_000.0, 10_500.0)); // needs 3.19 %, raised in 0.25 % steps
        let needs = RecentNeeds::from_orders(&orders, 180.0, 0.02);
        let levels: Vec<(NaiveDate, f64, f64)> = needs
            .days()
            .map(|n| (n.date, n.level, n.shortfall_at_chosen))
            .collect();
        assert_eq!(levels[0], (d("2017-10-02"), 0.0, 0.0));
        // 3.19 % orders 2 × ⌈5 159.5⌉ = 10 320 (short by 180); 3.18 % orders 2 × 5 159 (short by 182);
        // the step above is 3.25 %.
        assert_eq!(levels[1].0, d("2017-10-03"));
        assert!((levels[1].1 - 0.0325).abs() < 1e-12, "{levels:?}");
        // At the chosen 2 % the city was 500 − 200 − 180 = 120 meals short beyond the spare meals.
        assert!((levels[1].2 - 120.0).abs() < 1e-9, "{levels:?}");
    }

    #[test]
    fn only_days_known_at_order_time_and_inside_the_window_raise_the_level() {
        let orders = day("2017-10-03", 10_000.0, 10_500.0);
        let needs = RecentNeeds::from_orders(&orders, 180.0, 0.02);
        let raised = |date: &str| needs.level_for(d(date), 28, 90, 0.02);
        // Ordered 28 days ahead: on 2017-10-30 the shortfall of 10-03 is not known yet (10-02).
        assert_eq!(
            raised("2017-10-30"),
            OrderLevel {
                level: 0.02,
                raised_by: None
            }
        );
        let after = raised("2017-10-31");
        assert!((after.level - 0.0325).abs() < 1e-12);
        assert_eq!(after.raised_by.map(|n| n.date), Some(d("2017-10-03")));
        // 90 days later it has left the window.
        assert!((raised("2018-01-28").level - 0.0325).abs() < 1e-12);
        assert_eq!(raised("2018-01-29").level, 0.02);
        // A window of 0 turns the rule off; a need below the chosen level never lowers it.
        assert_eq!(needs.level_for(d("2017-11-15"), 28, 0, 0.02).level, 0.02);
        assert_eq!(
            needs.level_for(d("2017-11-15"), 28, 90, 0.05),
            OrderLevel {
                level: 0.05,
                raised_by: None
            }
        );
    }

    #[test]
    fn the_largest_need_in_the_window_wins() {
        let mut orders = day("2017-10-03", 10_000.0, 10_500.0);
        orders.extend(day("2017-10-10", 10_000.0, 11_000.0));
        orders.extend(day("2017-10-17", 10_000.0, 10_400.0));
        let needs = RecentNeeds::from_orders(&orders, 180.0, 0.0);
        let level = needs.level_for(d("2017-11-20"), 28, 90, 0.0);
        assert_eq!(level.raised_by.map(|n| n.date), Some(d("2017-10-10")));
        assert!((level.level - 0.0825).abs() < 1e-12, "{level:?}");
    }

    #[test]
    fn no_day_raises_the_margin_beyond_the_cap() {
        // Twice the meals ordered at 0 %: a data error more likely than a lesson.
        let orders = day("2017-10-03", 10_000.0, 20_000.0);
        let needs = RecentNeeds::from_orders(&orders, 180.0, 0.02);
        let level = needs.level_for(d("2017-11-20"), 28, 90, 0.02);
        assert_eq!(level.level, MAX_RAISED_LEVEL);
    }
}
