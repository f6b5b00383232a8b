//! Inputs of the normal-behaviour models, derived from the readings at each time step: the water
//! balance of each metered area, tank levels, pump flows, the time of day, and the known leaks of
//! the training window (from the training labels only).

use chrono::{NaiveDateTime, Timelike};
use leak_data::labels::{LeakLabel, LeakType};
use leak_data::network::{AreaKind, Network};
use leak_data::readings::Readings;
use serde::{Deserialize, Serialize};

/// How one area's consumption (plus leaks) is measured from the flow and level sensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceSpec {
    /// `A`, `C`, … and the areas whose water this meter includes, e.g. `A+B`.
    pub name: String,
    /// Areas whose pipes this balance covers.
    pub areas: Vec<String>,
    /// Flow sensors with their sign (+1 in, −1 out).
    pub flows: Vec<(String, f64)>,
    /// Level sensor of the feeding tank and its section (m²): inflow −= section · dLevel/dt.
    pub tank: Option<(String, f64)>,
}

impl BalanceSpec {
    /// Human formula, e.g. `p227 + p235 − PUMP_1` or `PUMP_1 − 201.06·dT1/dt`.
    pub fn formula(&self) -> String {
        let mut s = String::new();
        for (i, (id, sign)) in self.flows.iter().enumerate() {
            if i > 0 || *sign < 0.0 {
                s.push_str(if *sign < 0.0 { " − " } else { " + " });
            }
            s.push_str(id);
        }
        if let Some((level, area)) = &self.tank {
            s.push_str(&format!(" − {area:.2}·d{level}/dt"));
        }
        s.trim().to_owned()
    }

    /// Area inflow (m³/h) at every step; `NaN` where a sensor is missing.
    pub fn series(&self, readings: &Readings) -> Vec<f64> {
        self.series_across(readings, &[])
    }

    /// Like [`BalanceSpec::series`], without taking a tank's level difference across a break (a
    /// change of data source): the first step after a break has no inflow.
    pub fn series_across(&self, readings: &Readings, breaks: &[usize]) -> Vec<f64> {
        let n = readings.len;
        let mut out = vec![0.0; n];
        for (id, sign) in &self.flows {
            match readings.flows.get(id) {
                Some(column) => out.iter_mut().zip(column).for_each(|(o, v)| *o += sign * v),
                None => out.iter_mut().for_each(|o| *o = f64::NAN),
            }
        }
        if let Some((level, section)) = &self.tank {
            let per_hour = 60.0 / readings.step_minutes as f64;
            match readings.levels.get(level) {
                Some(column) => {
                    for t in 0..n {
                        let d = if t == 0 || breaks.contains(&t) {
                            f64::NAN
                        } else {
                            column[t] - column[t - 1]
                        };
                        out[t] -= section * d * per_hour;
                    }
                }
                None => out.iter_mut().for_each(|o| *o = f64::NAN),
            }
        }
        out
    }
}

/// Derives the balances of a network from its areas and the sensors present: supply areas are
/// metered at their inlet pipes minus the pumps leaving them (and include the PRV zones they
/// feed); tank-fed areas by their pumps minus the tank's storage change.
pub fn balances(net: &Network, readings: &Readings) -> Vec<BalanceSpec> {
    let mut out = Vec::new();
    for area in &net.areas {
        match area.kind {
            AreaKind::Supply => {
                let mut flows: Vec<(String, f64)> = area
                    .inlet_pipes
                    .iter()
                    .filter(|p| readings.flows.contains_key(*p))
                    .map(|p| (p.clone(), 1.0))
                    .collect();
                if flows.is_empty() {
                    continue;
                }
                flows.extend(
                    area.pumps_out
                        .iter()
                        .filter(|p| readings.flows.contains_key(*p))
                        .map(|p| (p.clone(), -1.0)),
                );
                let mut areas = vec![area.name.clone()];
                areas.extend(
                    net.areas
                        .iter()
                        .filter(|a| a.parent.as_deref() == Some(&area.name))
                        .map(|a| a.name.clone()),
                );
                out.push(BalanceSpec {
                    name: areas.join("+"),
                    areas,
                    flows,
                    tank: None,
                });
            }
            AreaKind::TankFed => {
                let flows: Vec<(String, f64)> = area
                    .pumps_in
                    .iter()
                    .filter(|p| readings.flows.contains_key(*p))
                    .map(|p| (p.clone(), 1.0))
                    .collect();
                let tank = match (&area.tank, area.tank_area_m2) {
                    (Some(t), Some(a)) if readings.levels.contains_key(t) => Some((t.clone(), a)),
                    _ => None,
                };
                if flows.is_empty() || tank.is_none() {
                    continue;
                }
                out.push(BalanceSpec {
                    name: area.name.clone(),
                    areas: vec![area.name.clone()],
                    flows,
                    tank,
                });
            }
            AreaKind::PressureReduced => {}
        }
    }
    out
}

