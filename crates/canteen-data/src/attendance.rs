//! Canteens (`raw/cantines.csv`) and attendance (`raw/frequentation.csv` through
//! `mappings/mapping_frequentation_cantines.csv`): sites mapped to canteens by exact
//! (`site_nom`, `site_type`), rows of one canteen-day summed, data-entry spikes set aside.
//!
//! Rules, all counted in the quality report:
//! - a site is looked up by its exact name AND type (`ALAIN FOURNIER`,`E` and `ALAIN FOURNIER`,`M`
//!   are two mapping rows); names are never trimmed (`EMILE PEHANT ` ≠ `EMILE PEHANT`);
//! - sites whose mapping target is empty (pseudo-sites) and sites absent from the mapping are set
//!   aside; so are canteens the mapping names but `raw/cantines.csv` does not list;
//! - the rows of one canteen-day are summed side by side: forecasts with forecasts, actuals with
//!   actuals, `NA` contributing nothing; a side that is `NA` on every row stays `NA`;
//! - an actual count is set aside as a data-entry error only under [`SPIKE_RULE`].

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use prevoir_core::DataError;
use prevoir_core::dates::DateFormat;

use crate::files::{Row, Table};
use crate::report::{AttendanceReport, FileReport, Outlier, SiteRows, UnlistedCanteen};
use crate::tables::{AttendanceDay, Canteen, CanteenKind};

/// An actual count is a data-entry error when it is more than this many times the canteen's
/// median AND more than this many times the agents' forecast for that day.
pub const SPIKE_FACTOR: f64 = 3.0;
/// Without an agents' forecast that day, the actual must exceed this many times the median.
pub const SPIKE_FACTOR_WITHOUT_FORECAST: f64 = 5.0;
/// Medians are only trusted with at least this many positive counts.
pub const MIN_DAYS_FOR_MEDIAN: usize = 20;
/// The rule, as the report prints it.
pub const SPIKE_RULE: &str = "actual > 3 × the canteen's median of positive actuals AND > 3 × the agents' \
forecast that day (> 5 × the median when there is no forecast); medians need ≥ 20 days";

/// Parses `M`, `E`, `M/E`.
pub fn parse_kind(text: &str) -> Option<CanteenKind> {
    match text {
        "M" => Some(CanteenKind::Nursery),
        "E" => Some(CanteenKind::Primary),
        "M/E" => Some(CanteenKind::Both),
        _ => None,
    }
}

const KIND_EXPECTED: &str = "a canteen type M, E or M/E";

/// Reads `raw/cantines.csv` (file order kept).
pub fn read_canteens(table: &Table, report: &mut FileReport) -> Result<Vec<Canteen>, DataError> {
    let mut canteens: Vec<Canteen> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut duplicates = 0;
    for row in &table.rows {
        let name = table.non_empty(row, 0, "a canteen name")?.to_string();
        let kind =
            parse_kind(table.text(row, 1)).ok_or_else(|| table.error(row, 1, KIND_EXPECTED))?;
        let sector = table.text(row, 2).to_string();
        let canteen = Canteen {
            name: name.clone(),
            kind,
            sector,
        };
        if let Some(&i) = index.get(&name) {
            if canteens[i] == canteen {
                duplicates += 1;
                continue;
            }
            return Err(table.error(
                row,
                0,
                "a canteen name not already listed with another type or sector",
            ));
        }
        index.insert(name, canteens.len());
        canteens.push(canteen);
    }
    report.repair("duplicate canteen rows dropped", duplicates);
    report.rows_kept = canteens.len();
    Ok(canteens)
}

/// Where a site's rows go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteTarget {
    Canteen(String),
    /// Empty target: a pseudo-site (emergency kitchens, foyers).
    None,
}

/// Site → canteen, keyed by exact (`site_nom`, `site_type`).
pub type SiteMapping = HashMap<(String, String), SiteTarget>;

