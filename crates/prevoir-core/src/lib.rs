//! Shared foundations of Prévoir: located data errors, text decoding, date parsing, atomic file
//! writes with versioned backups, SHA-256 fingerprints and the model card.
//!
//! This crate owns nothing domain-specific: it knows neither canteens nor pipes. Everything here is
//! used by at least two pipelines (canteen, leaks) or by the API.

pub mod atomic;
pub mod card;
pub mod dates;
pub mod error;
pub mod fingerprint;
pub mod open_data;
pub mod progress;
pub mod text;

pub use error::{DataError, Location};
