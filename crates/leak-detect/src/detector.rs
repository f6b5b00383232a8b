//! Change detection on the pressure residuals, per area.
//!
//! Two statistics per sensor, both in metres of residual:
//! - **step** (abrupt leaks): mean of the last `step_steps` (2 h) minus the mean of the day before;
//!   a burst shows within the window, slow model drift does not;
//! - **level** (incipient leaks): mean of the last `level_steps` (2 days) minus the accepted level
//!   (0 after training; moved to the current level after each alarm, so one leak raises one alarm,
//!   and after a rise, so a repair is accepted as the new normal; it follows slow drift).
//!
//! Thresholds are set on the training window: the largest drop each statistic showed there times a
//! margin (never below a floor in metres), so the training year itself would have raised no
//! alarm. An area's score is
//! `1 − 2^(−x²)` with `x` the largest statistic over its threshold: 0.5 at the threshold.

use serde::{Deserialize, Serialize};

/// Settings of the detector (steps of the readings' time step).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorParams {
    pub step_steps: usize,
    pub reference_steps: usize,
    pub level_steps: usize,
    /// Thresholds = margin × the largest training value of each statistic.
    pub margin: f64,
    /// After an alarm, steps during which the sensors involved follow the data (no alarm from
    /// them) while the area's other sensors stay watchful.
    pub settle_steps: usize,
    /// Smallest thresholds (m): drops smaller than this are not worth a crew.
    pub step_floor_m: f64,
    pub level_floor_m: f64,
    /// Time constant (steps) of the slow drift the accepted level follows (seasons, not leaks).
    pub drift_steps: usize,
    /// A level alarm also needs the area's inflow over the level window to exceed the same hours
    /// one week earlier by this much (m³/h), when the area is metered.
    pub level_min_inflow_rise_m3h: f64,
}

impl Default for DetectorParams {
    fn default() -> Self {
        Self {
            step_steps: 24,
            reference_steps: 288,
            level_steps: 576,
            margin: 1.2,
            settle_steps: 864,
            step_floor_m: 0.03,
            level_floor_m: 0.025,
            drift_steps: 288 * 30,
            level_min_inflow_rise_m3h: 1.5,
        }
    }
}

/// Calibrated thresholds of one sensor (m).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorThresholds {
    pub step_drop: f64,
    pub step_rise: f64,
    pub level_drop: f64,
    pub level_rise: f64,
    /// Standard deviation of each statistic on training data, for weighting sensors.
    pub step_sd: f64,
    pub level_sd: f64,
}

/// The two statistics of one residual series; `NaN` where less than half a window is available.
pub fn statistics(residual: &[f64], p: &DetectorParams) -> (Vec<f64>, Vec<f64>) {
    let n = residual.len();
    let mut sum = vec![0.0; n + 1];
    let mut count = vec![0usize; n + 1];
    for t in 0..n {
        let ok = residual[t].is_finite();
        sum[t + 1] = sum[t] + if ok { residual[t] } else { 0.0 };
        count[t + 1] = count[t] + ok as usize;
    }
    let mean = |a: isize, b: usize, need: usize| -> f64 {
        let a = a.max(0) as usize;
        let c = count[b] - count[a];
        if c * 2 < need.max(1) {
            f64::NAN
        } else {
            (sum[b] - sum[a]) / c as f64
        }
    };
    let mut step = vec![f64::NAN; n];
    let mut level = vec![f64::NAN; n];
    for t in 0..n {
        let b = t + 1;
        if b >= p.step_steps + p.reference_steps {
            let recent = mean(b as isize - p.step_steps as isize, b, p.step_steps);
            let before = mean(
                b as isize - (p.step_steps + p.reference_steps) as isize,
                b - p.step_steps,
                p.reference_steps,
            );
            step[t] = recent - before;
        }
        if b >= p.level_steps {
            level[t] = mean(b as isize - p.level_steps as isize, b, p.level_steps);
        }
    }
    (step, level)
}

/// Thresholds from the training residual of one sensor.
pub fn calibrate(residual: &[f64], p: &DetectorParams) -> SensorThresholds {
    let (step, level) = statistics(residual, p);
    let extreme = |v: &[f64], sign: f64| {
        v.iter()
            .filter(|x| x.is_finite())
            .map(|x| sign * x)
            .fold(0.0_f64, f64::max)
    };
    let sd = |v: &[f64]| {
        let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        let m = finite.iter().sum::<f64>() / finite.len().max(1) as f64;
        (finite.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / finite.len().max(1) as f64).sqrt()
    };
    let floor = 1e-3;
    SensorThresholds {
        step_drop: (p.margin * extreme(&step, -1.0))
            .max(p.step_floor_m)
            .max(floor),
        step_rise: (p.margin * extreme(&step, 1.0))
            .max(p.step_floor_m)
            .max(floor),
        level_drop: (p.margin * extreme(&level, -1.0))
            .max(p.level_floor_m)
            .max(floor),
        level_rise: (p.margin * extreme(&level, 1.0))
            .max(p.level_floor_m)
            .max(floor),
        step_sd: sd(&step).max(floor / 4.0),
        level_sd: sd(&level).max(floor / 4.0),
    }
}

