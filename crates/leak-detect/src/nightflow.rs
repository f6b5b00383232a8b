//! Night flow of each metered area against an expected-consumption model: the slow-leak detector.
//!
//! A leak adds the same flow at every hour, while consumption is low at night: the night is where
//! a small leak shows best in the water balance. Per night `D`:
//! - `night` = mean inflow of the balance from 02:00 to 05:00 of `D`, `day` = mean inflow from
//!   07:00 to 23:00 of `D − 1` (both divided by their day-of-week profile from training);
//! - expected night = `a + b·day + Σ cₖ·leakₖ` (least squares on the training nights, with the
//!   training's known leaks as inputs). Consumption moves night and day together (season,
//!   holidays, weather); a leak of `Q` m³/h raises the residual by `(1 − b)·Q`;
//! - the residual minus its median over the 28 nights that ended a week before (slow drift of the
//!   consumption model is not a leak; a leak growing over weeks still shows), over its robust sd,
//!   is accumulated by a one-sided CUSUM with reference 0.5 sd (tuned to a rise of one sd, the
//!   textbook choice); an alarm when it passes a threshold calibrated like the pressure
//!   detectors' (out-of-sample training nights, exponential tail, the false-alarm budget).
//!
//! After an alarm (of any detector of the balance's areas) the baseline restarts from the nights
//! after it, so one leak is reported once; a drop of the residual (a repair) does the same.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use leak_data::Readings;
use serde::{Deserialize, Serialize};

use crate::balance::relative_profile;
use crate::calibrate::{TailFit, block_maxima, robust_sd};
use crate::features::{BalanceSpec, KnownLeak};

/// Settings of the night-flow detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightFlowParams {
    /// Night window `[from, to)` in hours.
    pub night_hours: (u32, u32),
    /// Daytime window of the day before, `[from, to)` in hours.
    pub day_hours: (u32, u32),
    /// Nights in the baseline median, and nights between its end and the night scored.
    pub baseline_nights: usize,
    pub baseline_lag_nights: usize,
    /// CUSUM reference (in residual sds): drifts smaller than this are not accumulated.
    pub reference_sd: f64,
}

impl Default for NightFlowParams {
    fn default() -> Self {
        Self {
            night_hours: (2, 5),
            day_hours: (7, 23),
            baseline_nights: 28,
            baseline_lag_nights: 7,
            reference_sd: 0.5,
        }
    }
}

/// Expected night flow of one balance and its alarm threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightFlowModel {
    /// Name of the balance (e.g. `A+B`).
    pub balance: String,
    /// Night and daytime inflow per weekday (Monday first) over their weekly mean.
    pub night_profile: Vec<f64>,
    pub day_profile: Vec<f64>,
    pub intercept: f64,
    /// Weight of yesterday's daytime inflow.
    pub day_weight: f64,
    /// The known leaks of the balance's areas, and their weights (m³/h at full size, as seen at
    /// night).
    #[serde(default)]
    pub leak_pipes: Vec<String>,
    pub leak_weights: Vec<f64>,
    /// Robust sd (m³/h) of the out-of-sample residual minus its baseline, on training nights.
    pub residual_sd_m3h: f64,
    /// CUSUM threshold (in residual sds) for the false-alarm budget.
    pub threshold: f64,
    pub tail: TailFit,
    /// Expected false alarms a year allowed to this detector.
    pub rate_per_year: f64,
}

/// One night of one balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Night {
    pub date: NaiveDate,
    /// Step index of the end of the night window (when the night is known).
    pub at: usize,
    pub night_m3h: f64,
    pub expected_m3h: f64,
    /// Observed − expected − baseline (m³/h).
    pub excess_m3h: f64,
    pub cusum: f64,
}

