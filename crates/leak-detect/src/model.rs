//! The trained leak model: inputs, per-sensor normal behaviour and thresholds, area balances,
//! candidate pipes with their signatures, and the model card — one JSON file
//! (`models/leaks/model.json`, previous version kept) plus a copy of the card (`model-card.json`).
//!
//! Training is one procedure on the training window only: fit every sensor's normal behaviour;
//! refit it once per block of the window without that block (blocked cross-fitting) to get
//! out-of-sample residuals; set every threshold on those residuals for the false-alarm budget
//! (`detector::calibrate_area`); linearise the hydraulics for the candidate pipes. Nothing is
//! tuned on the period the model is later tested on.

use chrono::{Duration, NaiveDateTime, Utc};
use leak_data::labels::LeakLabel;
use leak_data::network::{AreaKind, Network, NodeKind};
use leak_data::{InpNetwork, Readings};
use prevoir_core::card::{DataSource, FeatureCard, ModelCard};
use prevoir_core::fingerprint::FileFingerprint;
use prevoir_core::progress::Progress;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::LeakError;
use crate::balance::BalanceModel;
use crate::confirm::BalanceConfirmation;
use crate::detector::{
    AreaCalibration, DetectorParams, SensorThresholds, calibrate_area, statistics,
};
use crate::features::{FeatureSpec, KnownLeak, balances};
use crate::geometry::Geometry;
use crate::localise::{Candidate, Localisation, SignatureMethod, candidates};
use crate::nightflow::NightFlowModel;
use crate::pressure::{SensorModel, fit_all};

/// Settings of training (the estimator's parameters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakModelParams {
    pub detector: DetectorParams,
    /// Training readings more than this many residual sd off are left out of the second fit.
    pub outlier_sd: f64,
    /// Candidate pipes listed per alarm.
    pub max_candidates: usize,
    /// What each pressure sensor's model reads besides the features.
    #[serde(default)]
    pub pressure_inputs: PressureInputs,
    /// Which candidate pipe an alarm names first.
    #[serde(default)]
    pub localisation: Localisation,
}

/// Inputs of a pressure sensor's normal-behaviour model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PressureInputs {
    /// Inflows, tank levels, pumps, time of day, known leaks.
    Features,
    /// The features and every other pressure sensor (which carry the demand fluctuations all
    /// sensors share, but also part of a leak's own signal).
    #[default]
    FeaturesAndOtherSensors,
}

impl Default for LeakModelParams {
    fn default() -> Self {
        Self {
            detector: DetectorParams::default(),
            outlier_sd: 4.0,
            max_candidates: 10,
            pressure_inputs: PressureInputs::default(),
            // The BattLeDIM radius: chosen over `BestFit` on the 2018 inner validations.
            localisation: Localisation::MostLikelyWithin { radius_m: 300.0 },
        }
    }
}

/// An area as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaInfo {
    pub name: String,
    pub kind: AreaKind,
    /// Name of the balance that meters this area's water (e.g. `A+B` for `B`).
    pub balance: Option<String>,
    pub junctions: usize,
}

/// Where the training data came from (for the card).
#[derive(Debug, Clone, Default)]
pub struct TrainingSources {
    pub files: Vec<FileFingerprint>,
    pub sources: Vec<DataSource>,
    /// Times from which the readings come from another source (a file join): no difference and
    /// no detector window is taken across them.
    pub source_changes: Vec<NaiveDateTime>,
}

