//! Scoring readings with a trained model: per-area leak scores at every time step, alarms with
//! ranked candidate pipes, an estimated flow, and the explanation of each (which sensors deviate,
//! expected vs observed, since when; how the flow was estimated). Deterministic; no I/O.

use chrono::NaiveDateTime;
use leak_data::Readings;
use serde::{Deserialize, Serialize};

use crate::LeakError;
use crate::balance::{FlowEstimate, estimate_flow};
use crate::detector::{Trigger, run_area, statistics};
use crate::localise::{RankedPipe, rank};
use crate::model::LeakModel;

/// Scores of one area over the scored period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaScores {
    pub area: String,
    /// Score 0–1 per time step (0.5 = alarm threshold); `null` while the statistics warm up.
    #[serde(with = "nan_vec")]
    pub score: Vec<f64>,
    /// Sensor driving the score at each step.
    pub driver: Vec<Option<String>>,
}

/// One sensor's deviation in an alarm's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorDeviation {
    pub sensor: String,
    /// Mean expected and observed pressure (m) over the alarm's window.
    pub expected_m: f64,
    pub observed_m: f64,
    /// Change of the residual that fired (m, negative = below normal).
    pub deviation_m: f64,
    /// In units of the statistic's training standard deviation.
    pub z: f64,
    /// Threshold of this sensor for the trigger (m of drop).
    pub threshold_m: f64,
    /// Since when the sensor's hourly residual stays below half the deviation.
    pub since: NaiveDateTime,
}

/// Why an alarm was raised, in words and numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub summary: String,
    /// Sensors of the area, largest drop first (at most 5).
    pub sensors: Vec<SensorDeviation>,
    pub flow: FlowEstimate,
    pub localisation: String,
}

/// An alarm: a leak probably started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub area: String,
    pub detected_at: NaiveDateTime,
    pub change_started_at: NaiveDateTime,
    pub trigger: Trigger,
    /// Area score at detection (0.5–1).
    pub score: f64,
    pub estimated_flow_m3h: f64,
    /// Candidate pipes, most likely first.
    pub candidates: Vec<RankedPipe>,
    pub explanation: Explanation,
}

/// Everything `LeakModel::score` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreOutput {
    pub model_version: String,
    pub start: NaiveDateTime,
    pub step_minutes: i64,
    pub len: usize,
    pub areas: Vec<AreaScores>,
    pub alarms: Vec<Alarm>,
}

impl ScoreOutput {
    pub fn time(&self, t: usize) -> NaiveDateTime {
        self.start + chrono::Duration::minutes(self.step_minutes * t as i64)
    }
}

