//! The transparent baseline and fallback: a ridge regression on standardised features, solved as
//! ordinary least squares (linfa-linear) on the data augmented with √(λ·n)·I rows, the classic
//! closed form of ridge. Its contributions are exact by construction: coefficient × standardised value, plus
//! the intercept (the mean target). Missing values take the training mean, so they contribute 0.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Settings of the ridge regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearParams {
    /// L2 penalty on standardised coefficients, relative to the number of rows.
    pub penalty: f64,
}

impl Default for LinearParams {
    fn default() -> Self {
        Self { penalty: 1e-3 }
    }
}

/// A fitted ridge regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegressor {
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    /// Coefficients on standardised features.
    pub coefficients: Vec<f64>,
    pub intercept: f64,
}

impl LinearParams {
    /// Fits on row vectors `x` (NaN = missing) and targets `y`.
    pub fn fit(&self, x: &[&[f64]], y: &[f64]) -> Result<LinearRegressor, ModelError> {
        if x.len() != y.len() {
            return Err(ModelError::Shape(format!(
                "{} rows, {} targets",
                x.len(),
                y.len()
            )));
        }
        let Some(cols) = x.first().map(|r| r.len()) else {
            return Err(ModelError::NoTrainingData);
        };
        let mut means = vec![0.0; cols];
        let mut counts = vec![0usize; cols];
        for row in x {
            for (j, v) in row.iter().enumerate() {
                if v.is_finite() {
                    means[j] += v;
                    counts[j] += 1;
                }
            }
        }
        for (m, c) in means.iter_mut().zip(&counts) {
            *m = if *c > 0 { *m / *c as f64 } else { 0.0 };
        }
        let mut scales = vec![0.0; cols];
        for row in x {
            for (j, v) in row.iter().enumerate() {
                if v.is_finite() {
                    scales[j] += (v - means[j]).powi(2);
                }
            }
        }
        for (s, c) in scales.iter_mut().zip(&counts) {
            let sd = if *c > 1 {
                (*s / (*c - 1) as f64).sqrt()
            } else {
                0.0
            };
            // A constant column gets scale 1: its standardised value is always 0.
            *s = if sd > 1e-12 { sd } else { 1.0 };
        }
        let regressor = LinearRegressor {
            means,
            scales,
            coefficients: vec![0.0; cols],
            intercept: 0.0,
        };
        // Centre the target; the intercept is its mean, the penalty rows pull coefficients to 0.
        let mean_y = y.iter().sum::<f64>() / y.len() as f64;
        let n = x.len();
        let mut records = Array2::<f64>::zeros((n + cols, cols));
        let mut targets = Array1::<f64>::zeros(n + cols);
        for (i, row) in x.iter().enumerate() {
            for (j, z) in regressor.standardise(row).into_iter().enumerate() {
                records[[i, j]] = z;
            }
            targets[i] = y[i] - mean_y;
        }
        let ridge = (self.penalty * n as f64).sqrt();
        for j in 0..cols {
            records[[n + j, j]] = ridge;
        }
        let dataset = Dataset::new(records, targets);
        let fitted = LinearRegression::new()
            .with_intercept(false)
            .fit(&dataset)
            .map_err(|e| ModelError::Fit(e.to_string()))?;
        Ok(LinearRegressor {
            coefficients: fitted.params().to_vec(),
            intercept: mean_y,
            ..regressor
        })
    }
}

impl LinearRegressor {
    fn standardise(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.means.iter().zip(&self.scales))
            .map(|(v, (m, s))| if v.is_finite() { (v - m) / s } else { 0.0 })
            .collect()
    }

    /// Contributions of each feature (same units as the target); the intercept is the bias.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        self.standardise(row)
            .iter()
            .zip(&self.coefficients)
            .map(|(z, c)| z * c)
            .collect()
    }

    pub fn predict(&self, row: &[f64]) -> f64 {
        self.intercept + self.contributions(row).iter().sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_linear_law_and_adds_up() {
        let rows: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![i as f64, (i % 7) as f64, 5.0])
            .collect();
        let y: Vec<f64> = rows.iter().map(|r| 3.0 + 0.5 * r[0] - 2.0 * r[1]).collect();
        let x: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let model = LinearParams { penalty: 1e-9 }.fit(&x, &y).unwrap();
        for (row, target) in rows.iter().zip(&y) {
            assert!(
                (model.predict(row) - target).abs() < 0.05,
                "{} vs {target}",
                model.predict(row)
            );
            let sum = model.intercept + model.contributions(row).iter().sum::<f64>();
            assert!((sum - model.predict(row)).abs() < 1e-12);
        }
        assert_eq!(
            model.contributions(&rows[0])[2],
            0.0,
            "constant column contributes nothing"
        );
    }

    #[test]
    fn missing_values_contribute_nothing() {
        let rows: Vec<Vec<f64>> = (0..50).map(|i| vec![i as f64]).collect();
        let y: Vec<f64> = rows.iter().map(|r| r[0]).collect();
        let x: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let model = LinearParams::default().fit(&x, &y).unwrap();
        assert_eq!(model.contributions(&[f64::NAN]), vec![0.0]);
    }
}