/// A leak of the training window, turned into an input that is 0 before it starts, grows like a
/// leak grows (full at once for `abrupt`, with the square of time until `peak` for `incipient`:
/// the orifice diameter grows linearly), and 0 after its repair. Only what the utility knows at the
/// end of training is used: the leaks found by then, and their repair time from the maintenance
/// record (the label's end, also when the crew repairs a known leak after training); an incipient
/// leak still growing at the end of training is held at its size then (its growth is not known).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownLeak {
    pub pipe: String,
    pub start: NaiveDateTime,
    /// Repair time (the maintenance record), if any.
    pub repaired: Option<NaiveDateTime>,
    /// Time the leak reached full size (or the end of training if it was still growing).
    pub full_at: NaiveDateTime,
    pub incipient: bool,
}

impl KnownLeak {
    /// The training labels that matter for a training window ending at `training_end`.
    pub fn from_labels(labels: &[LeakLabel], training_end: NaiveDateTime) -> Vec<KnownLeak> {
        labels
            .iter()
            .filter(|l| l.start < training_end)
            .map(|l| KnownLeak {
                pipe: l.pipe.clone(),
                start: l.start,
                repaired: Some(l.end),
                full_at: match l.leak_type {
                    LeakType::Abrupt => l.start,
                    LeakType::Incipient => l.peak.min(training_end),
                },
                incipient: l.leak_type == LeakType::Incipient,
            })
            .collect()
    }

    /// Relative size (0–1) at `time`.
    pub fn value(&self, time: NaiveDateTime) -> f64 {
        if time < self.start || self.repaired.is_some_and(|r| time >= r) {
            return 0.0;
        }
        if !self.incipient || time >= self.full_at {
            return 1.0;
        }
        let total = (self.full_at - self.start).num_seconds().max(1) as f64;
        let x = (time - self.start).num_seconds() as f64 / total;
        x * x
    }
}

/// Everything the pressure models read, in a fixed order with names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub balances: Vec<BalanceSpec>,
    pub levels: Vec<String>,
    pub pumps: Vec<String>,
    pub known_leaks: Vec<KnownLeak>,
    /// Typical inflow of each balance (m³/h), to keep inputs near 1.
    pub flow_scale: Vec<f64>,
    pub pump_scale: Vec<f64>,
}

/// Number of time-of-day harmonics (each a sine and a cosine, times the main inflow).
const HARMONICS: usize = 3;

