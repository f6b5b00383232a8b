//! The leak scoring service: one trained leak model, the network it was trained on (for the
//! sketch), and the readings the server holds (loaded at start-up or ingested), scored once per
//! change so that alarms and score timelines are read from memory. No HTTP here.

pub mod answer;
pub mod readings;

use chrono::{Duration, NaiveDateTime};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use leak_data::network::{AreaKind, LinkKind, NodeKind};
use leak_data::{InpNetwork, Network, Readings, SensorKind};
use leak_detect::{LeakError, LeakModel, ScoreOutput};

use crate::provenance::Provenance;
use answer::{
    AlarmAnswer, AreaAnswer, AreaScoreAnswer, LinkAnswer, NetworkAnswer, NodeAnswer, ScoreAnswer,
    finite, time,
};
use readings::SensorKinds;

/// Days of readings before alarms are raised: the detector's statistics and the week-over-week
/// balance need them (the CLI's `--warmup-days` default).
pub const WARMUP_DAYS: i64 = 8;

/// A loaded leak model, ready to score.
#[derive(Debug)]
pub struct LeakService {
    pub provenance: Provenance,
    pub model: LeakModel,
    pub sensor_kinds: SensorKinds,
    /// The network sketch, or why there is none.
    pub network: Result<NetworkAnswer, String>,
}

impl LeakService {
    /// Loads `dir/model.json` and the network: `network` if given, else the `.inp` file named in
    /// the model card, looked for relative to the working directory and to `search_root`.
    pub fn load(
        name: &str,
        dir: &Path,
        network: Option<&Path>,
        search_root: &Path,
    ) -> Result<Self, LeakError> {
        let model = LeakModel::load(dir)?;
        Ok(Self::new(name, model, network, search_root))
    }

    pub fn new(name: &str, model: LeakModel, network: Option<&Path>, search_root: &Path) -> Self {
        let provenance = Provenance::of(name, &model.card);
        let mut sensor_kinds: SensorKinds = HashMap::new();
        for balance in &model.features.balances {
            for (id, _) in &balance.flows {
                sensor_kinds.insert(id.clone(), SensorKind::Flow);
            }
            if let Some((level, _)) = &balance.tank {
                sensor_kinds.insert(level.clone(), SensorKind::Level);
            }
        }
        for pump in &model.features.pumps {
            sensor_kinds.insert(pump.clone(), SensorKind::Flow);
        }
        for level in &model.features.levels {
            sensor_kinds.insert(level.clone(), SensorKind::Level);
        }
        for sensor in &model.sensors {
            sensor_kinds.insert(sensor.sensor.clone(), SensorKind::Pressure);
        }
        let network = find_network(&model, network, search_root)
            .and_then(|path| network_answer(&provenance, &model, &sensor_kinds, &path));
        Self {
            provenance,
            model,
            sensor_kinds,
            network,
        }
    }

    pub fn step_minutes(&self) -> i64 {
        self.model.step_minutes
    }

    /// Scores readings (blocking). Alarms from `alarms_from`, by default after the warm-up.
    pub fn score(
        &self,
        readings: &Readings,
        alarms_from: Option<NaiveDateTime>,
    ) -> Result<ScoreOutput, LeakError> {
        let alarms_from = alarms_from.unwrap_or_else(|| default_alarms_from(readings));
        self.model.score(readings, Some(alarms_from))
    }

    /// The answer for scored readings.
    pub fn score_answer(&self, output: &ScoreOutput, alarms_from: NaiveDateTime) -> ScoreAnswer {
        ScoreAnswer {
            provenance: self.provenance.clone(),
            start: time(output.start),
            end: time(output.time(output.len.saturating_sub(1))),
            step_minutes: output.step_minutes,
            steps: output.len,
            alarms_from: time(alarms_from.max(output.start)),
            areas: output
                .areas
                .iter()
                .map(|a| area_scores(&a.area, a.score.iter().map(|s| finite(*s)).collect()))
                .collect(),
            alarms: output.alarms.iter().map(AlarmAnswer::from_alarm).collect(),
            held_alarms: output
                .unconfirmed
                .iter()
                .map(AlarmAnswer::from_alarm)
                .collect(),
        }
    }
}

