//! The data quality report: what every file held, what was repaired (by kind, with counts), and
//! what was set aside, so that nothing is dropped silently. Serializable for `--json`, and a
//! terminal-friendly [`std::fmt::Display`] with aligned columns.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use prevoir_core::text::TextEncoding;
use serde::{Deserialize, Serialize};

/// Everything `load` noticed about a data directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QualityReport {
    /// One entry per known file kind, present or not.
    pub files: Vec<FileReport>,
    pub attendance: AttendanceReport,
    pub menus: MenuReport,
    pub strikes: StrikeReport,
    pub enrolment: EnrolmentReport,
}

/// Whether a file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    Read,
    /// An optional file that is not in the directory.
    Absent,
}

/// What one file held and what was done to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileReport {
    /// Path relative to the data directory.
    pub path: String,
    pub required: bool,
    pub status: FileStatus,
    pub encoding: Option<TextEncoding>,
    pub crlf: bool,
    /// Field delimiter (`,` or `;`).
    pub delimiter: char,
    /// Data records read (header excluded).
    pub rows_read: usize,
    /// Records that made it into a table (or, for context files, that validated).
    pub rows_kept: usize,
    /// First and last date the file mentions (of its main date column).
    pub date_span: Option<(NaiveDate, NaiveDate)>,
    /// Empty or `NA` values per column (columns without any are omitted).
    pub missing: BTreeMap<String, usize>,
    /// Records identical to an earlier record.
    pub duplicates: usize,
    /// Repairs and set-asides by kind, with counts.
    pub repairs: BTreeMap<String, usize>,
}

impl FileReport {
    /// The report line of a file that is not there.
    pub fn absent(path: &str, delimiter: char) -> Self {
        Self {
            path: path.to_string(),
            required: false,
            status: FileStatus::Absent,
            encoding: None,
            crlf: false,
            delimiter,
            rows_read: 0,
            rows_kept: 0,
            date_span: None,
            missing: BTreeMap::new(),
            duplicates: 0,
            repairs: BTreeMap::new(),
        }
    }

    /// Adds `count` to repair `kind` (zero counts are not recorded).
    pub fn repair(&mut self, kind: &str, count: usize) {
        if count > 0 {
            *self.repairs.entry(kind.to_string()).or_insert(0) += count;
        }
    }
}

/// An attendance site and how many rows it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRows {
    pub site: String,
    pub site_type: String,
    pub rows: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// A canteen name reached through the mapping but absent from `raw/cantines.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlistedCanteen {
    pub canteen: String,
    /// Canteen-days set aside.
    pub canteen_days: usize,
    pub rows: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// A value far outside what a canteen serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlier {
    pub canteen: String,
    pub date: NaiveDate,
    /// The suspicious value.
    pub value: u32,
    /// Median of the canteen's positive meal counts.
    pub canteen_median: f64,
    pub agents_forecast: Option<u32>,
    pub actual: Option<u32>,
}

/// Attendance after mapping sites to canteens and summing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AttendanceReport {
    pub canteen_days: usize,
    pub canteens: usize,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub dates: usize,
    /// Canteen-days by weekday, Monday first.
    pub by_weekday: [usize; 7],
    pub actual_missing: usize,
    pub forecast_missing: usize,
    /// Canteen-days with zero meals served (closure, strike): kept.
    pub actual_zero: usize,
    /// Canteen-days built from several rows (halves, maternelle + élémentaire, renamed sites).
    pub summed_canteen_days: usize,
    /// Rows whose site name differs from the canteen name (renamed sites, spelling variants).
    pub rows_renamed: usize,
    /// Sites mapped to no canteen (empty target in the mapping): rows set aside.
    pub pseudo_sites: Vec<SiteRows>,
    /// Sites absent from the mapping: rows set aside.
    pub unmapped_sites: Vec<SiteRows>,
    /// Mapped canteens absent from `raw/cantines.csv`: rows set aside.
    pub unlisted_canteens: Vec<UnlistedCanteen>,
    /// Canteens of `raw/cantines.csv` without any attendance.
    pub canteens_without_attendance: Vec<String>,
    /// The rule that sets an actual count aside as a data-entry error.
    pub spike_rule: String,
    /// Actual counts set aside (`actual = None`).
    pub outliers: Vec<Outlier>,
    /// Agents' forecasts just as implausible; KEPT (they are the recorded baseline) but listed.
    pub forecast_outliers: Vec<Outlier>,
}

