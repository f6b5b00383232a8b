//! Helpers shared by the canteen-data integration tests: where the real open data is, and the
//! sample data set.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root (relative `PREVOIR_OPEN_DATA` paths are read from there, as CI sets them).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real Nantes directory under `PREVOIR_OPEN_DATA`, following the team rule
/// ([`prevoir_core::open_data::locate`]): variable unset → `None` (the caller returns); set but the
/// data missing → panic.
pub fn nantes_dir(test: &str) -> Option<PathBuf> {
    prevoir_core::open_data::locate(&workspace_root(), "nantes", "raw/frequentation.csv", test)
}

/// `2018-07-06` → date.
pub fn d(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}
