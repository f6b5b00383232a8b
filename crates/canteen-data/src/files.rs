//! The files of a Nantes-layout data directory: where each one lives, how it is delimited, what
//! its header must be, and whether the tables need it. Reading a file gives a [`Table`] of raw
//! records with their line numbers, and every value error points at `file:line:column`.
//!
//! There is ONE `csv` reader configuration per file kind, built by [`FileSpec::reader`].

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use prevoir_core::dates::{DateFormat, parse_date};
use prevoir_core::fingerprint::{FileFingerprint, fingerprint_file};
use prevoir_core::text::{TextEncoding, read_text};
use prevoir_core::{DataError, Location};

/// One kind of input file.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// Path relative to the data directory, `/`-separated.
    pub path: &'static str,
    /// Field delimiter.
    pub delimiter: u8,
    /// The exact header (`None`: the file has no header row).
    pub header: Option<&'static [&'static str]>,
    /// Number of fields of every record.
    pub fields: usize,
    /// Whether the tables need this file (a missing required file stops the load).
    pub required: bool,
    /// What the file holds, for messages.
    pub what: &'static str,
}

macro_rules! spec {
    ($name:ident, $path:expr, $delim:expr, $header:expr, $required:expr, $what:expr) => {
        #[doc = concat!("`", $path, "`: ", $what, ".")]
        pub const $name: FileSpec = FileSpec {
            path: $path,
            delimiter: $delim,
            header: Some($header),
            fields: $header.len(),
            required: $required,
            what: $what,
        };
    };
}

/// The header shared by the three Réseau Sentinelles files.
const SENTINELLES_HEADER: &[&str] = &[
    "week",
    "indicator",
    "inc",
    "inc_low",
    "inc_up",
    "inc100",
    "inc100_low",
    "inc100_up",
    "geo_insee",
    "geo_name",
];

