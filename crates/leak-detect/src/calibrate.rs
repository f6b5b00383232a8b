//! Thresholds for a target false-alarm rate, from training data only.
//!
//! A detector's statistic is watched over the training window *out of sample* (each part of the
//! window predicted by a model that did not see it). Its maxima per block (a day for steps, a level
//! window for levels: one excursion counts once) have an upper tail that is modelled as
//! exponential above a high order statistic (peaks over threshold, the generalised Pareto tail with
//! shape 0). The threshold for `r` false alarms a year is the level whose expected exceedance rate
//! is `r`: `u + β·ln(λᵤ / r)`, with `u` the threshold of the tail, `β` the mean excess above it and
//! `λᵤ` the yearly rate of maxima above `u`. Rates rarer than the training window can show are
//! extrapolated by the tail, never by a hand-set margin.

use serde::{Deserialize, Serialize};

/// Exponential tail of block maxima.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TailFit {
    /// Block maxima seen and the years they cover.
    pub blocks: usize,
    pub years: f64,
    /// Maxima above `threshold` (the tail) and their mean excess over it.
    pub exceedances: usize,
    pub threshold: f64,
    pub mean_excess: f64,
    /// Largest maximum.
    pub largest: f64,
}

impl TailFit {
    /// Fits the tail on the largest tenth of `maxima` (at least 5, at most 50 values).
    pub fn fit(maxima: &[f64], years: f64) -> Self {
        let mut sorted: Vec<f64> = maxima.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let n = sorted.len();
        if n < 2 || years.is_nan() || years <= 0.0 {
            return Self {
                blocks: n,
                years,
                exceedances: 0,
                threshold: sorted.first().copied().unwrap_or(0.0),
                mean_excess: 0.0,
                largest: sorted.first().copied().unwrap_or(0.0),
            };
        }
        let k = (n / 10).clamp(5.min(n - 1), 50).min(n - 1);
        let threshold = sorted[k];
        let mean_excess = sorted[..k].iter().map(|v| v - threshold).sum::<f64>() / k as f64;
        Self {
            blocks: n,
            years,
            exceedances: k,
            threshold,
            mean_excess,
            largest: sorted[0],
        }
    }

    /// Level exceeded `rate_per_year` times a year on average (the largest maximum, or 0, when
    /// there are too few maxima for a tail).
    pub fn level_for(&self, rate_per_year: f64) -> f64 {
        if self.exceedances == 0 {
            return self.threshold;
        }
        let rate_at_threshold = self.exceedances as f64 / self.years;
        if rate_per_year >= rate_at_threshold {
            return self.threshold;
        }
        self.threshold + self.mean_excess * (rate_at_threshold / rate_per_year).ln()
    }
}

/// Maximum of the finite values of each consecutive block of `block` steps (blocks without any
/// finite value are left out).
pub fn block_maxima(values: &[f64], block: usize) -> Vec<f64> {
    values
        .chunks(block.max(1))
        .filter_map(|c| {
            c.iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        })
        .collect()
}

/// Standard deviation estimated from the median absolute deviation (1.4826 · MAD), robust to the
/// few leak-like excursions a training window holds; `NaN` without finite values.
pub fn robust_sd(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    let median = median_in_place(&mut v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
    1.4826 * median_in_place(&mut dev)
}

fn median_in_place(v: &mut [f64]) -> f64 {
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_maxima_give_the_level_of_the_requested_rate() {
        // Daily maxima of an exponential variable with mean 1 above 3, over 10 years: quantiles
        // of a standard exponential, so the tail fit must recover the true levels.
        let n = 3650;
        let maxima: Vec<f64> = (0..n)
            .map(|i| 3.0 - ((i as f64 + 0.5) / n as f64).ln())
            .collect();
        let fit = TailFit::fit(&maxima, 10.0);
        assert_eq!(fit.exceedances, 50);
        // Exceeded once a year: P = 1/365 per day → 3 + ln 365.
        let once_a_year = fit.level_for(1.0);
        assert!(
            (once_a_year - (3.0 + 365f64.ln())).abs() < 0.1,
            "{once_a_year}"
        );
        // Rarer than the data: extrapolated along the same exponential.
        let once_in_40 = fit.level_for(0.025);
        assert!(
            (once_in_40 - (3.0 + (365.0f64 * 40.0).ln())).abs() < 0.2,
            "{once_in_40}"
        );
        // Frequent rates fall back to the tail threshold.
        assert_eq!(fit.level_for(1000.0), fit.threshold);
    }

    #[test]
    fn block_maxima_and_robust_sd() {
        let v = [1.0, f64::NAN, 3.0, f64::NAN, f64::NAN, -2.0, 0.5];
        assert_eq!(block_maxima(&v, 2), vec![1.0, 3.0, -2.0, 0.5]);
        // Uniform on [−1, 1]: MAD 0.5, so 0.741; a wild outlier barely moves it.
        let mut x: Vec<f64> = (0..1001)
            .map(|i| -1.0 + 2.0 * (i as f64 + 0.5) / 1001.0)
            .collect();
        assert!((robust_sd(&x) - 0.7413).abs() < 0.002, "{}", robust_sd(&x));
        x[3] = 1e6;
        assert!((robust_sd(&x) - 0.7413).abs() < 0.005, "{}", robust_sd(&x));
        assert!(robust_sd(&[f64::NAN]).is_nan());
    }
}
