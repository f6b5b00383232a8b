//! The typed tables every later stage works from. One row type per fact; dates are `NaiveDate`,
//! meals are whole numbers, canteen names are the exact keys of `raw/cantines.csv`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which pupils a canteen serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CanteenKind {
    /// Maternelle (nursery, 3–6 years): `M`.
    Nursery,
    /// Élémentaire (primary, 6–11 years): `E`.
    Primary,
    /// Both: `M/E`.
    Both,
}

/// A canteen (`raw/cantines.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canteen {
    /// Exact key, trailing spaces included (`EMILE PEHANT ` ≠ `EMILE PEHANT`).
    pub name: String,
    pub kind: CanteenKind,
    /// City sector (`Sud`, `Est`, …).
    pub sector: String,
}

/// One canteen-day after mapping attendance sites to canteens and summing half-rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceDay {
    pub canteen: String,
    pub date: NaiveDate,
    /// The canteen agents' own forecast (`prevision`), the baseline to beat.
    pub agents_forecast: Option<u32>,
    /// Meals actually served (`reel`). `None` when missing or set aside as a data-entry error
    /// (counted in the quality report).
    pub actual: Option<u32>,
}

/// The dishes served on a day (menus are city-wide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuDay {
    pub date: NaiveDate,
    /// Dish strings as published, `*` (meat) and `°` (organic) marks included, placeholders removed.
    pub dishes: Vec<String>,
}

/// A school year (`calendar/annees_scolaires.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolYear {
    /// `2017-2018`.
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A school holiday period, zone B, both ends inclusive (`calendar/vacances.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A public holiday (`calendar/jours_feries.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicHoliday {
    pub date: NaiveDate,
    pub name: String,
}

/// A strike day in Nantes schools or canteens (`calendar/journees_de_greve.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrikeDay {
    pub date: NaiveDate,
    pub event: String,
}

/// Religious calendar flags for a day (`calendar/fetes_religieuses_jours.csv`, `ramadan.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReligiousDay {
    pub date: NaiveDate,
    pub christian: bool,
    pub jewish: bool,
    pub ramadan: bool,
    /// Muslim feasts (Eid al-Fitr, Eid al-Adha, Mawlid…).
    pub muslim: bool,
}

/// Diseases tracked by the Réseau Sentinelles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Disease {
    Flu,
    Diarrhoea,
    Chickenpox,
}

/// Weekly incidence in Pays de la Loire (`context/sentinelles_*.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpidemicWeek {
    pub disease: Disease,
    /// Monday of the ISO week `YYYYWW`.
    pub week_start: NaiveDate,
    /// Cases per 100,000 inhabitants (`inc100`).
    pub incidence_per_100k: f64,
}

/// Pupils enrolled in the schools a canteen serves, for a school year, summed through
/// `mappings/mapping_ecoles_cantines.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub canteen: String,
    /// `2017-2018`.
    pub school_year: String,
    pub pupils: u32,
}

/// Everything the canteen pipeline reads, validated.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CanteenData {
    pub canteens: Vec<Canteen>,
    /// Sorted by (canteen, date); one row per canteen-day.
    pub attendance: Vec<AttendanceDay>,
    /// Sorted by date; one row per date.
    pub menus: Vec<MenuDay>,
    pub school_years: Vec<SchoolYear>,
    /// Sorted by start, duplicates removed.
    pub holidays: Vec<Holiday>,
    pub public_holidays: Vec<PublicHoliday>,
    pub strikes: Vec<StrikeDay>,
    pub religious: Vec<ReligiousDay>,
    pub epidemics: Vec<EpidemicWeek>,
    pub enrolment: Vec<Enrolment>,
}
