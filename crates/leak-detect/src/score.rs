//! Scoring readings with a trained model: per-area leak scores at every time step, alarms with
//! ranked candidate pipes, an estimated flow, and the explanation of each (which sensors deviate,
//! expected vs observed, since when; how the flow was estimated). Deterministic; no I/O.

use chrono::NaiveDateTime;
use leak_data::Readings;
use serde::{Deserialize, Serialize};

use crate::LeakError;
use crate::balance::{FlowEstimate, estimate_flow};
use crate::confirm::{BalanceConfirmation, Confirmation};
use crate::detector::WindowMeans;
use crate::detector::{Trigger, run_area, statistics};
use crate::localise::{RankedPipe, rank};
use crate::model::LeakModel;
use crate::nightflow::{Night, NightFlowModel};

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
    /// Sensors of the area, furthest below their threshold first (at most 5).
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
    /// Night flow against expected consumption, per metered balance.
    #[serde(default)]
    pub night_flows: Vec<NightFlowScores>,
    /// Pressure step alarms that the area balance did not confirm within the hold (not raised;
    /// shown so an engineer can see what the pressures alone would have said).
    #[serde(default)]
    pub unconfirmed: Vec<Alarm>,
}

impl ScoreOutput {
    pub fn time(&self, t: usize) -> NaiveDateTime {
        self.start + chrono::Duration::minutes(self.step_minutes * t as i64)
    }
}

/// Options of [`LeakModel::score_with`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// Alarms are raised only at or after this time (earlier readings warm the statistics up:
    /// give at least 3 days before it); `None` = from the start.
    pub alarms_from: Option<NaiveDateTime>,
    /// Times from which the readings come from another source (e.g. the join of two files):
    /// nothing is compared across them and the detector warms up again after each.
    #[serde(default)]
    pub source_changes: Vec<NaiveDateTime>,
}

impl LeakModel {
    /// Scores `readings`. Alarms are raised only at or after `alarms_from` (earlier readings warm
    /// the statistics up: give at least 3 days before it); `None` = from the start. Long gaps
    /// (a day or more without a kind of sensor) restart the detector; see
    /// [`LeakModel::score_with`] to declare changes of data source too.
    pub fn score(
        &self,
        readings: &Readings,
        alarms_from: Option<NaiveDateTime>,
    ) -> Result<ScoreOutput, LeakError> {
        self.score_with(
            readings,
            &ScoreOptions {
                alarms_from,
                source_changes: Vec::new(),
            },
        )
    }

