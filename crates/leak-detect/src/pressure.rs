//! Normal behaviour of each pressure sensor: a linear model of the sensor's pressure on the area
//! inflows (and their head-loss power 1.852), tank levels, pumps, time of day, known leaks and the
//! other pressure sensors (which carry the smooth demand fluctuations all sensors share),
//! fitted by least squares on the training window, then refitted without the readings more than
//! four standard deviations off (robust to sensor glitches and unlabelled events). The residual
//! (observed − expected) of a sensor near a new leak drops. [`fit_all`] also refits every model
//! once per block of the training window without that block (blocked cross-fitting): the
//! out-of-sample residuals the thresholds are calibrated on.

// Time-step and matrix loops index several parallel arrays at once, as their formulas do.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use leak_data::linalg::solve_spd;

use crate::LeakError;

/// One sensor's fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorModel {
    pub sensor: String,
    /// Area of the sensor in the network.
    pub area: String,
    pub intercept: f64,
    /// One weight per input: the features (see `FeatureSpec::names`), then every model sensor's
    /// pressure (0 for the sensor itself).
    pub weights: Vec<f64>,
    /// Standard deviation of the training residual (m).
    pub residual_sd: f64,
    /// Training rows used after removing outliers.
    pub rows_used: usize,
}

impl SensorModel {
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        self.intercept
            + self
                .weights
                .iter()
                .zip(row)
                .map(|(w, x)| w * x)
                .sum::<f64>()
    }
}

/// Least-squares fit of `y` on the rows of `x` (row-major, `p` columns) plus an intercept, with a
/// tiny ridge for stability; then a second fit without the rows whose residual exceeds
/// `outlier_sd` standard deviations. Rows with any `NaN` are skipped.
pub fn fit_sensor(
    sensor: &str,
    area: &str,
    x: &[f64],
    p: usize,
    y: &[f64],
    exclude: Option<usize>,
    outlier_sd: f64,
) -> Result<SensorModel, LeakError> {
    let n = y.len();
    // An excluded column (the sensor's own pressure) is read as 0.
    let masked;
    let x = match exclude {
        Some(c) => {
            let mut m = x.to_vec();
            for t in 0..n {
                m[t * p + c] = 0.0;
            }
            masked = m;
            masked.as_slice()
        }
        None => x,
    };
    let usable: Vec<bool> = (0..n)
        .map(|t| y[t].is_finite() && x[t * p..(t + 1) * p].iter().all(|v| v.is_finite()))
        .collect();
    let mut keep = usable.clone();
    let mut beta = solve_normal(x, p, y, &keep)
        .ok_or_else(|| LeakError::Fit(format!("sensor {sensor}: singular inputs")))?;
    let residual = |beta: &[f64], t: usize| y[t] - predict(beta, &x[t * p..(t + 1) * p]);
    let sd = |beta: &[f64], keep: &[bool]| {
        let (mut s, mut c) = (0.0, 0usize);
        for t in 0..n {
            if keep[t] {
                let r = residual(beta, t);
                s += r * r;
                c += 1;
            }
        }
        (s / c.max(1) as f64).sqrt()
    };
    let first_sd = sd(&beta, &keep);
    for t in 0..n {
        if keep[t] && residual(&beta, t).abs() > outlier_sd * first_sd {
            keep[t] = false;
        }
    }
    beta = solve_normal(x, p, y, &keep)
        .ok_or_else(|| LeakError::Fit(format!("sensor {sensor}: singular inputs")))?;
    let rows_used = keep.iter().filter(|k| **k).count();
    if rows_used < p + 2 {
        return Err(LeakError::Fit(format!(
            "sensor {sensor}: only {rows_used} usable training rows"
        )));
    }
    Ok(SensorModel {
        sensor: sensor.to_owned(),
        area: area.to_owned(),
        intercept: beta[0],
        weights: beta[1..].to_vec(),
        residual_sd: sd(&beta, &keep),
        rows_used,
    })
}

/// What [`fit_all`] returns: the models fitted on every training row, and, when blocks were given,
/// each sensor's out-of-sample residual (`NaN` where a row is unusable).
#[derive(Debug, Clone)]
pub struct FittedSensors {
    pub models: Vec<SensorModel>,
    /// `out_of_sample[k][t]`: observed − predicted by the model fitted without the block of `t`.
    pub out_of_sample: Option<Vec<Vec<f64>>>,
}

