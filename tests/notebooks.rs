//! The notebooks in `notebooks/` must run, and show plots, against the binary this workspace builds.
//!
//! - Every notebook is stored without outputs (checked always: no test setup needed).
//! - With `PREVOIR_NOTEBOOKS` set, every notebook is executed with
//!   `jupyter nbconvert --to notebook --execute --output-dir out/notebooks-executed`, one after
//!   the other, with `PREVOIR_BIN` pointing at the binary cargo built for this test; each must
//!   succeed and produce at least one image. A missing `jupyter` is then a failure, not a skip.
//!   Without the variable the test prints a notice and returns.
//!
//! `jupyter` is `PREVOIR_JUPYTER` when set (e.g. `target/notebooks-venv/bin/jupyter`), else the
//! one on `PATH`; install it with `pip install -r notebooks/requirements.txt`. The notebooks use
//! the shipped samples, or the real open data when `PREVOIR_OPEN_DATA` is set (inherited).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn notebooks() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("notebooks"))
        .expect("notebooks/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no notebook in notebooks/");
    found
}

fn read_notebook(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not a notebook: {e}", path.display()))
}

fn cells(notebook: &Value) -> &Vec<Value> {
    notebook["cells"].as_array().expect("a notebook has cells")
}

/// How many outputs of code cells carry a PNG or SVG image.
fn images(notebook: &Value) -> usize {
    cells(notebook)
        .iter()
        .filter_map(|cell| cell["outputs"].as_array())
        .flatten()
        .filter(|output| {
            output["data"]["image/png"].is_string() || !output["data"]["image/svg+xml"].is_null()
        })
        .count()
}

#[test]
fn notebooks_are_stored_without_outputs() {
    for path in notebooks() {
        let notebook = read_notebook(&path);
        assert_eq!(
            notebook["nbformat"],
            4,
            "{}: nbformat 4 expected",
            path.display()
        );
        for (i, cell) in cells(&notebook).iter().enumerate() {
            if cell["cell_type"] == "code" {
                let outputs = cell["outputs"].as_array().map_or(0, Vec::len);
                assert!(
                    outputs == 0 && cell["execution_count"].is_null(),
                    "{}: cell {i} has stored outputs; clear them before committing (Jupyter: Edit → Clear All Outputs)",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn notebooks_execute_and_show_plots() {
    if std::env::var_os("PREVOIR_NOTEBOOKS").is_none() {
        eprintln!(
            "skipped: set PREVOIR_NOTEBOOKS=1 to execute the notebooks (needs jupyter: pip install -r notebooks/requirements.txt; \
             PREVOIR_JUPYTER names the jupyter executable)"
        );
        return;
    }
    let root = root();
    let jupyter =
        std::env::var_os("PREVOIR_JUPYTER").map_or_else(|| PathBuf::from("jupyter"), PathBuf::from);
    let executed = root.join("out").join("notebooks-executed");
    let mut failures = Vec::new();
    for notebook in notebooks() {
        let name = notebook.file_name().unwrap().to_string_lossy().into_owned();
        let started = std::time::Instant::now();
        let output = Command::new(&jupyter)
            .args(["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=1800", "--output-dir"])
            .arg(&executed)
            .arg(&notebook)
            .env("PREVOIR_BIN", env!("CARGO_BIN_EXE_prevoir"))
            .env("PREVOIR_ROOT", &root)
            .current_dir(&root)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "PREVOIR_NOTEBOOKS is set but `{}` cannot run: {e}. Install notebooks/requirements.txt or set PREVOIR_JUPYTER",
                    jupyter.display()
                )
            });
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
            failures.push(format!(
                "{name}: jupyter nbconvert failed ({}):\n{}",
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
            continue;
        }
        let result = read_notebook(&executed.join(&name));
        let shown = images(&result);
        eprintln!(
            "{name}: executed in {:.0} s, {shown} image(s)",
            started.elapsed().as_secs_f64()
        );
        if shown == 0 {
            failures.push(format!("{name}: executed but shows no plot"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
