//! Helpers shared by the canteen-data integration tests: where the real open data is, and the
//! sample data set.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root (relative `PREVOIR_OPEN_DATA` paths are read from there, as CI sets them).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real Nantes directory under `PREVOIR_OPEN_DATA`, following the team rule: variable unset →
/// `None` (the caller prints a notice and returns); set but the data missing → panic.
pub fn nantes_dir(test: &str) -> Option<PathBuf> {
    let Some(value) = std::env::var_os("PREVOIR_OPEN_DATA") else {
        eprintln!("{test}: PREVOIR_OPEN_DATA is not set; skipping the real-data test");
        return None;
    };
    let root = PathBuf::from(value);
    let root = if root.is_relative() {
        workspace_root().join(root)
    } else {
        root
    };
    let dir = root.join("nantes");
    assert!(
        dir.join("raw/frequentation.csv").is_file(),
        "PREVOIR_OPEN_DATA is set but {} holds no Nantes data (raw/frequentation.csv)",
        dir.display()
    );
    Some(dir)
}

/// `2018-07-06` → date.
pub fn d(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}