/// Fits every sensor at once when the sensors' pressures are themselves columns of `x` (column
/// `own[i]` for sensor `i`, never an input of its own model): one Gram matrix over all rows serves
/// every sensor, whose model reads the columns `uses[i][c] == true`; each sensor's outliers are
/// removed from it by a rank-one downdate per row.
///
/// With `blocks` (the first row of each contiguous block, ascending, first = 0), each sensor is
/// also refitted once per block without that block's rows (the Gram of a block is subtracted), and
/// the block is predicted by that model: out-of-sample residuals for the whole window at the cost
/// of one extra small solve per block (blocked cross-fitting).
pub fn fit_all(
    sensors: &[(String, String)],
    x: &[f64],
    p: usize,
    own: &[usize],
    uses: &[Vec<bool>],
    outlier_sd: f64,
    blocks: &[usize],
) -> Result<FittedSensors, LeakError> {
    let n = x.len() / p.max(1);
    let q = p + 1;
    let usable: Vec<bool> = (0..n)
        .map(|t| x[t * p..(t + 1) * p].iter().all(|v| v.is_finite()))
        .collect();
    let starts: Vec<usize> = if blocks.is_empty() {
        vec![0]
    } else {
        blocks.to_vec()
    };
    let block_of = |t: usize| starts.partition_point(|&s| s <= t).saturating_sub(1);
    let mut block_gram = vec![vec![0.0; q * q]; starts.len()];
    let mut row = vec![0.0; q];
    let mut used = 0usize;
    for t in 0..n {
        if !usable[t] {
            continue;
        }
        used += 1;
        row[0] = 1.0;
        row[1..].copy_from_slice(&x[t * p..(t + 1) * p]);
        add_outer(&mut block_gram[block_of(t)], &row, q, 1.0);
    }
    let mut gram = vec![0.0; q * q];
    for g in &block_gram {
        gram.iter_mut().zip(g).for_each(|(a, b)| *a += b);
    }
    symmetrise(&mut gram, q);
    for g in &mut block_gram {
        symmetrise(g, q);
    }
    let mut models = Vec::with_capacity(sensors.len());
    let mut out_of_sample = (!blocks.is_empty()).then(|| Vec::with_capacity(sensors.len()));
    for (k, (sensor, area)) in sensors.iter().enumerate() {
        let target = own[k];
        let inputs: Vec<usize> = std::iter::once(0)
            .chain((0..p).filter(|&c| c != target && uses[k][c]).map(|c| c + 1))
            .collect();
        let singular = || LeakError::Fit(format!("sensor {sensor}: singular inputs"));
        let mut beta = solve_subset(&gram, q, &inputs, target + 1).ok_or_else(singular)?;
        let residual = |beta: &[f64], t: usize| {
            let r = &x[t * p..(t + 1) * p];
            r[target] - predict(beta, r)
        };
        let (mut ss, mut count) = (0.0, 0usize);
        for t in 0..n {
            if usable[t] {
                let r = residual(&beta, t);
                ss += r * r;
                count += 1;
            }
        }
        let first_sd = (ss / count.max(1) as f64).sqrt();
        let mut g = gram.clone();
        let mut removed_by_block =
            vec![vec![0.0; q * q]; if blocks.is_empty() { 0 } else { starts.len() }];
        let mut removed = 0usize;
        for t in 0..n {
            if usable[t] && residual(&beta, t).abs() > outlier_sd * first_sd {
                row[0] = 1.0;
                row[1..].copy_from_slice(&x[t * p..(t + 1) * p]);
                add_outer(&mut g, &row, q, -1.0);
                if let Some(d) = removed_by_block.get_mut(block_of(t)) {
                    add_outer(d, &row, q, 1.0);
                }
                removed += 1;
            }
        }
        if removed > 0 {
            symmetrise(&mut g, q);
            beta = solve_subset(&g, q, &inputs, target + 1).ok_or_else(singular)?;
        }
        let (mut ss, mut count) = (0.0, 0usize);
        for t in 0..n {
            if usable[t] {
                let r = residual(&beta, t);
                if r.abs() <= outlier_sd * first_sd {
                    ss += r * r;
                    count += 1;
                }
            }
        }
        let rows_used = used - removed;
        if rows_used < inputs.len() + 1 {
            return Err(LeakError::Fit(format!(
                "sensor {sensor}: only {rows_used} usable training rows"
            )));
        }
        if let Some(oos) = out_of_sample.as_mut() {
            let mut residuals = vec![f64::NAN; n];
            for (b, &start) in starts.iter().enumerate() {
                let end = starts.get(b + 1).copied().unwrap_or(n);
                let d = &mut removed_by_block[b];
                symmetrise(d, q);
                // Gram without this block's kept rows.
                let held_out: Vec<f64> = g
                    .iter()
                    .zip(&block_gram[b])
                    .zip(d.iter())
                    .map(|((all, blk), out)| all - (blk - out))
                    .collect();
                let Some(fold) = solve_subset(&held_out, q, &inputs, target + 1) else {
                    continue;
                };
                for (t, r) in residuals.iter_mut().enumerate().take(end).skip(start) {
                    if usable[t] {
                        *r = residual(&fold, t);
                    }
                }
            }
            oos.push(residuals);
        }
        models.push(SensorModel {
            sensor: sensor.clone(),
            area: area.clone(),
            intercept: beta[0],
            weights: beta[1..].to_vec(),
            residual_sd: (ss / count.max(1) as f64).sqrt(),
            rows_used,
        });
    }
    Ok(FittedSensors {
        models,
        out_of_sample,
    })
}

