//! Schemathesis (PyPI) against the live API's `/openapi.json`: thousands of generated requests,
//! valid and invalid, and no failure allowed (no 5xx, undocumented status, content type or body,
//! accepted invalid input or ignored authentication). Runs `tests/api/schemathesis.sh` with the
//! binary under test.
//!
//! Skip rule, like the real-data tests: `PREVOIR_SCHEMATHESIS` unset → a notice and a pass; set
//! (to the `schemathesis` executable, or to `1` to take it from `PATH`) → it must run and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn schemathesis_finds_no_failure() {
    let Some(setting) = std::env::var_os("PREVOIR_SCHEMATHESIS") else {
        eprintln!("schemathesis: PREVOIR_SCHEMATHESIS is not set; skipping (CI sets it)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut path = std::env::var_os("PATH").unwrap_or_default();
    let executable = PathBuf::from(&setting);
    if executable.is_absolute() || executable.components().count() > 1 {
        let executable = if executable.is_relative() {
            root.join(executable)
        } else {
            executable
        };
        assert!(
            executable.is_file(),
            "PREVOIR_SCHEMATHESIS={} is not a file",
            executable.display()
        );
        let dir = executable
            .parent()
            .expect("an executable has a parent directory");
        path = std::env::join_paths(
            std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&path)),
        )
        .expect("a valid PATH");
    }
    let status = Command::new("bash")
        .arg(root.join("tests/api/schemathesis.sh"))
        .env("PREVOIR_BIN", env!("CARGO_BIN_EXE_prevoir"))
        .env("PATH", path)
        .current_dir(root)
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "schemathesis reported failures (see its output above)"
    );
}