/// After the warm-up if the readings are long enough, else from their start.
pub fn default_alarms_from(readings: &Readings) -> NaiveDateTime {
    let warm = readings.start + Duration::days(WARMUP_DAYS);
    if warm <= readings.end() {
        warm
    } else {
        readings.start
    }
}

pub fn area_scores(area: &str, scores: Vec<Option<f64>>) -> AreaScoreAnswer {
    let latest_score = scores.iter().rev().flatten().next().copied();
    let max_score = scores.iter().flatten().copied().reduce(f64::max);
    AreaScoreAnswer {
        area: area.to_owned(),
        scores,
        latest_score,
        max_score,
    }
}

fn find_network(
    model: &LeakModel,
    explicit: Option<&Path>,
    search_root: &Path,
) -> Result<PathBuf, String> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let named = model
        .card
        .data_files
        .iter()
        .find(|f| f.path.ends_with(".inp"))
        .ok_or("the model card names no .inp network file; start the server with --network")?;
    [PathBuf::from(&named.path), search_root.join(&named.path)]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "network file {} (named in the model card) not found in the working directory nor under {}; start the server with --network",
                named.path,
                search_root.display()
            )
        })
}

fn network_answer(
    provenance: &Provenance,
    model: &LeakModel,
    kinds: &SensorKinds,
    path: &Path,
) -> Result<NetworkAnswer, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let sha256 = prevoir_core::fingerprint::sha256_hex(&bytes);
    let inp = InpNetwork::read(path).map_err(|e| e.to_string())?;
    let net = Network::from_inp(&inp);
    let matches_training_data = model
        .card
        .data_files
        .iter()
        .any(|f| f.path.ends_with(".inp") && f.sha256 == sha256);
    let area_name = |i: usize| net.areas.get(i).map(|a| a.name.clone()).unwrap_or_default();
    let nodes = net
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeAnswer {
            id: n.id.clone(),
            kind: match n.kind {
                NodeKind::Junction => "junction",
                NodeKind::Reservoir => "reservoir",
                NodeKind::Tank => "tank",
            }
            .into(),
            x: finite(n.x),
            y: finite(n.y),
            area: area_name(net.node_area[i]),
            sensor: match kinds.get(&n.id) {
                Some(SensorKind::Pressure) => Some("pressure".into()),
                Some(SensorKind::Level) => Some("level".into()),
                _ => None,
            },
        })
        .collect();
    let links = net
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| LinkAnswer {
            id: l.id.clone(),
            kind: match l.kind {
                LinkKind::Pipe => "pipe",
                LinkKind::Pump => "pump",
                LinkKind::Valve => "valve",
            }
            .into(),
            from: net.nodes[l.from].id.clone(),
            to: net.nodes[l.to].id.clone(),
            length_m: finite(l.length_m),
            diameter_mm: finite(l.diameter_mm),
            area: area_name(net.link_area(i)),
            flow_sensor: kinds.get(&l.id) == Some(&SensorKind::Flow),
        })
        .collect();
    Ok(NetworkAnswer {
        provenance: provenance.clone(),
        title: net.title.clone(),
        file: path.display().to_string(),
        sha256,
        matches_training_data,
        areas: net
            .areas
            .iter()
            .map(|a| AreaAnswer {
                name: a.name.clone(),
                kind: match a.kind {
                    AreaKind::Supply => "supply",
                    AreaKind::PressureReduced => "pressure-reduced",
                    AreaKind::TankFed => "tank-fed",
                }
                .into(),
                junctions: a.junctions,
            })
            .collect(),
        nodes,
        links,
    })
}

/// The readings the server holds and their scores.
#[derive(Debug, Clone, Default)]
pub struct LeakStore {
    pub readings: Option<Readings>,
    /// Scores of `readings` by the current model.
    pub scored: Option<ScoreOutput>,
}