/// `g += sign · row rowᵀ` on the lower triangle.
fn add_outer(g: &mut [f64], row: &[f64], q: usize, sign: f64) {
    for i in 0..q {
        let ri = row[i] * sign;
        if ri == 0.0 {
            continue;
        }
        for j in 0..=i {
            g[i * q + j] += ri * row[j];
        }
    }
}

/// Copies the lower triangle onto the upper one.
fn symmetrise(g: &mut [f64], q: usize) {
    for i in 0..q {
        for j in 0..i {
            g[j * q + i] = g[i * q + j];
        }
    }
}

/// Least squares of column `target` on columns `inputs` (0 = intercept) from a Gram matrix, with a
/// tiny ridge (not on the intercept). Returns a full-width coefficient vector (0 off `inputs`).
fn solve_subset(g: &[f64], q: usize, inputs: &[usize], target: usize) -> Option<Vec<f64>> {
    let r = inputs.len();
    let mut a = vec![0.0; r * r];
    let mut b = vec![0.0; r];
    for (ii, &i) in inputs.iter().enumerate() {
        b[ii] = g[i * q + target];
        for (jj, &j) in inputs.iter().enumerate() {
            a[ii * r + jj] = g[i * q + j];
        }
    }
    let trace: f64 = (0..r).map(|i| a[i * r + i]).sum();
    for (ii, &i) in inputs.iter().enumerate() {
        if i == 0 {
            continue;
        }
        a[ii * r + ii] += if a[ii * r + ii] == 0.0 {
            1.0
        } else {
            1e-9 * trace / r as f64
        };
    }
    let beta = solve_spd(a, r, &b)?;
    let mut full = vec![0.0; q];
    for (ii, &i) in inputs.iter().enumerate() {
        full[i] = beta[ii];
    }
    Some(full)
}

fn predict(beta: &[f64], row: &[f64]) -> f64 {
    beta[0] + beta[1..].iter().zip(row).map(|(w, x)| w * x).sum::<f64>()
}

