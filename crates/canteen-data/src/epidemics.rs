//! Réseau Sentinelles weekly incidence (`context/sentinelles_*.csv`): the Pays de la Loire rows
//! (the files spell it `PAYS-DE-LA-LOIRE`; names are compared with `-` read as a space), week
//! `YYYYWW` as the Monday of that ISO week, `inc100` cases per 100,000 inhabitants.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Weekday};
use prevoir_core::DataError;

use crate::files::Table;
use crate::report::FileReport;
use crate::tables::{Disease, EpidemicWeek};

/// The region whose rows are kept.
pub const REGION: &str = "PAYS DE LA LOIRE";

/// `PAYS-DE-LA-LOIRE`, `Pays de la Loire` → `PAYS DE LA LOIRE`.
pub fn normalise_region(name: &str) -> String {
    name.trim()
        .to_uppercase()
        .replace('-', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Monday of ISO week `YYYYWW`.
pub fn week_start(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let week: u32 = text[4..].parse().ok()?;
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
}

/// Reads one disease's file: Pays de la Loire weeks, sorted by week.
pub fn read_epidemics(
    table: &Table,
    disease: Disease,
    report: &mut FileReport,
) -> Result<Vec<EpidemicWeek>, DataError> {
    let mut weeks: BTreeMap<NaiveDate, EpidemicWeek> = BTreeMap::new();
    let (mut duplicates, mut no_value) = (0, 0);
    let mut all_weeks = Vec::new();
    for row in &table.rows {
        let week = week_start(table.text(row, 0))
            .ok_or_else(|| table.error(row, 0, "an ISO week YYYYWW"))?;
        all_weeks.push(week);
        if normalise_region(table.text(row, 9)) != REGION {
            continue;
        }
        let text = table.text(row, 5).trim();
        if text.is_empty() || text == "NA" {
            no_value += 1;
            continue;
        }
        let incidence: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| table.error(row, 5, "an incidence per 100,000 (a number ≥ 0)"))?;
        if weeks
            .insert(
                week,
                EpidemicWeek {
                    disease,
                    week_start: week,
                    incidence_per_100k: incidence,
                },
            )
            .is_some()
        {
            duplicates += 1;
        }
    }
    if weeks.is_empty() {
        return Err(DataError::schema(
            prevoir_core::Location::new(&table.path, 1, Some(10)),
            format!("rows for region {REGION} in column geo_name"),
            "none",
        ));
    }
    let gaps = weeks
        .keys()
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| ((*w[1] - *w[0]).num_days() / 7 - 1) as usize)
        .sum();
    report.repair("duplicate region weeks (last kept)", duplicates);
    report.repair("region weeks without inc100 set aside", no_value);
    report.repair("weeks missing inside the region series (not filled)", gaps);
    report.rows_kept = weeks.len();
    report.date_span = all_weeks
        .iter()
        .min()
        .copied()
        .zip(all_weeks.iter().max().copied());
    Ok(weeks.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks_and_region_names() {
        assert_eq!(week_start("201553"), NaiveDate::from_ymd_opt(2015, 12, 28));
        assert_eq!(week_start("201801"), NaiveDate::from_ymd_opt(2018, 1, 1));
        assert_eq!(week_start("201453"), None);
        assert_eq!(week_start("2018-01"), None);
        assert_eq!(normalise_region("PAYS-DE-LA-LOIRE"), REGION);
        assert_eq!(normalise_region("Pays de la Loire "), REGION);
    }
}