impl FeatureSpec {
    pub fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for b in &self.balances {
            if b.tank.is_none() {
                names.push(format!("inflow {} ({})", b.name, b.formula()));
                names.push(format!("inflow {} ^1.852 (head loss)", b.name));
            } else {
                names.push(format!(
                    "inflow {} over the last hour ({})",
                    b.name,
                    b.formula()
                ));
            }
        }
        for l in &self.levels {
            names.push(format!("tank level {l}"));
        }
        for p in &self.pumps {
            names.push(format!("pump flow {p}"));
        }
        for k in 1..=HARMONICS {
            names.push(format!("time of day sin {k}×24h × main inflow"));
            names.push(format!("time of day cos {k}×24h × main inflow"));
        }
        for l in &self.known_leaks {
            names.push(format!("known leak {} (training labels)", l.pipe));
            names.push(format!(
                "known leak {} × main inflow^0.852 (head loss)",
                l.pipe
            ));
        }
        names
    }

    pub fn len(&self) -> usize {
        self.names().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row-major `n × len()` matrix of inputs; rows with a missing sensor hold `NaN`.
    pub fn matrix(&self, readings: &Readings) -> Vec<f64> {
        self.matrix_with_offsets(readings, &vec![0.0; self.balances.len()], &[])
    }

    /// Like [`FeatureSpec::matrix`] with `offsets[b]` m³/h added to balance `b` (what a leak of
    /// that size would do, for the model's response to extra inflow) and no difference taken
    /// across `breaks`.
    pub fn matrix_with_offsets(
        &self,
        readings: &Readings,
        offsets: &[f64],
        breaks: &[usize],
    ) -> Vec<f64> {
        let n = readings.len;
        let p = self.len();
        let mut x = vec![0.0; n * p];
        let flows: Vec<Vec<f64>> = self
            .balances
            .iter()
            .zip(offsets)
            .map(|(b, o)| {
                b.series_across(readings, breaks)
                    .into_iter()
                    .map(|v| v + o)
                    .collect()
            })
            .collect();
        let smoothed: Vec<Vec<f64>> = flows
            .iter()
            .map(|f| trailing_mean(f, (60 / readings.step_minutes).max(1) as usize))
            .collect();
        let empty = vec![f64::NAN; n];
        let levels: Vec<&[f64]> = self
            .levels
            .iter()
            .map(|l| readings.levels.get(l).map(Vec::as_slice).unwrap_or(&empty))
            .collect();
        let pumps: Vec<&[f64]> = self
            .pumps
            .iter()
            .map(|l| readings.flows.get(l).map(Vec::as_slice).unwrap_or(&empty))
            .collect();
        let main = self.balances.iter().position(|b| b.tank.is_none());
        for t in 0..n {
            let row = &mut x[t * p..(t + 1) * p];
            let mut c = 0;
            for (b, spec) in self.balances.iter().enumerate() {
                let scale = self.flow_scale[b];
                if spec.tank.is_none() {
                    let q = flows[b][t] / scale;
                    row[c] = q;
                    row[c + 1] = q.max(0.0).powf(1.852);
                    c += 2;
                } else {
                    row[c] = smoothed[b][t] / scale;
                    c += 1;
                }
            }
            for l in &levels {
                row[c] = l[t];
                c += 1;
            }
            for (k, pmp) in pumps.iter().enumerate() {
                row[c] = pmp[t] / self.pump_scale[k];
                c += 1;
            }
            let time = readings.time(t);
            let hour = time.hour() as f64 + time.minute() as f64 / 60.0;
            let q = main
                .map(|b| flows[b][t] / self.flow_scale[b])
                .unwrap_or(1.0);
            for k in 1..=HARMONICS {
                let angle = 2.0 * std::f64::consts::PI * k as f64 * hour / 24.0;
                row[c] = angle.sin() * q;
                row[c + 1] = angle.cos() * q;
                c += 2;
            }
            // A leak's pressure drop grows with the flow through the mains it shares: the
            // derivative of the head loss, ∝ Q^0.852.
            let head_loss_slope = q.max(0.0).powf(0.852);
            for leak in &self.known_leaks {
                let v = leak.value(time);
                row[c] = v;
                row[c + 1] = v * head_loss_slope;
                c += 2;
            }
        }
        x
    }
}

/// Mean of the last `w` finite values up to and including each step.
pub fn trailing_mean(values: &[f64], w: usize) -> Vec<f64> {
    let mut out = vec![f64::NAN; values.len()];
    let (mut sum, mut count) = (0.0, 0usize);
    for t in 0..values.len() {
        if values[t].is_finite() {
            sum += values[t];
            count += 1;
        }
        if t >= w && values[t - w].is_finite() {
            sum -= values[t - w];
            count -= 1;
        }
        if count > 0 {
            out[t] = sum / count as f64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        prevoir_core::dates::parse_timestamp(s).unwrap()
    }

    #[test]
    fn known_leaks_use_only_what_training_knew() {
        let labels = leak_data::labels::parse_labels(
            "pipe,start,end,diameter_m,type,peak\n\
p1,2018-01-01 00:00,2019-12-31 23:55,0.01,incipient,2019-03-01 00:00\n\
p2,2018-06-01 00:00,2018-07-01 00:00,0.01,abrupt,2018-06-01 00:00\n\
p3,2019-02-01 00:00,2019-03-01 00:00,0.01,abrupt,2019-02-01 00:00\n",
            std::path::Path::new("l.csv"),
        )
        .unwrap();
        let end = t("2019-01-01 00:00");
        let known = KnownLeak::from_labels(&labels, end);
        assert_eq!(
            known.len(),
            2,
            "a leak starting after training is not known"
        );
        // Still growing at the end of training: full size then, held afterwards until its repair.
        assert_eq!(known[0].value(end), 1.0);
        assert_eq!(known[0].value(t("2019-05-01 00:00")), 1.0);
        assert_eq!(known[0].value(t("2019-12-31 23:55")), 0.0);
        assert!((known[0].value(t("2018-07-02 12:00")) - 0.25).abs() < 0.01);
        assert_eq!(known[1].value(t("2018-06-15 00:00")), 1.0);
        assert_eq!(known[1].value(t("2018-07-01 00:00")), 0.0);
    }

    #[test]
    fn trailing_mean_skips_missing() {
        let m = trailing_mean(&[1.0, f64::NAN, 3.0, 5.0], 2);
        assert_eq!(m[0], 1.0);
        assert_eq!(m[1], 1.0);
        assert_eq!(m[2], 3.0);
        assert_eq!(m[3], 4.0);
    }
}