impl LeakModel {
    /// Scores `readings`. Alarms are raised only at or after `alarms_from` (earlier readings warm
    /// the statistics up: give at least 3 days before it); `None` = from the start.
    pub fn score(
        &self,
        readings: &Readings,
        alarms_from: Option<NaiveDateTime>,
    ) -> Result<ScoreOutput, LeakError> {
        readings.validate()?;
        if readings.step_minutes != self.step_minutes {
            return Err(LeakError::Input(format!(
                "readings every {} min, the model was trained on {} min",
                readings.step_minutes, self.step_minutes
            )));
        }
        for b in &self.features.balances {
            for (id, _) in &b.flows {
                if !readings.flows.contains_key(id) {
                    return Err(LeakError::Input(format!(
                        "flow sensor {id} is missing (needed for the balance of area {})",
                        b.name
                    )));
                }
            }
            if let Some((level, _)) = &b.tank {
                if !readings.levels.contains_key(level) {
                    return Err(LeakError::Input(format!(
                        "tank level {level} is missing (needed for the balance of area {})",
                        b.name
                    )));
                }
            }
        }
        let n = readings.len;
        let sensor_ids: Vec<String> = self.sensors.iter().map(|s| s.sensor.clone()).collect();
        let (x, p) = crate::model::design(&self.features, &sensor_ids, readings, None);
        let missing = vec![f64::NAN; n];
        let expected: Vec<Vec<f64>> = self
            .sensors
            .iter()
            .map(|s| {
                (0..n)
                    .map(|t| s.predict_row(&x[t * p..(t + 1) * p]))
                    .collect()
            })
            .collect();
        let observed: Vec<&[f64]> = self
            .sensors
            .iter()
            .map(|s| {
                readings
                    .pressures
                    .get(&s.sensor)
                    .map(Vec::as_slice)
                    .unwrap_or(&missing)
            })
            .collect();
        let residual: Vec<Vec<f64>> = (0..self.sensors.len())
            .map(|s| (0..n).map(|t| observed[s][t] - expected[s][t]).collect())
            .collect();
        let stats: Vec<(Vec<f64>, Vec<f64>)> = residual
            .iter()
            .map(|r| statistics(r, &self.params.detector))
            .collect();
        let emit_from = alarms_from
            .and_then(|t| {
                if t <= readings.start {
                    Some(0)
                } else {
                    readings.index_of(t)
                }
            })
            .unwrap_or(0);
        let hour = (60 / readings.step_minutes).max(1) as usize;
        let mut areas = Vec::new();
        let mut alarms = Vec::new();
        for area in &self.areas {
            let members: Vec<usize> = (0..self.sensors.len())
                .filter(|&s| self.sensors[s].area == area.name)
                .collect();
            if members.is_empty() {
                continue;
            }
            let step: Vec<Vec<f64>> = members.iter().map(|&s| stats[s].0.clone()).collect();
            let level: Vec<Vec<f64>> = members.iter().map(|&s| stats[s].1.clone()).collect();
            let th: Vec<&_> = members.iter().map(|&s| &self.thresholds[s]).collect();
            let balance = area
                .balance
                .as_ref()
                .and_then(|b| self.balances.iter().find(|m| &m.spec.name == b));
            let inflow_rise = balance.map(|b| {
                crate::balance::week_over_week(
                    &b.spec.series(readings),
                    readings,
                    self.params.detector.level_steps,
                )
            });
            let run = run_area(
                &step,
                &level,
                &th,
                &self.params.detector,
                emit_from,
                inflow_rise.as_deref(),
            );
            for event in &run.events {
                let mut deviation = vec![f64::NAN; self.sensors.len()];
                let mut sd = vec![f64::NAN; self.sensors.len()];
                for (k, &s) in members.iter().enumerate() {
                    deviation[s] = event.deviation[k];
                    sd[s] = event.deviation_sd[k];
                }
                let candidates = rank(
                    &self.candidates,
                    &sensor_ids,
                    &area.name,
                    &deviation,
                    &sd,
                    self.params.max_candidates,
                );
                let pressure_based = candidates.first().map(|c| c.pressure_flow_m3h);
                let window = match event.trigger {
                    Trigger::Step => self.params.detector.step_steps,
                    Trigger::Level => self.params.detector.level_steps,
                };
                // The change began when the most deviating sensor left its normal band.
                let change_at = (0..members.len())
                    .filter(|&k| event.deviation[k].is_finite())
                    .min_by(|&a, &b| {
                        (event.deviation[a] / event.deviation_sd[a])
                            .total_cmp(&(event.deviation[b] / event.deviation_sd[b]))
                    })
                    .map(|k| {
                        since_when(
                            &residual[members[k]],
                            event.at,
                            event.deviation[k] / 2.0,
                            hour,
                            window * 2,
                        )
                    })
                    .unwrap_or(event.change_at)
                    .max(event.at + 1 - (window * 2).min(event.at + 1));
                let flow = estimate_flow(balance, readings, change_at, event.at, pressure_based);
                let from = event.at + 1 - window.min(event.at + 1);
                let mut sensors: Vec<SensorDeviation> = members
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| event.deviation[*k].is_finite())
                    .map(|(k, &s)| {
                        let mean = |v: &[f64]| {
                            let f: Vec<f64> = v[from..=event.at]
                                .iter()
                                .copied()
                                .filter(|x| x.is_finite())
                                .collect();
                            f.iter().sum::<f64>() / f.len().max(1) as f64
                        };
                        let threshold = match event.trigger {
                            Trigger::Step => self.thresholds[s].step_drop,
                            Trigger::Level => self.thresholds[s].level_drop,
                        };
                        let since = since_when(
                            &residual[s],
                            event.at,
                            event.deviation[k] / 2.0,
                            hour,
                            window * 2,
                        );
                        SensorDeviation {
                            sensor: self.sensors[s].sensor.clone(),
                            expected_m: mean(&expected[s]),
                            observed_m: mean(observed[s]),
                            deviation_m: event.deviation[k],
                            z: event.deviation[k] / event.deviation_sd[k],
                            threshold_m: threshold,
                            since: readings.time(since),
                        }
                    })
                    .collect();
                sensors.sort_by(|a, b| a.deviation_m.total_cmp(&b.deviation_m));
                sensors.truncate(5);
                let detected_at = readings.time(event.at);
                let kind = match event.trigger {
                    Trigger::Step => "a pressure step within the last 2 hours",
                    Trigger::Level => "pressures below their accepted level over the last 2 days",
                };
                let summary = match sensors.first() {
                    Some(s) => format!(
                        "Area {}: {kind}. Sensor {} is {:.2} m below expected since {} (threshold {:.2} m); estimated leak {:.1} m³/h.",
                        area.name,
                        s.sensor,
                        -s.deviation_m,
                        s.since.format("%Y-%m-%d %H:%M"),
                        s.threshold_m,
                        flow.flow_m3h
                    ),
                    None => format!("Area {}: {kind}.", area.name),
                };
                let localisation = match candidates.first() {
                    Some(c) => format!(
                        "best candidate {} explains {:.0} % of the weighted sensor deviations with a leak of {:.1} m³/h; nearest sensor {} at {:.0} m of pipe ({:?} signatures)",
                        c.pipe,
                        c.fit * 100.0,
                        c.pressure_flow_m3h,
                        c.nearest_sensor,
                        c.nearest_sensor_distance_m,
                        self.signature_method
                    ),
                    None => "no candidate pipe in this area".into(),
                };
                alarms.push(Alarm {
                    area: area.name.clone(),
                    detected_at,
                    change_started_at: readings.time(change_at),
                    trigger: event.trigger,
                    score: crate::detector::score_of(event.strength),
                    estimated_flow_m3h: flow.flow_m3h,
                    candidates,
                    explanation: Explanation {
                        summary,
                        sensors,
                        flow,
                        localisation,
                    },
                });
            }
            areas.push(AreaScores {
                area: area.name.clone(),
                score: run.score,
                driver: run
                    .driver
                    .iter()
                    .map(|d| d.map(|k| self.sensors[members[k]].sensor.clone()))
                    .collect(),
            });
        }
        alarms.sort_by(|a, b| a.detected_at.cmp(&b.detected_at).then(a.area.cmp(&b.area)));
        Ok(ScoreOutput {
            model_version: self.card.version.clone(),
            start: readings.start,
            step_minutes: readings.step_minutes,
            len: n,
            areas,
            alarms,
        })
    }
}

/// Earliest step (not before `at − lookback`) from which the trailing-hour mean residual stays at
/// or below `half` (a negative number) up to `at`.
fn since_when(residual: &[f64], at: usize, half: f64, hour: usize, lookback: usize) -> usize {
    let hourly =
        crate::features::trailing_mean(&residual[at.saturating_sub(lookback + hour)..=at], hour);
    let offset = at.saturating_sub(lookback + hour);
    let mut since = at;
    for i in (0..hourly.len()).rev() {
        let ok = if half < 0.0 {
            hourly[i] <= half
        } else {
            hourly[i] >= half
        };
        if !ok {
            break;
        }
        since = offset + i;
    }
    since
}

mod nan_vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| x.is_finite().then_some(*x))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|x| x.unwrap_or(f64::NAN))
            .collect())
    }
}