spec!(
    FREQUENTATION,
    "raw/frequentation.csv",
    b',',
    &["site_type", "date", "prevision", "reel", "site_nom"],
    true,
    "meals forecast and served per site and day"
);
spec!(
    CANTINES,
    "raw/cantines.csv",
    b',',
    &["cantine_nom", "cantine_type", "secteur"],
    true,
    "the list of canteens"
);
spec!(
    EFFECTIFS,
    "raw/effectifs_ecoles.csv",
    b',',
    &["Ecole", "Année scolaire", "Effectif"],
    true,
    "pupils enrolled per school and school year"
);
spec!(
    MENUS,
    "raw/menus_2011_2019.csv",
    b';',
    &["Date", "Plat"],
    true,
    "dishes served per day"
);
spec!(
    MENUS_VARIANT_2011,
    "raw/menus_2011_2015_variant.csv",
    b',',
    &["", "date", "menu"],
    false,
    "older menu export (R row index, ISO dates)"
);
spec!(
    MENUS_VARIANT_2016,
    "raw/menus_2016_2019_variant.csv",
    b',',
    &["Date", "Rang", "Plat"],
    false,
    "older menu export (course rank, dd/mm/YYYY dates)"
);
spec!(
    MAPPING_SITES,
    "mappings/mapping_frequentation_cantines.csv",
    b',',
    &["site_nom", "site_type", "cantine_nom", "cantine_type"],
    true,
    "attendance site → canteen"
);
spec!(
    MAPPING_SCHOOLS,
    "mappings/mapping_ecoles_cantines.csv",
    b',',
    &["ecole", "cantine_nom", "cantine_type"],
    true,
    "school → canteen"
);
spec!(
    SCHOOL_YEARS,
    "calendar/annees_scolaires.csv",
    b',',
    &["annee_scolaire", "date_debut", "date_fin"],
    true,
    "school year start and end"
);
spec!(
    HOLIDAYS,
    "calendar/vacances.csv",
    b',',
    &[
        "annee_scolaire",
        "vacances_nom",
        "date_debut",
        "date_fin",
        "zone",
        "vacances"
    ],
    true,
    "school holidays, zone B"
);
spec!(
    PUBLIC_HOLIDAYS,
    "calendar/jours_feries.csv",
    b',',
    &["date", "jour_ferie", "nom_jour_ferie"],
    true,
    "public holidays"
);
spec!(
    STRIKES,
    "calendar/journees_de_greve.csv",
    b',',
    &["Jour", "Evenement"],
    true,
    "strike days"
);
spec!(
    RELIGIOUS,
    "calendar/fetes_religieuses_jours.csv",
    b',',
    &["date", "chretiennes", "juives", "ramadan", "musulmanes"],
    true,
    "daily religious calendar flags"
);
spec!(
    RAMADAN,
    "calendar/ramadan.csv",
    b',',
    &["date", "ramadan"],
    true,
    "Ramadan days"
);
spec!(
    FLU,
    "context/sentinelles_grippe.csv",
    b',',
    SENTINELLES_HEADER,
    true,
    "weekly flu incidence"
);
spec!(
    DIARRHOEA,
    "context/sentinelles_diarrhee.csv",
    b',',
    SENTINELLES_HEADER,
    true,
    "weekly acute diarrhoea incidence"
);
spec!(
    CHICKENPOX,
    "context/sentinelles_varicelle.csv",
    b',',
    SENTINELLES_HEADER,
    true,
    "weekly chickenpox incidence"
);
spec!(
    SCHOOL_DIRECTORY,
    "context/annuaire_etablissements.csv",
    b';',
    &[
        "Code établissement",
        "Appellation officielle",
        "Dénomination principale",
        "Patronyme uai",
        "Secteur Public/Privé",
        "Adresse",
        "Lieu dit",
        "Boite postale",
        "Code postal",
        "Localite d'acheminement",
        "Commune",
        "Coordonnee X",
        "Coordonnee Y",
        "EPSG",
        "Latitude",
        "Longitude",
        "Qualité d'appariement",
        "Localisation",
        "Code nature",
        "Nature",
        "Code état établissement",
        "Etat établissement",
        "Code département",
        "Code région",
        "Code académie",
        "Code commune",
        "Département",
        "Région",
        "Académie",
        "Position",
        "secteur_prive_code_type_contrat",
        "secteur_prive_libelle_type_contrat",
        "code_ministere",
        "libelle_ministere",
        "date_ouverture",
    ],
    false,
    "national school directory extract"
);
spec!(
    CANTEEN_PLACES,
    "context/geo_cantines.csv",
    b';',
    &[
        "nom_etab",
        "Appellation officielle",
        "type_es",
        "Adresse",
        "cp",
        "Commune",
        "prix_moyen_m2_appartement",
        "prix_moyen_m2_maison",
        "id_quartier",
        "Quartier",
        "prix_quartier_m2_appart",
        "id_quartier_details",
        "Quartier_detail",
        "prix_Quartier_detail_m2_appart",
        "id_pole",
        "Nom du pôle",
        "Longitude_Latitude",
    ],
    false,
    "canteen addresses and districts"
);
spec!(
    RAIL_STRIKES,
    "context/sncf_mouvements_sociaux.csv",
    b';',
    &[
        "date_de_debut",
        "date_de_fin",
        "motif",
        "organisations_syndicales",
        "metiers_cibles",
        "population",
        "nombre_grevistes",
        "taux_grevistes",
    ],
    false,
    "national rail strikes"
);

/// Religious feasts as scraped, no header: `Dim. 2,Janvier 2011,chretien,name,description,note`.
pub const CHRISTIAN_FEASTS_RAW: FileSpec = FileSpec {
    path: "calendar/fetes_chretiennes_raw.csv",
    delimiter: b',',
    header: None,
    fields: 6,
    required: false,
    what: "Christian feasts as scraped",
};
/// Jewish feasts as scraped, same layout as [`CHRISTIAN_FEASTS_RAW`].
pub const JEWISH_FEASTS_RAW: FileSpec = FileSpec {
    path: "calendar/fetes_juives_raw.csv",
    delimiter: b',',
    header: None,
    fields: 6,
    required: false,
    what: "Jewish feasts as scraped",
};
/// Muslim feasts as scraped, no header: `15/02/2011,15,/02/2011,musulman,name,description,note`.
pub const MUSLIM_FEASTS_RAW: FileSpec = FileSpec {
    path: "calendar/fetes_musulmanes_raw.csv",
    delimiter: b',',
    header: None,
    fields: 7,
    required: false,
    what: "Muslim feasts as scraped",
};

