//! The BattLeDIM backtest on the real L-Town files (train on the simulated 2018 year, test
//! 2019-01-01 → 2019-06-30). Runs when `PREVOIR_OPEN_DATA` names the open-data directory (fails
//! loudly if the files are missing there); skipped with a notice otherwise. The bars are the
//! measured performance minus a margin, so a regression fails the test.

use chrono::NaiveDate;
use leak_data::readings::{day_end, day_start};
use leak_data::{InpNetwork, Readings, SensorTable, labels};
use leak_detect::LeakModelParams;
use leak_detect::backtest::{self, BacktestConfig};
use leak_detect::battledim::EconomicParams;
use leak_detect::model::TrainingSources;
use prevoir_core::progress::NoProgress;
use std::path::PathBuf;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn ltown_backtest_2019_first_half() {
    let Some(root) = std::env::var_os("PREVOIR_OPEN_DATA") else {
        eprintln!("PREVOIR_OPEN_DATA is not set: real-data backtest skipped");
        return;
    };
    // Relative values are read from the workspace root, as CI sets them (`../shared/data`).
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(PathBuf::from(root))
        .join("ltown");
    assert!(
        d.join("L-TOWN.inp").is_file(),
        "PREVOIR_OPEN_DATA is set but {} has no L-TOWN.inp",
        d.display()
    );
    let inp = InpNetwork::read(&d.join("L-TOWN.inp")).unwrap();
    let readings = Readings::read(
        &[
            d.join("sim/2018_SCADA_Flows.csv"),
            d.join("2019_SCADA_Flows.csv"),
        ],
        &[
            d.join("sim/2018_SCADA_Pressures.csv"),
            d.join("sim/2019_SCADA_Pressures.csv"),
        ],
        &[
            d.join("sim/2018_SCADA_Levels.csv"),
            d.join("2019_SCADA_Levels.csv"),
        ],
        date("2018-01-01"),
        date("2019-06-30"),
    )
    .unwrap();
    let labels = labels::read_labels(&d.join("leak_labels.csv")).unwrap();
    let flows =
        SensorTable::read_all(&[d.join("sim/2018_Leakages.csv"), d.join("2019_Leakages.csv")])
            .unwrap();
    let config = BacktestConfig {
        train_from: day_start(date("2018-01-01")),
        train_to: day_end(date("2018-12-31")),
        test_from: day_start(date("2019-01-01")),
        test_to: day_end(date("2019-06-30")),
        params: LeakModelParams::default(),
        economic: EconomicParams::default(),
        warmup_days: 8,
    };
    let result = backtest::run(
        &inp,
        &readings,
        &labels,
        Some(&flows),
        &config,
        TrainingSources::default(),
        &NoProgress,
    )
    .unwrap();
    let m = result.metrics();
    eprintln!("{}", serde_json::to_string_pretty(&m).unwrap());
    for l in &result.evaluation.leaks {
        eprintln!(
            "{} {:?} noticed {:?} delay {:?} h distance {:?} m",
            l.pipe, l.leak_type, l.noticed_at, l.notice_delay_hours, l.notice_distance_m
        );
    }
    assert_eq!(m.leaks_in_scope, 10);
    assert!(m.true_positives >= 6, "true positives {}", m.true_positives);
    assert!(m.false_alarms <= 5, "false alarms {}", m.false_alarms);
    assert!(
        m.share_of_perfect >= 0.6,
        "share of perfect {}",
        m.share_of_perfect
    );
}
