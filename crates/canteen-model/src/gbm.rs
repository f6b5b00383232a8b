//! Gradient-boosted regression trees (the `forust-ml` crate) with exact per-prediction
//! contributions (TreeSHAP): for every row, contributions + bias = prediction.

use forust_ml::Matrix;
use forust_ml::gradientbooster::GradientBooster;
use forust_ml::objective::ObjectiveType;
use rayon::prelude::*;
use serde::{Deserialize, Serialize, Serializer};
use std::sync::Arc;

use crate::ModelError;
use crate::treeshap::CompiledTrees;

/// Settings of the boosted trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmParams {
    pub iterations: usize,
    pub learning_rate: f32,
    pub max_depth: usize,
    pub min_leaf_weight: f32,
    pub l2: f32,
    pub nbins: u16,
    pub subsample: f32,
    pub colsample_bytree: f64,
    pub seed: u64,
    /// Worker threads (None = all cores).
    pub threads: Option<usize>,
    /// Fill histograms row by row from a tiled copy of the binned data (forust's faster path for
    /// many rows and a moderate number of columns).
    #[serde(default)]
    pub tiled_histograms: bool,
}

impl Default for GbmParams {
    fn default() -> Self {
        Self {
            // 150 trees at 0.1 forecast as well as 300 at 0.05 on Nantes at half the cost of
            // every explanation: on school year 2016-2017 (before the 2017-2018 test year), 28
            // days ahead, both give a mean absolute error of 10.38 meals per canteen-day and
            // 306 vs 309 meals on city totals (`PREVOIR_TREES=300 PREVOIR_LEARNING_RATE=0.05
            // cargo run -p canteen-backtest --example experiment -- ../shared/data/nantes
            // 2016-09-01 2017-07-07 28`).
            iterations: 150,
            learning_rate: 0.1,
            max_depth: 5,
            min_leaf_weight: 20.0,
            l2: 1.0,
            nbins: 256,
            subsample: 1.0,
            colsample_bytree: 1.0,
            seed: 7,
            threads: None,
            tiled_histograms: true,
        }
    }
}

/// A column-major feature matrix (forust's layout): value of row `i`, column `j` at `j * rows + i`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMajor {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl ColumnMajor {
    /// Transposes row vectors (all of length `cols`) into column-major storage.
    pub fn from_rows<'a>(rows: impl ExactSizeIterator<Item = &'a [f64]>, cols: usize) -> Self {
        let n = rows.len();
        let mut data = vec![f64::NAN; n * cols];
        for (i, row) in rows.enumerate() {
            for (j, v) in row.iter().enumerate().take(cols) {
                data[j * n + i] = *v;
            }
        }
        Self {
            rows: n,
            cols,
            data,
        }
    }

    fn matrix(&self) -> Matrix<'_, f64> {
        Matrix::new(&self.data, self.rows, self.cols)
    }
}

/// A fitted booster, with its trees compiled for fast prediction and exact contributions. Clones
/// share both (they are immutable).
#[derive(Clone, Deserialize)]
#[serde(from = "StoredBooster")]
pub struct GbmRegressor {
    booster: Arc<GradientBooster>,
    compiled: Arc<CompiledTrees>,
}

/// How a booster is stored: forust's own JSON form; the compiled trees are rebuilt on load.
#[derive(Deserialize)]
struct StoredBooster {
    booster: GradientBooster,
}

/// The stored form, written without copying the booster.
#[derive(Serialize)]
struct StoredBoosterRef<'a> {
    booster: &'a GradientBooster,
}

impl From<StoredBooster> for GbmRegressor {
    fn from(stored: StoredBooster) -> Self {
        GbmRegressor::new(stored.booster)
    }
}

impl Serialize for GbmRegressor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredBoosterRef {
            booster: &self.booster,
        }
        .serialize(serializer)
    }
}

impl std::fmt::Debug for GbmRegressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GbmRegressor")
            .field("trees", &self.booster.trees.len())
            .finish()
    }
}

impl GbmParams {
    /// Fits squared-error boosted trees on `x` (NaN = missing) to `y` with `weights`.
    pub fn fit(
        &self,
        x: &ColumnMajor,
        y: &[f64],
        weights: &[f64],
    ) -> Result<GbmRegressor, ModelError> {
        if x.rows != y.len() || y.len() != weights.len() {
            return Err(ModelError::Shape(format!(
                "{} rows of features, {} targets, {} weights",
                x.rows,
                y.len(),
                weights.len()
            )));
        }
        if x.rows == 0 {
            return Err(ModelError::NoTrainingData);
        }
        let mut booster = GradientBooster::default()
            .set_objective_type(ObjectiveType::SquaredLoss)
            .set_iterations(self.iterations)
            .set_learning_rate(self.learning_rate)
            .set_max_depth(self.max_depth)
            .set_min_leaf_weight(self.min_leaf_weight)
            .set_l2(self.l2)
            .set_nbins(self.nbins)
            .set_subsample(self.subsample)
            .set_colsample_bytree(self.colsample_bytree)
            .set_seed(self.seed)
            .set_num_threads(self.threads)
            .set_tiled_histograms(self.tiled_histograms)
            .set_parallel(true)
            .set_initialize_base_score(true);
        booster
            .fit(&x.matrix(), y, weights, None)
            .map_err(|e| ModelError::Fit(e.to_string()))?;
        Ok(GbmRegressor::new(booster))
    }
}

