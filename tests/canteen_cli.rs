//! The `prevoir backtest canteen --school-years` command as a user runs it, on the shipped sample.

mod cli;

use cli::{prevoir, text};

#[test]
fn every_school_year_is_backtested_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("years");
    let out = prevoir(&[
        "backtest",
        "canteen",
        "--school-years",
        "2016-17..2017-18",
        "--spare-meals",
        "15",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("2016-2017") && stdout.contains("all years"),
        "{stdout}"
    );

    // One directory per school year, each a complete backtest of that year.
    let mut served = 0.0;
    let mut model_over = 0.0;
    let mut model_days = 0;
    for (year, from) in [("2016-2017", "2016-09-01"), ("2017-2018", "2017-09-04")] {
        let metrics: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out_dir.join(year).join("metrics.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(metrics["test_from"], from, "{year}");
        assert!(out_dir.join(year).join("predictions.csv").exists());
        assert!(out_dir.join(year).join("report.html").exists());
        let model = &metrics["model"];
        let meals = model["meals_served"].as_f64().unwrap();
        served += meals;
        model_over += model["overproduced_meals"].as_f64().unwrap();
        model_days += model["city"]["shortage_days"].as_u64().unwrap();
        assert!(meals > 0.0);
    }

    // summary.csv: model and agents per year, then the years pooled.
    let summary = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    let rows: Vec<Vec<&str>> = summary.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][0], "school_year");
    let keys: Vec<(&str, &str)> = rows[1..].iter().map(|r| (r[0], r[1])).collect();
    assert_eq!(
        keys,
        [
            ("2016-2017", "model"),
            ("2016-2017", "agents"),
            ("2017-2018", "model"),
            ("2017-2018", "agents"),
            ("all", "model"),
            ("all", "agents"),
        ]
    );
    let pooled = &rows[5];
    let number = |s: &str| s.parse::<f64>().unwrap();
    assert!((number(pooled[3]) - served).abs() < 0.5, "{summary}");
    assert!(
        (number(pooled[6]) - 100.0 * model_over / served).abs() < 1e-3,
        "{summary}"
    );
    assert_eq!(pooled[5], model_days.to_string());
}

#[test]
fn school_years_are_checked_against_the_calendar_and_exclude_test_dates() {
    let out = prevoir(&[
        "backtest",
        "canteen",
        "--school-years",
        "2030-31",
        "--out",
        "/nonexistent/never-written",
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("not in the school calendar: 2030-2031"),
        "{stderr}"
    );

    let out = prevoir(&[
        "backtest",
        "canteen",
        "--school-years",
        "2017-18",
        "--test-from",
        "2017-09-04",
        "--out",
        "/nonexistent/never-written",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
}