/// Which statistic raised an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// A step within the last hours (abrupt leak).
    Step,
    /// A level below the accepted one over days (incipient leak).
    Level,
}

/// An alarm of one area, before localisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Step index of the alarm.
    pub at: usize,
    /// Estimated step index where the change began.
    pub change_at: usize,
    pub trigger: Trigger,
    /// Per sensor of the area: the statistic that fired (m, negative = drop) and its training sd.
    pub deviation: Vec<f64>,
    pub deviation_sd: Vec<f64>,
    /// `x` of the score at the alarm.
    pub strength: f64,
}

/// Result of running the detector over one area.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaRun {
    /// Score (0–1) at each step; `NaN` before the statistics exist.
    pub score: Vec<f64>,
    /// Index (within the area's sensors) of the sensor that drives the score at each step.
    pub driver: Vec<Option<usize>>,
    pub events: Vec<Event>,
}

/// Score from the largest statistic/threshold ratio.
pub fn score_of(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    1.0 - (-(x.max(0.0).powi(2)) * std::f64::consts::LN_2).exp()
}

/// Runs the alarm logic over one area's sensors. `step[s]`, `level[s]` are the statistics of
/// sensor `s`; alarms are raised only at steps `>= emit_from` (earlier steps warm the state up).
///
/// After an alarm, the sensors that moved (more than half their threshold) follow the data for
/// `settle_steps` — the leak becomes the new normal for them — and the others for one level
/// window (the leak's effect spreads as it grows); after a step alarm no sensor of the area raises
/// another step alarm for a day (its step statistic still holds the step). A step whose largest
/// move (in metres) is a rise is a repair: every sensor
/// of the area then follows the data for a level window. The accepted level also follows slow
/// drift (time constant `drift_steps`).
pub fn run_area(
    step: &[Vec<f64>],
    level: &[Vec<f64>],
    thresholds: &[&SensorThresholds],
    p: &DetectorParams,
    emit_from: usize,
    inflow_rise: Option<&[f64]>,
) -> AreaRun {
    let m = step.len();
    let n = step.first().map_or(0, Vec::len);
    let mut accepted = vec![0.0; m];
    let mut step_settle = vec![0usize; m];
    let mut level_settle = vec![0usize; m];
    let mut score = vec![f64::NAN; n];
    let mut driver = vec![None; n];
    let mut events = Vec::new();
    let drift = 1.0 / p.drift_steps.max(1) as f64;
    for t in 0..n {
        let (mut x_step, mut x_level, mut x_rise) = (f64::NAN, f64::NAN, 0.0_f64);
        // Largest drop and rise in metres: the sensor nearest a leak moves most.
        let (mut z_drop, mut z_rise) = (0.0_f64, 0.0_f64);
        let (mut step_driver, mut level_driver) = (None, None);
        for s in 0..m {
            let th = thresholds[s];
            let d = step[s][t];
            if d.is_finite() {
                x_rise = x_rise.max(d / th.step_rise);
                z_drop = z_drop.max(-d);
                z_rise = z_rise.max(d);
                if t >= step_settle[s] {
                    let drop = -d / th.step_drop;
                    if x_step.is_nan() || drop > x_step {
                        x_step = drop;
                        step_driver = Some(s);
                    }
                }
            }
            let l = level[s][t];
            if l.is_finite() {
                let settling = t < level_settle[s];
                if settling || l - accepted[s] > th.level_rise {
                    // Settling after an alarm or a repair, or pressure came back up: accept the
                    // current level.
                    accepted[s] = l;
                } else {
                    accepted[s] += (l - accepted[s]) * drift;
                }
                if !settling {
                    let drop = (accepted[s] - l) / th.level_drop;
                    if x_level.is_nan() || drop > x_level {
                        x_level = drop;
                        level_driver = Some(s);
                    }
                }
            }
        }
        let level_confirmed = match inflow_rise.map(|r| r[t]) {
            Some(r) if r.is_finite() => r >= p.level_min_inflow_rise_m3h,
            _ => true,
        };
        let x = x_step.max(if level_confirmed {
            x_level
        } else {
            x_level.min(0.999)
        });
        score[t] = score_of(x);
        driver[t] = if x_level > x_step {
            level_driver
        } else {
            step_driver
        };
        if t < emit_from {
            continue;
        }
        if (x_step > 1.0 || x_rise > 1.0) && z_rise > z_drop {
            // A repair looks like a leak upside down: the near sensors rise, the far ones dip.
            // Every sensor takes the new level as normal.
            for until in level_settle.iter_mut() {
                *until = (*until).max(t + p.level_steps + p.step_steps);
            }
            for until in step_settle.iter_mut() {
                *until = (*until).max(t + p.step_steps);
            }
            continue;
        }
        if x > 1.0 {
            let trigger = if x_level > x_step && level_confirmed {
                Trigger::Level
            } else {
                Trigger::Step
            };
            let (deviation, deviation_sd): (Vec<f64>, Vec<f64>) = (0..m)
                .map(|s| match trigger {
                    Trigger::Step => (step[s][t], thresholds[s].step_sd),
                    Trigger::Level => (level[s][t] - accepted[s], thresholds[s].level_sd),
                })
                .unzip();
            let change_at = match trigger {
                Trigger::Step => t + 1 - p.step_steps.min(t + 1),
                Trigger::Level => t + 1 - p.level_steps.min(t + 1),
            };
            for s in 0..m {
                let threshold = match trigger {
                    Trigger::Step => thresholds[s].step_drop,
                    Trigger::Level => thresholds[s].level_drop,
                };
                // The sensors that moved take the leak as their new normal; the others keep
                // watching for steps and absorb the leak's spread in their level.
                if deviation[s].abs() > 0.5 * threshold {
                    step_settle[s] = step_settle[s].max(t + p.settle_steps);
                    level_settle[s] = level_settle[s].max(t + p.settle_steps);
                } else {
                    // After a step, the step statistic of every sensor carries it for a day.
                    if trigger == Trigger::Step {
                        step_settle[s] = step_settle[s].max(t + p.reference_steps + p.step_steps);
                    }
                    level_settle[s] = level_settle[s].max(t + p.level_steps + p.step_steps);
                }
            }
            events.push(Event {
                at: t,
                change_at,
                trigger,
                deviation,
                deviation_sd,
                strength: x,
            });
        }
    }
    AreaRun {
        score,
        driver,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> DetectorParams {
        DetectorParams {
            step_steps: 4,
            reference_steps: 20,
            level_steps: 10,
            margin: 1.2,
            settle_steps: 30,
            step_floor_m: 0.0,
            level_floor_m: 0.0,
            drift_steps: 100_000,
            level_min_inflow_rise_m3h: 0.0,
        }
    }

    fn noise(t: usize) -> f64 {
        // Deterministic uniform ±0.01 m pseudo-noise (a linear congruential generator).
        let mut x = (t as u64)
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^= x >> 33;
        ((x % 20001) as f64 / 10000.0 - 1.0) * 0.01
    }

    #[test]
    fn statistics_measure_a_step_and_a_level() {
        let p = params();
        let r: Vec<f64> = (0..60).map(|t| if t >= 40 { -0.5 } else { 0.0 }).collect();
        let (step, level) = statistics(&r, &p);
        assert!(step[30].abs() < 1e-12);
        assert!((step[43] + 0.5).abs() < 1e-12, "{}", step[43]);
        assert!((level[59] + 0.5).abs() < 1e-12);
        assert!(step[10].is_nan());
    }

    #[test]
    fn a_step_raises_one_alarm_and_a_repair_none() {
        let p = params();
        let train: Vec<f64> = (1000..3000).map(noise).collect();
        let th = calibrate(&train, &p);
        // Leak at 100 (−0.2 m), repaired at 250.
        let test: Vec<f64> = (0..400)
            .map(|t| noise(t) + if (100..250).contains(&t) { -0.2 } else { 0.0 })
            .collect();
        let (step, level) = statistics(&test, &p);
        let run = run_area(&[step], &[level], &[&th], &p, 0, None);
        assert_eq!(run.events.len(), 1, "{:?}", run.events);
        let e = &run.events[0];
        assert_eq!(e.trigger, Trigger::Step);
        assert!(e.at >= 100 && e.at < 104, "{}", e.at);
        assert!(run.score[e.at] > 0.5);
        assert!(run.score[90] < 0.5);
    }

    #[test]
    fn a_slow_ramp_is_caught_by_the_level() {
        let p = DetectorParams {
            level_steps: 40,
            ..params()
        };
        let train: Vec<f64> = (1000..3000).map(noise).collect();
        let th = calibrate(&train, &p);
        let test: Vec<f64> = (0..400)
            .map(|t| {
                noise(t)
                    - if t > 100 {
                        (t - 100) as f64 * 0.0002
                    } else {
                        0.0
                    }
            })
            .collect();
        let (step, level) = statistics(&test, &p);
        let run = run_area(&[step], &[level], &[&th], &p, 0, None);
        assert!(!run.events.is_empty());
        assert_eq!(run.events[0].trigger, Trigger::Level);
        assert!(
            run.events[0].at > 110 && run.events[0].at < 200,
            "{}",
            run.events[0].at
        );
    }

    #[test]
    fn score_is_one_half_at_the_threshold() {
        assert!((score_of(1.0) - 0.5).abs() < 1e-12);
        assert_eq!(score_of(0.0), 0.0);
        assert!(score_of(3.0) > 0.99);
    }
}
