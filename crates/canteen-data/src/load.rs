//! `load`: every file of a Nantes-layout directory → [`CanteenData`] + [`QualityReport`] +
//! fingerprints of the files read.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use prevoir_core::DataError;
use prevoir_core::fingerprint::FileFingerprint;

use crate::files::{self, FileSpec, Table, read_table};
use crate::report::{FileReport, FileStatus, QualityReport, StrikeReport};
use crate::tables::{CanteenData, Disease};
use crate::{attendance, calendar, context, enrolment, epidemics, menus};

/// The validated tables, what was done to get them, and which files they come from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub data: CanteenData,
    pub report: QualityReport,
    /// SHA-256 of every file read, paths relative to the data directory.
    pub files: Vec<FileFingerprint>,
    /// The directory is a synthetic sample written by `prevoir samples canteen` (its `README.md`
    /// carries [`SAMPLE_MARKER`]), not open data: model cards must not cite real sources for it.
    pub synthetic_sample: bool,
}

/// The line that `prevoir samples canteen` writes into the sample's `README.md`.
pub const SAMPLE_MARKER: &str = "prevoir-sample: canteen";

/// Why a data directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file is missing, unreadable, or breaks its schema (`file:line:column: expected …, found …`).
    #[error(transparent)]
    Data(#[from] DataError),
}

/// Reads, validates and repairs every file of `dir` (the Nantes layout: `raw/`, `mappings/`,
/// `calendar/`, `context/`). Required files must be present; optional ones are validated when
/// present and reported "absent" otherwise. A schema error anywhere stops the load.
pub fn load(dir: &Path) -> Result<Loaded, LoadError> {
    if !dir.is_dir() {
        return Err(DataError::Missing {
            path: dir.to_path_buf(),
            what: "data directory with raw/, mappings/, calendar/ and context/".into(),
        }
        .into());
    }
    let mut reader = Reader {
        dir,
        reports: HashMap::new(),
        fingerprints: Vec::new(),
    };

    // Canteens and attendance.
    let (canteens_table, mut canteens_report) = reader.required(files::CANTINES)?;
    let canteens = attendance::read_canteens(&canteens_table, &mut canteens_report)?;
    reader.done(canteens_report);
    let (mapping_table, mut mapping_report) = reader.required(files::MAPPING_SITES)?;
    let site_mapping =
        attendance::read_site_mapping(&mapping_table, &canteens, &mut mapping_report)?;
    reader.done(mapping_report);
    let (frequentation, mut frequentation_report) = reader.required(files::FREQUENTATION)?;
    let site_days = attendance::read_site_days(&frequentation)?;
    drop(frequentation);
    let attendance = attendance::build_attendance(
        &site_days,
        &site_mapping,
        &canteens,
        &mut frequentation_report,
    );
    reader.done(frequentation_report);

    // Enrolment.
    let (schools_table, mut schools_report) = reader.required(files::MAPPING_SCHOOLS)?;
    let school_mapping =
        enrolment::read_school_mapping(&schools_table, &canteens, &mut schools_report)?;
    reader.done(schools_report);
    let (effectifs, mut effectifs_report) = reader.required(files::EFFECTIFS)?;
    let (enrolment, enrolment_report) = enrolment::read_enrolment(
        &effectifs,
        &school_mapping,
        &canteens,
        &mut effectifs_report,
    )?;
    reader.done(effectifs_report);

    // Menus.
    let mut menu_sources = Vec::new();
    for (spec, layout) in [
        (files::MENUS, menus::MAIN_LAYOUT),
        (files::MENUS_VARIANT_2011, menus::VARIANT_2011_LAYOUT),
        (files::MENUS_VARIANT_2016, menus::VARIANT_2016_LAYOUT),
    ] {
        let dishes = match reader.optional(spec)? {
            Some((table, mut report)) => {
                let dishes = menus::read_menu_file(&table, layout, &mut report)?;
                reader.done(report);
                Some(dishes)
            }
            None => None,
        };
        menu_sources.push((spec.path.to_string(), dishes));
    }
    let (menus, sources) = menus::merge(menu_sources);
    let school_days: HashSet<_> = attendance.days.iter().map(|d| d.date).collect();
    let menu_report = menus::coverage(&menus, &school_days, sources);

    // Calendars.
    let (table, mut report) = reader.required(files::SCHOOL_YEARS)?;
    let school_years = calendar::read_school_years(&table, &mut report)?;
    reader.done(report);
    let (table, mut report) = reader.required(files::HOLIDAYS)?;
    let holidays = calendar::read_holidays(&table, &mut report)?;
    reader.done(report);
    let (table, mut report) = reader.required(files::PUBLIC_HOLIDAYS)?;
    let public_holidays = calendar::read_public_holidays(&table, &mut report)?;
    reader.done(report);
    let (table, mut report) = reader.required(files::STRIKES)?;
    let strikes = calendar::read_strikes(&table, &mut report)?;
    reader.done(report);
    let (table, mut report) = reader.required(files::RELIGIOUS)?;
    let mut religious = calendar::read_religious(&table, &mut report)?;
    reader.done(report);
    let (table, mut report) = reader.required(files::RAMADAN)?;
    let ramadan = calendar::read_ramadan(&table, &mut report)?;
    let (added, disagreeing) = calendar::extend_with_ramadan(&mut religious, &ramadan);
    report.repair(
        "Ramadan days added beyond the daily flags' last date",
        added,
    );
    report.repair(
        "days disagreeing with the daily flags' ramadan column (flags kept)",
        disagreeing,
    );
    reader.done(report);

    // Epidemics.
    let mut epidemic_weeks = Vec::new();
    for (spec, disease) in [
        (files::FLU, Disease::Flu),
        (files::DIARRHOEA, Disease::Diarrhoea),
        (files::CHICKENPOX, Disease::Chickenpox),
    ] {
        let (table, mut report) = reader.required(spec)?;
        epidemic_weeks.extend(epidemics::read_epidemics(&table, disease, &mut report)?);
        reader.done(report);
    }

    // Context files.
    type Check = fn(&Table, &mut FileReport) -> Result<(), DataError>;
    let checks: [(FileSpec, Check); 6] = [
        (files::CHRISTIAN_FEASTS_RAW, context::check_feasts_raw),
        (files::JEWISH_FEASTS_RAW, context::check_feasts_raw),
        (files::MUSLIM_FEASTS_RAW, context::check_muslim_feasts_raw),
        (files::SCHOOL_DIRECTORY, context::check_school_directory),
        (files::CANTEEN_PLACES, context::check_canteen_places),
        (files::RAIL_STRIKES, context::check_rail_strikes),
    ];
    for (spec, check) in checks {
        if let Some((table, mut report)) = reader.optional(spec)? {
            check(&table, &mut report)?;
            reader.done(report);
        }
    }

    // Strike days against attendance.
    let strike_report = strike_report(&strikes, &attendance.days);

    let files: Vec<FileReport> = files::ALL
        .iter()
        .map(|spec| {
            reader
                .reports
                .remove(spec.path)
                .unwrap_or_else(|| FileReport::absent(spec.path, spec.delimiter as char))
        })
        .collect();
    let report = QualityReport {
        files,
        attendance: attendance.report,
        menus: menu_report,
        strikes: strike_report,
        enrolment: enrolment_report,
    };
    let data = CanteenData {
        canteens,
        attendance: attendance.days,
        menus,
        school_years,
        holidays,
        public_holidays,
        strikes,
        religious,
        epidemics: epidemic_weeks,
        enrolment,
    };
    let synthetic_sample = std::fs::read_to_string(dir.join("README.md"))
        .is_ok_and(|text| text.contains(SAMPLE_MARKER));
    Ok(Loaded {
        data,
        report,
        files: reader.fingerprints,
        synthetic_sample,
    })
}