/// A trained leak model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakModel {
    pub card: ModelCard,
    pub params: LeakModelParams,
    pub network_title: String,
    pub areas: Vec<AreaInfo>,
    pub features: FeatureSpec,
    /// Pressure sensors in model order, with their normal-behaviour model.
    pub sensors: Vec<SensorModel>,
    pub thresholds: Vec<SensorThresholds>,
    pub balances: Vec<BalanceModel>,
    pub signature_method: SignatureMethod,
    pub candidates: Vec<Candidate>,
    pub step_minutes: i64,
    pub training_from: NaiveDateTime,
    pub training_to: NaiveDateTime,
    /// How each area's thresholds were set from the training window.
    #[serde(default)]
    pub calibration: Vec<AreaCalibration>,
    /// Features-only model of each sensor (same order as `sensors`): fills a missing reading so
    /// that the other sensors' models, which read it, still work.
    #[serde(default)]
    pub imputation: Vec<SensorModel>,
    /// The network (coordinates, areas, pipe lengths): pipe-path distances between candidates,
    /// and the map of a web page.
    #[serde(default)]
    pub geometry: Geometry,
    /// Expected night flow of each metered balance (slow leaks).
    #[serde(default)]
    pub night_flows: Vec<NightFlowModel>,
    /// Noise of each metered balance's excess since a change: confirms step alarms.
    #[serde(default)]
    pub confirmations: Vec<BalanceConfirmation>,
}