    /// Scores `readings` with [`ScoreOptions`].
    pub fn score_with(
        &self,
        readings: &Readings,
        options: &ScoreOptions,
    ) -> Result<ScoreOutput, LeakError> {
        let alarms_from = options.alarms_from;
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
            if let Some((level, _)) = &b.tank
                && !readings.levels.contains_key(level)
            {
                return Err(LeakError::Input(format!(
                    "tank level {level} is missing (needed for the balance of area {})",
                    b.name
                )));
            }
        }
        let n = readings.len;
        let breaks = crate::breaks::find(readings, &options.source_changes, &self.params.detector);
        let sensor_ids: Vec<String> = self.sensors.iter().map(|s| s.sensor.clone()).collect();
        let imputation =
            (self.imputation.len() == self.sensors.len()).then_some(self.imputation.as_slice());
        let (x, p) = crate::model::design(
            &self.features,
            &sensor_ids,
            readings,
            None,
            &breaks,
            imputation,
        );
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
            .map(|r| statistics(r, &self.params.detector, &breaks))
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
        let ctx = Context {
            readings,
            sensor_ids: &sensor_ids,
            expected: &expected,
            observed: &observed,
            residual: &residual,
            breaks: &breaks,
        };
        let mut areas = Vec::new();
        let mut alarms = Vec::new();
        let mut unconfirmed = Vec::new();
        let week = (7 * 24 * 60 / readings.step_minutes) as usize;
        let balance_means: Vec<(
            &BalanceConfirmation,
            &crate::features::BalanceSpec,
            WindowMeans,
        )> = match &self.params.detector.confirmation {
            Some(_) => self
                .confirmations
                .iter()
                .filter_map(|c| {
                    let spec = &self
                        .balances
                        .iter()
                        .find(|b| b.spec.name == c.balance)?
                        .spec;
                    Some((
                        c,
                        spec,
                        WindowMeans::new(&spec.series_across(readings, &breaks), &breaks),
                    ))
                })
                .collect(),
            None => Vec::new(),
        };
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
            let run = run_area(
                &step,
                &level,
                &th,
                &self.params.detector,
                emit_from,
                &breaks,
            );
            for event in &run.events {
                let mut deviation = vec![f64::NAN; self.sensors.len()];
                let mut sd = vec![f64::NAN; self.sensors.len()];
                for (k, &s) in members.iter().enumerate() {
                    deviation[s] = event.deviation[k];
                    sd[s] = event.deviation_sd[k];
                }
                let mut alarm = self.alarm(
                    &ctx,
                    &area.name,
                    event.at,
                    event.trigger,
                    &deviation,
                    &sd,
                    event.strength,
                    None,
                );
                let confirmation = match (&self.params.detector.confirmation, event.trigger) {
                    (Some(params), Trigger::Step) => area
                        .balance
                        .as_ref()
                        .and_then(|b| balance_means.iter().find(|m| &m.0.balance == b))
                        .zip(readings.index_of(alarm.change_started_at))
                        .and_then(|((c, spec, means), change)| {
                            c.confirm(
                                means,
                                change,
                                event.at,
                                n - 1,
                                self.params.detector.reference_steps,
                                week,
                                params,
                            )
                            .map(|r| (r, *spec))
                        }),
                    _ => None,
                };
                match confirmation {
                    None => alarms.push(alarm),
                    Some((c, spec)) => {
                        let held = c.confirmed_at.is_none();
                        confirm_explanation(&mut alarm, &c, spec, readings);
                        if held {
                            unconfirmed.push(alarm);
                        } else {
                            alarms.push(alarm);
                        }
                    }
                }
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
        // Night flow of each metered area: slow leaks in the water balance.
        let mut night_flows = Vec::new();
        for model in &self.night_flows {
            let Some(spec) = self
                .balances
                .iter()
                .find(|b| b.spec.name == model.balance)
                .map(|b| &b.spec)
            else {
                continue;
            };
            let covered: Vec<String> = spec.areas.clone();
            let restarts: Vec<usize> = alarms
                .iter()
                .filter(|a| covered.contains(&a.area))
                .filter_map(|a| readings.index_of(a.detected_at))
                .collect();
            let emit = if self.params.detector.night_flow_alarms {
                emit_from
            } else {
                usize::MAX
            };
            let (nights, alarm_nights) = model.score(
                spec,
                readings,
                &breaks,
                &self.features.known_leaks,
                &self.params.detector.night_flow,
                emit,
                &restarts,
            );
            for &i in &alarm_nights {
                let night = &nights[i];
                if let Some(alarm) = self.night_flow_alarm(&ctx, &stats, model, spec, night) {
                    alarms.push(alarm);
                }
            }
            night_flows.push(NightFlowScores {
                balance: model.balance.clone(),
                areas: covered,
                threshold: model.threshold,
                nights,
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
            night_flows,
            unconfirmed,
        })
    }

    /// The alarm of a night-flow CUSUM: placed in the area of the balance whose pressure sensors
    /// dropped most over the last week (in sds), ranked on those drops.
    fn night_flow_alarm(
        &self,
        ctx: &Context,
        stats: &[(Vec<f64>, Vec<f64>)],
        model: &NightFlowModel,
        spec: &crate::features::BalanceSpec,
        night: &Night,
    ) -> Option<Alarm> {
        let t = night.at;
        let week = (7 * 24 * 60 / ctx.readings.step_minutes) as usize;
        let mut deviation = vec![f64::NAN; self.sensors.len()];
        let mut sd = vec![f64::NAN; self.sensors.len()];
        let mut best: Option<(f64, &str)> = None;
        for (s, sensor) in self.sensors.iter().enumerate() {
            if !spec.areas.contains(&sensor.area) || t < week {
                continue;
            }
            let now = stats[s].1[t];
            let before = stats[s].1[t - week];
            if !(now.is_finite() && before.is_finite()) {
                continue;
            }
            deviation[s] = now - before;
            sd[s] = self.thresholds[s].level_sd * std::f64::consts::SQRT_2;
            let z = deviation[s] / sd[s];
            if best.is_none_or(|(b, _)| z < b) {
                best = Some((z, sensor.area.as_str()));
            }
        }
        let area = best
            .map(|b| b.1.to_owned())
            .or_else(|| spec.areas.first().cloned())?;
        for (s, sensor) in self.sensors.iter().enumerate() {
            if sensor.area != area {
                deviation[s] = f64::NAN;
            }
        }
        let flow = model.leak_flow(night.excess_m3h);
        Some(self.alarm(
            ctx,
            &area,
            t,
            Trigger::NightFlow,
            &deviation,
            &sd,
            night.cusum / model.threshold,
            Some((model, night, flow)),
        ))
    }

    /// An alarm with its candidates, flow estimate and explanation.
    #[allow(clippy::too_many_arguments)]
    fn alarm(
        &self,
        ctx: &Context,
        area: &str,
        at: usize,
        trigger: Trigger,
        deviation: &[f64],
        sd: &[f64],
        strength: f64,
        night: Option<(&NightFlowModel, &Night, f64)>,
    ) -> Alarm {
        let readings = ctx.readings;
        let hour = (60 / readings.step_minutes).max(1) as usize;
        let candidates = rank(
            &self.candidates,
            ctx.sensor_ids,
            area,
            deviation,
            sd,
            self.params.max_candidates,
            &self.geometry,
            self.params.localisation,
        );
        let pressure_based = candidates.first().map(|c| c.pressure_flow_m3h);
        let window = match trigger {
            Trigger::Step => self.params.detector.step_steps,
            Trigger::Level | Trigger::NightFlow => self.params.detector.level_steps,
        };
        let members: Vec<usize> = (0..self.sensors.len())
            .filter(|&s| deviation[s].is_finite() && sd[s] > 0.0)
            .collect();
        // The change began when the most deviating sensor left its normal band.
        let change_at = members
            .iter()
            .copied()
            .min_by(|&a, &b| (deviation[a] / sd[a]).total_cmp(&(deviation[b] / sd[b])))
            .map(|s| since_when(&ctx.residual[s], at, deviation[s] / 2.0, hour, window * 2))
            .unwrap_or(at + 1 - window.min(at + 1))
            .max(at + 1 - (window * 2).min(at + 1));
        let balance = self
            .areas
            .iter()
            .find(|a| a.name == area)
            .and_then(|a| a.balance.as_ref())
            .and_then(|b| self.balances.iter().find(|m| &m.spec.name == b));
        let mut flow = estimate_flow(balance, readings, change_at, at, pressure_based, ctx.breaks);
        if let Some((model, night, q)) = night {
            flow = FlowEstimate {
                flow_m3h: q,
                method: "night flow against expected consumption".into(),
                text: format!(
                    "area {} night inflow (02:00–05:00) was {:.1} m³/h on {}, {:.1} m³/h above its expected-consumption baseline; a leak raises the night by (1 − {:.2}) of its flow: ≈ {q:.1} m³/h (accumulated excess {:.1} sd, threshold {:.1})",
                    model.balance,
                    night.night_m3h,
                    night.date,
                    night.excess_m3h,
                    model.day_weight,
                    night.cusum,
                    model.threshold,
                ),
                night_flow_m3h: Some(night.night_m3h),
                night_flow_before_m3h: Some(night.expected_m3h),
                ..flow
            };
        }
        let from = at + 1 - window.min(at + 1);
        let mut sensors: Vec<SensorDeviation> = members
            .iter()
            .map(|&s| {
                let mean = |v: &[f64]| {
                    let f: Vec<f64> = v[from..=at]
                        .iter()
                        .copied()
                        .filter(|x| x.is_finite())
                        .collect();
                    f.iter().sum::<f64>() / f.len().max(1) as f64
                };
                let threshold = match trigger {
                    Trigger::Step => self.thresholds[s].step_drop,
                    Trigger::Level | Trigger::NightFlow => self.thresholds[s].level_drop,
                };
                let since = since_when(&ctx.residual[s], at, deviation[s] / 2.0, hour, window * 2);
                SensorDeviation {
                    sensor: self.sensors[s].sensor.clone(),
                    expected_m: mean(&ctx.expected[s]),
                    observed_m: mean(ctx.observed[s]),
                    deviation_m: deviation[s],
                    z: deviation[s] / sd[s],
                    threshold_m: threshold,
                    since: readings.time(since),
                }
            })
            .collect();
        // The sensor furthest past its threshold first: the one that raised the alarm.
        sensors.sort_by(|a, b| {
            (a.deviation_m / a.threshold_m).total_cmp(&(b.deviation_m / b.threshold_m))
        });
        sensors.truncate(5);
        let kind = match trigger {
            Trigger::Step => "a pressure step within the last 2 hours",
            Trigger::Level => "pressures below their accepted level over the last 2 days",
            Trigger::NightFlow => "night inflow above the expected consumption for several nights",
        };
        let summary = match sensors.first() {
            Some(s) => format!(
                "Area {area}: {kind}. Sensor {} is {:.2} m below expected since {} (threshold {:.2} m); estimated leak {:.1} m³/h.",
                s.sensor,
                -s.deviation_m,
                s.since.format("%Y-%m-%d %H:%M"),
                s.threshold_m,
                flow.flow_m3h
            ),
            None => format!(
                "Area {area}: {kind}; estimated leak {:.1} m³/h.",
                flow.flow_m3h
            ),
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
        Alarm {
            area: area.to_owned(),
            detected_at: readings.time(at),
            change_started_at: readings.time(change_at),
            trigger,
            score: crate::detector::score_of(strength),
            estimated_flow_m3h: flow.flow_m3h,
            candidates,
            explanation: Explanation {
                summary,
                sensors,
                flow,
                localisation,
            },
        }
    }
}

/// Records the balance confirmation of a step alarm: a confirmed alarm is raised when the
/// balance confirmed it and takes the balance excess as its flow; a held one says why it was not
/// raised.
fn confirm_explanation(
    alarm: &mut Alarm,
    c: &Confirmation,
    spec: &crate::features::BalanceSpec,
    readings: &Readings,
) {
    let since = alarm.change_started_at.format("%Y-%m-%d %H:%M");
    match c.confirmed_at {
        Some(at) => {
            let pressure_alarm = alarm.detected_at;
            alarm.detected_at = readings.time(at);
            let delay = if alarm.detected_at > pressure_alarm {
                format!(
                    " (pressure alarm at {}, held until the balance confirmed it)",
                    pressure_alarm.format("%H:%M")
                )
            } else {
                String::new()
            };
            alarm.estimated_flow_m3h = c.excess_m3h;
            let flow = &mut alarm.explanation.flow;
            flow.flow_m3h = c.excess_m3h;
            flow.method = "balance step since the change".into();
            flow.balance = Some(spec.name.clone());
            flow.text = format!(
                "area {} inflow ({}) rose by {:.1} m³/h from {since} to {} against the day before, beyond the same change one week earlier (confirmation threshold {:.1} m³/h){delay}",
                spec.name,
                spec.formula(),
                c.excess_m3h,
                alarm.detected_at.format("%Y-%m-%d %H:%M"),
                c.threshold_m3h,
            );
            alarm.explanation.summary = format!(
                "{} The area inflow confirms it: +{:.1} m³/h since {since}.",
                alarm.explanation.summary, c.excess_m3h
            );
        }
        None => {
            alarm.explanation.summary = format!(
                "{} Not raised: the area {} inflow shows {:+.1} m³/h since {since} beyond the same hours one week earlier, below the {:.1} m³/h a leak would add.",
                alarm.explanation.summary, spec.name, c.excess_m3h, c.threshold_m3h
            );
        }
    }
}

/// What the alarms of one scoring run share.
struct Context<'a> {
    readings: &'a Readings,
    sensor_ids: &'a [String],
    expected: &'a [Vec<f64>],
    observed: &'a [&'a [f64]],
    residual: &'a [Vec<f64>],
    breaks: &'a [usize],
}

/// The night flows of one balance over the scored period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightFlowScores {
    pub balance: String,
    pub areas: Vec<String>,
    /// Alarm threshold of the CUSUM (residual sds).
    pub threshold: f64,
    pub nights: Vec<Night>,
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