/// Reads `mappings/mapping_frequentation_cantines.csv`.
pub fn read_site_mapping(
    table: &Table,
    canteens: &[Canteen],
    report: &mut FileReport,
) -> Result<SiteMapping, DataError> {
    let kinds: HashMap<&str, CanteenKind> =
        canteens.iter().map(|c| (c.name.as_str(), c.kind)).collect();
    let mut mapping = SiteMapping::new();
    let mut duplicates = 0;
    let mut type_differs = 0;
    let mut unlisted_targets = 0;
    for row in &table.rows {
        let site = table.non_empty(row, 0, "a site name")?.to_string();
        let site_type = table.text(row, 1).to_string();
        parse_kind(&site_type).ok_or_else(|| table.error(row, 1, KIND_EXPECTED))?;
        let canteen = table.text(row, 2);
        let canteen_type = table.text(row, 3);
        let target = if canteen.is_empty() {
            if !canteen_type.is_empty() {
                return Err(table.error(
                    row,
                    3,
                    "an empty canteen type for a site without canteen",
                ));
            }
            SiteTarget::None
        } else {
            let kind =
                parse_kind(canteen_type).ok_or_else(|| table.error(row, 3, KIND_EXPECTED))?;
            match kinds.get(canteen) {
                Some(listed) if *listed != kind => type_differs += 1,
                Some(_) => {}
                None => unlisted_targets += 1,
            }
            SiteTarget::Canteen(canteen.to_string())
        };
        match mapping.get(&(site.clone(), site_type.clone())) {
            Some(existing) if *existing == target => duplicates += 1,
            Some(_) => {
                return Err(table.error(
                    row,
                    2,
                    "the same canteen as the earlier row for this site and type",
                ));
            }
            None => {
                mapping.insert((site, site_type), target);
            }
        }
    }
    report.repair("duplicate mapping rows dropped", duplicates);
    report.repair(
        "cantine_type differs from raw/cantines.csv (cantines.csv kept)",
        type_differs,
    );
    report.repair(
        "rows naming a canteen absent from raw/cantines.csv",
        unlisted_targets,
    );
    report.rows_kept = mapping.len();
    Ok(mapping)
}

/// One parsed row of `raw/frequentation.csv`.
#[derive(Debug, Clone)]
pub struct SiteDay {
    pub site_type: String,
    pub date: NaiveDate,
    pub forecast: Option<u32>,
    pub actual: Option<u32>,
    pub site: String,
    pub line: u64,
}

/// Parses the rows of `raw/frequentation.csv`.
pub fn read_site_days(table: &Table) -> Result<Vec<SiteDay>, DataError> {
    table
        .rows
        .iter()
        .map(|row| parse_site_day(table, row))
        .collect()
}

fn parse_site_day(table: &Table, row: &Row) -> Result<SiteDay, DataError> {
    let site_type = table.text(row, 0);
    parse_kind(site_type).ok_or_else(|| table.error(row, 0, KIND_EXPECTED))?;
    Ok(SiteDay {
        site_type: site_type.to_string(),
        date: table.date(row, 1, DateFormat::Iso)?,
        forecast: table.count_or_na(row, 2)?,
        actual: table.count_or_na(row, 3)?,
        site: table.non_empty(row, 4, "a site name")?.to_string(),
        line: row.line,
    })
}

#[derive(Debug, Default, Clone)]
struct Accumulator {
    forecast: Option<u32>,
    actual: Option<u32>,
    rows: usize,
    forecast_only_rows: usize,
    actual_only_rows: usize,
}

impl Accumulator {
    fn add(&mut self, forecast: Option<u32>, actual: Option<u32>) {
        self.rows += 1;
        if let Some(f) = forecast {
            self.forecast = Some(self.forecast.unwrap_or(0).saturating_add(f));
        }
        if let Some(a) = actual {
            self.actual = Some(self.actual.unwrap_or(0).saturating_add(a));
        }
        match (forecast, actual) {
            (Some(_), None) => self.forecast_only_rows += 1,
            (None, Some(_)) => self.actual_only_rows += 1,
            _ => {}
        }
    }
}

/// The attendance table and its part of the report.
#[derive(Debug)]
pub struct Attendance {
    pub days: Vec<AttendanceDay>,
    pub report: AttendanceReport,
}

