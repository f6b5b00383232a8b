//! Water balance of each metered area: expected consumption (time-of-week profile × the area's
//! recent level), minimum night flow, and the flow estimate of an alarm (how much more water the
//! area takes now than at the same hours one week earlier).

// Time-step and matrix loops index several parallel arrays at once, as their formulas do.
#![allow(clippy::needless_range_loop)]

use chrono::{Datelike, Timelike};
use leak_data::readings::Readings;
use serde::{Deserialize, Serialize};

use crate::features::BalanceSpec;

/// Hours in a week: the profile's slots.
const SLOTS: usize = 168;

/// Expected-consumption model of one balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceModel {
    pub spec: BalanceSpec,
    /// Mean inflow per hour of the week (Monday 00h first) relative to the weekly mean.
    pub profile: Vec<f64>,
    /// Mean inflow over training (m³/h).
    pub mean_flow_m3h: f64,
    /// Mean minimum night flow (m³/h, lowest hourly mean between 01:00 and 05:00) in training.
    pub night_flow_m3h: f64,
    /// Standard deviation of the hourly residual against the expected consumption (m³/h).
    pub residual_sd_m3h: f64,
}

fn slot(readings: &Readings, t: usize) -> usize {
    let time = readings.time(t);
    time.weekday().num_days_from_monday() as usize * 24 + time.hour() as usize
}

impl BalanceModel {
    /// Fits the profile on the training readings.
    pub fn fit(spec: &BalanceSpec, readings: &Readings) -> Self {
        let flow = hourly(&spec.series(readings), readings);
        let (profile, mean) = relative_profile(
            (0..readings.len).map(|t| (slot(readings, t), flow[t])),
            SLOTS,
        );
        let mut model = Self {
            spec: spec.clone(),
            profile,
            mean_flow_m3h: mean,
            night_flow_m3h: f64::NAN,
            residual_sd_m3h: f64::NAN,
        };
        let expected = model.expected(readings, &flow);
        let residuals: Vec<f64> = (0..readings.len)
            .filter_map(|t| {
                let r = flow[t] - expected[t];
                r.is_finite().then_some(r)
            })
            .collect();
        let m = residuals.iter().sum::<f64>() / residuals.len().max(1) as f64;
        model.residual_sd_m3h = (residuals.iter().map(|r| (r - m).powi(2)).sum::<f64>()
            / residuals.len().max(1) as f64)
            .sqrt();
        let nights = night_flows(&flow, readings);
        let values: Vec<f64> = nights.iter().map(|n| n.1).collect();
        model.night_flow_m3h = values.iter().sum::<f64>() / values.len().max(1) as f64;
        model
    }

    /// Expected hourly inflow at each step: profile × the level of the previous 7 days (observed
    /// mean over profile mean). `hourly_flow` is the observed hourly-mean inflow.
    pub fn expected(&self, readings: &Readings, hourly_flow: &[f64]) -> Vec<f64> {
        let n = readings.len;
        let week = (7 * 24 * 60 / readings.step_minutes) as usize;
        let mut out = vec![f64::NAN; n];
        let (mut obs, mut prof, mut count) = (0.0, 0.0, 0usize);
        for t in 0..n {
            // Window [t - week, t): strictly before t.
            if t >= 1 && hourly_flow[t - 1].is_finite() {
                obs += hourly_flow[t - 1];
                prof += self.profile[slot(readings, t - 1)];
                count += 1;
            }
            if t > week && hourly_flow[t - 1 - week].is_finite() {
                obs -= hourly_flow[t - 1 - week];
                prof -= self.profile[slot(readings, t - 1 - week)];
                count -= 1;
            }
            let level = if count * 2 >= week.min(t).max(1) && prof > 0.0 {
                obs / prof
            } else {
                self.mean_flow_m3h
            };
            out[t] = self.profile[slot(readings, t)] * level;
        }
        out
    }

    /// Observed hourly-mean inflow of this balance.
    pub fn observed(&self, readings: &Readings) -> Vec<f64> {
        hourly(&self.spec.series(readings), readings)
    }
}

/// A profile over `slots` (hours of the week, days of the week…): the mean of the finite values
/// falling in each slot over the mean of those slot means (1 for a slot without values, or when
/// that mean is not positive); with that mean of slot means.
pub fn relative_profile(
    values: impl IntoIterator<Item = (usize, f64)>,
    slots: usize,
) -> (Vec<f64>, f64) {
    let mut sum = vec![0.0; slots];
    let mut count = vec![0usize; slots];
    for (s, v) in values {
        if v.is_finite() {
            sum[s] += v;
            count[s] += 1;
        }
    }
    let mean_of_slots: Vec<f64> = (0..slots)
        .map(|s| {
            if count[s] > 0 {
                sum[s] / count[s] as f64
            } else {
                f64::NAN
            }
        })
        .collect();
    let finite: Vec<f64> = mean_of_slots
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let mean = finite.iter().sum::<f64>() / finite.len().max(1) as f64;
    let profile = mean_of_slots
        .iter()
        .map(|v| {
            if v.is_finite() && mean > 0.0 {
                v / mean
            } else {
                1.0
            }
        })
        .collect();
    (profile, mean)
}

/// Trailing one-hour mean (tank-fed balances are noisy at 5 min: 1 cm of level is 24 m³/h).
pub fn hourly(series: &[f64], readings: &Readings) -> Vec<f64> {
    crate::features::trailing_mean(series, (60 / readings.step_minutes).max(1) as usize)
}

