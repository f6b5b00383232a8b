//! The `prevoir … leaks` commands as a user runs them, on the shipped sample.

use std::path::Path;

mod cli;

use cli::{prevoir, text};

#[test]
fn check_reports_the_sample_and_locates_bad_files() {
    let out = prevoir(&[
        "data",
        "check",
        "leaks",
        "--labels",
        "data-samples/leaks/leak_labels.csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("area A: Supply"), "{stdout}");
    assert!(stdout.contains("No problem found."), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("flows.csv");
    std::fs::write(
        &bad,
        "Timestamp;pin1;pin2;PUMP_1\n2019-01-07 00:00:00;1,0;2,0;0\n2019-01-07 00:05:00;1,0;x;0\n",
    )
    .unwrap();
    let out = prevoir(&["data", "check", "leaks", "--flows", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("flows.csv:3:25: expected a number for sensor pin2"),
        "{stderr}"
    );
}

#[test]
fn backtest_on_the_sample_writes_detections_metrics_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("bt");
    let out = prevoir(&[
        "backtest",
        "leaks",
        "--train-from",
        "2019-01-07",
        "--train-to",
        "2019-01-27",
        "--test-from",
        "2019-01-28",
        "--test-to",
        "2019-02-17",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let detections = std::fs::read_to_string(out_dir.join("detections.csv")).unwrap();
    let mut lines = detections.lines();
    assert_eq!(
        lines.next(),
        Some("pipe,detected_at,area,estimated_flow_m3h,score,candidates")
    );
    assert!(lines.count() >= 3, "{detections}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(metrics["metrics"]["leaks_in_scope"], 3);
    assert!(
        metrics["metrics"]["true_positives"].as_u64().unwrap() >= 2,
        "{metrics}"
    );
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("Per-leak timeline") && html.contains("<svg"));
}

#[test]
fn the_shipped_model_scores_the_sample() {
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models/leaks/model.json")
            .is_file(),
        "models/leaks/model.json is shipped"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = prevoir(&[
        "score",
        "leaks",
        "--from",
        "2019-01-28",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let scores = std::fs::read_to_string(dir.path().join("scores.csv")).unwrap();
    assert!(
        scores.starts_with("timestamp,area,score\n2019-01-28 00:00:00,A,"),
        "{}",
        &scores[..80.min(scores.len())]
    );
    let alarms = std::fs::read_to_string(dir.path().join("alarms.csv")).unwrap();
    assert!(alarms.lines().count() > 1, "{alarms}");
}
