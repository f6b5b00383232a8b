//! Builds the feature row of a canteen-day as known `horizon` days before it: the information
//! cut-off is `date − horizon`, and no value here depends on anything dated after it (levels,
//! epidemics) or on anything not yet announced at that horizon (strikes, strike menus).

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

use canteen_data::{CanteenData, CanteenKind, Disease, ReligiousDay};

use crate::calendar::SchoolCalendar;
use crate::history::History;
use crate::menu::MenuSummary;
use crate::spec::{self, FeatureSpec};

/// Why a canteen-day cannot be forecast.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    #[error("unknown canteen {0:?}")]
    UnknownCanteen(String),
    #[error("no attendance history nor enrolment for canteen {canteen:?} before {cutoff}")]
    NoLevel { canteen: String, cutoff: NaiveDate },
}

/// Facts a caller knows about a future day that the data set does not hold yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownEvents {
    /// The day's dishes, as they will be published.
    pub menu: Option<Vec<String>>,
    /// A strike has been announced for the day (used only at horizons where notices are known).
    pub strike: Option<bool>,
}

/// A canteen-day's inputs, ready for a model.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRow {
    pub canteen: String,
    pub date: NaiveDate,
    pub horizon_days: u32,
    /// Values in the order of [`FeatureBuilder::specs`]; `NaN` = unknown.
    pub values: Vec<f64>,
    /// The canteen's usual level for this weekday as of the cut-off (meals): models predict a
    /// ratio to it, so that one model serves canteens of every size.
    pub reference_meals: f64,
    /// The kind of day, as far as forecast reliability goes.
    pub day_class: DayClass,
    /// The same canteen-day as seen from the companion horizon, when the builder has one
    /// ([`FeatureBuilder::with_companion`]) and the canteen has a level there.
    pub companion: Option<Box<FeatureRow>>,
}

/// Kinds of days whose forecasts are more or less reliable; the safety margin is scaled by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayClass {
    Normal,
    /// Within 3 days of holidays (before or after).
    HolidayEdge,
    /// The first week of the school year.
    YearStart,
    /// The last week before the summer break.
    SummerEnd,
    /// A strike is announced, or an emergency menu planned (known only at horizons ≤ 2 days).
    Strike,
}

impl DayClass {
    pub const ALL: [DayClass; 5] = [
        DayClass::Normal,
        DayClass::HolidayEdge,
        DayClass::YearStart,
        DayClass::SummerEnd,
        DayClass::Strike,
    ];

    pub fn label_fr(self) -> &'static str {
        match self {
            DayClass::Normal => "jour ordinaire",
            DayClass::HolidayEdge => "veille ou lendemain de vacances",
            DayClass::YearStart => "première semaine de l'année scolaire",
            DayClass::SummerEnd => "dernière semaine avant l'été",
            DayClass::Strike => "grève annoncée",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DayClass::Normal => "ordinary day",
            DayClass::HolidayEdge => "next to holidays",
            DayClass::YearStart => "first week of the school year",
            DayClass::SummerEnd => "last week before summer",
            DayClass::Strike => "strike announced",
        }
    }
}

