//! Where the real open data is, for tests and benchmarks: the directory named by the
//! `PREVOIR_OPEN_DATA` environment variable (relative paths are read from the workspace root, as CI
//! sets `PREVOIR_OPEN_DATA=../shared/data`).
//!
//! The team rule: variable unset → `None`, the caller prints a notice and skips; variable set but
//! the data missing → panic, so that CI fails loudly instead of silently testing nothing.

use std::path::{Path, PathBuf};

/// `PREVOIR_OPEN_DATA/<subdir>` if the variable is set, checking that `<subdir>/<marker>` exists.
///
/// `workspace_root` resolves a relative variable; `test` names the caller in the skip notice.
///
/// # Panics
/// When the variable is set and `<subdir>/<marker>` is not a file.
pub fn locate(workspace_root: &Path, subdir: &str, marker: &str, test: &str) -> Option<PathBuf> {
    let Some(value) = std::env::var_os("PREVOIR_OPEN_DATA") else {
        eprintln!("{test}: PREVOIR_OPEN_DATA is not set; skipping the real-data test");
        return None;
    };
    let root = PathBuf::from(value);
    let root = if root.is_relative() {
        workspace_root.join(root)
    } else {
        root
    };
    let dir = root.join(subdir);
    assert!(
        dir.join(marker).is_file(),
        "PREVOIR_OPEN_DATA is set but {} holds no {subdir} data ({marker} is missing)",
        dir.display()
    );
    Some(dir)
}
