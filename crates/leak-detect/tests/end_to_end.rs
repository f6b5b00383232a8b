//! End to end on the shipped sample (`data-samples/leaks`): train on the first three weeks, score
//! the last three, evaluate with the BattLeDIM rules; save/load round trip; JSON readings.

use chrono::NaiveDate;
use leak_data::readings::{day_end, day_start};
use leak_data::{InpNetwork, Readings, SensorTable, labels};
use leak_detect::backtest::{self, BacktestConfig};
use leak_detect::battledim::EconomicParams;
use leak_detect::model::TrainingSources;
use leak_detect::{LeakModel, LeakModelParams, ScoreOptions};
use prevoir_core::progress::NoProgress;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data-samples/leaks")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn readings() -> Readings {
    let d = sample();
    Readings::read(
        &[d.join("flows.csv")],
        &[d.join("pressures.csv")],
        &[d.join("levels.csv")],
        date("2019-01-07"),
        date("2019-02-17"),
    )
    .unwrap()
}

#[test]
fn sample_backtest_finds_the_test_leaks() {
    let d = sample();
    let inp = InpNetwork::read(&d.join("network.inp")).unwrap();
    let labels = labels::read_labels(&d.join("leak_labels.csv")).unwrap();
    let flows = SensorTable::read(&d.join("leakages.csv")).unwrap();
    let config = BacktestConfig {
        train_from: day_start(date("2019-01-07")),
        train_to: day_end(date("2019-01-27")),
        test_from: day_start(date("2019-01-28")),
        test_to: day_end(date("2019-02-17")),
        params: LeakModelParams::default(),
        economic: EconomicParams::default(),
        warmup_days: 8,
        source_changes: Vec::new(),
    };
    let result = backtest::run(
        &inp,
        &readings(),
        &labels,
        Some(&flows),
        &config,
        TrainingSources::default(),
        &NoProgress,
    )
    .unwrap();
    let e = &result.evaluation;
    assert_eq!(e.leaks_in_scope, 3);
    // The training leak (p17) is known: it must not be counted, nor raise alarms in the test.
    assert!(e.leaks.iter().all(|l| l.pipe != "p17"));
    assert_eq!(e.noticed, 3, "{:#?}", e.leaks);
    assert!(e.true_positives >= 2, "{:#?}", e.leaks);
    assert!(e.false_alarms <= 2, "{:#?}", e.detections);
    assert!(e.share_of_perfect > 0.2, "{}", e.share_of_perfect);
    // The abrupt leak in the tank-fed area is found within two hours.
    let pc4 = e.leaks.iter().find(|l| l.pipe == "pc4").unwrap();
    assert!(pc4.notice_delay_hours.unwrap() <= 2.0, "{:?}", pc4);
    // Every alarm is explained and sized.
    for alarm in &result.output.alarms {
        assert!(!alarm.candidates.is_empty());
        assert!(!alarm.explanation.sensors.is_empty());
        assert!(alarm.explanation.summary.contains("below expected"));
        assert!(alarm.estimated_flow_m3h.is_finite());
    }
    let html = leak_detect::report::render(&result);
    assert!(html.contains("<svg") && html.contains("Per-leak timeline"));
    assert!(
        !html.contains("<script") && !html.contains("src=") && !html.contains("href="),
        "self-contained"
    );
}

#[test]
fn a_saved_model_scores_the_same_from_json_readings() {
    let (all, model) = trained();
    assert_eq!(
        model.features.known_leaks.len(),
        1,
        "only the training leak is known"
    );
    let dir = tempfile::tempdir().unwrap();
    assert!(model.save(dir.path()).unwrap().is_none());
    assert!(
        model.save(dir.path()).unwrap().is_some(),
        "the previous model is kept"
    );
    assert!(dir.path().join("model-card.json").is_file());
    let loaded = LeakModel::load(dir.path()).unwrap();
    assert!(
        serde_json::to_string(&loaded).unwrap() == serde_json::to_string(&model).unwrap(),
        "the model survives a JSON round trip"
    );
    // The API path: readings as JSON, scored twice, identical.
    let test = from_2019_01_25(&all);
    let json = serde_json::to_string(&test).unwrap();
    let from_json: Readings = serde_json::from_str(&json).unwrap();
    let a = loaded
        .score(&from_json, Some(day_start(date("2019-01-28"))))
        .unwrap();
    let b = model
        .score(&test, Some(day_start(date("2019-01-28"))))
        .unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert!(!a.alarms.is_empty());
    assert_eq!(a.areas.len(), 3);
    // A reading set without a needed flow sensor is refused with a clear message.
    let mut broken = test.clone();
    broken.flows.remove("PUMP_1");
    let e = model.score(&broken, None).unwrap_err();
    assert!(
        e.to_string().contains("flow sensor PUMP_1 is missing"),
        "{e}"
    );
}