/// Daily values: `(date, step index at the end of the night, night mean, previous daytime mean)`.
fn daily(
    series: &[f64],
    readings: &Readings,
    p: &NightFlowParams,
) -> Vec<(NaiveDate, usize, f64, f64)> {
    let mut by_date: std::collections::BTreeMap<NaiveDate, [(f64, usize, usize); 2]> =
        std::collections::BTreeMap::new();
    let mut night_end: std::collections::BTreeMap<NaiveDate, usize> = Default::default();
    for (t, v) in series.iter().enumerate() {
        let time = readings.time(t);
        let h = time.hour();
        let date = time.date();
        if (p.night_hours.0..p.night_hours.1).contains(&h) {
            let e = by_date.entry(date).or_insert([(0.0, 0, 0); 2]);
            e[0].2 += 1;
            if v.is_finite() {
                e[0].0 += v;
                e[0].1 += 1;
            }
            night_end.insert(date, t);
        } else if (p.day_hours.0..p.day_hours.1).contains(&h) {
            // Daytime of `date` serves the night of `date + 1`.
            let e = by_date
                .entry(date + Duration::days(1))
                .or_insert([(0.0, 0, 0); 2]);
            e[1].2 += 1;
            if v.is_finite() {
                e[1].0 += v;
                e[1].1 += 1;
            }
        }
    }
    let per_hour = (60 / readings.step_minutes.max(1)) as usize;
    let need = |hours: u32| hours as usize * per_hour * 4 / 5;
    by_date
        .into_iter()
        .filter_map(|(date, [n, d])| {
            let at = *night_end.get(&date)?;
            let night = if n.1 >= need(p.night_hours.1 - p.night_hours.0) {
                n.0 / n.1 as f64
            } else {
                f64::NAN
            };
            let day = if d.1 >= need(p.day_hours.1 - p.day_hours.0) {
                d.0 / d.1 as f64
            } else {
                f64::NAN
            };
            Some((date, at, night, day))
        })
        .collect()
}

fn weekday(date: NaiveDate) -> usize {
    date.weekday().num_days_from_monday() as usize
}

/// Mean per weekday over the mean of the weekday means (see [`relative_profile`]).
fn profile(values: &[(NaiveDate, f64)]) -> Vec<f64> {
    relative_profile(values.iter().map(|(d, v)| (weekday(*d), *v)), 7).0
}

/// Night-by-night inputs of the regression: `[1, day/profile, leak values…]` and the target.
struct Design {
    nights: Vec<(NaiveDate, usize, f64, f64)>,
    rows: Vec<Vec<f64>>,
    target: Vec<f64>,
}

fn design(
    series: &[f64],
    readings: &Readings,
    p: &NightFlowParams,
    night_profile: &[f64],
    day_profile: &[f64],
    known: &[KnownLeak],
) -> Design {
    let nights = daily(series, readings, p);
    let mut rows = Vec::with_capacity(nights.len());
    let mut target = Vec::with_capacity(nights.len());
    for (date, _, night, day) in &nights {
        let w = weekday(*date);
        let mid = date
            .and_hms_opt((p.night_hours.0 + p.night_hours.1) / 2, 0, 0)
            .unwrap_or_default();
        let mut row = vec![1.0, day / day_profile[(w + 6) % 7]];
        row.extend(known.iter().map(|k| k.value(mid)));
        rows.push(row);
        target.push(night / night_profile[w]);
    }
    Design {
        nights,
        rows,
        target,
    }
}

/// Least squares with a tiny ridge over the rows where everything is finite.
fn least_squares(rows: &[Vec<f64>], y: &[f64], keep: &[bool]) -> Option<Vec<f64>> {
    let q = rows.first()?.len();
    let mut a = vec![0.0; q * q];
    let mut b = vec![0.0; q];
    for (i, r) in rows.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        for j in 0..q {
            b[j] += r[j] * y[i];
            for k in 0..q {
                a[j * q + k] += r[j] * r[k];
            }
        }
    }
    let trace: f64 = (0..q).map(|i| a[i * q + i]).sum();
    for i in 1..q {
        a[i * q + i] += if a[i * q + i] == 0.0 {
            1.0
        } else {
            1e-9 * trace / q as f64
        };
    }
    leak_data::linalg::solve_spd(a, q, &b)
}