impl LeakStore {
    /// Loads SCADA files `flows.csv`, `pressures.csv`, `levels.csv` from `dir`.
    pub fn read_dir(dir: &Path) -> Result<Readings, String> {
        let file = |name: &str| [dir.join(name)];
        let tables = ["flows.csv", "pressures.csv", "levels.csv"]
            .map(|name| leak_data::SensorTable::read_all(&file(name)).map_err(|e| e.to_string()));
        let [flows, pressures, levels] = tables;
        let (flows, pressures, levels) = (flows?, pressures?, levels?);
        let first = [&flows, &pressures, &levels]
            .iter()
            .filter_map(|t| t.timestamps.first().copied())
            .min();
        let last = [&flows, &pressures, &levels]
            .iter()
            .filter_map(|t| t.timestamps.last().copied())
            .max();
        let (Some(first), Some(last)) = (first, last) else {
            return Err(format!(
                "{}: the sensor files hold no reading",
                dir.display()
            ));
        };
        Readings::align(&flows, &pressures, &levels, first, last).map_err(|e| e.to_string())
    }

    /// First and last time of the readings held, as the answers write them (`None` when none).
    pub fn held_from_to(&self) -> (Option<String>, Option<String>) {
        match &self.readings {
            Some(r) => (Some(answer::time(r.start)), Some(answer::time(r.end()))),
            None => (None, None),
        }
    }

    /// Scores the held readings with `service` (blocking).
    pub fn rescore(&mut self, service: &LeakService) -> Result<(), LeakError> {
        self.scored = match &self.readings {
            Some(r) => Some(service.score(r, None)?),
            None => None,
        };
        Ok(())
    }
}

/// Merges `new` into `held` on one grid (new values win where they are numbers) and keeps the
/// last `keep_days`. Both must share the step.
pub fn merge(held: Option<&Readings>, new: &Readings, keep_days: i64) -> Readings {
    let Some(held) = held.filter(|h| h.step_minutes == new.step_minutes) else {
        return trim(new.clone(), keep_days);
    };
    let step = new.step_minutes;
    // Put `new` on `held`'s phase: a shifted grid would make every value miss.
    let start = held.start.min(new.start);
    let end = held.end().max(new.end());
    let len = usize::try_from((end - start).num_minutes() / step).unwrap_or(0) + 1;
    let mut out = Readings {
        start,
        step_minutes: step,
        len,
        flows: BTreeMap::new(),
        pressures: BTreeMap::new(),
        levels: BTreeMap::new(),
    };
    for source in [held, new] {
        let offset = (source.start - start).num_minutes();
        if offset % step != 0 {
            continue;
        }
        let offset = usize::try_from(offset / step).unwrap_or(0);
        for (target, columns) in [
            (&mut out.flows, &source.flows),
            (&mut out.pressures, &source.pressures),
            (&mut out.levels, &source.levels),
        ] {
            for (id, values) in columns {
                let column = target
                    .entry(id.clone())
                    .or_insert_with(|| vec![f64::NAN; len]);
                for (t, v) in values.iter().enumerate() {
                    if v.is_finite() && offset + t < len {
                        column[offset + t] = *v;
                    }
                }
            }
        }
    }
    trim(out, keep_days)
}

fn trim(readings: Readings, keep_days: i64) -> Readings {
    let keep_steps = usize::try_from(keep_days.max(1) * 24 * 60 / readings.step_minutes.max(1))
        .unwrap_or(usize::MAX);
    if readings.len <= keep_steps {
        return readings;
    }
    readings.slice(readings.len - keep_steps, readings.len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(start: &str, values: &[f64]) -> Readings {
        Readings {
            start: prevoir_core::dates::parse_timestamp(start).unwrap(),
            step_minutes: 5,
            len: values.len(),
            flows: BTreeMap::new(),
            pressures: [("n1".to_owned(), values.to_vec())].into_iter().collect(),
            levels: BTreeMap::new(),
        }
    }

    #[test]
    fn merging_overwrites_with_new_numbers_and_keeps_the_grid() {
        let held = readings("2019-02-01 00:00", &[1.0, 2.0, 3.0]);
        let new = readings("2019-02-01 00:10", &[30.0, f64::NAN, 50.0]);
        let merged = merge(Some(&held), &new, 90);
        assert_eq!(merged.len, 5);
        let p = &merged.pressures["n1"];
        assert_eq!((p[0], p[2], p[4]), (1.0, 30.0, 50.0));
        assert!(p[3].is_nan());
        // Retention: one day of 5-minute steps.
        let long = readings("2019-02-01 00:00", &vec![1.0; 400]);
        assert_eq!(merge(None, &long, 1).len, 288);
    }
}
