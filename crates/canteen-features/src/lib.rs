//! Canteen-day features, each with the horizon at which it is known.
//!
//! This crate owns turning the typed tables of `canteen-data` into model inputs: the school
//! calendar ([`calendar`]), the dish classifier ([`menu`]), attendance levels as of a cut-off
//! ([`history`]), the feature catalogue with labels and availability ([`spec`]) and the row builder
//! ([`builder`]). The rule it enforces: a forecast of day `d` at horizon `h` uses nothing dated
//! after `d − h`, and nothing announced later than that (strikes, strike menus). It knows nothing
//! of models or files.

pub mod builder;
pub mod calendar;
pub mod history;
pub mod menu;
pub mod spec;

pub use builder::{DayClass, FeatureBuilder, FeatureError, FeatureRow, KnownEvents};
pub use spec::{CATALOGUE, FactorGroup, FeatureSpec};