impl GbmRegressor {
    fn new(booster: GradientBooster) -> Self {
        let compiled = CompiledTrees::from_booster(&booster);
        Self {
            booster: Arc::new(booster),
            compiled: Arc::new(compiled),
        }
    }

    /// The underlying forust booster.
    pub fn booster(&self) -> &GradientBooster {
        &self.booster
    }

    pub fn predict(&self, x: &ColumnMajor) -> Vec<f64> {
        self.booster.predict(&x.matrix(), x.rows > 256)
    }

    /// Prediction for one row.
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        self.compiled.predict(row)
    }

    /// Exact Shapley contributions of one row, and the bias (expected prediction): bias + Σ
    /// contributions = prediction.
    pub fn contributions_row(&self, row: &[f64]) -> (Vec<f64>, f64) {
        let mut phi = vec![0.0; row.len()];
        self.compiled.contributions(row, &mut phi);
        (phi, self.compiled.expected_value())
    }

    /// Exact Shapley contributions: one row of `cols + 1` values per input row, the last being the
    /// bias (expected prediction); each row sums to the prediction.
    pub fn contributions(&self, x: &ColumnMajor) -> Vec<Vec<f64>> {
        let rows: Vec<Vec<f64>> = (0..x.rows)
            .map(|i| (0..x.cols).map(|j| x.data[j * x.rows + i]).collect())
            .collect();
        let one = |row: &Vec<f64>| {
            let (mut phi, bias) = self.contributions_row(row);
            phi.push(bias);
            phi
        };
        if rows.len() > 64 {
            rows.par_iter().map(one).collect()
        } else {
            rows.iter().map(one).collect()
        }
    }

    pub fn trees(&self) -> usize {
        self.booster.trees.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 2 x0 + (x1 > 0.5) with a little structure the trees can find.
    fn toy() -> (ColumnMajor, Vec<f64>) {
        let rows: Vec<Vec<f64>> = (0..400)
            .map(|i| {
                vec![
                    (i % 20) as f64 / 20.0,
                    ((i * 7) % 11) as f64 / 11.0,
                    if i % 13 == 0 { f64::NAN } else { 1.0 },
                ]
            })
            .collect();
        let y = rows
            .iter()
            .map(|r| 2.0 * r[0] + if r[1] > 0.5 { 1.0 } else { 0.0 })
            .collect();
        (ColumnMajor::from_rows(rows.iter().map(Vec::as_slice), 3), y)
    }

    #[test]
    fn learns_and_contributions_add_up() {
        let (x, y) = toy();
        let params = GbmParams {
            iterations: 150,
            learning_rate: 0.2,
            max_depth: 3,
            min_leaf_weight: 1.0,
            ..GbmParams::default()
        };
        let model = params.fit(&x, &y, &vec![1.0; y.len()]).unwrap();
        let predictions = model.predict(&x);
        let rmse = (predictions
            .iter()
            .zip(&y)
            .map(|(p, t)| (p - t).powi(2))
            .sum::<f64>()
            / y.len() as f64)
            .sqrt();
        assert!(rmse < 0.1, "rmse {rmse}");
        for (row, prediction) in model.contributions(&x).iter().zip(&predictions) {
            let sum: f64 = row.iter().sum();
            assert!((sum - prediction).abs() < 1e-4, "{sum} vs {prediction}");
        }
        // The third column is constant where present: it carries (almost) nothing.
        let third: f64 = model
            .contributions(&x)
            .iter()
            .map(|r| r[2].abs())
            .sum::<f64>()
            / y.len() as f64;
        assert!(third < 0.05, "{third}");
    }

    #[test]
    fn survives_a_json_round_trip() {
        let (x, y) = toy();
        let params = GbmParams {
            iterations: 20,
            ..GbmParams::default()
        };
        let model = params.fit(&x, &y, &vec![1.0; y.len()]).unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let back: GbmRegressor = serde_json::from_str(&json).unwrap();
        assert_eq!(model.predict(&x), back.predict(&x));
    }

    #[test]
    fn refuses_mismatched_shapes() {
        let (x, y) = toy();
        assert!(matches!(
            GbmParams::default().fit(&x, &y[..10], &y[..10]),
            Err(ModelError::Shape(_))
        ));
    }
}