/// Every file kind, required first, in the order the quality report lists them.
pub const ALL: &[FileSpec] = &[
    FREQUENTATION,
    CANTINES,
    MAPPING_SITES,
    MAPPING_SCHOOLS,
    EFFECTIFS,
    MENUS,
    SCHOOL_YEARS,
    HOLIDAYS,
    PUBLIC_HOLIDAYS,
    STRIKES,
    RELIGIOUS,
    RAMADAN,
    FLU,
    DIARRHOEA,
    CHICKENPOX,
    MENUS_VARIANT_2011,
    MENUS_VARIANT_2016,
    CHRISTIAN_FEASTS_RAW,
    JEWISH_FEASTS_RAW,
    MUSLIM_FEASTS_RAW,
    SCHOOL_DIRECTORY,
    CANTEEN_PLACES,
    RAIL_STRIKES,
];

impl FileSpec {
    /// The one `csv` reader configuration for this file kind: its delimiter, RFC 4180 quoting with
    /// doubled quotes, no header handling (the header is checked as line 1), and records of any
    /// length (a wrong field count is reported with its location, not as a bare csv error).
    pub fn reader<'a>(&self, text: &'a str) -> csv::Reader<&'a [u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .quote(b'"')
            .double_quote(true)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
    }

    /// Name of column `index` (0-based), for reports.
    pub fn column_name(&self, index: usize) -> String {
        match self.header {
            Some(header) => header
                .get(index)
                .map(|h| h.to_string())
                .unwrap_or_else(|| format!("#{}", index + 1)),
            None => format!("#{}", index + 1),
        }
    }
}

/// One record with the line it starts on (1-based; the header is line 1).
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub fields: csv::StringRecord,
}

/// A file read and split into records; the header (if any) is checked and not included.
#[derive(Debug)]
pub struct Table {
    pub spec: FileSpec,
    /// The path as errors show it (`<data dir>/<relative path>`).
    pub path: PathBuf,
    pub encoding: TextEncoding,
    pub crlf: bool,
    pub rows: Vec<Row>,
    pub fingerprint: FileFingerprint,
    /// Values that are empty or `NA`, per column.
    pub missing: BTreeMap<String, usize>,
    /// Records identical to an earlier record of the same file.
    pub exact_duplicates: usize,
}

/// Reads `dir/spec.path`: `Ok(None)` when an optional file is absent; a `file not found` error
/// naming the expected path when a required one is.
pub fn read_table(dir: &Path, spec: FileSpec) -> Result<Option<Table>, DataError> {
    let path = dir.join(spec.path);
    if !path.exists() {
        if spec.required {
            return Err(DataError::Missing {
                path,
                what: format!("required input file: {}", spec.what),
            });
        }
        return Ok(None);
    }
    let decoded = read_text(&path)?;
    let fingerprint = fingerprint_file(dir, spec.path)?;
    let mut rows = Vec::new();
    let mut reader = spec.reader(&decoded.text);
    let mut record = csv::StringRecord::new();
    let mut header_seen = spec.header.is_none();
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| csv_error(&path, &e))?;
        if !more {
            break;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if !header_seen {
            header_seen = true;
            check_header(&path, spec, &record, line)?;
            continue;
        }
        if record.len() != spec.fields {
            let column = record.len().min(spec.fields) as u64 + 1;
            return Err(DataError::schema(
                Location::new(&path, line, Some(column)),
                format!("{} fields", spec.fields),
                format!("{} fields", record.len()),
            ));
        }
        rows.push(Row {
            line,
            fields: record.clone(),
        });
    }
    if !header_seen {
        return Err(DataError::schema(
            Location::new(&path, 1, Some(1)),
            format!("the header {}", header_text(spec)),
            "an empty file",
        ));
    }
    let mut missing = BTreeMap::new();
    let mut seen = HashSet::with_capacity(rows.len());
    let mut exact_duplicates = 0;
    for row in &rows {
        for (index, value) in row.fields.iter().enumerate() {
            let value = value.trim();
            if value.is_empty() || value == "NA" {
                *missing.entry(spec.column_name(index)).or_insert(0) += 1;
            }
        }
        let key: Vec<&str> = row.fields.iter().collect();
        if !seen.insert(key.join("\u{1f}")) {
            exact_duplicates += 1;
        }
    }
    Ok(Some(Table {
        spec,
        path,
        encoding: decoded.encoding,
        crlf: decoded.crlf,
        rows,
        fingerprint,
        missing,
        exact_duplicates,
    }))
}

