//! Calendars: school years, zone-B school holidays (unsorted, duplicated rows in the source),
//! public holidays, strike days (`dd/mm/yy`), and the daily religious flags extended with
//! `calendar/ramadan.csv` beyond the flags file's last day.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use prevoir_core::DataError;
use prevoir_core::dates::DateFormat;

use crate::files::Table;
use crate::report::FileReport;
use crate::tables::{Holiday, PublicHoliday, ReligiousDay, SchoolYear, StrikeDay};

fn span<I: Iterator<Item = NaiveDate> + Clone>(dates: I) -> Option<(NaiveDate, NaiveDate)> {
    dates.clone().min().zip(dates.max())
}

/// Counts rows whose date comes before the previous row's (how unsorted a file is).
fn out_of_order(dates: &[NaiveDate]) -> usize {
    dates.windows(2).filter(|w| w[1] < w[0]).count()
}

/// Whether `label` reads `YYYY-YYYY` with consecutive years.
pub fn is_school_year_label(label: &str) -> bool {
    let Some((a, b)) = label.split_once('-') else {
        return false;
    };
    match (a.parse::<i32>(), b.parse::<i32>()) {
        (Ok(a), Ok(b)) => a.to_string().len() == 4 && b == a + 1,
        _ => false,
    }
}

const LABEL_EXPECTED: &str = "a school year YYYY-YYYY (consecutive years)";

/// `calendar/annees_scolaires.csv`, sorted by start.
pub fn read_school_years(
    table: &Table,
    report: &mut FileReport,
) -> Result<Vec<SchoolYear>, DataError> {
    let mut years = Vec::new();
    let mut labels = HashSet::new();
    let mut duplicates = 0;
    for row in &table.rows {
        let label = table.text(row, 0);
        if !is_school_year_label(label) {
            return Err(table.error(row, 0, LABEL_EXPECTED));
        }
        let start = table.date(row, 1, DateFormat::Iso)?;
        let end = table.date(row, 2, DateFormat::Iso)?;
        if end < start {
            return Err(table.error(row, 2, format!("an end date on or after the start {start}")));
        }
        if !labels.insert(label.to_string()) {
            duplicates += 1;
            continue;
        }
        years.push(SchoolYear {
            label: label.to_string(),
            start,
            end,
        });
    }
    let starts: Vec<NaiveDate> = years.iter().map(|y| y.start).collect();
    report.repair("rows out of date order (sorted)", out_of_order(&starts));
    report.repair("duplicate school years dropped", duplicates);
    years.sort_by_key(|y| y.start);
    report.rows_kept = years.len();
    report.date_span = span(years.iter().flat_map(|y| [y.start, y.end]));
    Ok(years)
}

/// `calendar/vacances.csv`: zone B only, sorted by start, exact duplicates removed.
pub fn read_holidays(table: &Table, report: &mut FileReport) -> Result<Vec<Holiday>, DataError> {
    let mut holidays = Vec::new();
    let mut seen = HashSet::new();
    let (mut duplicates, mut other_zones, mut not_holidays) = (0, 0, 0);
    let mut starts = Vec::new();
    for row in &table.rows {
        if !is_school_year_label(table.text(row, 0)) {
            return Err(table.error(row, 0, LABEL_EXPECTED));
        }
        let name = table.non_empty(row, 1, "a holiday name")?.to_string();
        let start = table.date(row, 2, DateFormat::Iso)?;
        let end = table.date(row, 3, DateFormat::Iso)?;
        if end < start {
            return Err(table.error(row, 3, format!("an end date on or after the start {start}")));
        }
        let zone = table.non_empty(row, 4, "a holiday zone (A, B or C)")?;
        let is_holiday = table.flag(row, 5)?;
        starts.push(start);
        if zone != "B" {
            other_zones += 1;
            continue;
        }
        if !is_holiday {
            not_holidays += 1;
            continue;
        }
        if !seen.insert((name.clone(), start, end)) {
            duplicates += 1;
            continue;
        }
        holidays.push(Holiday { name, start, end });
    }
    report.repair("rows out of date order (sorted)", out_of_order(&starts));
    report.repair("duplicate holiday rows dropped", duplicates);
    report.repair("rows of zones other than B set aside", other_zones);
    report.repair("rows flagged vacances = 0 set aside", not_holidays);
    holidays.sort_by(|a, b| (a.start, a.end, &a.name).cmp(&(b.start, b.end, &b.name)));
    report.rows_kept = holidays.len();
    report.date_span = span(holidays.iter().flat_map(|h| [h.start, h.end]));
    Ok(holidays)
}