/// Everything needed to compute features, indexed for fast lookups.
#[derive(Debug, Clone)]
pub struct FeatureBuilder {
    horizon_days: u32,
    specs: Vec<&'static FeatureSpec>,
    calendar: SchoolCalendar,
    history: History,
    menus: HashMap<NaiveDate, MenuSummary>,
    strikes: HashSet<NaiveDate>,
    religious: HashMap<NaiveDate, ReligiousDay>,
    /// Per disease: (week start, incidence) sorted by week.
    epidemics: HashMap<Disease, Vec<(NaiveDate, f64)>>,
    enrolment: HashMap<(String, String), f64>,
    kinds: HashMap<String, CanteenKind>,
    /// Weekdays (Monday = 0) on which canteens usually serve meals, learnt from the attendance
    /// data (Nantes: not on Wednesdays), and the dates that have attendance data anyway.
    service_weekdays: [bool; 7],
    attendance_dates: HashSet<NaiveDate>,
    /// A second horizon whose row rides along with each row (a model blending two horizons).
    companion: Option<(u32, Vec<&'static FeatureSpec>)>,
}

/// Weekdays with at least a fifth as many attendance days as the busiest weekday.
fn service_weekdays(data: &CanteenData) -> [bool; 7] {
    let mut counts = [0usize; 7];
    let days: HashSet<NaiveDate> = data.attendance.iter().map(|a| a.date).collect();
    for day in days {
        counts[day.weekday().num_days_from_monday() as usize] += 1;
    }
    let busiest = counts.iter().copied().max().unwrap_or(0);
    let mut usual = [false; 7];
    for (weekday, count) in counts.iter().enumerate() {
        usual[weekday] = busiest > 0 && *count * 5 >= busiest;
    }
    // Without data, every school day may be a service day.
    if busiest == 0 {
        usual = [true, true, true, true, true, false, false];
    }
    usual
}

/// The last day whose information is known `horizon_days` before `date`.
fn cutoff_at(date: NaiveDate, horizon_days: u32) -> NaiveDate {
    date - Duration::days(i64::from(horizon_days))
}

/// Caps for day counts, so that trees see the same scale everywhere.
const DAY_CAP: i64 = 60;

impl FeatureBuilder {
    pub fn new(data: &CanteenData, horizon_days: u32) -> Self {
        let strikes: HashSet<NaiveDate> = data.strikes.iter().map(|s| s.date).collect();
        let mut epidemics: HashMap<Disease, Vec<(NaiveDate, f64)>> = HashMap::new();
        for week in &data.epidemics {
            epidemics
                .entry(week.disease)
                .or_default()
                .push((week.week_start, week.incidence_per_100k));
        }
        for weeks in epidemics.values_mut() {
            weeks.sort_by_key(|(d, _)| *d);
        }
        Self {
            horizon_days,
            specs: spec::available_at(horizon_days),
            calendar: SchoolCalendar::new(
                &data.school_years,
                &data.holidays,
                &data.public_holidays,
            ),
            history: History::new(&data.attendance, &strikes),
            menus: data
                .menus
                .iter()
                .map(|m| (m.date, MenuSummary::from_dishes(&m.dishes)))
                .collect(),
            strikes,
            religious: data.religious.iter().map(|r| (r.date, *r)).collect(),
            epidemics,
            enrolment: data
                .enrolment
                .iter()
                .map(|e| {
                    (
                        (e.canteen.clone(), e.school_year.clone()),
                        f64::from(e.pupils),
                    )
                })
                .collect(),
            kinds: data
                .canteens
                .iter()
                .map(|c| (c.name.clone(), c.kind))
                .collect(),
            service_weekdays: service_weekdays(data),
            attendance_dates: data.attendance.iter().map(|a| a.date).collect(),
            companion: None,
        }
    }

    /// Also computes every row as seen `horizon_days` ahead ([`FeatureRow::companion`]).
    pub fn with_companion(mut self, horizon_days: u32) -> Self {
        self.companion = Some((horizon_days, spec::available_at(horizon_days)));
        self
    }

