//! Nantes-schema canteen open data → typed, validated tables.
//!
//! This crate owns reading every file of a Nantes-layout data directory (`raw/`, `mappings/`,
//! `calendar/`, `context/`), with their real quirks (cp1252 or UTF-8 with BOM, `,` or `;`, day-first
//! and two-digit-year dates, `NA`, renamed sites, pseudo-sites, trailing spaces that are real keys),
//! into the plain Rust tables of [`tables`], and the [`report::QualityReport`] that counts every
//! repair. It does not compute features and knows nothing of models.
//!
//! Entry point: [`load`]. Modules, one job each: [`files`] (where each file is and how it is
//! delimited; located schema errors), [`attendance`], [`menus`], [`calendar`], [`enrolment`],
//! [`epidemics`], [`context`] (optional files), [`report`].

pub mod attendance;
pub mod calendar;
pub mod context;
pub mod enrolment;
pub mod epidemics;
pub mod files;
mod load;
pub mod menus;
pub mod report;
pub mod tables;

pub use load::{LoadError, Loaded, SAMPLE_MARKER, load};
pub use menus::is_strike_menu;
pub use report::QualityReport;
pub use tables::*;