fn predict(beta: &[f64], row: &[f64]) -> f64 {
    beta.iter().zip(row).map(|(b, x)| b * x).sum()
}

/// Baseline-corrected residuals and the CUSUM, with alarms from `emit_from` (step index). An alarm
/// resets the CUSUM and restarts the baseline from the nights after it, as does any step of
/// `restarts` (another detector's alarm in the balance's areas) and a repair (the CUSUM of drops
/// passing the threshold).
pub(crate) fn run(
    residual: &[f64],
    at: &[usize],
    sd: f64,
    threshold: f64,
    p: &NightFlowParams,
    emit_from: usize,
    restarts: &[usize],
) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let n = residual.len();
    let mut excess = vec![f64::NAN; n];
    let mut cusum = vec![f64::NAN; n];
    let mut alarms = Vec::new();
    let (mut up, mut down) = (0.0_f64, 0.0_f64);
    let mut since = 0usize; // first night of the current baseline regime
    for i in 0..n {
        if restarts
            .iter()
            .any(|&r| r <= at[i] && (i == 0 || r > at[i - 1]))
        {
            since = i;
            up = 0.0;
            down = 0.0;
        }
        let end = i.saturating_sub(p.baseline_lag_nights);
        let start = end.saturating_sub(p.baseline_nights).max(since);
        let mut past: Vec<f64> = residual[start..end.max(start)]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if past.len() < p.baseline_lag_nights || !residual[i].is_finite() {
            continue;
        }
        let mid = past.len() / 2;
        let (_, baseline, _) = past.select_nth_unstable_by(mid, f64::total_cmp);
        let e = residual[i] - *baseline;
        excess[i] = e;
        let z = e / sd;
        up = (up + z - p.reference_sd).max(0.0);
        down = (down - z - p.reference_sd).max(0.0);
        cusum[i] = up;
        if at[i] < emit_from {
            continue;
        }
        if up > threshold {
            alarms.push(i);
            since = i + 1;
            up = 0.0;
            down = 0.0;
        } else if down > threshold {
            // A repair: consumption is back to a lower normal.
            since = i + 1;
            up = 0.0;
            down = 0.0;
        }
    }
    (excess, cusum, alarms)
}