/// `calendar/jours_feries.csv`, sorted by date.
pub fn read_public_holidays(
    table: &Table,
    report: &mut FileReport,
) -> Result<Vec<PublicHoliday>, DataError> {
    let mut by_date: BTreeMap<NaiveDate, PublicHoliday> = BTreeMap::new();
    let (mut duplicates, mut not_holidays) = (0, 0);
    let mut dates = Vec::new();
    for row in &table.rows {
        let date = table.date(row, 0, DateFormat::Iso)?;
        let flag = table.flag(row, 1)?;
        let name = table.non_empty(row, 2, "a holiday name")?.to_string();
        dates.push(date);
        if !flag {
            not_holidays += 1;
            continue;
        }
        if by_date.insert(date, PublicHoliday { date, name }).is_some() {
            duplicates += 1;
        }
    }
    report.repair("rows out of date order (sorted)", out_of_order(&dates));
    report.repair("duplicate dates dropped (last name kept)", duplicates);
    report.repair("rows flagged jour_ferie = 0 set aside", not_holidays);
    report.rows_kept = by_date.len();
    report.date_span = span(by_date.keys().copied());
    Ok(by_date.into_values().collect())
}

/// `calendar/journees_de_greve.csv` (`dd/mm/yy`), sorted, one row per date.
pub fn read_strikes(table: &Table, report: &mut FileReport) -> Result<Vec<StrikeDay>, DataError> {
    let mut by_date: BTreeMap<NaiveDate, StrikeDay> = BTreeMap::new();
    let mut dates = Vec::new();
    let mut duplicates = 0;
    for row in &table.rows {
        let date = table.date(row, 0, DateFormat::DayFirstShortYear)?;
        let event = table.non_empty(row, 1, "an event name")?.to_string();
        dates.push(date);
        if by_date.contains_key(&date) {
            duplicates += 1;
            continue;
        }
        by_date.insert(date, StrikeDay { date, event });
    }
    report.repair("rows out of date order (sorted)", out_of_order(&dates));
    report.repair("duplicate strike dates dropped", duplicates);
    report.rows_kept = by_date.len();
    report.date_span = span(by_date.keys().copied());
    Ok(by_date.into_values().collect())
}

/// `calendar/fetes_religieuses_jours.csv`, sorted by date.
pub fn read_religious(
    table: &Table,
    report: &mut FileReport,
) -> Result<Vec<ReligiousDay>, DataError> {
    let mut by_date: BTreeMap<NaiveDate, ReligiousDay> = BTreeMap::new();
    let mut dates = Vec::new();
    let mut duplicates = 0;
    for row in &table.rows {
        let date = table.date(row, 0, DateFormat::Iso)?;
        let day = ReligiousDay {
            date,
            christian: table.flag(row, 1)?,
            jewish: table.flag(row, 2)?,
            ramadan: table.flag(row, 3)?,
            muslim: table.flag(row, 4)?,
        };
        dates.push(date);
        match by_date.get(&date) {
            Some(existing) if *existing == day => duplicates += 1,
            Some(_) => {
                return Err(table.error(row, 0, "a date not already listed with other flags"));
            }
            None => {
                by_date.insert(date, day);
            }
        }
    }
    report.repair("rows out of date order (sorted)", out_of_order(&dates));
    report.repair("duplicate dates dropped", duplicates);
    report.rows_kept = by_date.len();
    report.date_span = span(by_date.keys().copied());
    Ok(by_date.into_values().collect())
}