fn header_text(spec: FileSpec) -> String {
    let names: Vec<String> = spec
        .header
        .unwrap_or(&[])
        .iter()
        .map(|h| format!("{h:?}"))
        .collect();
    names.join(&(spec.delimiter as char).to_string())
}

fn check_header(
    path: &Path,
    spec: FileSpec,
    record: &csv::StringRecord,
    line: u64,
) -> Result<(), DataError> {
    let Some(header) = spec.header else {
        return Ok(());
    };
    for (index, expected) in header.iter().enumerate() {
        match record.get(index) {
            Some(found) if found == *expected => {}
            found => {
                return Err(DataError::schema(
                    Location::new(path, line, Some(index as u64 + 1)),
                    format!("column {expected:?} (header {})", header_text(spec)),
                    found.unwrap_or("end of line"),
                ));
            }
        }
    }
    if record.len() > header.len() {
        return Err(DataError::schema(
            Location::new(path, line, Some(header.len() as u64 + 1)),
            format!("end of header after {} columns", header.len()),
            record.get(header.len()).unwrap_or_default(),
        ));
    }
    Ok(())
}

fn csv_error(path: &Path, error: &csv::Error) -> DataError {
    let line = error.position().map(|p| p.line()).unwrap_or(0);
    DataError::schema(
        Location::new(path, line, None),
        "a well-formed CSV record",
        error.to_string(),
    )
}

impl Table {
    /// Location of field `column` (0-based) of `row`.
    pub fn at(&self, row: &Row, column: usize) -> Location {
        Location::new(&self.path, row.line, Some(column as u64 + 1))
    }

    /// The raw text of a field (the field exists: the field count was checked).
    pub fn text<'r>(&self, row: &'r Row, column: usize) -> &'r str {
        row.fields.get(column).unwrap_or_default()
    }

    /// A schema error at `row`, `column`.
    pub fn error(&self, row: &Row, column: usize, expected: impl Into<String>) -> DataError {
        DataError::schema(self.at(row, column), expected, self.text(row, column))
    }

    /// A date in `format` (surrounding spaces allowed).
    pub fn date(
        &self,
        row: &Row,
        column: usize,
        format: DateFormat,
    ) -> Result<NaiveDate, DataError> {
        parse_date(self.text(row, column), format)
            .ok_or_else(|| self.error(row, column, format.expected()))
    }

    /// A non-negative whole number, or `None` for `NA`.
    pub fn count_or_na(&self, row: &Row, column: usize) -> Result<Option<u32>, DataError> {
        let text = self.text(row, column).trim();
        if text == "NA" {
            return Ok(None);
        }
        text.parse::<u32>()
            .map(Some)
            .map_err(|_| self.error(row, column, "a whole number of meals or NA"))
    }

    /// A non-negative whole number.
    pub fn count(&self, row: &Row, column: usize, what: &str) -> Result<u32, DataError> {
        self.text(row, column)
            .trim()
            .parse::<u32>()
            .map_err(|_| self.error(row, column, what))
    }

    /// A 0/1 flag written as a float (`0.0`, `1.0`) or integer.
    pub fn flag(&self, row: &Row, column: usize) -> Result<bool, DataError> {
        match self.text(row, column).trim().parse::<f64>() {
            Ok(0.0) => Ok(false),
            Ok(1.0) => Ok(true),
            _ => Err(self.error(row, column, "a flag 0 or 1 (0.0 or 1.0)")),
        }
    }

    /// A non-empty text field.
    pub fn non_empty<'r>(
        &self,
        row: &'r Row,
        column: usize,
        what: &str,
    ) -> Result<&'r str, DataError> {
        let text = self.text(row, column);
        if text.trim().is_empty() {
            return Err(self.error(row, column, what));
        }
        Ok(text)
    }
}
