//! Each canteen's past attendance, queried "as of" an information cut-off: nothing dated after the
//! cut-off is ever returned. Strike days and zero days (closures) are left out of the levels, since
//! they say nothing about a normal day, and so are same-weekday values far under their neighbours.

use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{HashMap, HashSet};

use canteen_data::AttendanceDay;

/// A same-weekday value under this share of the median of its neighbours is an unusual day (class
/// outing, partial closure), not the level. Chosen on school years 2015-2016 and 2016-2017, 28
/// days ahead (mean absolute error per canteen-day 9.87 → 9.82 and 9.02 → 8.96 meals; 0.6 did
/// less, 0.9 raised the city error of 2015-2016), never on 2017-2018. Checked on the orders of
/// school years 2014-2015 to 2016-2017 (`backtest canteen --school-years 2014-15..2016-17`):
/// better at both horizons on error, city and per-canteen overproduction, with no more city
/// shortage days.
pub const LOW_DAY_SHARE: f64 = 0.8;

/// Mean of `values` without those under [`LOW_DAY_SHARE`] of their median (from three values on,
/// so that the median means something).
fn level_mean(mut values: Vec<f64>) -> f64 {
    if values.len() >= 3 {
        values.sort_by(f64::total_cmp);
        let median = values[values.len() / 2];
        values.retain(|v| *v >= LOW_DAY_SHARE * median);
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// One canteen's usable actuals, sorted by date.
#[derive(Debug, Clone, Default)]
pub struct CanteenHistory {
    days: Vec<(NaiveDate, f64)>,
}

impl CanteenHistory {
    fn upto(&self, cutoff: NaiveDate) -> &[(NaiveDate, f64)] {
        let end = self.days.partition_point(|(d, _)| *d <= cutoff);
        &self.days[..end]
    }

    /// Mean of the last `n` actuals on the same weekday as `weekday_of`, dated at most `cutoff`
    /// and not older than `max_age_days` before it, leaving out (from three values on) those under
    /// [`LOW_DAY_SHARE`] of their median. `None` with fewer than `min` values.
    pub fn same_weekday_mean(
        &self,
        weekday_of: NaiveDate,
        cutoff: NaiveDate,
        n: usize,
        min: usize,
        max_age_days: i64,
    ) -> Option<(f64, NaiveDate)> {
        let weekday = weekday_of.weekday();
        let oldest = cutoff - Duration::days(max_age_days);
        let values: Vec<&(NaiveDate, f64)> = self
            .upto(cutoff)
            .iter()
            .rev()
            .take_while(|(d, _)| *d >= oldest)
            .filter(|(d, _)| d.weekday() == weekday)
            .take(n)
            .collect();
        (values.len() >= min).then(|| {
            let last = values[0].0;
            (level_mean(values.iter().map(|(_, v)| *v).collect()), last)
        })
    }

    /// Mean of the last `n` actuals (any weekday) dated at most `cutoff`, not older than
    /// `max_age_days`; returns the mean and the date of the most recent value used.
    pub fn recent_mean(
        &self,
        cutoff: NaiveDate,
        n: usize,
        min: usize,
        max_age_days: i64,
    ) -> Option<(f64, NaiveDate)> {
        let oldest = cutoff - Duration::days(max_age_days);
        let values: Vec<&(NaiveDate, f64)> = self
            .upto(cutoff)
            .iter()
            .rev()
            .take_while(|(d, _)| *d >= oldest)
            .take(n)
            .collect();
        (values.len() >= min).then(|| {
            (
                values.iter().map(|(_, v)| v).sum::<f64>() / values.len() as f64,
                values[0].0,
            )
        })
    }

    /// Mean of the actuals in `[from, to]` (both inclusive), provided `to <= cutoff`.
    pub fn window_mean(&self, from: NaiveDate, to: NaiveDate, cutoff: NaiveDate) -> Option<f64> {
        if to > cutoff {
            return None;
        }
        let start = self.days.partition_point(|(d, _)| *d < from);
        let end = self.days.partition_point(|(d, _)| *d <= to);
        let slice = &self.days[start..end];
        (!slice.is_empty()).then(|| slice.iter().map(|(_, v)| v).sum::<f64>() / slice.len() as f64)
    }

    /// Date of the most recent actual at most `cutoff`.
    pub fn last_date(&self, cutoff: NaiveDate) -> Option<NaiveDate> {
        self.upto(cutoff).last().map(|(d, _)| *d)
    }
}

/// All canteens' histories.
#[derive(Debug, Clone, Default)]
pub struct History {
    by_canteen: HashMap<String, CanteenHistory>,
}

impl History {
    /// Builds the histories from attendance rows, leaving out strike days and zero or missing
    /// actuals.
    pub fn new(attendance: &[AttendanceDay], strike_days: &HashSet<NaiveDate>) -> Self {
        let mut by_canteen: HashMap<String, CanteenHistory> = HashMap::new();
        for row in attendance {
            let Some(actual) = row.actual else { continue };
            if actual == 0 || strike_days.contains(&row.date) {
                continue;
            }
            by_canteen
                .entry(row.canteen.clone())
                .or_default()
                .days
                .push((row.date, f64::from(actual)));
        }
        for history in by_canteen.values_mut() {
            history.days.sort_by_key(|(d, _)| *d);
            history.days.dedup_by_key(|(d, _)| *d);
        }
        Self { by_canteen }
    }

    pub fn canteen(&self, name: &str) -> Option<&CanteenHistory> {
        self.by_canteen.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn row(date: &str, actual: Option<u32>) -> AttendanceDay {
        AttendanceDay {
            canteen: "A".into(),
            date: d(date),
            agents_forecast: None,
            actual,
        }
    }

    #[test]
    fn never_looks_past_the_cutoff() {
        let rows = vec![
            row("2018-01-08", Some(100)), // Monday
            row("2018-01-15", Some(110)),
            row("2018-01-22", Some(120)),
            row("2018-01-29", Some(1000)), // after the cut-off below
        ];
        let history = History::new(&rows, &HashSet::new());
        let a = history.canteen("A").unwrap();
        let (mean, last) = a
            .same_weekday_mean(d("2018-02-05"), d("2018-01-28"), 4, 1, 120)
            .unwrap();
        assert_eq!(mean, 110.0);
        assert_eq!(last, d("2018-01-22"));
        assert_eq!(a.last_date(d("2018-01-28")), Some(d("2018-01-22")));
        assert_eq!(
            a.window_mean(d("2018-01-01"), d("2018-01-29"), d("2018-01-28")),
            None
        );
    }

    #[test]
    fn an_outing_day_is_not_the_level() {
        let rows = vec![
            row("2018-01-08", Some(100)), // Mondays
            row("2018-01-15", Some(30)),  // class outing
            row("2018-01-22", Some(110)),
            row("2018-01-29", Some(90)),
        ];
        let history = History::new(&rows, &HashSet::new());
        let a = history.canteen("A").unwrap();
        let (mean, _) = a
            .same_weekday_mean(d("2018-02-05"), d("2018-01-31"), 4, 2, 120)
            .unwrap();
        assert_eq!(mean, 100.0);
        // With two values there is no median to judge by: both count.
        let (mean, _) = a
            .same_weekday_mean(d("2018-02-05"), d("2018-01-16"), 4, 2, 120)
            .unwrap();
        assert_eq!(mean, 65.0);
    }

    #[test]
    fn strike_and_zero_days_are_not_levels() {
        let rows = vec![
            row("2018-01-08", Some(100)),
            row("2018-01-09", Some(0)),
            row("2018-01-11", Some(20)),
        ];
        let strikes: HashSet<NaiveDate> = [d("2018-01-11")].into_iter().collect();
        let history = History::new(&rows, &strikes);
        let (mean, _) = history
            .canteen("A")
            .unwrap()
            .recent_mean(d("2018-01-31"), 10, 1, 60)
            .unwrap();
        assert_eq!(mean, 100.0);
    }
}