/// Minimum night flow per night: `(step index of the minimum, m³/h)`, lowest hourly mean between
/// 01:00 and 05:00.
pub fn night_flows(hourly_flow: &[f64], readings: &Readings) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = Vec::new();
    let mut current: Option<(chrono::NaiveDate, usize, f64)> = None;
    for t in 0..readings.len {
        let time = readings.time(t);
        if !(2..=5).contains(&time.hour()) || !hourly_flow[t].is_finite() {
            continue;
        }
        let date = time.date();
        match &mut current {
            Some((d, i, v)) if *d == date => {
                if hourly_flow[t] < *v {
                    *i = t;
                    *v = hourly_flow[t];
                }
            }
            _ => {
                if let Some((_, i, v)) = current.take() {
                    out.push((i, v));
                }
                current = Some((date, t, hourly_flow[t]));
            }
        }
    }
    if let Some((_, i, v)) = current {
        out.push((i, v));
    }
    out
}

/// Mean inflow over the last `window` steps minus the same steps one week earlier (m³/h), at each
/// step; `NaN` without a week of history.
pub fn week_over_week(series: &[f64], readings: &Readings, window: usize) -> Vec<f64> {
    let week = (7 * 24 * 60 / readings.step_minutes) as usize;
    let n = series.len();
    let mut diff = vec![f64::NAN; n];
    for t in week..n {
        diff[t] = series[t] - series[t - week];
    }
    let mut out = crate::features::trailing_mean(&diff, window.max(1));
    for v in out.iter_mut().take((week + window / 2).min(n)) {
        *v = f64::NAN;
    }
    out
}

/// How an alarm's leak flow was estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowEstimate {
    /// Best estimate (m³/h).
    pub flow_m3h: f64,
    /// `week-over-week balance`, `pressure signature` or `none`.
    pub method: String,
    pub balance: Option<String>,
    /// Mean inflow over the window (m³/h) and over the same hours a week earlier.
    pub inflow_m3h: Option<f64>,
    pub inflow_week_before_m3h: Option<f64>,
    /// Last minimum night flow and the mean of the 7 nights before the change.
    pub night_flow_m3h: Option<f64>,
    pub night_flow_before_m3h: Option<f64>,
    /// Size fitted from the pressure drops of the best candidate pipe.
    pub pressure_based_m3h: Option<f64>,
    pub text: String,
}

/// Estimates the leak flow of an alarm from the balance: mean inflow over `[from, to]` minus the
/// same hours one week earlier (weekly pattern cancels), at least one hour long.
pub fn estimate_flow(
    model: Option<&BalanceModel>,
    readings: &Readings,
    from: usize,
    to: usize,
    pressure_based: Option<f64>,
    breaks: &[usize],
) -> FlowEstimate {
    let week = (7 * 24 * 60 / readings.step_minutes) as usize;
    let hour = (60 / readings.step_minutes).max(1) as usize;
    let from = from.min(to + 1 - hour.min(to + 1));
    let Some(model) = model else {
        let q = pressure_based.unwrap_or(f64::NAN);
        return FlowEstimate {
            flow_m3h: q,
            method: if q.is_finite() {
                "pressure signature".into()
            } else {
                "none".into()
            },
            balance: None,
            inflow_m3h: None,
            inflow_week_before_m3h: None,
            night_flow_m3h: None,
            night_flow_before_m3h: None,
            pressure_based_m3h: pressure_based,
            text: format!(
                "no metered balance for this area: size fitted from the pressure drops ({q:.1} m³/h)"
            ),
        };
    };
    let series = model.spec.series_across(readings, breaks);
    let (mut now, mut before, mut count) = (0.0, 0.0, 0usize);
    if from >= week {
        for t in from..=to {
            let (a, b) = (series[t], series[t - week]);
            if a.is_finite() && b.is_finite() {
                now += a;
                before += b;
                count += 1;
            }
        }
    }
    let hourly_flow = hourly(&series, readings);
    let nights = night_flows(&hourly_flow, readings);
    let last_night = nights.iter().rev().find(|(i, _)| *i <= to).map(|n| n.1);
    let prior: Vec<f64> = nights
        .iter()
        .filter(|(i, _)| *i < from)
        .rev()
        .take(7)
        .map(|n| n.1)
        .collect();
    let night_before = (!prior.is_empty()).then(|| prior.iter().sum::<f64>() / prior.len() as f64);
    if count * 2 >= to + 1 - from {
        let (now, before) = (now / count as f64, before / count as f64);
        let flow = (now - before).max(0.0);
        FlowEstimate {
            flow_m3h: flow,
            method: "week-over-week balance".into(),
            balance: Some(model.spec.name.clone()),
            inflow_m3h: Some(now),
            inflow_week_before_m3h: Some(before),
            night_flow_m3h: last_night,
            night_flow_before_m3h: night_before,
            pressure_based_m3h: pressure_based,
            text: format!(
                "area {} inflow ({}) averaged {now:.1} m³/h from {} to {}, against {before:.1} m³/h at the same hours one week earlier: +{flow:.1} m³/h",
                model.spec.name,
                model.spec.formula(),
                readings.time(from).format("%Y-%m-%d %H:%M"),
                readings.time(to).format("%Y-%m-%d %H:%M"),
            ),
        }
    } else {
        let q = pressure_based.unwrap_or(f64::NAN);
        FlowEstimate {
            flow_m3h: q,
            method: "pressure signature".into(),
            balance: Some(model.spec.name.clone()),
            inflow_m3h: None,
            inflow_week_before_m3h: None,
            night_flow_m3h: last_night,
            night_flow_before_m3h: night_before,
            pressure_based_m3h: pressure_based,
            text: format!(
                "less than a week of inflow history: size fitted from the pressure drops ({q:.1} m³/h)"
            ),
        }
    }
}