struct Reader<'a> {
    dir: &'a Path,
    reports: HashMap<&'static str, FileReport>,
    fingerprints: Vec<FileFingerprint>,
}

impl Reader<'_> {
    fn optional(&mut self, spec: FileSpec) -> Result<Option<(Table, FileReport)>, DataError> {
        let Some(table) = read_table(self.dir, spec)? else {
            return Ok(None);
        };
        self.fingerprints.push(table.fingerprint.clone());
        let report = FileReport {
            path: spec.path.to_string(),
            required: spec.required,
            status: FileStatus::Read,
            encoding: Some(table.encoding),
            crlf: table.crlf,
            delimiter: spec.delimiter as char,
            rows_read: table.rows.len(),
            rows_kept: 0,
            date_span: None,
            missing: table.missing.clone(),
            duplicates: table.exact_duplicates,
            repairs: Default::default(),
        };
        Ok(Some((table, report)))
    }

    fn required(&mut self, spec: FileSpec) -> Result<(Table, FileReport), DataError> {
        self.optional(spec)?.ok_or_else(|| DataError::Missing {
            path: self.dir.join(spec.path),
            what: format!("required input file: {}", spec.what),
        })
    }

    fn done(&mut self, report: FileReport) {
        let path = files::ALL
            .iter()
            .find(|s| s.path == report.path)
            .map(|s| s.path)
            .unwrap_or("?");
        self.reports.insert(path, report);
    }
}

fn strike_report(
    strikes: &[crate::tables::StrikeDay],
    days: &[crate::tables::AttendanceDay],
) -> StrikeReport {
    let first = days.iter().map(|d| d.date).min();
    let last = days.iter().map(|d| d.date).max();
    let with_rows: HashSet<_> = days.iter().map(|d| d.date).collect();
    let with_actual: HashSet<_> = days
        .iter()
        .filter(|d| d.actual.is_some())
        .map(|d| d.date)
        .collect();
    let strike_dates: HashSet<_> = strikes.iter().map(|s| s.date).collect();
    let in_span: Vec<_> = strikes
        .iter()
        .filter(|s| first.is_some_and(|f| s.date >= f) && last.is_some_and(|l| s.date <= l))
        .collect();
    StrikeReport {
        strike_days: strikes.len(),
        in_attendance_span: in_span.len(),
        with_attendance: in_span
            .iter()
            .filter(|s| with_actual.contains(&s.date))
            .count(),
        rows_without_actual: in_span
            .iter()
            .filter(|s| with_rows.contains(&s.date) && !with_actual.contains(&s.date))
            .count(),
        without_attendance: in_span
            .iter()
            .filter(|s| !with_rows.contains(&s.date))
            .count(),
        closed_canteen_days: days
            .iter()
            .filter(|d| d.actual == Some(0) && strike_dates.contains(&d.date))
            .count(),
    }
}