/// The sample readings and a model trained on their first three weeks (to 2019-01-27).
fn trained() -> (Readings, LeakModel) {
    let d = sample();
    let inp = InpNetwork::read(&d.join("network.inp")).unwrap();
    let labels = labels::read_labels(&d.join("leak_labels.csv")).unwrap();
    let all = readings();
    let train = all.slice(0, all.index_of(day_end(date("2019-01-27"))).unwrap() + 1);
    let model = LeakModelParams::default()
        .fit(
            &inp,
            &train,
            &labels,
            TrainingSources::default(),
            &NoProgress,
        )
        .unwrap();
    (all, model)
}

/// The readings from 2019-01-25 on: three days of warm-up, then the test weeks.
fn from_2019_01_25(all: &Readings) -> Readings {
    all.slice(
        all.index_of(day_start(date("2019-01-25"))).unwrap(),
        all.len,
    )
}

#[test]
fn a_missing_pressure_costs_only_its_own_residual() {
    let (all, model) = trained();
    let test = from_2019_01_25(&all);
    // Sensor n9 (area A) is silent for six hours on 2019-01-29.
    let mut gappy = test.clone();
    let from = gappy.index_of(day_start(date("2019-01-29"))).unwrap() + 100;
    for v in &mut gappy.pressures.get_mut("n9").unwrap()[from..from + 72] {
        *v = f64::NAN;
    }
    let alarms_from = Some(day_start(date("2019-01-28")));
    let full = model.score(&test, alarms_from).unwrap();
    let out = model.score(&gappy, alarms_from).unwrap();
    // The other sensors' models read n9's features-only estimate: area A keeps its score.
    let a = out.areas.iter().find(|a| a.area == "A").unwrap();
    let a_full = full.areas.iter().find(|a| a.area == "A").unwrap();
    for t in from..from + 72 {
        assert!(a.score[t].is_finite(), "step {t}");
        assert!((a.score[t] - a_full.score[t]).abs() < 0.2, "step {t}");
    }
    assert_eq!(
        out.alarms.iter().map(|a| a.detected_at).collect::<Vec<_>>(),
        full.alarms
            .iter()
            .map(|a| a.detected_at)
            .collect::<Vec<_>>(),
        "a six-hour gap of one sensor changes no alarm"
    );
}

#[test]
fn a_declared_change_of_source_is_not_a_leak() {
    let (all, model) = trained();
    let test = all.slice(
        all.index_of(day_start(date("2019-01-22"))).unwrap(),
        all.index_of(day_start(date("2019-01-30"))).unwrap(),
    );
    // From 2019-01-28 the readings come from another source whose pressures read 0.5 m lower
    // and whose tank level reads 0.4 m higher (like L-Town's 2018 → 2019 file join).
    let change = day_start(date("2019-01-28"));
    let at = test.index_of(change).unwrap();
    let mut shifted = test.clone();
    for column in shifted.pressures.values_mut() {
        for v in &mut column[at..] {
            *v -= 0.5;
        }
    }
    for column in shifted.levels.values_mut() {
        for v in &mut column[at..] {
            *v += 0.4;
        }
    }
    let alarms_from = Some(day_start(date("2019-01-27")));
    let naive = model.score(&shifted, alarms_from).unwrap();
    assert!(
        naive.alarms.iter().any(|a| a.detected_at >= change),
        "undeclared, the shift looks like leaks"
    );
    let declared = model
        .score_with(
            &shifted,
            &ScoreOptions {
                alarms_from,
                source_changes: vec![change],
            },
        )
        .unwrap();
    assert!(
        declared.alarms.iter().all(|a| a.detected_at < change),
        "{:#?}",
        declared.alarms
    );
}
