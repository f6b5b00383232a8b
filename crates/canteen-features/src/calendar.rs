//! The school calendar as of any day: school years, zone-B holidays, public holidays and bridges.
//! Everything here is published long in advance, so it is known at every forecast horizon.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::{BTreeSet, HashSet};

use canteen_data::{Holiday, PublicHoliday, SchoolYear};

/// Calendar lookups for feature building.
#[derive(Debug, Clone)]
pub struct SchoolCalendar {
    years: Vec<SchoolYear>,
    holidays: Vec<Holiday>,
    public_holidays: HashSet<NaiveDate>,
    /// First days of every holiday period and of every summer, sorted.
    breaks_start: BTreeSet<NaiveDate>,
    /// Last days of every holiday period, sorted.
    breaks_end: BTreeSet<NaiveDate>,
    /// Every break (holidays and summers) with a key shared by the same break across years.
    named_breaks: Vec<NamedBreak>,
}

/// A break with the key that identifies it from one year to the next (`noel`, `summer`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
struct NamedBreak {
    key: String,
    start: NaiveDate,
    end: NaiveDate,
}

/// The same holiday in different years: folded name, summer under one key whatever its spelling.
fn break_key(name: &str) -> String {
    let folded = prevoir_core::text::fold(name);
    if folded
        .split_whitespace()
        .any(|w| w == "ete" || w == "summer")
    {
        "summer".to_owned()
    } else {
        folded.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl SchoolCalendar {
    pub fn new(
        years: &[SchoolYear],
        holidays: &[Holiday],
        public_holidays: &[PublicHoliday],
    ) -> Self {
        let mut years = years.to_vec();
        years.sort_by_key(|y| y.start);
        let mut breaks_start: BTreeSet<NaiveDate> = holidays.iter().map(|h| h.start).collect();
        let mut breaks_end: BTreeSet<NaiveDate> = holidays.iter().map(|h| h.end).collect();
        let mut named_breaks: Vec<NamedBreak> = Vec::new();
        for (i, y) in years.iter().enumerate() {
            // Summer counts as a break: it starts the day after the school year ends.
            breaks_start.insert(y.end + Duration::days(1));
            breaks_end.insert(y.start - Duration::days(1));
            let summer_end = years.get(i + 1).map_or(y.end + Duration::days(57), |next| {
                next.start - Duration::days(1)
            });
            named_breaks.push(NamedBreak {
                key: "summer".into(),
                start: y.end + Duration::days(1),
                end: summer_end,
            });
            if i == 0 {
                named_breaks.push(NamedBreak {
                    key: "summer".into(),
                    start: y.start - Duration::days(58),
                    end: y.start - Duration::days(1),
                });
            }
        }
        // Summer rows of the holiday file describe the summers derived from the school years,
        // sometimes a day apart: the derived ones win, since their ends match the school years.
        for h in holidays {
            let key = break_key(&h.name);
            let derived = named_breaks
                .iter()
                .any(|b| b.key == key && (b.start - h.start).num_days().abs() <= 7);
            if !derived {
                named_breaks.push(NamedBreak {
                    key,
                    start: h.start,
                    end: h.end,
                });
            }
        }
        named_breaks.sort_by_key(|b| b.start);
        Self {
            years,
            holidays: holidays.to_vec(),
            public_holidays: public_holidays.iter().map(|p| p.date).collect(),
            breaks_start,
            breaks_end,
            named_breaks,
        }
    }

    /// The day at the same place in last year's calendar: same weekday, same distance from the
    /// nearest break boundary (the start of the next break or the end of the last one), matched by
    /// break name. Holidays move from year to year; this keeps "the Friday before Christmas" aligned
    /// with last year's Friday before Christmas.
    pub fn aligned_last_year(&self, date: NaiveDate) -> Option<NaiveDate> {
        let next = self
            .named_breaks
            .iter()
            .filter(|b| b.start > date)
            .min_by_key(|b| b.start);
        let previous = self
            .named_breaks
            .iter()
            .filter(|b| b.end < date)
            .max_by_key(|b| b.end);
        let year_ago = |d: NaiveDate| (d - Duration::days(400), d - Duration::days(330));
        // Before a break, step back to the same weekday; after one, step forward: either way the
        // aligned day stays on the school side of last year's boundary.
        let (target, forward) = match (next, previous) {
            (Some(n), p) if p.is_none_or(|p| (n.start - date) <= (date - p.end)) => {
                let (lo, hi) = year_ago(n.start);
                let last = self
                    .named_breaks
                    .iter()
                    .find(|b| b.key == n.key && b.start >= lo && b.start <= hi)?;
                (last.start - (n.start - date), false)
            }
            (_, Some(p)) => {
                let (lo, hi) = year_ago(p.end);
                let last = self
                    .named_breaks
                    .iter()
                    .find(|b| b.key == p.key && b.end >= lo && b.end <= hi)?;
                (last.end + (date - p.end), true)
            }
            _ => return None,
        };
        let gap = (i64::from(date.weekday().num_days_from_monday())
            - i64::from(target.weekday().num_days_from_monday()))
        .rem_euclid(7);
        let shift = if forward {
            gap
        } else if gap == 0 {
            0
        } else {
            gap - 7
        };
        Some(target + Duration::days(shift))
    }

    /// The school year a day belongs to; days of the summer break belong to the coming year.
    pub fn school_year(&self, date: NaiveDate) -> Option<&SchoolYear> {
        self.years
            .iter()
            .find(|y| date >= y.start && date <= y.end)
            .or_else(|| self.years.iter().find(|y| y.start > date))
    }

    /// Label of the school year containing `date` (`2017-2018`), computed from the date when the
    /// calendar has no entry for it (years start in September).
    pub fn school_year_label(&self, date: NaiveDate) -> String {
        match self.school_year(date) {
            Some(y) if date <= y.end => y.label.clone(),
            _ => {
                let first = if date.month() >= 8 {
                    date.year()
                } else {
                    date.year() - 1
                };
                format!("{first}-{}", first + 1)
            }
        }
    }

    pub fn is_public_holiday(&self, date: NaiveDate) -> bool {
        self.public_holidays.contains(&date)
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays
            .iter()
            .any(|h| date >= h.start && date <= h.end)
            || !self.years.iter().any(|y| date >= y.start && date <= y.end)
    }

    /// A day pupils are expected at school: in a school year, not in holidays, not a public
    /// holiday, not a weekend.
    pub fn is_school_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.is_public_holiday(date)
            && !self.is_holiday(date)
    }

    /// Calendar days until the next break (holidays or summer) starts, capped at `cap`.
    pub fn days_to_next_break(&self, date: NaiveDate, cap: i64) -> i64 {
        self.breaks_start
            .range(date..)
            .next()
            .map_or(cap, |start| (*start - date).num_days().min(cap))
    }

    /// Calendar days since the last break (or the school year's start) ended, capped at `cap`.
    pub fn days_since_last_break(&self, date: NaiveDate, cap: i64) -> i64 {
        self.breaks_end
            .range(..date)
            .next_back()
            .map_or(cap, |end| (date - *end).num_days().min(cap))
    }

    /// Share of the school year elapsed (0 at the first day, 1 at the last).
    pub fn school_year_progress(&self, date: NaiveDate) -> Option<f64> {
        let year = self.school_year(date)?;
        let length = (year.end - year.start).num_days().max(1) as f64;
        Some(((date - year.start).num_days() as f64 / length).clamp(0.0, 1.0))
    }

    /// Calendar days until the last day of the school year.
    pub fn days_to_summer(&self, date: NaiveDate) -> Option<i64> {
        let year = self.school_year(date)?;
        Some((year.end - date).num_days().max(0))
    }

    /// A weekday squeezed between a public holiday and a weekend (Friday after Ascension Thursday,
    /// Monday before a Tuesday holiday): many families take it off.
    pub fn is_bridge(&self, date: NaiveDate) -> bool {
        match date.weekday() {
            Weekday::Fri => self.is_public_holiday(date - Duration::days(1)),
            Weekday::Mon => self.is_public_holiday(date + Duration::days(1)),
            _ => false,
        }
    }

    /// Next or previous calendar day is a public holiday.
    pub fn next_to_public_holiday(&self, date: NaiveDate) -> bool {
        self.is_public_holiday(date + Duration::days(1))
            || self.is_public_holiday(date - Duration::days(1))
    }

    /// School days (Monday–Friday) in the week of `date`: short weeks feel different.
    pub fn school_days_in_week(&self, date: NaiveDate) -> u32 {
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        (0..5)
            .filter(|i| self.is_school_day(monday + Duration::days(*i)))
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar() -> SchoolCalendar {
        SchoolCalendar::new(
            &[SchoolYear {
                label: "2017-2018".into(),
                start: d("2017-09-04"),
                end: d("2018-07-07"),
            }],
            &[Holiday {
                name: "Toussaint".into(),
                start: d("2017-10-21"),
                end: d("2017-11-05"),
            }],
            &[
                PublicHoliday {
                    date: d("2018-05-10"),
                    name: "Ascension".into(),
                },
                PublicHoliday {
                    date: d("2017-11-11"),
                    name: "Armistice".into(),
                },
            ],
        )
    }

    #[test]
    fn school_days_and_breaks() {
        let c = calendar();
        assert!(c.is_school_day(d("2017-10-20")));
        assert!(!c.is_school_day(d("2017-10-23")), "Toussaint holidays");
        assert!(!c.is_school_day(d("2018-05-10")), "Ascension");
        assert!(!c.is_school_day(d("2017-08-30")), "summer");
        assert_eq!(c.days_to_next_break(d("2017-10-16"), 90), 5);
        assert_eq!(c.days_since_last_break(d("2017-11-07"), 90), 2);
        assert_eq!(
            c.days_since_last_break(d("2017-09-05"), 90),
            2,
            "since the summer"
        );
        assert_eq!(
            c.days_to_next_break(d("2018-07-05"), 90),
            3,
            "summer starts on the 8th"
        );
    }

    #[test]
    fn bridges_and_short_weeks() {
        let c = calendar();
        assert!(c.is_bridge(d("2018-05-11")));
        assert!(!c.is_bridge(d("2018-05-09")));
        assert!(c.next_to_public_holiday(d("2018-05-09")));
        assert_eq!(c.school_days_in_week(d("2018-05-09")), 4);
        assert_eq!(c.school_days_in_week(d("2018-05-16")), 5);
    }

    #[test]
    fn aligns_with_last_years_calendar() {
        let years = [
            SchoolYear {
                label: "2016-2017".into(),
                start: d("2016-09-01"),
                end: d("2017-07-08"),
            },
            SchoolYear {
                label: "2017-2018".into(),
                start: d("2017-09-04"),
                end: d("2018-07-07"),
            },
        ];
        let holidays = [
            Holiday {
                name: "Vacances de Noel".into(),
                start: d("2016-12-17"),
                end: d("2017-01-02"),
            },
            Holiday {
                name: "Vacances de Noel".into(),
                start: d("2017-12-23"),
                end: d("2018-01-07"),
            },
            Holiday {
                name: "Vacances d'Ete".into(),
                start: d("2017-07-08"),
                end: d("2017-09-03"),
            },
        ];
        let c = SchoolCalendar::new(&years, &holidays, &[]);
        // The Friday before Christmas holidays, each year.
        assert_eq!(c.aligned_last_year(d("2017-12-22")), Some(d("2016-12-16")));
        // The first Monday after them (in 2017 school resumed on Tuesday the 3rd).
        assert_eq!(c.aligned_last_year(d("2018-01-08")), Some(d("2017-01-09")));
        // The last Friday before summer.
        assert_eq!(c.aligned_last_year(d("2018-07-06")), Some(d("2017-07-07")));
        // The first Monday of the school year: last year's first Monday is 2016-09-05.
        assert_eq!(c.aligned_last_year(d("2017-09-04")), Some(d("2016-09-05")));
    }

    #[test]
    fn school_year_of_a_summer_day_is_the_next_one() {
        let c = calendar();
        assert_eq!(c.school_year_label(d("2017-08-20")), "2017-2018");
        assert_eq!(c.school_year_label(d("2018-03-01")), "2017-2018");
        assert_eq!(c.school_year_label(d("2018-08-20")), "2018-2019");
        assert!((c.school_year_progress(d("2017-09-04")).unwrap()).abs() < 1e-9);
    }
}