/// Solves `(XᵀX + λI) β = Xᵀy` over the kept rows, with a leading intercept column.
fn solve_normal(x: &[f64], p: usize, y: &[f64], keep: &[bool]) -> Option<Vec<f64>> {
    let q = p + 1;
    let mut a = vec![0.0; q * q];
    // Constant-zero columns (an excluded input) get a unit diagonal below, so they stay at 0.
    let mut b = vec![0.0; q];
    let mut row = vec![0.0; q];
    for t in 0..y.len() {
        if !keep[t] {
            continue;
        }
        row[0] = 1.0;
        row[1..].copy_from_slice(&x[t * p..(t + 1) * p]);
        for i in 0..q {
            let ri = row[i];
            if ri == 0.0 {
                continue;
            }
            b[i] += ri * y[t];
            for j in 0..=i {
                a[i * q + j] += ri * row[j];
            }
        }
    }
    for i in 0..q {
        for j in 0..i {
            a[j * q + i] = a[i * q + j];
        }
    }
    let trace: f64 = (0..q).map(|i| a[i * q + i]).sum();
    let ridge = 1e-9 * trace / q as f64;
    for i in 1..q {
        a[i * q + i] += if a[i * q + i] == 0.0 { 1.0 } else { ridge };
    }
    solve_spd(a, q, &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_linear_law_despite_an_outlier() {
        // y = 50 − 3·q + 0.5·level, with one glitch.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for t in 0..200 {
            let q = (t as f64 * 0.37).sin() + 1.5;
            let level = (t as f64 * 0.11).cos() + 3.0;
            x.extend([q, level]);
            y.push(50.0 - 3.0 * q + 0.5 * level + if t % 2 == 0 { 0.01 } else { -0.01 });
        }
        y[17] += 40.0;
        let m = fit_sensor("n1", "A", &x, 2, &y, None, 4.0).unwrap();
        assert!((m.intercept - 50.0).abs() < 0.05, "{}", m.intercept);
        assert!((m.weights[0] + 3.0).abs() < 0.02);
        assert!((m.weights[1] - 0.5).abs() < 0.02);
        assert_eq!(m.rows_used, 199);
        assert!(m.residual_sd < 0.02);
    }

    #[test]
    fn fitting_all_sensors_at_once_matches_one_by_one() {
        // Two sensors that share a demand signal; each is modelled from q and the other sensor.
        let mut x = Vec::new();
        for t in 0..300 {
            let q = (t as f64 * 0.21).sin() + 2.0;
            let shared = (t as f64 * 0.05).cos() * 0.3;
            let e1 = ((t * 37 % 11) as f64 - 5.0) / 500.0;
            let e2 = ((t * 53 % 13) as f64 - 6.0) / 500.0;
            x.extend([
                q,
                40.0 - 2.0 * q + shared + e1,
                35.0 - q + 0.8 * shared + e2,
            ]);
        }
        let sensors = vec![
            ("n1".to_string(), "A".to_string()),
            ("n2".to_string(), "A".to_string()),
        ];
        let uses = vec![vec![true; 3]; 2];
        let all = fit_all(&sensors, &x, 3, &[1, 2], &uses, 4.0, &[])
            .unwrap()
            .models;
        let y1: Vec<f64> = (0..300).map(|t| x[t * 3 + 1]).collect();
        let one = fit_sensor("n1", "A", &x, 3, &y1, Some(1), 4.0).unwrap();
        // Same normal equations up to the tiny ridge (scaled by the trace of a matrix one column larger).
        assert!(
            (all[0].intercept - one.intercept).abs() < 1e-3,
            "{} vs {}",
            all[0].intercept,
            one.intercept
        );
        for (a, b) in all[0].weights.iter().zip(&one.weights) {
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
        assert_eq!(all[0].weights[1], 0.0, "a sensor does not read itself");
        assert!(all[1].residual_sd < 0.02);
    }

    #[test]
    fn cross_fitting_shows_what_the_in_sample_fit_absorbs() {
        // y = 10 + 2·q, except in rows 300–399 where a labelled-free event adds 0.5; a second
        // input `e` happens to be 1 exactly there, so the in-sample fit explains the event away.
        let n = 400;
        let mut x = Vec::new();
        for t in 0..n {
            let q = (t as f64 * 0.13).sin() + 2.0;
            let e = if t >= 300 { 1.0 } else { 0.0 };
            let noise = ((t * 37 % 11) as f64 - 5.0) / 1000.0;
            let y = 10.0 + 2.0 * q + if t >= 300 { 0.5 } else { 0.0 } + noise;
            x.extend([q, e, y]);
        }
        let sensors = vec![("n1".to_string(), "A".to_string())];
        let uses = vec![vec![true, true, false]];
        let fitted = fit_all(&sensors, &x, 3, &[2], &uses, 4.0, &[0, 100, 200, 300]).unwrap();
        let model = &fitted.models[0];
        let in_sample = |t: usize| x[t * 3 + 2] - model.predict_row(&x[t * 3..t * 3 + 3]);
        assert!(in_sample(350).abs() < 0.02, "{}", in_sample(350));
        // Out of sample, the last block is predicted by a model that never saw `e` ≠ 0.
        let oos = &fitted.out_of_sample.as_ref().unwrap()[0];
        assert!((oos[350] - 0.5).abs() < 0.02, "{}", oos[350]);
        assert!(oos[150].abs() < 0.02, "{}", oos[150]);
        assert!(oos.iter().all(|v| v.is_finite()));
    }
}