/// Maps, sums and cleans site-days into canteen-days. `file` receives the per-file counts.
pub fn build_attendance(
    site_days: &[SiteDay],
    mapping: &SiteMapping,
    canteens: &[Canteen],
    file: &mut FileReport,
) -> Attendance {
    let listed: HashSet<&str> = canteens.iter().map(|c| c.name.as_str()).collect();
    let mut groups: BTreeMap<(String, NaiveDate), Accumulator> = BTreeMap::new();
    let mut pseudo: BTreeMap<(String, String), SiteRows> = BTreeMap::new();
    let mut unmapped: BTreeMap<(String, String), SiteRows> = BTreeMap::new();
    let mut unlisted: BTreeMap<String, (UnlistedCanteen, HashSet<NaiveDate>)> = BTreeMap::new();
    // (site, site type, date) → (forecast, actual) of the first row seen.
    type SiteDayKey<'a> = (&'a str, &'a str, NaiveDate);
    let mut seen_site_days: HashMap<SiteDayKey, (Option<u32>, Option<u32>)> = HashMap::new();
    let mut duplicate_rows = 0;
    let mut conflicting_rows = 0;
    let mut rows_renamed = 0;
    let mut rows_kept = 0;

    for day in site_days {
        match seen_site_days.get(&(day.site.as_str(), day.site_type.as_str(), day.date)) {
            Some(values) if *values == (day.forecast, day.actual) => {
                duplicate_rows += 1;
                continue;
            }
            Some(_) => {
                conflicting_rows += 1;
                continue;
            }
            None => {
                seen_site_days.insert(
                    (&day.site, &day.site_type, day.date),
                    (day.forecast, day.actual),
                );
            }
        }
        let key = (day.site.clone(), day.site_type.clone());
        match mapping.get(&key) {
            None => note_site(&mut unmapped, key, day.date),
            Some(SiteTarget::None) => note_site(&mut pseudo, key, day.date),
            Some(SiteTarget::Canteen(canteen)) if !listed.contains(canteen.as_str()) => {
                let entry = unlisted.entry(canteen.clone()).or_insert_with(|| {
                    (
                        UnlistedCanteen {
                            canteen: canteen.clone(),
                            canteen_days: 0,
                            rows: 0,
                            first: day.date,
                            last: day.date,
                        },
                        HashSet::new(),
                    )
                });
                entry.0.rows += 1;
                entry.0.first = entry.0.first.min(day.date);
                entry.0.last = entry.0.last.max(day.date);
                entry.1.insert(day.date);
            }
            Some(SiteTarget::Canteen(canteen)) => {
                if *canteen != day.site {
                    rows_renamed += 1;
                }
                rows_kept += 1;
                groups
                    .entry((canteen.clone(), day.date))
                    .or_default()
                    .add(day.forecast, day.actual);
            }
        }
    }

    // Medians of positive actuals per canteen, from the summed canteen-days.
    let mut positives: HashMap<&str, Vec<u32>> = HashMap::new();
    for ((canteen, _), acc) in &groups {
        if let Some(actual) = acc.actual.filter(|a| *a > 0) {
            positives.entry(canteen.as_str()).or_default().push(actual);
        }
    }
    let medians: HashMap<&str, f64> = positives
        .into_iter()
        .filter(|(_, values)| values.len() >= MIN_DAYS_FOR_MEDIAN)
        .map(|(canteen, mut values)| (canteen, median(&mut values)))
        .collect();

    let mut report = AttendanceReport {
        spike_rule: SPIKE_RULE.to_string(),
        ..Default::default()
    };
    let mut days = Vec::with_capacity(groups.len());
    let mut summed_halves = 0;
    let mut summed_parts = 0;
    let mut all_na = 0;
    let mut rows_in_summed_days = 0;
    for ((canteen, date), acc) in &groups {
        if acc.rows > 1 {
            rows_in_summed_days += acc.rows;
            if acc.forecast_only_rows > 0 && acc.actual_only_rows > 0 {
                summed_halves += 1;
            } else {
                summed_parts += 1;
            }
        }
        if acc.forecast.is_none() && acc.actual.is_none() {
            all_na += 1;
        }
        let mut actual = acc.actual;
        let median = medians.get(canteen.as_str()).copied();
        let outlier = |value: u32, canteen_median: f64| Outlier {
            canteen: canteen.clone(),
            date: *date,
            value,
            canteen_median,
            agents_forecast: acc.forecast,
            actual: acc.actual,
        };
        if let (Some(value), Some(med)) = (acc.actual, median)
            && is_spike(value, med, acc.forecast)
        {
            report.outliers.push(outlier(value, med));
            actual = None;
        }
        if let (Some(forecast), Some(value), Some(med)) = (acc.forecast, acc.actual, median)
            && is_spike(forecast, med, Some(value))
        {
            report.forecast_outliers.push(outlier(forecast, med));
        }
        days.push(AttendanceDay {
            canteen: canteen.clone(),
            date: *date,
            agents_forecast: acc.forecast,
            actual,
        });
    }

    // Report.
    report.canteen_days = days.len();
    let with_days: HashSet<&str> = days.iter().map(|d| d.canteen.as_str()).collect();
    report.canteens = with_days.len();
    report.first_date = days.iter().map(|d| d.date).min();
    report.last_date = days.iter().map(|d| d.date).max();
    report.dates = days.iter().map(|d| d.date).collect::<HashSet<_>>().len();
    for day in &days {
        report.by_weekday[day.date.weekday().num_days_from_monday() as usize] += 1;
    }
    report.actual_missing = days.iter().filter(|d| d.actual.is_none()).count();
    report.forecast_missing = days.iter().filter(|d| d.agents_forecast.is_none()).count();
    report.actual_zero = days.iter().filter(|d| d.actual == Some(0)).count();
    report.summed_canteen_days = summed_halves + summed_parts;
    report.rows_renamed = rows_renamed;
    report.pseudo_sites = pseudo.into_values().collect();
    report.unmapped_sites = unmapped.into_values().collect();
    report.unlisted_canteens = unlisted
        .into_values()
        .map(|(mut c, dates)| {
            c.canteen_days = dates.len();
            c
        })
        .collect();
    report.canteens_without_attendance = canteens
        .iter()
        .filter(|c| !with_days.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();

    let pseudo_rows: usize = report.pseudo_sites.iter().map(|s| s.rows).sum();
    let unmapped_rows: usize = report.unmapped_sites.iter().map(|s| s.rows).sum();
    let unlisted_rows: usize = report.unlisted_canteens.iter().map(|c| c.rows).sum();
    file.repair(
        "duplicate site-day rows dropped (same values)",
        duplicate_rows,
    );
    file.repair(
        "conflicting site-day rows set aside (first row kept)",
        conflicting_rows,
    );
    file.repair(
        "pseudo-site rows set aside (empty mapping target)",
        pseudo_rows,
    );
    file.repair(
        "rows of sites absent from the mapping set aside",
        unmapped_rows,
    );
    file.repair(
        "rows of canteens absent from raw/cantines.csv set aside",
        unlisted_rows,
    );
    file.repair(
        "rows mapped from a renamed or variant site name",
        rows_renamed,
    );
    file.repair("rows summed into a shared canteen-day", rows_in_summed_days);
    file.repair(
        "canteen-days joined from forecast-only and actual-only halves",
        summed_halves,
    );
    file.repair(
        "canteen-days summed from several sites (M + E, old + new name)",
        summed_parts,
    );
    file.repair("canteen-days with both values NA (kept as NA)", all_na);
    file.repair(
        "actual set aside as a data-entry spike",
        report.outliers.len(),
    );
    file.rows_kept = rows_kept;
    file.date_span = site_days
        .iter()
        .map(|d| d.date)
        .min()
        .zip(site_days.iter().map(|d| d.date).max());

    Attendance { days, report }
}

fn note_site(
    sites: &mut BTreeMap<(String, String), SiteRows>,
    key: (String, String),
    date: NaiveDate,
) {
    let entry = sites.entry(key.clone()).or_insert_with(|| SiteRows {
        site: key.0,
        site_type: key.1,
        rows: 0,
        first: date,
        last: date,
    });
    entry.rows += 1;
    entry.first = entry.first.min(date);
    entry.last = entry.last.max(date);
}

/// Whether `value` is an impossible entry given the canteen's `median` and the other number
/// recorded that day (`other`: the agents' forecast for an actual, and vice versa).
pub fn is_spike(value: u32, median: f64, other: Option<u32>) -> bool {
    let value = value as f64;
    match other {
        Some(other) => value > SPIKE_FACTOR * median && value > SPIKE_FACTOR * other as f64,
        None => value > SPIKE_FACTOR_WITHOUT_FORECAST * median,
    }
}

fn median(values: &mut [u32]) -> f64 {
    values.sort_unstable();
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn site_day(
        site: &str,
        site_type: &str,
        date: &str,
        forecast: Option<u32>,
        actual: Option<u32>,
    ) -> SiteDay {
        SiteDay {
            site_type: site_type.into(),
            date: d(date),
            forecast,
            actual,
            site: site.into(),
            line: 0,
        }
    }

    fn canteen(name: &str, kind: CanteenKind) -> Canteen {
        Canteen {
            name: name.into(),
            kind,
            sector: "Sud".into(),
        }
    }

    fn map(rows: &[(&str, &str, Option<&str>)]) -> SiteMapping {
        rows.iter()
            .map(|(s, t, c)| {
                (
                    (s.to_string(), t.to_string()),
                    c.map(|c| SiteTarget::Canteen(c.into()))
                        .unwrap_or(SiteTarget::None),
                )
            })
            .collect()
    }

    fn empty_file() -> FileReport {
        FileReport::absent("raw/frequentation.csv", ',')
    }

    #[test]
    fn halves_and_parts_are_summed_and_all_na_stays_na() {
        let canteens = vec![
            canteen("CHENE D'ARON M", CanteenKind::Nursery),
            canteen("FOURNIER", CanteenKind::Both),
        ];
        let mapping = map(&[
            ("CHENE DARON", "M", Some("CHENE D'ARON M")),
            ("CHENE D'ARON", "M", Some("CHENE D'ARON M")),
            ("FOURNIER", "E", Some("FOURNIER")),
            ("FOURNIER", "M", Some("FOURNIER")),
        ]);
        let days = vec![
            // forecast-only half + actual-only half
            site_day("CHENE DARON", "M", "2011-01-21", Some(73), None),
            site_day("CHENE D'ARON", "M", "2011-01-21", None, Some(63)),
            // maternelle + élémentaire
            site_day("FOURNIER", "E", "2014-05-22", Some(97), Some(87)),
            site_day("FOURNIER", "M", "2014-05-22", Some(66), Some(57)),
            // all NA stays NA
            site_day("FOURNIER", "E", "2014-05-15", None, None),
            site_day("FOURNIER", "M", "2014-05-15", None, None),
            // one side NA on one row only: the other row's value is the sum
            site_day("FOURNIER", "E", "2014-05-16", Some(90), None),
            site_day("FOURNIER", "M", "2014-05-16", Some(60), Some(50)),
        ];
        let mut file = empty_file();
        let out = build_attendance(&days, &mapping, &canteens, &mut file);
        let got: Vec<(String, String, Option<u32>, Option<u32>)> = out
            .days
            .iter()
            .map(|a| {
                (
                    a.canteen.clone(),
                    a.date.to_string(),
                    a.agents_forecast,
                    a.actual,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "CHENE D'ARON M".into(),
                    "2011-01-21".into(),
                    Some(73),
                    Some(63)
                ),
                ("FOURNIER".into(), "2014-05-15".into(), None, None),
                ("FOURNIER".into(), "2014-05-16".into(), Some(150), Some(50)),
                ("FOURNIER".into(), "2014-05-22".into(), Some(163), Some(144)),
            ]
        );
        assert_eq!(out.report.summed_canteen_days, 4);
        assert_eq!(
            file.repairs["canteen-days joined from forecast-only and actual-only halves"],
            1
        );
        assert_eq!(
            file.repairs["canteen-days summed from several sites (M + E, old + new name)"],
            3
        );
        assert_eq!(
            file.repairs["canteen-days with both values NA (kept as NA)"],
            1
        );
        // Both CHENE rows differ from "CHENE D'ARON M"; FOURNIER rows keep their name.
        assert_eq!(out.report.rows_renamed, 2);
    }

    #[test]
    fn names_match_exactly_and_pseudo_unmapped_unlisted_are_set_aside() {
        let canteens = vec![canteen("EMILE PEHANT ", CanteenKind::Both)];
        let mapping = map(&[
            ("EMILE PEHANT", "M/E", Some("EMILE PEHANT ")),
            ("EMILE PEHANT", "E", Some("EMILE PEHANT")),
            ("FOYER MANU (dépannage)", "E", None),
        ]);
        let days = vec![
            site_day("EMILE PEHANT", "M/E", "2013-01-07", Some(239), Some(228)),
            site_day("EMILE PEHANT", "E", "2012-12-17", None, Some(228)),
            site_day("FOYER MANU (dépannage)", "E", "2012-01-10", Some(110), None),
            site_day("EMILE PEHANT ", "M/E", "2013-01-08", Some(1), Some(1)),
            site_day("EMILE PEHANT", "M", "2013-01-08", Some(1), Some(1)),
        ];
        let mut file = empty_file();
        let out = build_attendance(&days, &mapping, &canteens, &mut file);
        assert_eq!(out.days.len(), 1);
        assert_eq!(out.days[0].canteen, "EMILE PEHANT ");
        assert_eq!(out.report.pseudo_sites.len(), 1);
        assert_eq!(out.report.pseudo_sites[0].rows, 1);
        let unmapped: Vec<(&str, &str)> = out
            .report
            .unmapped_sites
            .iter()
            .map(|s| (s.site.as_str(), s.site_type.as_str()))
            .collect();
        assert_eq!(
            unmapped,
            vec![("EMILE PEHANT", "M"), ("EMILE PEHANT ", "M/E")]
        );
        assert_eq!(out.report.unlisted_canteens.len(), 1);
        assert_eq!(out.report.unlisted_canteens[0].canteen, "EMILE PEHANT");
        assert_eq!(file.rows_kept, 1);
    }

    #[test]
    fn spikes_are_set_aside_real_zeros_kept() {
        let canteens = vec![canteen("ANATOLE DE MONZIE", CanteenKind::Primary)];
        let mapping = map(&[("ANATOLE DE MONZIE", "E", Some("ANATOLE DE MONZIE"))]);
        let mut days: Vec<SiteDay> = (1..=28)
            .map(|i| {
                let date = d("2017-11-01") + chrono::Days::new(i);
                SiteDay {
                    site_type: "E".into(),
                    date,
                    forecast: Some(95),
                    actual: Some(85 + (i as u32 % 7)),
                    site: "ANATOLE DE MONZIE".into(),
                    line: 0,
                }
            })
            .collect();
        days.push(site_day(
            "ANATOLE DE MONZIE",
            "E",
            "2017-12-19",
            Some(133),
            Some(1130),
        ));
        days.push(site_day(
            "ANATOLE DE MONZIE",
            "E",
            "2017-12-18",
            Some(95),
            Some(0),
        ));
        // High but plausible against the forecast: kept.
        days.push(site_day(
            "ANATOLE DE MONZIE",
            "E",
            "2017-12-20",
            Some(300),
            Some(290),
        ));
        let mut file = empty_file();
        let out = build_attendance(&days, &mapping, &canteens, &mut file);
        assert_eq!(out.report.outliers.len(), 1);
        let spike = &out.report.outliers[0];
        assert_eq!(
            (spike.date, spike.value, spike.canteen_median),
            (d("2017-12-19"), 1130, 88.0)
        );
        let day = |s: &str| out.days.iter().find(|a| a.date == d(s)).unwrap().clone();
        assert_eq!(day("2017-12-19").actual, None);
        assert_eq!(day("2017-12-19").agents_forecast, Some(133));
        assert_eq!(day("2017-12-18").actual, Some(0));
        assert_eq!(day("2017-12-20").actual, Some(290));
        assert_eq!(out.report.actual_zero, 1);
    }

    #[test]
    fn duplicate_site_days_are_not_double_counted() {
        let canteens = vec![canteen("LINOT", CanteenKind::Both)];
        let mapping = map(&[("LINOT", "M/E", Some("LINOT"))]);
        let days = vec![
            site_day("LINOT", "M/E", "2016-01-04", Some(100), Some(90)),
            site_day("LINOT", "M/E", "2016-01-04", Some(100), Some(90)),
            site_day("LINOT", "M/E", "2016-01-04", Some(100), Some(80)),
        ];
        let mut file = empty_file();
        let out = build_attendance(&days, &mapping, &canteens, &mut file);
        assert_eq!(out.days[0].actual, Some(90));
        assert_eq!(
            file.repairs["duplicate site-day rows dropped (same values)"],
            1
        );
        assert_eq!(
            file.repairs["conflicting site-day rows set aside (first row kept)"],
            1
        );
    }
}