/// Where the menus came from and how well they cover school days.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MenuReport {
    pub dates: usize,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub sources: Vec<MenuSource>,
    /// Dates with attendance (school days).
    pub school_days: usize,
    pub school_days_with_menu: usize,
    /// School days without a menu, per month `YYYY-MM`.
    pub school_days_without_menu: BTreeMap<String, usize>,
    /// Dates whose menu is a strike or emergency menu written after the fact.
    pub strike_menu_dates: Vec<NaiveDate>,
}

/// One menu file's contribution.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MenuSource {
    pub path: String,
    pub present: bool,
    /// Dates in the file.
    pub dates: usize,
    /// Dates this file supplied to the merged table (absent from the sources before it).
    pub dates_supplied: usize,
    /// Dates also in an earlier source with the same dishes (after whitespace normalisation).
    pub dates_agreeing: usize,
    /// Dates also in an earlier source with different dishes (the earlier source wins).
    pub dates_differing: usize,
}

/// Strike days and what attendance shows on them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StrikeReport {
    pub strike_days: usize,
    /// Strike days within the attendance date span.
    pub in_attendance_span: usize,
    /// Strike days with at least one canteen-day of attendance.
    pub with_attendance: usize,
    /// Strike days within the span with attendance rows but no actual count (all `NA`).
    pub rows_without_actual: usize,
    /// Strike days within the span without any attendance row.
    pub without_attendance: usize,
    /// Canteen-days with zero meals served on strike days (closed canteens).
    pub closed_canteen_days: usize,
}

/// Pupils per canteen and school year.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnrolmentReport {
    pub canteen_years: usize,
    pub school_years: Vec<String>,
    /// Schools in `raw/effectifs_ecoles.csv` absent from the school mapping (rows set aside).
    pub unmapped_schools: Vec<String>,
    /// (canteen, school year) pairs where some of the canteen's schools have no enrolment.
    pub partial_canteen_years: usize,
}

// ------------------------------------------------------------------------------------------------
// Display

/// Writes rows as aligned columns: text left-aligned, numbers right-aligned.
fn write_table(f: &mut fmt::Formatter<'_>, header: &[&str], rows: &[Vec<String>]) -> fmt::Result {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            !rows.is_empty()
                && rows.iter().all(|r| {
                    r.get(i).is_none_or(|c| {
                        c.is_empty()
                            || c == "-"
                            || c == "NA"
                            || c.chars()
                                .all(|ch| ch.is_ascii_digit() || ".%,".contains(ch))
                    })
                })
        })
        .collect();
    let line = |f: &mut fmt::Formatter<'_>, cells: &[String], is_header: bool| -> fmt::Result {
        write!(f, " ")?;
        for (i, cell) in cells.iter().enumerate() {
            let width = widths[i];
            let pad = width.saturating_sub(cell.chars().count());
            let last = i + 1 == cells.len();
            if numeric[i] {
                write!(f, " {}{}", " ".repeat(pad), cell)?;
            } else if last && !is_header {
                write!(f, " {cell}")?;
            } else {
                write!(f, " {}{}", cell, " ".repeat(pad))?;
            }
        }
        writeln!(f)
    };
    let header_cells: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    line(f, &header_cells, true)?;
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(f, &rule, true)?;
    for row in rows {
        line(f, row, false)?;
    }
    Ok(())
}

fn span(span: Option<(NaiveDate, NaiveDate)>) -> String {
    match span {
        Some((a, b)) => format!("{a} → {b}"),
        None => "-".into(),
    }
}

