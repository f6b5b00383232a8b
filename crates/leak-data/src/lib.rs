//! Water-network open data → typed, validated inputs for the leak pipeline.
//!
//! This crate owns reading the BattLeDIM-style files: SCADA CSVs ([`scada`], decimal comma or point,
//! several files concatenated in time, gaps and duplicates reported), the EPANET `.inp` network
//! ([`inp`]) turned into a graph with areas and pipe-path distances ([`network`]), leak labels
//! ([`labels`]), readings on a regular grid for scoring ([`readings`], also buildable from JSON), the
//! quality report of `prevoir data check leaks` ([`quality`]), and a small steady-state hydraulic
//! solver ([`hydraulics`]) for the sample network and pressure sensitivities, and the real district
//! inflows of BWDF 2024 ([`bwdf`], no labels: night-flow false-alarm rates on real consumption).
//! It knows nothing of models or alarms.

pub mod bwdf;
pub mod hydraulics;
pub mod inp;
pub mod labels;
pub mod linalg;
pub mod network;
pub mod quality;
pub mod readings;
pub mod scada;

pub use inp::InpNetwork;
pub use labels::{LeakLabel, LeakType};
pub use network::{Area, AreaKind, Network};
pub use readings::{Readings, SensorKind};
pub use scada::SensorTable;