impl LeakModelParams {
    /// Trains on `readings` (the whole training window) and calibrates every threshold on it (see
    /// the module doc). `labels` may hold every label: only leaks that started before the end of
    /// the readings are used, as known leaks, with their repair time (the maintenance record).
    pub fn fit(
        &self,
        inp: &InpNetwork,
        readings: &Readings,
        labels: &[LeakLabel],
        sources: TrainingSources,
        progress: &dyn Progress,
    ) -> Result<LeakModel, LeakError> {
        readings.validate()?;
        if readings.len < self.detector.reference_steps + self.detector.level_steps {
            return Err(LeakError::Fit(format!(
                "{} time steps: need at least {}",
                readings.len,
                self.detector.reference_steps + self.detector.level_steps
            )));
        }
        progress.start("network graph", 3);
        let net = Network::from_inp(inp);
        progress.advance(1);
        let training_from = readings.start;
        let training_to = readings.end();
        let exclusive_end = training_to + Duration::minutes(readings.step_minutes);
        let balance_specs = balances(&net, readings);
        if balance_specs.is_empty() {
            return Err(LeakError::Fit("no area balance can be measured: expected flow sensors on the inlet pipes (ids of pipes next to reservoirs)".into()));
        }
        let levels: Vec<String> = net
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Tank && readings.levels.contains_key(&n.id))
            .map(|n| n.id.clone())
            .collect();
        let pumps: Vec<String> = net
            .links
            .iter()
            .filter(|l| {
                l.kind == leak_data::network::LinkKind::Pump && readings.flows.contains_key(&l.id)
            })
            .map(|l| l.id.clone())
            .collect();
        let mean_of = |v: &[f64]| {
            let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            f.iter().sum::<f64>() / f.len().max(1) as f64
        };
        let flow_scale: Vec<f64> = balance_specs
            .iter()
            .map(|b| mean_of(&b.series(readings)).abs().max(1.0))
            .collect();
        let pump_scale: Vec<f64> = pumps
            .iter()
            .map(|p| {
                readings.flows[p]
                    .iter()
                    .copied()
                    .filter(|x| x.is_finite())
                    .fold(0.0_f64, f64::max)
                    .max(1.0)
            })
            .collect();
        let spec = FeatureSpec {
            balances: balance_specs.clone(),
            levels: levels.clone(),
            pumps,
            known_leaks: KnownLeak::from_labels(labels, exclusive_end),
            flow_scale: flow_scale.clone(),
            pump_scale,
        };
        let sensor_ids: Vec<String> = readings
            .pressures
            .keys()
            .filter(|id| net.node(id).is_some())
            .cloned()
            .collect();
        if sensor_ids.is_empty() {
            return Err(LeakError::Fit(
                "no pressure sensor is a node of the network".into(),
            ));
        }
        let p_features = spec.len();
        let n = readings.len;
        let breaks = crate::breaks::find(readings, &sources.source_changes, &self.detector);
        let (x, p) = design(&spec, &sensor_ids, readings, None, &breaks, None);
        progress.advance(1);
        progress.finish();
        progress.start("pressure models", sensor_ids.len() as u64 + 1);
        let labelled: Vec<(String, String)> = sensor_ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    net.areas[net.node_area[net.node(id).unwrap_or(0)]]
                        .name
                        .clone(),
                )
            })
            .collect();
        let own: Vec<usize> = (0..sensor_ids.len()).map(|i| p_features + i).collect();
        let uses: Vec<Vec<bool>> = (0..sensor_ids.len())
            .map(|_| {
                (0..p)
                    .map(|c| {
                        c < p_features
                            || self.pressure_inputs == PressureInputs::FeaturesAndOtherSensors
                    })
                    .collect()
            })
            .collect();
        // Contiguous blocks for the out-of-sample residuals, each at least two level windows long.
        let blocks = self
            .detector
            .calibration_blocks
            .min(n / (2 * self.detector.level_steps).max(1))
            .max(2);
        let block_starts: Vec<usize> = (0..blocks).map(|b| b * n / blocks).collect();
        let fitted = fit_all(
            &labelled,
            &x,
            p,
            &own,
            &uses,
            self.outlier_sd,
            &block_starts,
        )?;
        let sensors = fitted.models;
        let features_only: Vec<Vec<bool>> = (0..sensor_ids.len())
            .map(|_| (0..p).map(|c| c < p_features).collect())
            .collect();
        let imputation =
            fit_all(&labelled, &x, p, &own, &features_only, self.outlier_sd, &[])?.models;
        progress.advance(1);
        let mut out_of_sample = fitted.out_of_sample.unwrap_or_default();
        mask_unlearnable_leaks(
            &mut out_of_sample,
            &spec.known_leaks,
            readings,
            &block_starts,
            self.detector.reference_steps,
        );
        let mut calibration_breaks = breaks.clone();
        calibration_breaks.extend(block_starts.iter().copied().filter(|&b| b > 0));
        let stats: Vec<(Vec<f64>, Vec<f64>)> = out_of_sample
            .iter()
            .map(|r| statistics(r, &self.detector, &calibration_breaks))
            .collect();
        let areas_with_sensors: Vec<String> = net
            .areas
            .iter()
            .map(|a| a.name.clone())
            .filter(|a| labelled.iter().any(|(_, area)| area == a))
            .collect();
        // The false-alarm budget is shared equally by every area's two pressure statistics and
        // every balance's night flow.
        let night_channels = if self.detector.night_flow_alarms {
            balance_specs.len()
        } else {
            0
        };
        let channels = (2 * areas_with_sensors.len() + night_channels).max(1) as f64;
        let rate = self.detector.false_alarms_per_year / channels;
        let steps_per_year = 365.25 * 1440.0 / readings.step_minutes as f64;
        let mut thresholds: Vec<Option<SensorThresholds>> = vec![None; sensor_ids.len()];
        let mut calibration = Vec::new();
        for area in &areas_with_sensors {
            let members: Vec<usize> = (0..sensor_ids.len())
                .filter(|&k| &labelled[k].1 == area)
                .collect();
            let step: Vec<Vec<f64>> = members.iter().map(|&k| stats[k].0.clone()).collect();
            let level: Vec<Vec<f64>> = members.iter().map(|&k| stats[k].1.clone()).collect();
            let (th, cal) = calibrate_area(
                area,
                &step,
                &level,
                &self.detector,
                &calibration_breaks,
                steps_per_year,
                rate,
            );
            for (k, t) in members.iter().zip(th) {
                thresholds[*k] = Some(t);
            }
            calibration.push(cal);
            progress.advance(1);
        }
        let thresholds: Vec<SensorThresholds> = thresholds
            .into_iter()
            .map(|t| t.ok_or_else(|| LeakError::Fit("a sensor has no area".into())))
            .collect::<Result<_, _>>()?;
        progress.finish();
        progress.start("balances and pipe signatures", 2);
        let balance_models: Vec<BalanceModel> = balance_specs
            .iter()
            .map(|b| BalanceModel::fit(b, readings))
            .collect();
        let night_flows: Vec<NightFlowModel> = balance_specs
            .iter()
            .filter_map(|b| {
                let in_balance: Vec<KnownLeak> = spec
                    .known_leaks
                    .iter()
                    .filter(|k| {
                        net.link(&k.pipe)
                            .is_some_and(|l| b.areas.contains(&net.areas[net.link_area(l)].name))
                    })
                    .cloned()
                    .collect();
                NightFlowModel::fit(
                    b,
                    readings,
                    &breaks,
                    &in_balance,
                    &self.detector.night_flow,
                    self.detector.calibration_blocks,
                    self.outlier_sd,
                    rate,
                )
            })
            .collect();
        progress.advance(1);
        let total_demand: f64 = net
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Junction)
            .map(|n| n.base_demand.max(0.0))
            .sum();
        let consumed: f64 = balance_specs
            .iter()
            .filter(|b| b.tank.is_none())
            .zip(&flow_scale)
            .map(|(_, q)| q)
            .sum::<f64>()
            + balance_specs
                .iter()
                .zip(&flow_scale)
                .filter(|(b, _)| b.tank.is_some())
                .map(|(_, q)| q)
                .sum::<f64>();
        let multiplier = if total_demand > 0.0 {
            consumed / total_demand
        } else {
            1.0
        };
        let confirmations: Vec<BalanceConfirmation> = match &self.detector.confirmation {
            Some(c) => balance_specs
                .iter()
                .map(|b| {
                    BalanceConfirmation::fit(
                        &b.name,
                        &b.series_across(readings, &breaks),
                        &breaks,
                        self.detector.reference_steps,
                        (7 * 24 * 60 / readings.step_minutes) as usize,
                        2 * self.detector.step_steps + c.hold_steps + 1,
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        let tank_levels: Vec<(String, f64)> = levels
            .iter()
            .map(|l| (l.clone(), mean_of(&readings.levels[l])))
            .collect();
        let groups: Vec<Vec<String>> = balance_specs.iter().map(|b| b.areas.clone()).collect();
        let (mut candidate_list, method) =
            candidates(inp, &net, &sensor_ids, &groups, multiplier, &tank_levels);
        // Model-consistent signatures: the raw pressure drop, minus what the regression expects
        // from the other sensors' drops and from the leak's extra inflow in its balance.
        let inflow_response: Vec<Vec<f64>> = (0..balance_specs.len())
            .map(|b| {
                let mut offsets = vec![0.0; balance_specs.len()];
                offsets[b] = 1.0;
                let (xp, _) = design(&spec, &sensor_ids, readings, Some(&offsets), &breaks, None);
                sensors
                    .iter()
                    .map(|s| {
                        let (mut sum, mut count) = (0.0, 0usize);
                        for t in (0..readings.len).step_by(7) {
                            let d = s.predict_row(&xp[t * p..(t + 1) * p])
                                - s.predict_row(&x[t * p..(t + 1) * p]);
                            if d.is_finite() {
                                sum += d;
                                count += 1;
                            }
                        }
                        sum / count.max(1) as f64
                    })
                    .collect()
            })
            .collect();
        for c in &mut candidate_list {
            let raw = c.signature.clone();
            for (i, s) in sensors.iter().enumerate() {
                let explained: f64 = (0..sensors.len())
                    .map(|j| s.weights[p_features + j] * raw[j])
                    .sum();
                let inflow = c.balance.map(|b| inflow_response[b][i]).unwrap_or(0.0);
                c.signature[i] = raw[i] - explained - inflow;
            }
        }
        progress.advance(1);
        progress.finish();
        let areas: Vec<AreaInfo> = net
            .areas
            .iter()
            .map(|a| AreaInfo {
                name: a.name.clone(),
                kind: a.kind,
                balance: balance_specs
                    .iter()
                    .find(|b| b.areas.contains(&a.name))
                    .map(|b| b.name.clone()),
                junctions: a.junctions,
            })
            .collect();
        let card = card(
            &spec,
            &sensors,
            &balance_models,
            &areas,
            method,
            self,
            readings,
            sources,
            training_from,
            training_to,
            &calibration,
            &night_flows,
        );
        Ok(LeakModel {
            card,
            params: self.clone(),
            network_title: net.title.clone(),
            areas,
            features: spec,
            sensors,
            thresholds,
            balances: balance_models,
            signature_method: method,
            candidates: candidate_list,
            step_minutes: readings.step_minutes,
            training_from,
            training_to,
            calibration,
            imputation,
            geometry: Geometry::from_network(&net),
            night_flows,
            confirmations,
        })
    }
}

/// Out-of-sample residuals of a block cannot show what a known leak does when the rest of the
/// window does not tell it: when the leak is active on fewer than `min_support` steps outside the
/// block (its weight was learned from nothing), or absent on fewer than that (it is constant
/// there, e.g. a leak that started early in the window and was never repaired: its weight is
/// confounded with the intercept). Such steps of the block — where the leak's value differs from
/// what the rest of the window shows — are left out of the calibration rather than counted as
/// false alarms.
fn mask_unlearnable_leaks(
    residuals: &mut [Vec<f64>],
    known: &[KnownLeak],
    readings: &Readings,
    block_starts: &[usize],
    min_support: usize,
) {
    let n = readings.len;
    for leak in known {
        let value: Vec<f64> = (0..n).map(|t| leak.value(readings.time(t))).collect();
        for (b, &start) in block_starts.iter().enumerate() {
            let end = block_starts.get(b + 1).copied().unwrap_or(n);
            let outside = value[..start].iter().chain(&value[end..]);
            let (mut active, mut absent, mut sum) = (0usize, 0usize, 0.0);
            for &v in outside {
                if v > 0.0 {
                    active += 1;
                    sum += v;
                } else {
                    absent += 1;
                }
            }
            let seen = if active < min_support {
                Some(0.0)
            } else if absent < min_support {
                Some(sum / active as f64)
            } else {
                None
            };
            let Some(seen) = seen else { continue };
            for t in start..end {
                if (value[t] - seen).abs() > 1e-9 {
                    for r in residuals.iter_mut() {
                        r[t] = f64::NAN;
                    }
                }
            }
        }
    }
}

/// The regression inputs: the features, then every model sensor's pressure. Returns the
/// row-major matrix and its width. With `imputation` (features-only models, one per sensor), a
/// missing pressure is replaced by its features-only prediction, so that only the missing sensor's
/// own residual is lost, not every model that reads it.
pub(crate) fn design(
    spec: &FeatureSpec,
    sensors: &[String],
    readings: &Readings,
    offsets: Option<&[f64]>,
    breaks: &[usize],
    imputation: Option<&[SensorModel]>,
) -> (Vec<f64>, usize) {
    let zero = vec![0.0; spec.balances.len()];
    let features = spec.matrix_with_offsets(readings, offsets.unwrap_or(&zero), breaks);
    let pf = spec.len();
    let p = pf + sensors.len();
    let n = readings.len;
    let missing = vec![f64::NAN; n];
    let columns: Vec<&[f64]> = sensors
        .iter()
        .map(|s| {
            readings
                .pressures
                .get(s)
                .map(Vec::as_slice)
                .unwrap_or(&missing)
        })
        .collect();
    let mut x = vec![0.0; n * p];
    for t in 0..n {
        let row = &features[t * pf..(t + 1) * pf];
        x[t * p..t * p + pf].copy_from_slice(row);
        for (j, c) in columns.iter().enumerate() {
            let mut v = c[t];
            if let (false, Some(m)) = (v.is_finite(), imputation.and_then(|m| m.get(j))) {
                v = m.intercept
                    + m.weights[..pf]
                        .iter()
                        .zip(row)
                        .map(|(w, x)| w * x)
                        .sum::<f64>();
            }
            x[t * p + pf + j] = v;
        }
    }
    (x, p)
}

impl LeakModel {
    /// Writes `dir/model.json` (the previous one kept under a timestamped name) and
    /// `dir/model-card.json`. Returns the backup path if there was a previous model.
    pub fn save(&self, dir: &Path) -> Result<Option<PathBuf>, LeakError> {
        let model_path = dir.join("model.json");
        let json = serde_json::to_vec(self).map_err(|e| LeakError::Format {
            path: model_path.clone(),
            source: e,
        })?;
        let backup =
            prevoir_core::atomic::write_keeping_previous(&model_path, &json).map_err(|e| {
                LeakError::Io {
                    path: model_path.clone(),
                    source: e,
                }
            })?;
        let card_path = dir.join("model-card.json");
        let card = serde_json::to_vec_pretty(&self.card).map_err(|e| LeakError::Format {
            path: card_path.clone(),
            source: e,
        })?;
        prevoir_core::atomic::write_atomic(&card_path, &card).map_err(|e| LeakError::Io {
            path: card_path,
            source: e,
        })?;
        Ok(backup)
    }

    /// Loads a model from its JSON file or from the directory holding `model.json`.
    pub fn load(path: &Path) -> Result<Self, LeakError> {
        let file = if path.is_dir() {
            path.join("model.json")
        } else {
            path.to_path_buf()
        };
        let bytes = std::fs::read(&file).map_err(|e| LeakError::Io {
            path: file.clone(),
            source: e,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| LeakError::Format {
            path: file,
            source: e,
        })
    }

    /// Model sensor index of a pressure sensor id.
    pub fn sensor_index(&self, id: &str) -> Option<usize> {
        self.sensors.iter().position(|s| s.sensor == id)
    }
}

#[allow(clippy::too_many_arguments)]
fn card(
    spec: &FeatureSpec,
    sensors: &[SensorModel],
    balances: &[BalanceModel],
    areas: &[AreaInfo],
    method: SignatureMethod,
    params: &LeakModelParams,
    readings: &Readings,
    sources: TrainingSources,
    from: NaiveDateTime,
    to: NaiveDateTime,
    calibration: &[AreaCalibration],
    night_flows: &[NightFlowModel],
) -> ModelCard {
    let fingerprint = prevoir_core::fingerprint::combined_fingerprint(&sources.files);
    let now = Utc::now();
    let mut features: Vec<FeatureCard> = spec
        .names()
        .into_iter()
        .map(|name| {
            let group = if name.starts_with("tank level") {
                "level"
            } else if name.starts_with("known leak") {
                "known_leaks"
            } else if name.starts_with("time of day") {
                "calendar"
            } else {
                "flow"
            };
            FeatureCard {
                label_fr: name
                    .replace("inflow", "débit entrant")
                    .replace("tank level", "niveau du réservoir")
                    .replace("pump flow", "débit de pompe")
                    .replace("known leak", "fuite connue"),
                label_en: name.clone(),
                name,
                group: group.into(),
                availability: "same time step (SCADA, every 5 minutes)".into(),
                importance: None,
            }
        })
        .collect();
    for s in sensors {
        features.push(FeatureCard {
            name: format!("pressure {}", s.sensor),
            group: "pressure".into(),
            label_fr: format!("pression au capteur {} (zone {})", s.sensor, s.area),
            label_en: format!("pressure at sensor {} (area {})", s.sensor, s.area),
            availability: "same time step (SCADA, every 5 minutes)".into(),
            importance: None,
        });
    }
    let validation = serde_json::json!({
        "in_sample_residual_sd_m": sensors.iter().map(|s| (s.sensor.clone(), (s.residual_sd * 1000.0).round() / 1000.0)).collect::<std::collections::BTreeMap<_, _>>(),
        "balance_residual_sd_m3h": balances.iter().map(|b| (b.spec.name.clone(), (b.residual_sd_m3h * 100.0).round() / 100.0)).collect::<std::collections::BTreeMap<_, _>>(),
        "threshold_calibration": calibration,
        "note": "thresholds are set on out-of-sample residuals of the training window (blocked cross-fitting) for the false-alarm budget; `*_training_max` is the largest training value over the threshold. Detection on new leaks is measured by `prevoir backtest leaks` on a later period"
    });
    ModelCard {
        name: "leaks".into(),
        version: format!("leaks-{}-{}", now.format("%Y%m%dT%H%M%SZ"), &fingerprint[..8.min(fingerprint.len())]),
        purpose_fr: "Signaler qu'une fuite a commencé sur le réseau d'eau, dans quelle zone et sur quelles conduites, avec son débit estimé et les capteurs qui s'écartent de la normale.".into(),
        purpose_en: "Tell water engineers that a leak started, in which area and on which pipes, how much it loses, and which sensors deviate from normal.".into(),
        trained_at: now.to_rfc3339(),
        training_from: from.to_string(),
        training_to: to.to_string(),
        data_cutoff: to.to_string(),
        data_fingerprint: fingerprint,
        data_files: sources.files,
        data_sources: sources.sources,
        features,
        algorithm: format!(
            "per-sensor linear regression of pressure on {} (least squares, refit without >{}σ outliers); step and level change detection on the residuals with thresholds set on out-of-sample training residuals (blocked cross-fitting, {} blocks) for {} false alarms a year over the network (exponential tail of block maxima); candidate pipes ranked by {} signatures (non-negative weighted least squares), {}; night flow against the previous daytime per balance (CUSUM); step alarms confirmed by the area balance's excess since the change (difference in differences against the same hours a week earlier, {} sds of its training noise within {} steps), which then sizes the leak; otherwise flow from the week-over-week area balance",
            match params.pressure_inputs {
                PressureInputs::Features => "inflows, tank levels, pumps, time of day and known leaks",
                PressureInputs::FeaturesAndOtherSensors => "inflows, tank levels, pumps, time of day, known leaks and the other sensors",
            },
            params.outlier_sd,
            params.detector.calibration_blocks,
            params.detector.false_alarms_per_year,
            match method {
                SignatureMethod::HydraulicSensitivity => "linearised hydraulic (Hazen–Williams) sensitivity",
                SignatureMethod::GraphDistance => "pipe-path distance decay",
            },
            match params.localisation {
                Localisation::BestFit => "the best fit named first".to_owned(),
                Localisation::MostLikelyWithin { radius_m } => format!("named first: the pipe with the most likelihood within {radius_m:.0} m of pipe around it"),
            },
            params.detector.confirmation.as_ref().map_or(0.0, |c| c.z),
            params.detector.confirmation.as_ref().map_or(0, |c| c.hold_steps),
        ),
        parameters: serde_json::json!({
            "detector": params.detector,
            "outlier_sd": params.outlier_sd,
            "max_candidates": params.max_candidates,
            "step_minutes": readings.step_minutes,
            "areas": areas,
            "balances": balances.iter().map(|b| serde_json::json!({"name": b.spec.name, "formula": b.spec.formula(), "mean_flow_m3h": b.mean_flow_m3h, "night_flow_m3h": b.night_flow_m3h})).collect::<Vec<_>>(),
            "sensor_weights": sensors.iter().map(|s| serde_json::json!({"sensor": s.sensor, "area": s.area, "intercept": s.intercept, "weights": s.weights})).collect::<Vec<_>>(),
            "night_flows": night_flows,
        }),
        validation,
        operations: vec![
            "Lecture du plan du réseau (fichier EPANET .inp), découpage en zones d'après sa topologie (les pompes et les vannes de réduction de pression en marquent les limites) et calcul des distances le long des conduites.".into(),
            "Calcul du débit entrant de chaque zone comptée à partir des débitmètres et des niveaux des réservoirs (aucune différence de niveau n'est calculée à travers un changement de source de données).".into(),
            "Apprentissage, pour chaque capteur de pression, d'un modèle linéaire de sa pression selon les débits entrants, les niveaux des réservoirs, les pompes, l'heure de la journée, les autres capteurs et les fuites connues par les étiquettes d'apprentissage (chacune par sa taille et par sa taille × débit entrant^0,852, la pente des pertes de charge) ; et d'un second modèle, sans les autres capteurs, qui remplace une mesure manquante.".into(),
            "Découpage de la période d'apprentissage en blocs : le modèle de chaque capteur est réappris sans un bloc puis appliqué à ce bloc, ce qui donne sur toute la période des écarts (mesure − attendu) que le modèle n'a pas vus (les passages où une fuite connue n'était active presque que dans le bloc sont écartés).".into(),
            "Sur ces écarts, par zone : ajustement d'une loi exponentielle à la queue des maxima journaliers de l'indicateur de saut (sur 2 heures) et des maxima sur 2 jours de l'indicateur de niveau ; seuil = la valeur dépassée en moyenne (budget de fausses alertes ÷ nombre de détecteurs) fois par an.".into(),
            "Pour chaque bilan compté : modèle du débit entrant de nuit (de 2 h à 5 h) selon le débit de la journée précédente et les fuites connues, et seuil de son cumul (CUSUM) fixé de la même façon sur des nuits hors échantillon (pas de détecteur de nuit quand une fuite ne ferait presque pas bouger l'écart de nuit).".into(),
            "Pour chaque bilan compté : mesure, sur la période d'apprentissage, du bruit de l'excès de débit entrant depuis un changement (moyenne depuis le changement moins la moyenne de la veille, moins le même écart une semaine plus tôt), pour chaque durée de 5 minutes à quelques heures. Une alerte de saut de pression n'est émise que si cet excès atteint 2 fois ce bruit dans l'heure qui suit (sinon elle est gardée, non émise, avec sa raison) ; le débit estimé de la fuite est alors cet excès.".into(),
            "Linéarisation de l'hydraulique du réseau à la demande moyenne de la période d'apprentissage, pour obtenir la signature de chaque conduite : de combien la pression de chaque capteur baisse quand cette conduite fuit.".into(),
            "Au calcul des scores : écart = pression mesurée − pression attendue ; une zone passe en alerte quand la baisse d'un capteur (saut ou niveau) dépasse son seuil, ou quand le cumul de nuit de son bilan dépasse le sien ; les conduites candidates sont classées selon que leur signature explique bien ou mal les baisses (distances mesurées le long des conduites) ; le débit de la fuite est le débit entrant de la zone comparé à celui des mêmes heures une semaine plus tôt (ou l'excès de débit de nuit).".into(),
        ],
        limitations: vec![
            "Les signatures de pression viennent d'une linéarisation du modèle hydraulique (demandes imposées) en un seul point de fonctionnement ; le réseau réel diffère de son modèle.".into(),
            "Après une alerte, la zone reste silencieuse pendant la période de stabilisation (3 jours par défaut) : une deuxième fuite dans la même zone pendant ce temps n'est trouvée qu'ensuite.".into(),
            "Une fuite d'environ 1 m³/h est en dessous de ce que les capteurs de pression distinguent du bruit de mesure (0,05 m).".into(),
            "Après un changement de source de données ou une interruption d'une journée, le détecteur redémarre : pas d'alerte de saut pendant un jour, ni d'alerte de niveau pendant deux.".into(),
            "Une zone qui n'a qu'un capteur de pression ne peut pas être localisée plus finement que la zone ; une alerte de débit de nuit indique le bilan concerné, et la localisation ne vient alors que des baisses de pression de la semaine.".into(),
            "Le budget de fausses alertes est tenu sur les données d'apprentissage ; une fuite déjà présente qui grossit après l'apprentissage (sa croissance est inconnue) déclenche des alertes que la règle BattLeDIM compte comme fausses quand elles sont placées à plus de 300 m.".into(),
        ],
        software: format!("prevoir leak-detect {}", env!("CARGO_PKG_VERSION")),
    }
}
