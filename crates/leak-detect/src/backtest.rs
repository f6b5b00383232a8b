//! Replays a test period as if live: train on the training window (its labels only tell the
//! known leaks), score the test period with a few days of warm-up before it, and evaluate the
//! alarms with the BattLeDIM rules.

use chrono::{Duration, NaiveDateTime};
use leak_data::labels::LeakLabel;
use leak_data::network::Network;
use leak_data::scada::SensorTable;
use leak_data::{InpNetwork, Readings};
use prevoir_core::progress::Progress;
use serde::Serialize;

use crate::LeakError;
use crate::battledim::{Detection, EconomicParams, Evaluation, evaluate};
use crate::model::{LeakModel, LeakModelParams, TrainingSources};
use crate::score::ScoreOutput;

/// What a backtest needs besides the data.
#[derive(Debug, Clone)]
pub struct BacktestConfig {
    pub train_from: NaiveDateTime,
    pub train_to: NaiveDateTime,
    pub test_from: NaiveDateTime,
    pub test_to: NaiveDateTime,
    pub params: LeakModelParams,
    pub economic: EconomicParams,
    /// Days of readings before `test_from` scored to warm the statistics up (no alarm there; 8
    /// gives the week-over-week balance its week).
    pub warmup_days: i64,
    /// Times where the readings change source (file joins): see [`crate::ScoreOptions`].
    pub source_changes: Vec<NaiveDateTime>,
}

/// Result of a backtest.
#[derive(Debug, Clone)]
pub struct BacktestResult {
    pub model: LeakModel,
    pub output: ScoreOutput,
    pub evaluation: Evaluation,
    pub labels: Vec<LeakLabel>,
    pub training_seconds: f64,
    pub scoring_seconds: f64,
}

/// Headline numbers written to `metrics.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub train_from: String,
    pub train_to: String,
    pub test_from: String,
    pub test_to: String,
    pub alarms: usize,
    pub leaks_in_scope: usize,
    pub true_positives: usize,
    pub false_alarms: usize,
    pub repeats: usize,
    pub known_leak_detections: usize,
    pub missed: usize,
    pub noticed_by_area_and_time: usize,
    pub located_within_300m: usize,
    pub located_share: f64,
    /// Median delay of the detections that counted (strict true positives).
    pub median_delay_hours: Option<f64>,
    /// Median delay of the first alarm in the leak's area (however far).
    pub median_notice_delay_hours: Option<f64>,
    /// Abrupt leaks of at least 5 m³/h detected (true positive) within 2 hours, of all of them.
    pub abrupt_5m3h_within_2h: String,
    /// Same, counting any alarm in the leak's area (localisation aside).
    pub abrupt_5m3h_noticed_within_2h: String,
    pub incipient_within_7_days: String,
    pub incipient_noticed_within_7_days: String,
    pub economic_score_eur: f64,
    pub perfect_score_eur: f64,
    pub share_of_perfect: f64,
    pub training_seconds: f64,
    pub scoring_seconds: f64,
    pub signature_method: String,
    pub model_version: String,
}

