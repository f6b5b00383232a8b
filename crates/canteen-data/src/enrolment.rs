//! Enrolment per canteen and school year: `raw/effectifs_ecoles.csv` (pupils per school and year)
//! summed through `mappings/mapping_ecoles_cantines.csv` (school → canteen, exact names).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use prevoir_core::DataError;

use crate::calendar::is_school_year_label;
use crate::files::Table;
use crate::report::{EnrolmentReport, FileReport};
use crate::tables::{Canteen, Enrolment};

/// Reads the school → canteen mapping; every target must be a listed canteen.
pub fn read_school_mapping(
    table: &Table,
    canteens: &[Canteen],
    report: &mut FileReport,
) -> Result<HashMap<String, String>, DataError> {
    let listed: HashSet<&str> = canteens.iter().map(|c| c.name.as_str()).collect();
    let mut mapping = HashMap::new();
    let mut duplicates = 0;
    let mut unlisted = 0;
    for row in &table.rows {
        let school = table.non_empty(row, 0, "a school name")?.to_string();
        let canteen = table.non_empty(row, 1, "a canteen name")?.to_string();
        crate::attendance::parse_kind(table.text(row, 2))
            .ok_or_else(|| table.error(row, 2, "a canteen type M, E or M/E"))?;
        if !listed.contains(canteen.as_str()) {
            unlisted += 1;
        }
        match mapping.get(&school) {
            Some(existing) if *existing == canteen => duplicates += 1,
            Some(_) => {
                return Err(table.error(
                    row,
                    1,
                    "the same canteen as the earlier row for this school",
                ));
            }
            None => {
                mapping.insert(school, canteen);
            }
        }
    }
    report.repair("duplicate school rows dropped", duplicates);
    report.repair(
        "schools mapped to a canteen absent from raw/cantines.csv",
        unlisted,
    );
    report.rows_kept = mapping.len();
    Ok(mapping)
}

/// Sums pupils per (canteen, school year), sorted by canteen then year.
pub fn read_enrolment(
    table: &Table,
    mapping: &HashMap<String, String>,
    canteens: &[Canteen],
    report: &mut FileReport,
) -> Result<(Vec<Enrolment>, EnrolmentReport), DataError> {
    let listed: HashSet<&str> = canteens.iter().map(|c| c.name.as_str()).collect();
    let mut sums: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut present: HashSet<(String, String)> = HashSet::new();
    let mut unmapped: BTreeSet<String> = BTreeSet::new();
    let mut years: BTreeSet<String> = BTreeSet::new();
    let (mut unmapped_rows, mut duplicates, mut kept) = (0, 0, 0);
    for row in &table.rows {
        let school = table.non_empty(row, 0, "a school name")?;
        let year = table.text(row, 1);
        if !is_school_year_label(year) {
            return Err(table.error(row, 1, "a school year YYYY-YYYY (consecutive years)"));
        }
        let pupils = table.count(row, 2, "a whole number of pupils")?;
        years.insert(year.to_string());
        if !present.insert((school.to_string(), year.to_string())) {
            duplicates += 1;
            continue;
        }
        let Some(canteen) = mapping.get(school).filter(|c| listed.contains(c.as_str())) else {
            unmapped.insert(school.to_string());
            unmapped_rows += 1;
            continue;
        };
        *sums.entry((canteen.clone(), year.to_string())).or_insert(0) += pupils;
        kept += 1;
    }
    // A canteen-year is partial when a school of that canteen, enrolled some other year, has no row.
    let schools_by_canteen: HashMap<&str, Vec<&str>> =
        mapping
            .iter()
            .fold(HashMap::new(), |mut acc, (school, canteen)| {
                acc.entry(canteen.as_str())
                    .or_default()
                    .push(school.as_str());
                acc
            });
    let enrolled_schools: HashSet<&str> = present.iter().map(|(s, _)| s.as_str()).collect();
    let partial = sums
        .keys()
        .filter(|(canteen, year)| {
            schools_by_canteen
                .get(canteen.as_str())
                .is_some_and(|schools| {
                    schools.iter().any(|s| {
                        enrolled_schools.contains(s)
                            && !present.contains(&(s.to_string(), year.clone()))
                    })
                })
        })
        .count();
    report.repair(
        "duplicate school-year rows dropped (first kept)",
        duplicates,
    );
    report.repair(
        "rows of schools absent from the school mapping set aside",
        unmapped_rows,
    );
    report.rows_kept = kept;
    let enrolment: Vec<Enrolment> = sums
        .into_iter()
        .map(|((canteen, school_year), pupils)| Enrolment {
            canteen,
            school_year,
            pupils,
        })
        .collect();
    let summary = EnrolmentReport {
        canteen_years: enrolment.len(),
        school_years: years.into_iter().collect(),
        unmapped_schools: unmapped.into_iter().collect(),
        partial_canteen_years: partial,
    };
    Ok((enrolment, summary))
}