fn opt_date(date: Option<NaiveDate>) -> String {
    date.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

fn opt_count(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "NA".into())
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1} %", 100.0 * part as f64 / whole as f64)
    }
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Files")?;
        let rows: Vec<Vec<String>> = self
            .files
            .iter()
            .map(|file| {
                let encoding = match (file.status, file.encoding) {
                    (FileStatus::Absent, _) => "absent".to_string(),
                    (_, Some(TextEncoding::Utf8)) => "utf-8".into(),
                    (_, Some(TextEncoding::Utf8Bom)) => "utf-8+BOM".into(),
                    (_, Some(TextEncoding::Windows1252)) => "cp1252".into(),
                    (_, None) => "-".into(),
                };
                let present = file.status == FileStatus::Read;
                vec![
                    file.path.clone(),
                    if file.required {
                        "required".into()
                    } else {
                        "optional".into()
                    },
                    encoding,
                    if !present {
                        "-".into()
                    } else if file.crlf {
                        "CRLF".into()
                    } else {
                        "LF".into()
                    },
                    if present {
                        format!("'{}'", file.delimiter)
                    } else {
                        "-".into()
                    },
                    if present {
                        file.rows_read.to_string()
                    } else {
                        "-".into()
                    },
                    if present {
                        file.rows_kept.to_string()
                    } else {
                        "-".into()
                    },
                    if present {
                        file.duplicates.to_string()
                    } else {
                        "-".into()
                    },
                    span(file.date_span),
                ]
            })
            .collect();
        write_table(
            f,
            &[
                "file", "need", "encoding", "eol", "sep", "rows", "kept", "dup", "dates",
            ],
            &rows,
        )?;

        writeln!(f, "\nMissing values (empty or NA) per column")?;
        let rows: Vec<Vec<String>> = self
            .files
            .iter()
            .flat_map(|file| {
                file.missing.iter().map(move |(column, count)| {
                    vec![
                        file.path.clone(),
                        column.clone(),
                        count.to_string(),
                        percent(*count, file.rows_read),
                    ]
                })
            })
            .collect();
        if rows.is_empty() {
            writeln!(f, "  none")?;
        } else {
            write_table(f, &["file", "column", "missing", "share"], &rows)?;
        }

        writeln!(f, "\nRepairs and set-asides")?;
        let rows: Vec<Vec<String>> = self
            .files
            .iter()
            .flat_map(|file| {
                file.repairs.iter().map(move |(kind, count)| {
                    vec![file.path.clone(), kind.clone(), count.to_string()]
                })
            })
            .collect();
        if rows.is_empty() {
            writeln!(f, "  none")?;
        } else {
            write_table(f, &["file", "repair", "count"], &rows)?;
        }

        let a = &self.attendance;
        writeln!(
            f,
            "\nAttendance (after mapping sites to canteens and summing)"
        )?;
        let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let by_weekday: Vec<String> = weekdays
            .iter()
            .zip(a.by_weekday)
            .filter(|(_, n)| *n > 0)
            .map(|(d, n)| format!("{d} {n}"))
            .collect();
        let facts = [
            ("canteen-days", a.canteen_days.to_string()),
            ("canteens", a.canteens.to_string()),
            (
                "dates",
                format!(
                    "{} ({} → {})",
                    a.dates,
                    opt_date(a.first_date),
                    opt_date(a.last_date)
                ),
            ),
            ("by weekday", by_weekday.join(", ")),
            (
                "actual missing",
                format!(
                    "{} ({})",
                    a.actual_missing,
                    percent(a.actual_missing, a.canteen_days)
                ),
            ),
            (
                "forecast missing",
                format!(
                    "{} ({})",
                    a.forecast_missing,
                    percent(a.forecast_missing, a.canteen_days)
                ),
            ),
            ("zero meals served (kept)", a.actual_zero.to_string()),
            (
                "canteen-days summed from several rows",
                a.summed_canteen_days.to_string(),
            ),
            (
                "rows from renamed / variant site names",
                a.rows_renamed.to_string(),
            ),
        ];
        write_facts(f, &facts)?;

        writeln!(
            f,
            "\nPseudo-sites (empty target in the mapping; rows set aside)"
        )?;
        write_sites(f, &a.pseudo_sites)?;
        writeln!(f, "\nSites absent from the mapping (rows set aside)")?;
        write_sites(f, &a.unmapped_sites)?;
        writeln!(
            f,
            "\nCanteens in attendance but absent from raw/cantines.csv (rows set aside)"
        )?;
        if a.unlisted_canteens.is_empty() {
            writeln!(f, "  none")?;
        } else {
            let rows: Vec<Vec<String>> = a
                .unlisted_canteens
                .iter()
                .map(|c| {
                    vec![
                        format!("{:?}", c.canteen),
                        c.rows.to_string(),
                        c.canteen_days.to_string(),
                        format!("{} → {}", c.first, c.last),
                    ]
                })
                .collect();
            write_table(f, &["canteen", "rows", "canteen-days", "dates"], &rows)?;
        }
        writeln!(f, "\nCanteens in raw/cantines.csv without attendance")?;
        if a.canteens_without_attendance.is_empty() {
            writeln!(f, "  none")?;
        } else {
            for c in &a.canteens_without_attendance {
                writeln!(f, "  {c:?}")?;
            }
        }

        writeln!(f, "\nOutliers set aside (actual = NA): {}", a.spike_rule)?;
        write_outliers(f, &a.outliers)?;
        writeln!(
            f,
            "\nImplausible agents' forecasts (kept as recorded, listed for information)"
        )?;
        write_outliers(f, &a.forecast_outliers)?;

        let m = &self.menus;
        writeln!(f, "\nMenus")?;
        let facts = [
            (
                "dates with a menu",
                format!(
                    "{} ({} → {})",
                    m.dates,
                    opt_date(m.first_date),
                    opt_date(m.last_date)
                ),
            ),
            (
                "school days with a menu",
                format!(
                    "{} / {} ({})",
                    m.school_days_with_menu,
                    m.school_days,
                    percent(m.school_days_with_menu, m.school_days)
                ),
            ),
            (
                "strike / emergency menus (written after the fact)",
                m.strike_menu_dates.len().to_string(),
            ),
        ];
        write_facts(f, &facts)?;
        let rows: Vec<Vec<String>> = m
            .sources
            .iter()
            .map(|s| {
                if s.present {
                    vec![
                        s.path.clone(),
                        s.dates.to_string(),
                        s.dates_supplied.to_string(),
                        s.dates_agreeing.to_string(),
                        s.dates_differing.to_string(),
                    ]
                } else {
                    vec![
                        s.path.clone(),
                        "absent".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                    ]
                }
            })
            .collect();
        write_table(
            f,
            &[
                "source (in priority order)",
                "dates",
                "supplied",
                "agree",
                "differ",
            ],
            &rows,
        )?;
        if !m.school_days_without_menu.is_empty() {
            let months: Vec<String> = m
                .school_days_without_menu
                .iter()
                .map(|(month, n)| format!("{month} ({n})"))
                .collect();
            writeln!(
                f,
                "  school days without a menu, by month: {}",
                months.join(", ")
            )?;
        }

        let s = &self.strikes;
        writeln!(f, "\nStrike days")?;
        let facts = [
            ("listed", s.strike_days.to_string()),
            (
                "within the attendance dates",
                s.in_attendance_span.to_string(),
            ),
            ("with attendance", s.with_attendance.to_string()),
            (
                "with rows but every actual NA",
                s.rows_without_actual.to_string(),
            ),
            (
                "without any attendance row",
                s.without_attendance.to_string(),
            ),
            (
                "canteen-days closed (0 meals) on strike days",
                s.closed_canteen_days.to_string(),
            ),
        ];
        write_facts(f, &facts)?;

        let e = &self.enrolment;
        writeln!(f, "\nEnrolment")?;
        let facts = [
            ("canteen × school year rows", e.canteen_years.to_string()),
            ("school years", e.school_years.join(", ")),
            (
                "schools absent from the school mapping",
                format!("{} {:?}", e.unmapped_schools.len(), e.unmapped_schools),
            ),
            (
                "canteen-years missing some school's enrolment",
                e.partial_canteen_years.to_string(),
            ),
        ];
        write_facts(f, &facts)
    }
}