/// `calendar/ramadan.csv` (`dd/mm/YYYY`, flag 1): the Ramadan dates it lists.
pub fn read_ramadan(table: &Table, report: &mut FileReport) -> Result<Vec<NaiveDate>, DataError> {
    let mut dates = Vec::new();
    let mut flagged_off = 0;
    for row in &table.rows {
        let date = table.date(row, 0, DateFormat::DayFirst)?;
        if table.flag(row, 1)? {
            dates.push(date);
        } else {
            flagged_off += 1;
        }
    }
    report.repair("rows out of date order (sorted)", out_of_order(&dates));
    report.repair("rows flagged ramadan = 0 ignored", flagged_off);
    report.date_span = span(dates.iter().copied());
    let unique: HashSet<NaiveDate> = dates.iter().copied().collect();
    report.repair("duplicate dates dropped", dates.len() - unique.len());
    let mut unique: Vec<NaiveDate> = unique.into_iter().collect();
    unique.sort();
    report.rows_kept = unique.len();
    Ok(unique)
}

/// Adds the Ramadan days of `ramadan.csv` that fall outside the daily flags' date range (as days
/// with only `ramadan` set) and counts, inside the range, the days the two files disagree on (the
/// daily flags are kept). Returns (days added, days disagreeing).
pub fn extend_with_ramadan(
    religious: &mut Vec<ReligiousDay>,
    ramadan: &[NaiveDate],
) -> (usize, usize) {
    let (Some(first), Some(last)) = (
        religious.first().map(|d| d.date),
        religious.last().map(|d| d.date),
    ) else {
        let added = ramadan.len();
        religious.extend(ramadan.iter().map(|&date| only_ramadan(date)));
        return (added, 0);
    };
    let listed: HashSet<NaiveDate> = ramadan.iter().copied().collect();
    let flagged: HashSet<NaiveDate> = religious
        .iter()
        .filter(|d| d.ramadan)
        .map(|d| d.date)
        .collect();
    let inside = |d: &NaiveDate| *d >= first && *d <= last;
    let disagreeing = listed
        .iter()
        .filter(|d| inside(d) && !flagged.contains(d))
        .count()
        + flagged.iter().filter(|d| !listed.contains(d)).count();
    let added: Vec<ReligiousDay> = ramadan
        .iter()
        .filter(|d| !inside(d))
        .map(|&d| only_ramadan(d))
        .collect();
    let count = added.len();
    religious.extend(added);
    religious.sort_by_key(|d| d.date);
    (count, disagreeing)
}

fn only_ramadan(date: NaiveDate) -> ReligiousDay {
    ReligiousDay {
        date,
        christian: false,
        jewish: false,
        ramadan: true,
        muslim: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn school_year_labels() {
        assert!(is_school_year_label("2017-2018"));
        assert!(!is_school_year_label("2017-2019"));
        assert!(!is_school_year_label("17-18"));
        assert!(!is_school_year_label("2017/2018"));
    }

    #[test]
    fn ramadan_extends_beyond_the_flags_and_disagreements_are_counted() {
        let mut religious = vec![
            ReligiousDay {
                date: d("2019-05-06"),
                christian: false,
                jewish: false,
                ramadan: true,
                muslim: false,
            },
            ReligiousDay {
                date: d("2019-05-07"),
                christian: true,
                jewish: false,
                ramadan: false,
                muslim: false,
            },
        ];
        let ramadan = [d("2019-05-06"), d("2019-05-07"), d("2020-04-24")];
        let (added, disagreeing) = extend_with_ramadan(&mut religious, &ramadan);
        assert_eq!((added, disagreeing), (1, 1));
        assert_eq!(religious.len(), 3);
        assert!(religious[2].ramadan && religious[2].date == d("2020-04-24"));
        // Inside the flags' range the flags file wins.
        assert!(!religious[1].ramadan);
    }
}