/// Trains, scores and evaluates. `readings` must cover the training window and the test period.
pub fn run(
    inp: &InpNetwork,
    readings: &Readings,
    labels: &[LeakLabel],
    leak_flows: Option<&SensorTable>,
    config: &BacktestConfig,
    sources: TrainingSources,
    progress: &dyn Progress,
) -> Result<BacktestResult, LeakError> {
    let index = |t: NaiveDateTime| -> usize {
        if t <= readings.start {
            0
        } else {
            readings.index_of(t).unwrap_or(readings.len)
        }
    };
    let train = readings.slice(index(config.train_from), index(config.train_to) + 1);
    if train.len == 0 {
        return Err(LeakError::Input(format!(
            "no reading in the training window {} → {}",
            config.train_from, config.train_to
        )));
    }
    // Only labels that had started by the end of training are visible to training.
    let training_labels: Vec<LeakLabel> = labels
        .iter()
        .filter(|l| l.start <= config.train_to)
        .cloned()
        .collect();
    let clock = std::time::Instant::now();
    let sources = TrainingSources {
        source_changes: config.source_changes.clone(),
        ..sources
    };
    let model = config
        .params
        .fit(inp, &train, &training_labels, sources, progress)?;
    let training_seconds = clock.elapsed().as_secs_f64();
    let warm_from = config.test_from - Duration::days(config.warmup_days);
    let test = readings.slice(index(warm_from), index(config.test_to) + 1);
    if test.len == 0 {
        return Err(LeakError::Input(format!(
            "no reading in the test period {} → {}",
            config.test_from, config.test_to
        )));
    }
    progress.start("scoring the test period", 1);
    let clock = std::time::Instant::now();
    let output = model.score_with(
        &test,
        &crate::ScoreOptions {
            alarms_from: Some(config.test_from),
            source_changes: config.source_changes.clone(),
        },
    )?;
    let scoring_seconds = clock.elapsed().as_secs_f64();
    progress.finish();
    let net = Network::from_inp(inp);
    let detections: Vec<Detection> = output
        .alarms
        .iter()
        .filter_map(|a| {
            a.candidates.first().map(|c| Detection {
                pipe: c.pipe.clone(),
                detected_at: a.detected_at,
                area: a.area.clone(),
            })
        })
        .collect();
    let distance = |a: &str, b: &str| Some(net.link_distance(net.link(a)?, net.link(b)?));
    let area = |p: &str| {
        net.link(p)
            .map(|l| net.areas[net.link_area(l)].name.clone())
    };
    let evaluation = evaluate(
        &detections,
        labels,
        leak_flows,
        config.test_from,
        config.test_to,
        &distance,
        &area,
        &config.economic,
    );
    Ok(BacktestResult {
        model,
        output,
        evaluation,
        labels: labels.to_vec(),
        training_seconds,
        scoring_seconds,
    })
}

impl BacktestResult {
    pub fn metrics(&self) -> Metrics {
        let e = &self.evaluation;
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (!v.is_empty()).then(|| v[v.len() / 2])
        };
        let median_delay = median(e.leaks.iter().filter_map(|l| l.delay_hours).collect());
        let median_notice = median(
            e.leaks
                .iter()
                .filter_map(|l| l.notice_delay_hours)
                .collect(),
        );
        let abrupt: Vec<_> = e
            .leaks
            .iter()
            .filter(|l| {
                l.leak_type == leak_data::LeakType::Abrupt
                    && l.peak_flow_m3h.is_none_or(|p| p >= 5.0)
            })
            .collect();
        let incipient: Vec<_> = e
            .leaks
            .iter()
            .filter(|l| l.leak_type == leak_data::LeakType::Incipient)
            .collect();
        let share = |set: &[&crate::battledim::LeakOutcome], hours: f64, strict: bool| {
            let ok = set
                .iter()
                .filter(|l| {
                    if strict {
                        l.delay_hours
                    } else {
                        l.notice_delay_hours
                    }
                    .is_some_and(|h| h <= hours)
                })
                .count();
            format!("{ok}/{}", set.len())
        };
        Metrics {
            train_from: self.model.training_from.to_string(),
            train_to: self.model.training_to.to_string(),
            test_from: e.test_from.to_string(),
            test_to: e.test_to.to_string(),
            alarms: e.detections.len(),
            leaks_in_scope: e.leaks_in_scope,
            true_positives: e.true_positives,
            false_alarms: e.false_alarms,
            repeats: e.repeats,
            known_leak_detections: e.known_leak_detections,
            missed: e.missed,
            noticed_by_area_and_time: e.noticed,
            located_within_300m: e.true_positives,
            located_share: if e.leaks_in_scope > 0 {
                e.true_positives as f64 / e.leaks_in_scope as f64
            } else {
                f64::NAN
            },
            median_delay_hours: median_delay,
            median_notice_delay_hours: median_notice,
            abrupt_5m3h_within_2h: share(&abrupt, 2.0, true),
            abrupt_5m3h_noticed_within_2h: share(&abrupt, 2.0, false),
            incipient_within_7_days: share(&incipient, 24.0 * 7.0, true),
            incipient_noticed_within_7_days: share(&incipient, 24.0 * 7.0, false),
            economic_score_eur: e.score_eur,
            perfect_score_eur: e.perfect_eur,
            share_of_perfect: e.share_of_perfect,
            training_seconds: self.training_seconds,
            scoring_seconds: self.scoring_seconds,
            signature_method: format!("{:?}", self.model.signature_method),
            model_version: self.model.card.version.clone(),
        }
    }
}