fn write_facts(f: &mut fmt::Formatter<'_>, facts: &[(&str, String)]) -> fmt::Result {
    let width = facts
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in facts {
        let pad = width - key.chars().count();
        writeln!(f, "  {key}{}  {value}", " ".repeat(pad))?;
    }
    Ok(())
}

fn write_sites(f: &mut fmt::Formatter<'_>, sites: &[SiteRows]) -> fmt::Result {
    if sites.is_empty() {
        return writeln!(f, "  none");
    }
    let rows: Vec<Vec<String>> = sites
        .iter()
        .map(|s| {
            vec![
                format!("{:?}", s.site),
                s.site_type.clone(),
                s.rows.to_string(),
                format!("{} → {}", s.first, s.last),
            ]
        })
        .collect();
    write_table(f, &["site", "type", "rows", "dates"], &rows)
}

fn write_outliers(f: &mut fmt::Formatter<'_>, outliers: &[Outlier]) -> fmt::Result {
    if outliers.is_empty() {
        return writeln!(f, "  none");
    }
    let rows: Vec<Vec<String>> = outliers
        .iter()
        .map(|o| {
            vec![
                format!("{:?}", o.canteen),
                o.date.to_string(),
                o.value.to_string(),
                format!("{:.0}", o.canteen_median),
                opt_count(o.agents_forecast),
                opt_count(o.actual),
            ]
        })
        .collect();
    write_table(
        f,
        &["canteen", "date", "value", "median", "forecast", "actual"],
        &rows,
    )
}