    /// The companion horizon and its features, if any.
    pub fn companion(&self) -> Option<(u32, &[&'static FeatureSpec])> {
        self.companion
            .as_ref()
            .map(|(h, specs)| (*h, specs.as_slice()))
    }

    /// Whether canteens serve meals that day: a school day on a usual service weekday, or a day
    /// the data shows meals served (a make-up Wednesday).
    pub fn is_service_day(&self, date: NaiveDate) -> bool {
        self.attendance_dates.contains(&date)
            || (self.calendar.is_school_day(date)
                && self.service_weekdays[date.weekday().num_days_from_monday() as usize])
    }

    pub fn horizon_days(&self) -> u32 {
        self.horizon_days
    }

    pub fn specs(&self) -> &[&'static FeatureSpec] {
        &self.specs
    }

    pub fn calendar(&self) -> &SchoolCalendar {
        &self.calendar
    }

    pub fn is_strike_day(&self, date: NaiveDate) -> bool {
        self.strikes.contains(&date)
    }

    /// The information cut-off for a forecast of `date`.
    pub fn cutoff(&self, date: NaiveDate) -> NaiveDate {
        cutoff_at(date, self.horizon_days)
    }

    /// The feature row of `canteen` on `date`, with what the data set knows.
    pub fn row(&self, canteen: &str, date: NaiveDate) -> Result<FeatureRow, FeatureError> {
        self.row_with(canteen, date, &KnownEvents::default())
    }

    /// The feature row of `canteen` on `date`, with facts supplied by the caller taking precedence
    /// over the data set.
    pub fn row_with(
        &self,
        canteen: &str,
        date: NaiveDate,
        known: &KnownEvents,
    ) -> Result<FeatureRow, FeatureError> {
        let mut row = self.row_at(canteen, date, known, self.horizon_days, &self.specs)?;
        if let Some((horizon, specs)) = &self.companion {
            row.companion = self
                .row_at(canteen, date, known, *horizon, specs)
                .ok()
                .map(Box::new);
        }
        Ok(row)
    }

    /// The row of `canteen` on `date` with the information available `horizon_days` before it.
    fn row_at(
        &self,
        canteen: &str,
        date: NaiveDate,
        known: &KnownEvents,
        horizon_days: u32,
        specs: &[&'static FeatureSpec],
    ) -> Result<FeatureRow, FeatureError> {
        let kind = *self
            .kinds
            .get(canteen)
            .ok_or_else(|| FeatureError::UnknownCanteen(canteen.to_owned()))?;
        let cutoff = cutoff_at(date, horizon_days);
        let history = self.history.canteen(canteen);
        let school_year = self.calendar.school_year_label(date);
        let pupils = self
            .enrolment
            .get(&(canteen.to_owned(), school_year.clone()))
            .copied();

        // The usual level: same weekday over the last 4 weeks with data, else the last days, else
        // last known, else 75 % of enrolment.
        let weekday_level = history.and_then(|h| h.same_weekday_mean(date, cutoff, 4, 2, 120));
        let recent = history.and_then(|h| h.recent_mean(cutoff, 10, 3, 400));
        let (reference_meals, level_date) = match (weekday_level, recent) {
            (Some((level, last)), _) => (level, Some(last)),
            (None, Some((level, last))) => (level, Some(last)),
            (None, None) => match pupils {
                Some(p) if p > 0.0 => (0.75 * p, None),
                _ => {
                    return Err(FeatureError::NoLevel {
                        canteen: canteen.to_owned(),
                        cutoff,
                    });
                }
            },
        };
        let reference_meals = reference_meals.max(1.0);
        let longer = history
            .and_then(|h| h.recent_mean(cutoff, 30, 10, 400))
            .map(|(m, _)| m);
        let pupils_at_level = level_date
            .and_then(|d| {
                self.enrolment
                    .get(&(canteen.to_owned(), self.calendar.school_year_label(d)))
            })
            .copied();

        // Last year: the same weekday 52 weeks earlier, relative to last year's level at the same lag.
        let ly_date = date - Duration::days(364);
        let ly_cutoff = cutoff - Duration::days(364);
        let ly_reference = history
            .and_then(|h| h.same_weekday_mean(ly_date, ly_cutoff, 4, 2, 120))
            .map(|(m, _)| m);
        // The same place in last year's calendar, relative to that day's own usual level.
        let aligned = self.calendar.aligned_last_year(date).unwrap_or(ly_date);
        let aligned_reference = history
            .and_then(|h| h.same_weekday_mean(aligned, cutoff_at(aligned, horizon_days), 4, 2, 120))
            .map(|(m, _)| m);
        let ly_same_day = history.and_then(|h| h.window_mean(aligned, aligned, cutoff));
        let ly_season = history.and_then(|h| {
            h.window_mean(
                ly_date - Duration::days(7),
                ly_date + Duration::days(7),
                cutoff,
            )
        });

        let menu = self.menu_for(date, known, horizon_days);
        let strike_known = crate::spec::strikes_known(horizon_days);
        let strike = if strike_known {
            known.strike.unwrap_or_else(|| self.strikes.contains(&date))
        } else {
            false
        };
        let religious = self.religious.get(&date);
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let nan = f64::NAN;

        let mut values = Vec::with_capacity(specs.len());
        for spec in specs {
            let value = match spec.name {
                "weekday" => f64::from(date.weekday().num_days_from_monday()),
                "month" => f64::from(date.month()),
                "school_year_progress" => self.calendar.school_year_progress(date).unwrap_or(nan),
                "days_to_next_break" => self.calendar.days_to_next_break(date, DAY_CAP) as f64,
                "days_since_last_break" => {
                    self.calendar.days_since_last_break(date, DAY_CAP) as f64
                }
                "days_to_summer" => self.calendar.days_to_summer(date).map_or(nan, |d| d as f64),
                "bridge_day" => flag(self.calendar.is_bridge(date)),
                "next_to_public_holiday" => flag(self.calendar.next_to_public_holiday(date)),
                "school_days_in_week" => f64::from(self.calendar.school_days_in_week(date)),
                "menu_known" => flag(menu.is_some()),
                "menu_fries" => menu.map_or(nan, |m| flag(m.fries)),
                "menu_fish" => menu.map_or(nan, |m| flag(m.fish)),
                "menu_pork" => menu.map_or(nan, |m| flag(m.pork)),
                "menu_meat" => menu.map_or(nan, |m| flag(m.meat)),
                "menu_vegetarian" => menu.map_or(nan, |m| flag(m.vegetarian)),
                "menu_organic_dishes" => menu.map_or(nan, |m| f64::from(m.organic_dishes)),
                "menu_pizza_burger" => menu.map_or(nan, |m| flag(m.pizza_burger)),
                "menu_festive" => menu.map_or(nan, |m| flag(m.festive)),
                "menu_favourite" => menu.map_or(nan, |m| flag(m.favourite)),
                "menu_emergency" => menu.map_or(0.0, |m| flag(m.strike_menu)),
                "strike_announced" => flag(strike),
                "ramadan" => religious.map_or(0.0, |r| flag(r.ramadan)),
                "muslim_feast" => religious.map_or(0.0, |r| flag(r.muslim)),
                "christian_feast" => religious.map_or(0.0, |r| flag(r.christian)),
                "jewish_feast" => religious.map_or(0.0, |r| flag(r.jewish)),
                "pupils" => pupils.unwrap_or(nan),
                "pupils_change" => match (pupils, pupils_at_level) {
                    (Some(now), Some(then)) if then > 0.0 => now / then,
                    _ => nan,
                },
                "flu_incidence" => self.epidemic(Disease::Flu, cutoff),
                "diarrhoea_incidence" => self.epidemic(Disease::Diarrhoea, cutoff),
                "chickenpox_incidence" => self.epidemic(Disease::Chickenpox, cutoff),
                "reference_meals" => reference_meals,
                "recent_vs_reference" => recent.map_or(nan, |(m, _)| m / reference_meals),
                "trend" => match (recent, longer) {
                    (Some((short, _)), Some(long)) if long > 0.0 => short / long,
                    _ => nan,
                },
                "last_year_same_day" => match (ly_same_day, aligned_reference) {
                    (Some(v), Some(r)) if r > 0.0 => v / r,
                    _ => nan,
                },
                "last_year_season" => match (ly_season, ly_reference) {
                    (Some(v), Some(r)) if r > 0.0 => v / r,
                    _ => nan,
                },
                "staleness_days" => level_date.map_or(nan, |d| (cutoff - d).num_days() as f64),
                "canteen_kind" => match kind {
                    CanteenKind::Nursery => 0.0,
                    CanteenKind::Primary => 1.0,
                    CanteenKind::Both => 2.0,
                },
                other => unreachable!("feature {other} is in the catalogue but not computed"),
            };
            values.push(value);
        }
        // A strike menu ("menu dépannage") also announces a strike, even one missing from the list.
        let strike_menu = strike_known && menu.is_some_and(|m| m.strike_menu);
        let day_class = if strike || strike_menu {
            DayClass::Strike
        } else if self.calendar.days_to_summer(date).is_some_and(|d| d <= 7) {
            DayClass::SummerEnd
        } else if self
            .calendar
            .school_year_progress(date)
            .is_some_and(|p| p < 0.03)
        {
            DayClass::YearStart
        } else if self.calendar.days_to_next_break(date, DAY_CAP) <= 3
            || self.calendar.days_since_last_break(date, DAY_CAP) <= 3
        {
            DayClass::HolidayEdge
        } else {
            DayClass::Normal
        };
        Ok(FeatureRow {
            canteen: canteen.to_owned(),
            date,
            horizon_days,
            values,
            reference_meals,
            day_class,
            companion: None,
        })
    }

    /// The menu as known at this horizon: a strike menu is written only once the strike is
    /// announced, so beyond that horizon the day's menu counts as unknown.
    fn menu_for(
        &self,
        date: NaiveDate,
        known: &KnownEvents,
        horizon_days: u32,
    ) -> Option<MenuSummary> {
        let summary = match &known.menu {
            Some(dishes) => Some(MenuSummary::from_dishes(dishes)),
            None => self.menus.get(&date).copied(),
        }?;
        if summary.strike_menu && !crate::spec::strikes_known(horizon_days) {
            return None;
        }
        Some(summary)
    }

    /// Incidence of the latest week that ended at least a week before the cut-off.
    fn epidemic(&self, disease: Disease, cutoff: NaiveDate) -> f64 {
        let Some(weeks) = self.epidemics.get(&disease) else {
            return f64::NAN;
        };
        let latest_start = cutoff - Duration::days(14);
        let end = weeks.partition_point(|(start, _)| *start <= latest_start);
        weeks[..end].last().map_or(f64::NAN, |(_, v)| *v)
    }
}
