//! Running the `prevoir` binary from the command-line tests, as a user would from the repository.

use std::process::Command;

/// Runs `prevoir ARGS` from the repository root and waits for it.
pub fn prevoir(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_prevoir"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run prevoir")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