impl NightFlowModel {
    /// Fits the expected night flow of `spec` on the training readings and calibrates the CUSUM
    /// threshold on out-of-sample nights (one refit per block of nights) for `rate_per_year`.
    /// `known` are the training's known leaks in the balance's areas.
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        spec: &BalanceSpec,
        readings: &Readings,
        breaks: &[usize],
        known: &[KnownLeak],
        p: &NightFlowParams,
        blocks: usize,
        outlier_sd: f64,
        rate_per_year: f64,
    ) -> Option<Self> {
        let series = spec.series_across(readings, breaks);
        let nights = daily(&series, readings, p);
        let night_profile = profile(&nights.iter().map(|n| (n.0, n.2)).collect::<Vec<_>>());
        // The daytime of `D − 1` is profiled by the weekday of `D − 1`.
        let day_profile = profile(
            &nights
                .iter()
                .map(|n| (n.0 - Duration::days(1), n.3))
                .collect::<Vec<_>>(),
        );
        let d = design(&series, readings, p, &night_profile, &day_profile, known);
        let usable: Vec<bool> = d
            .rows
            .iter()
            .zip(&d.target)
            .map(|(r, y)| y.is_finite() && r.iter().all(|v| v.is_finite()))
            .collect();
        let n_usable = usable.iter().filter(|u| **u).count();
        if n_usable < 4 * p.baseline_nights.max(7) {
            return None;
        }
        let fit_robust = |keep: &[bool]| -> Option<Vec<f64>> {
            let beta = least_squares(&d.rows, &d.target, keep)?;
            let res: Vec<f64> = (0..d.rows.len())
                .map(|i| {
                    if keep[i] {
                        d.target[i] - predict(&beta, &d.rows[i])
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let sd = robust_sd(&res);
            let keep2: Vec<bool> = (0..d.rows.len())
                .map(|i| keep[i] && res[i].abs() <= outlier_sd * sd)
                .collect();
            least_squares(&d.rows, &d.target, &keep2)
        };
        let beta = fit_robust(&usable)?;
        // A leak moves the residual by (1 − b) of its flow: with b near or above 1 (a balance
        // whose night is noise rather than consumption, e.g. a tank read to the centimetre), the
        // detector cannot see leaks and is not built.
        if !(0.0..=0.9).contains(&beta[1]) {
            return None;
        }
        // Out-of-sample residuals by blocks of nights.
        let m = d.rows.len();
        let blocks = blocks.clamp(2, m.max(2));
        let mut oos = vec![f64::NAN; m];
        for b in 0..blocks {
            let (a, e) = (b * m / blocks, (b + 1) * m / blocks);
            let keep: Vec<bool> = (0..m).map(|i| usable[i] && !(a..e).contains(&i)).collect();
            let Some(fold) = fit_robust(&keep) else {
                continue;
            };
            // A known leak active, or absent, on fewer than three nights outside the block has
            // no learned weight (nothing to learn from, or confounded with the intercept): the
            // block's nights where it differs from what the other nights show are left out.
            let unlearnable: Vec<(usize, f64)> = (0..known.len())
                .filter_map(|k| {
                    let values: Vec<f64> = (0..m)
                        .filter(|&i| keep[i])
                        .map(|i| d.rows[i][2 + k])
                        .collect();
                    let active: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
                    if active.len() < 3 {
                        Some((k, 0.0))
                    } else if values.len() - active.len() < 3 {
                        Some((k, active.iter().sum::<f64>() / active.len() as f64))
                    } else {
                        None
                    }
                })
                .collect();
            for i in a..e {
                let learnable = unlearnable
                    .iter()
                    .all(|&(k, seen)| (d.rows[i][2 + k] - seen).abs() <= 1e-9);
                if usable[i] && learnable {
                    oos[i] = d.target[i] - predict(&fold, &d.rows[i]);
                }
            }
        }
        let at: Vec<usize> = d.nights.iter().map(|n| n.1).collect();
        // The residual sd around the baseline, then the CUSUM without alarms, its block maxima
        // (a week: one excursion counts once) and the tail. The folds differ by a few
        // coefficients only: the baseline runs across blocks.
        let (excess, _, _) = run(&oos, &at, 1.0, f64::INFINITY, p, usize::MAX, breaks);
        let sd = robust_sd(&excess).max(1e-6);
        let (_, cusum, _) = run(&oos, &at, sd, f64::INFINITY, p, usize::MAX, breaks);
        let years = cusum.iter().filter(|v| v.is_finite()).count() as f64 / 365.25;
        let tail = TailFit::fit(&block_maxima(&cusum, 7), years);
        let threshold = tail.level_for(rate_per_year).max(p.reference_sd * 2.0);
        Some(Self {
            balance: spec.name.clone(),
            night_profile,
            day_profile,
            intercept: beta[0],
            day_weight: beta[1],
            leak_pipes: known.iter().map(|k| k.pipe.clone()).collect(),
            leak_weights: beta[2..].to_vec(),
            residual_sd_m3h: sd,
            threshold,
            tail,
            rate_per_year,
        })
    }

    #[allow(clippy::too_many_arguments)]
    /// Nights of `readings` with their CUSUM, and the nights (indices) that alarm at or after
    /// step `emit_from`. `restarts` are steps of other alarms in the balance's areas; `known` the
    /// model's known leaks (those of the balance are picked by pipe).
    pub fn score(
        &self,
        spec: &BalanceSpec,
        readings: &Readings,
        breaks: &[usize],
        known: &[KnownLeak],
        p: &NightFlowParams,
        emit_from: usize,
        restarts: &[usize],
    ) -> (Vec<Night>, Vec<usize>) {
        let series = spec.series_across(readings, breaks);
        let known: Vec<KnownLeak> = self
            .leak_pipes
            .iter()
            .filter_map(|pipe| known.iter().find(|k| &k.pipe == pipe).cloned())
            .collect();
        if known.len() != self.leak_weights.len() {
            return (Vec::new(), Vec::new());
        }
        let d = design(
            &series,
            readings,
            p,
            &self.night_profile,
            &self.day_profile,
            &known,
        );
        let mut beta = vec![self.intercept, self.day_weight];
        beta.extend(&self.leak_weights);
        let residual: Vec<f64> = d
            .rows
            .iter()
            .zip(&d.target)
            .map(|(r, y)| y - predict(&beta, r))
            .collect();
        let at: Vec<usize> = d.nights.iter().map(|n| n.1).collect();
        let mut restarts: Vec<usize> = restarts.to_vec();
        restarts.extend(breaks);
        let (excess, cusum, alarms) = run(
            &residual,
            &at,
            self.residual_sd_m3h,
            self.threshold,
            p,
            emit_from,
            &restarts,
        );
        let nights = d
            .nights
            .iter()
            .enumerate()
            .map(|(i, (date, at, night, _))| Night {
                date: *date,
                at: *at,
                night_m3h: *night,
                expected_m3h: (night / self.night_profile[weekday(*date)] - residual[i])
                    * self.night_profile[weekday(*date)],
                excess_m3h: excess[i] * self.night_profile[weekday(*date)],
                cusum: cusum[i],
            })
            .collect();
        (nights, alarms)
    }

    /// Leak flow (m³/h) that a night excess of `excess_m3h` means: the leak raises yesterday's
    /// daytime too, so the night residual moves by `(1 − b)` of it.
    pub fn leak_flow(&self, excess_m3h: f64) -> f64 {
        excess_m3h / (1.0 - self.day_weight).max(0.1)
    }

    /// Time of a night's window end.
    pub fn night_time(readings: &Readings, night: &Night) -> NaiveDateTime {
        readings.time(night.at)
    }
}

/// False alarms of the night-flow detector on one real district without leak labels: fitted and
/// calibrated (for `rate_per_year`) on the readings before `split`, alarms counted after it. Real
/// districts also leak, so the count is an upper bound of the false-alarm rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FalseAlarmStudy {
    pub district: String,
    pub training_nights: usize,
    pub scored_nights: usize,
    pub day_weight: f64,
    pub residual_sd_m3h: f64,
    pub mean_night_m3h: f64,
    pub threshold: f64,
    pub alarms: usize,
    pub alarms_per_year: f64,
}

/// Runs [`FalseAlarmStudy`] on column `district` of an inflow table (any step).
pub fn false_alarm_study(
    table: &leak_data::SensorTable,
    district: &str,
    split: NaiveDateTime,
    p: &NightFlowParams,
    rate_per_year: f64,
) -> Option<FalseAlarmStudy> {
    let column = table.column(district)?;
    let step = table.step_minutes()?.max(1);
    let start = *table.timestamps.first()?;
    let end = *table.timestamps.last()?;
    let len = ((end - start).num_minutes() / step) as usize + 1;
    let mut values = vec![f64::NAN; len];
    for (t, v) in table.timestamps.iter().zip(column) {
        let m = (*t - start).num_minutes();
        if m % step == 0 {
            values[(m / step) as usize] = *v;
        }
    }
    let readings = Readings {
        start,
        step_minutes: step,
        len,
        flows: std::collections::BTreeMap::from([(district.to_string(), values)]),
        pressures: Default::default(),
        levels: Default::default(),
    };
    let cut = readings.index_of(split)?;
    let train = readings.slice(0, cut);
    let spec = BalanceSpec {
        name: district.to_string(),
        areas: vec![district.to_string()],
        flows: vec![(district.to_string(), 1.0)],
        tank: None,
    };
    let model = NightFlowModel::fit(&spec, &train, &[], &[], p, 12, 4.0, rate_per_year)?;
    let (nights, alarms) = model.score(&spec, &readings, &[], &[], p, cut, &[]);
    let scored: Vec<&Night> = nights
        .iter()
        .filter(|n| n.at >= cut && n.cusum.is_finite())
        .collect();
    let training_nights = nights
        .iter()
        .filter(|n| n.at < cut && n.night_m3h.is_finite())
        .count();
    let finite: Vec<f64> = nights
        .iter()
        .map(|n| n.night_m3h)
        .filter(|v| v.is_finite())
        .collect();
    Some(FalseAlarmStudy {
        district: district.to_string(),
        training_nights,
        scored_nights: scored.len(),
        day_weight: model.day_weight,
        residual_sd_m3h: model.residual_sd_m3h,
        mean_night_m3h: finite.iter().sum::<f64>() / finite.len().max(1) as f64,
        threshold: model.threshold,
        alarms: alarms.len(),
        alarms_per_year: alarms.len() as f64 / (scored.len().max(1) as f64 / 365.25),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A balance whose consumption follows a daily cycle with a seasonal level and noise, plus a
    /// leak growing from `leak_from` (days).
    fn readings(days: usize, leak_from: Option<usize>, seed: u64) -> (Readings, BalanceSpec) {
        let start = prevoir_core::dates::parse_timestamp("2019-01-07 00:00").unwrap();
        let n = days * 288;
        let mut q = Vec::with_capacity(n);
        let mut state = seed;
        for t in 0..n {
            // Consumption: a seasonal level, and noise on each reading.
            let day = t as f64 / 288.0;
            let daily_level = 1.0 + 0.1 * (day / 365.0 * std::f64::consts::TAU).sin();
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((state >> 33) % 1000) as f64 / 1000.0 - 0.5;
            let hour = (t % 288) as f64 / 12.0;
            let shape = 1.0
                + 0.8
                    * ((hour - 4.0) / 24.0 * std::f64::consts::TAU - 1.2)
                        .sin()
                        .max(-0.7);
            let mut v = 60.0 * daily_level * shape + 4.0 * noise;
            if let Some(from) = leak_from {
                let day = t as f64 / 288.0;
                if day > from as f64 {
                    v += ((day - from as f64) * 0.4).min(8.0);
                }
            }
            q.push(v);
        }
        let r = Readings {
            start,
            step_minutes: 5,
            len: n,
            flows: BTreeMap::from([("in".to_string(), q)]),
            pressures: BTreeMap::new(),
            levels: BTreeMap::new(),
        };
        let spec = BalanceSpec {
            name: "A".into(),
            areas: vec!["A".into()],
            flows: vec![("in".into(), 1.0)],
            tank: None,
        };
        (r, spec)
    }

    #[test]
    fn a_growing_leak_raises_the_night_cusum_and_normal_nights_do_not() {
        let p = NightFlowParams::default();
        let (train, spec) = readings(364, None, 7);
        let model = NightFlowModel::fit(&spec, &train, &[], &[], &p, 12, 4.0, 0.5).unwrap();
        assert!(model.threshold > 1.0, "{model:?}");
        // Consumption moves night and day together: yesterday's daytime explains the night.
        assert!(model.day_weight > 0.05, "{}", model.day_weight);
        let (quiet, spec) = readings(120, None, 99);
        let (_, alarms) = model.score(&spec, &quiet, &[], &[], &p, 0, &[]);
        assert!(alarms.len() <= 1, "{alarms:?}");
        let (leaky, spec) = readings(120, Some(60), 99);
        let (nights, alarms) = model.score(&spec, &leaky, &[], &[], &p, 0, &[]);
        let first = alarms.first().map(|&i| nights[i].date);
        let leak_day = leaky.start.date() + Duration::days(60);
        assert!(
            first.is_some_and(|d| d > leak_day && d <= leak_day + Duration::days(14)),
            "{first:?} vs {leak_day}"
        );
        // The excess in m³/h converts back to about the leak's size then.
        let i = alarms[0];
        let size = ((nights[i].date - leak_day).num_days() as f64 * 0.4).min(8.0);
        assert!(
            model.leak_flow(nights[i].excess_m3h) > 0.3 * size,
            "{nights:?}"
        );
    }
}
