//! The trained leak model: inputs, per-sensor normal behaviour and thresholds, area balances,
//! candidate pipes with their signatures, and the model card — one JSON file
//! (`models/leaks/model.json`, previous version kept) plus a copy of the card (`model-card.json`).

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
use crate::detector::{DetectorParams, SensorThresholds, calibrate};
use crate::features::{FeatureSpec, KnownLeak, balances};
use crate::localise::{Candidate, SignatureMethod, candidates};
use crate::pressure::{SensorModel, fit_all};

/// Settings of training (the estimator's parameters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakModelParams {
    pub detector: DetectorParams,
    /// Training readings more than this many residual sd off are left out of the second fit.
    pub outlier_sd: f64,
    /// Candidate pipes listed per alarm.
    pub max_candidates: usize,
}

impl Default for LeakModelParams {
    fn default() -> Self {
        Self {
            detector: DetectorParams::default(),
            outlier_sd: 4.0,
            max_candidates: 10,
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
}

impl LeakModelParams {
    /// Trains on `readings` (the whole training window). `labels` may hold every label: only
    /// leaks that started before the end of the readings are used, as known leaks.
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
        let (x, p) = design(&spec, &sensor_ids, readings, None);
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
        let sensors = fit_all(&labelled, &x, p, &own, self.outlier_sd)?;
        progress.advance(1);
        let mut thresholds = Vec::new();
        for (i, model) in sensors.iter().enumerate() {
            let residual: Vec<f64> = (0..readings.len)
                .map(|t| x[t * p + own[i]] - model.predict_row(&x[t * p..(t + 1) * p]))
                .collect();
            thresholds.push(calibrate(&residual, &self.detector));
            progress.advance(1);
        }
        progress.finish();
        progress.start("balances and pipe signatures", 2);
        let balance_models: Vec<BalanceModel> = balance_specs
            .iter()
            .map(|b| BalanceModel::fit(b, readings))
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
                let (xp, _) = design(&spec, &sensor_ids, readings, Some(&offsets));
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
        })
    }
}

/// The regression inputs: the features, then every model sensor's pressure. Returns the
/// row-major matrix and its width.
pub(crate) fn design(
    spec: &FeatureSpec,
    sensors: &[String],
    readings: &Readings,
    offsets: Option<&[f64]>,
) -> (Vec<f64>, usize) {
    let features = match offsets {
        Some(o) => spec.matrix_with_offsets(readings, o),
        None => spec.matrix(readings),
    };
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
        x[t * p..t * p + pf].copy_from_slice(&features[t * pf..(t + 1) * pf]);
        for (j, c) in columns.iter().enumerate() {
            x[t * p + pf + j] = c[t];
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
        "note": "thresholds are set so that the training window raises no alarm; out-of-sample detection is measured by `prevoir backtest leaks`"
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
            "per-sensor linear regression of pressure (least squares, refit without >{}σ outliers); step and level change detection on the residuals with thresholds = {} × the largest training value; candidate pipes ranked by {} signatures (non-negative weighted least squares); flow from the week-over-week area balance",
            params.outlier_sd,
            params.detector.margin,
            match method {
                SignatureMethod::HydraulicSensitivity => "linearised hydraulic (Hazen–Williams) sensitivity",
                SignatureMethod::GraphDistance => "pipe-path distance decay",
            }
        ),
        parameters: serde_json::json!({
            "detector": params.detector,
            "outlier_sd": params.outlier_sd,
            "max_candidates": params.max_candidates,
            "step_minutes": readings.step_minutes,
            "areas": areas,
            "balances": balances.iter().map(|b| serde_json::json!({"name": b.spec.name, "formula": b.spec.formula(), "mean_flow_m3h": b.mean_flow_m3h, "night_flow_m3h": b.night_flow_m3h})).collect::<Vec<_>>(),
            "sensor_weights": sensors.iter().map(|s| serde_json::json!({"sensor": s.sensor, "area": s.area, "intercept": s.intercept, "weights": s.weights})).collect::<Vec<_>>(),
        }),
        validation,
        operations: vec![
            "read the network (.inp) and derive areas from its topology (pumps and PRVs bound them) and pipe-path distances".into(),
            "compute each metered area's inflow from the flow and tank-level sensors".into(),
            "fit, for every pressure sensor, a linear model of its pressure on inflows, tank levels, pumps, time of day and the leaks known from the training labels".into(),
            "measure on the training window the largest 2-hour step and 2-day level drop of every sensor's residual; thresholds = margin × these".into(),
            "linearise the network hydraulics at the mean training demand to get each pipe's pressure signature".into(),
            "when scoring: residual = observed − expected pressure; an area alarms when a sensor's step or level drop passes its threshold; candidate pipes are ranked by how well their signature explains the drops; the flow is the area's inflow against the same hours one week earlier".into(),
        ],
        limitations: vec![
            "pressure signatures come from a demand-driven linearisation at one operating point; real networks differ from their model".into(),
            "after an alarm, the area is quiet for the settling period (3 days by default): a second leak in the same area then is found only afterwards".into(),
            "leaks of ~1 m³/h are below what the pressure sensors can separate from noise (0.05 m)".into(),
            "an area with a single pressure sensor cannot be localised finer than the area".into(),
        ],
        software: format!("prevoir leak-detect {}", env!("CARGO_PKG_VERSION")),
    }
}
