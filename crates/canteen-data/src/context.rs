//! Validation of the files read only for context (none of the tables needs them): the school
//! directory, canteen addresses, national rail strikes, and the religious feasts as scraped. They
//! are checked (header, field count, dates) and reported; a value that breaks the schema still
//! stops the load, so that `data check` tells the truth about every file it knows.

use chrono::{Datelike, NaiveDate, Weekday};
use prevoir_core::DataError;
use prevoir_core::dates::DateFormat;

use crate::files::Table;
use crate::report::FileReport;

fn span(dates: &[NaiveDate]) -> Option<(NaiveDate, NaiveDate)> {
    dates.iter().min().copied().zip(dates.iter().max().copied())
}

/// `context/annuaire_etablissements.csv`: `date_ouverture` ISO and coordinates as numbers when given.
pub fn check_school_directory(table: &Table, report: &mut FileReport) -> Result<(), DataError> {
    let mut dates = Vec::new();
    for row in &table.rows {
        table.non_empty(row, 0, "a school code (UAI)")?;
        for column in [14, 15] {
            let text = table.text(row, column).trim();
            if !text.is_empty() && text.parse::<f64>().is_err() {
                return Err(table.error(row, column, "a latitude/longitude in decimal degrees"));
            }
        }
        if !table.text(row, 34).trim().is_empty() {
            dates.push(table.date(row, 34, DateFormat::Iso)?);
        }
    }
    report.rows_kept = table.rows.len();
    report.date_span = span(&dates);
    Ok(())
}

/// `context/geo_cantines.csv`: a canteen name and a `[longitude,latitude]` pair when given.
pub fn check_canteen_places(table: &Table, report: &mut FileReport) -> Result<(), DataError> {
    for row in &table.rows {
        table.non_empty(row, 0, "a canteen name")?;
        let text = table.text(row, 16).trim();
        if text.is_empty() {
            continue;
        }
        let ok = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .and_then(|t| t.split_once(','))
            .is_some_and(|(lon, lat)| {
                lon.trim().parse::<f64>().is_ok() && lat.trim().parse::<f64>().is_ok()
            });
        if !ok {
            return Err(table.error(row, 16, "a coordinate pair [longitude,latitude]"));
        }
    }
    report.rows_kept = table.rows.len();
    Ok(())
}

/// `context/sncf_mouvements_sociaux.csv`: start date ISO, end date ISO or empty.
pub fn check_rail_strikes(table: &Table, report: &mut FileReport) -> Result<(), DataError> {
    let mut dates = Vec::new();
    let mut open_ended = 0;
    for row in &table.rows {
        let start = table.date(row, 0, DateFormat::Iso)?;
        dates.push(start);
        if table.text(row, 1).trim().is_empty() {
            open_ended += 1;
        } else {
            let end = table.date(row, 1, DateFormat::Iso)?;
            if end < start {
                return Err(table.error(
                    row,
                    1,
                    format!("an end date on or after the start {start}"),
                ));
            }
            dates.push(end);
        }
    }
    report.repair("one-day strikes without end date (end = start)", open_ended);
    report.rows_kept = table.rows.len();
    report.date_span = span(&dates);
    Ok(())
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const WEEKDAYS: [(&str, Weekday); 7] = [
    ("lun", Weekday::Mon),
    ("mar", Weekday::Tue),
    ("mer", Weekday::Wed),
    ("jeu", Weekday::Thu),
    ("ven", Weekday::Fri),
    ("sam", Weekday::Sat),
    ("dim", Weekday::Sun),
];

/// Reads a scraped French date from `Dim. 2` and `Janvier 2011`; returns the date and whether the
/// weekday abbreviation agrees with it.
pub fn parse_french_day(day: &str, month_year: &str) -> Option<(NaiveDate, bool)> {
    let (weekday, day_number) = day.trim().split_once('.')?;
    let day_number: u32 = day_number.trim().parse().ok()?;
    let mut parts = month_year.split_whitespace();
    let month_name = parts.next()?.to_lowercase();
    let year: i32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let date = NaiveDate::from_ymd_opt(year, month, day_number)?;
    let weekday = weekday.trim().to_lowercase();
    let expected = WEEKDAYS
        .iter()
        .find(|(abbr, _)| *abbr == weekday)
        .map(|(_, w)| *w)?;
    Some((date, expected == date.weekday()))
}

/// `calendar/fetes_chretiennes_raw.csv`, `calendar/fetes_juives_raw.csv`: no header,
/// `Dim. 2,Janvier 2011,<religion>,<feast>,<description>,<note>`.
pub fn check_feasts_raw(table: &Table, report: &mut FileReport) -> Result<(), DataError> {
    let mut dates = Vec::new();
    let mut weekday_mismatch = 0;
    for row in &table.rows {
        let (date, weekday_ok) = parse_french_day(table.text(row, 0), table.text(row, 1))
            .ok_or_else(|| {
                table.error(
                    row,
                    0,
                    format!(
                        "a French day and month like \"Dim. 2\",\"Janvier 2011\" (with {:?})",
                        table.text(row, 1)
                    ),
                )
            })?;
        table.non_empty(row, 3, "a feast name")?;
        if !weekday_ok {
            weekday_mismatch += 1;
        }
        dates.push(date);
    }
    report.repair(
        "weekday abbreviation disagrees with the date (date kept)",
        weekday_mismatch,
    );
    report.rows_kept = table.rows.len();
    report.date_span = span(&dates);
    Ok(())
}

/// `calendar/fetes_musulmanes_raw.csv`: no header, `15/02/2011,15,/02/2011,musulman,…`; dates
/// with a one-digit day or stray spaces (`17/06/ 2012`) are normalised.
pub fn check_muslim_feasts_raw(table: &Table, report: &mut FileReport) -> Result<(), DataError> {
    let mut dates = Vec::new();
    let mut repaired = 0;
    for row in &table.rows {
        let raw = table.text(row, 0);
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let padded = match compact.split_once('/') {
            Some((day, rest)) if day.len() == 1 => format!("0{day}/{rest}"),
            _ => compact,
        };
        if padded != raw {
            repaired += 1;
        }
        let date = prevoir_core::dates::parse_date(&padded, DateFormat::DayFirst)
            .ok_or_else(|| table.error(row, 0, DateFormat::DayFirst.expected()))?;
        table.non_empty(row, 4, "a feast name")?;
        dates.push(date);
    }
    report.repair(
        "dates with stray spaces or a one-digit day normalised",
        repaired,
    );
    report.rows_kept = table.rows.len();
    report.date_span = span(&dates);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_days() {
        let jan2 = NaiveDate::from_ymd_opt(2011, 1, 2).unwrap();
        assert_eq!(
            parse_french_day("Dim. 2", "Janvier 2011"),
            Some((jan2, true))
        );
        assert_eq!(
            parse_french_day("Lun. 2", "Janvier 2011"),
            Some((jan2, false))
        );
        assert_eq!(
            parse_french_day("Dim. 15", "Août 2011").map(|d| d.0),
            NaiveDate::from_ymd_opt(2011, 8, 15)
        );
        assert_eq!(parse_french_day("Dim. 32", "Janvier 2011"), None);
        assert_eq!(parse_french_day("Dim 2", "Janvier 2011"), None);
    }
}
