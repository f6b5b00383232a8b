//! A trained canteen model: its card, its horizon, its learner, the transparent fallback and the
//! margin policy; and the forecasts it makes, each with its explanation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use canteen_data::CanteenData;
use canteen_features::{DayClass, FactorGroup, FeatureBuilder, FeatureRow, FeatureSpec, spec};
use prevoir_core::card::ModelCard;

use crate::ModelError;
use crate::dataset::MAX_RATIO;
use crate::explain::Explanation;
use crate::gbm::{ColumnMajor, GbmRegressor};
use crate::linear::LinearRegressor;
use crate::margin::MarginPolicy;
use crate::recent::{NeededLevel, PastOrder, RecentNeeds};

/// The learner behind a model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Estimator {
    Gbm { booster: GbmRegressor },
    Linear { regressor: LinearRegressor },
}

/// A second model of the same canteen-days as seen from another horizon, whose forecast is
/// blended with the main one (forecast combination): the day before, the 1-day model knows the
/// latest days and announced strikes but over-reacts to them; the 28-day model's forecast of the
/// same day is steadier. Their blend errs less than either.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Companion {
    pub horizon_days: u32,
    /// Feature names in column order, at the companion's horizon.
    pub features: Vec<String>,
    pub estimator: Estimator,
    /// Share of the companion in the blended forecast (0.5 = equal parts).
    pub weight: f64,
}

impl Companion {
    /// The blend of the main model's `main` and this companion's `own` forecast.
    pub fn blend(&self, main: f64, own: f64) -> f64 {
        (1.0 - self.weight) * main + self.weight * own
    }
}

/// A canteen-day forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub canteen: String,
    pub date: NaiveDate,
    pub horizon_days: u32,
    /// Central forecast of meals served.
    pub forecast_meals: f64,
    /// What the order is based on: the forecast, without the effect of an announced strike.
    pub order_basis_meals: f64,
    /// Meals to order or cook: the order basis plus the safety margin, rounded up.
    pub order_quantity: f64,
    /// The relative safety margin applied (e.g. 0.05 = +5 %), and the kind of day that scaled it.
    pub margin: f64,
    pub day_class: canteen_features::DayClass,
    /// The recent city-wide day whose shortfall raised the margin's level above the chosen one
    /// ([`crate::recent`]); `None` = the level chosen on validation.
    #[serde(default)]
    pub margin_raised_by: Option<NeededLevel>,
    /// 80 % interval for the meals served (validation-period ratios).
    pub interval_low: f64,
    pub interval_high: f64,
    pub explanation: Explanation,
}

/// A trained model, as stored in `model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CanteenModel {
    pub card: ModelCard,
    pub horizon_days: u32,
    /// Feature names in column order.
    pub features: Vec<String>,
    pub estimator: Estimator,
    /// The ridge regression trained on the same rows: baseline and fallback.
    pub fallback: LinearRegressor,
    pub margin: MarginPolicy,
    /// The model whose forecast is blended with this one's, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companion: Option<Companion>,
}

impl CanteenModel {
    /// The feature specs, in column order.
    pub fn specs(&self) -> Vec<&'static FeatureSpec> {
        spec::by_names(&self.features)
    }

    /// The feature builder this model reads its rows from: its horizon, and its companion's.
    pub fn builder(&self, data: &CanteenData) -> FeatureBuilder {
        let builder = FeatureBuilder::new(data, self.horizon_days);
        match &self.companion {
            Some(c) => builder.with_companion(c.horizon_days),
            None => builder,
        }
    }

    /// Checks that `builder` computes exactly this model's features (and its companion's).
    pub fn check_builder(&self, builder: &FeatureBuilder) -> Result<(), ModelError> {
        let program = spec::names(builder.specs());
        let companion_matches = match (&self.companion, builder.companion()) {
            (None, None) => true,
            (Some(c), Some((h, specs))) => c.horizon_days == h && c.features == spec::names(specs),
            _ => false,
        };
        if program != self.features
            || builder.horizon_days() != self.horizon_days
            || !companion_matches
        {
            return Err(ModelError::FeatureMismatch {
                model: self.features.clone(),
                program,
                horizon: builder.horizon_days(),
            });
        }
        Ok(())
    }

    /// Predicted ratios to the reference level, and their contributions (last value = bias).
    fn ratio_contributions(
        estimator: &Estimator,
        rows: &[&FeatureRow],
        cols: usize,
    ) -> Vec<Vec<f64>> {
        match estimator {
            Estimator::Gbm { booster } => {
                let x = ColumnMajor::from_rows(rows.iter().map(|r| r.values.as_slice()), cols);
                booster.contributions(&x)
            }
            Estimator::Linear { regressor } => rows
                .iter()
                .map(|r| {
                    let mut c = regressor.contributions(&r.values);
                    c.push(regressor.intercept);
                    c
                })
                .collect(),
        }
    }

    /// Central forecasts only (fast path for training-time evaluation).
    pub fn predict_meals(&self, rows: &[&FeatureRow]) -> Vec<f64> {
        self.central_meals(&self.estimator, rows, true)
    }

    /// Central forecasts of `rows` by `estimator`, blended with the companion's when `blend`.
    fn central_meals(&self, estimator: &Estimator, rows: &[&FeatureRow], blend: bool) -> Vec<f64> {
        let mut meals = Self::meals_of(estimator, rows, self.features.len());
        if let Some(c) = self.companion.as_ref().filter(|_| blend) {
            let (with, companion_rows) = companion_rows(rows);
            let companion = Self::meals_of(&c.estimator, &companion_rows, c.features.len());
            for (&i, m) in with.iter().zip(companion) {
                meals[i] = c.blend(meals[i], m);
            }
        }
        meals
    }

    /// For each row with an announced strike (or strike menu): its index and the central
    /// forecast of the same canteen-day with the strike features at their ordinary-day value (0),
    /// which orders are based on. A strike's effect ranges from none to closing the canteen, and
    /// leaving the whole of it out takes this second forecast: in the trees it also acts through
    /// other features (interactions), so removing only the strike features' contributions leaves
    /// part of the bet in.
    fn strike_free_meals(
        &self,
        estimator: &Estimator,
        rows: &[&FeatureRow],
        blend: bool,
    ) -> Vec<(usize, f64)> {
        let struck: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].day_class == DayClass::Strike)
            .collect();
        if struck.is_empty() {
            return Vec::new();
        }
        let plain: Vec<FeatureRow> = struck
            .iter()
            .map(|&i| {
                let mut row = rows[i].clone();
                clear_strike_features(&mut row.values, &self.features);
                if let (Some(c), Some(companion)) = (&self.companion, row.companion.as_mut()) {
                    clear_strike_features(&mut companion.values, &c.features);
                }
                row
            })
            .collect();
        let refs: Vec<&FeatureRow> = plain.iter().collect();
        struck
            .into_iter()
            .zip(self.central_meals(estimator, &refs, blend))
            .collect()
    }

    fn meals_of(estimator: &Estimator, rows: &[&FeatureRow], cols: usize) -> Vec<f64> {
        let ratios = match estimator {
            Estimator::Gbm { booster } => booster.predict(&ColumnMajor::from_rows(
                rows.iter().map(|r| r.values.as_slice()),
                cols,
            )),
            Estimator::Linear { regressor } => {
                rows.iter().map(|r| regressor.predict(&r.values)).collect()
            }
        };
        rows.iter()
            .zip(ratios)
            .map(|(row, ratio)| row.reference_meals * ratio.clamp(0.0, MAX_RATIO))
            .collect()
    }

    /// Full forecasts with explanations, at the margin level chosen on validation. The
    /// contributions plus the base add up to the forecast; when the ratio had to be clipped
    /// (never seen in practice), the clipping shows as an adjustment to the largest contribution
    /// so that the sum stays exact.
    pub fn forecast(&self, rows: &[&FeatureRow]) -> Vec<Forecast> {
        self.forecast_using(&self.estimator, rows, true)
    }

    /// Full forecasts whose margins follow the recent needs ([`crate::recent`]).
    pub fn forecast_with(&self, rows: &[&FeatureRow], recent: &RecentNeeds) -> Vec<Forecast> {
        let mut forecasts = self.forecast(rows);
        self.apply_recent(&mut forecasts, recent);
        forecasts
    }

    /// Re-derives the order quantities of `forecasts` with the margin level that the recent
    /// needs give each day (unchanged where none raises it).
    pub fn apply_recent(&self, forecasts: &mut [Forecast], recent: &RecentNeeds) {
        if recent.is_empty() || self.margin.recent_window_days == 0 {
            return;
        }
        for f in forecasts {
            let level = self.margin.level_for(f.date, self.horizon_days, recent);
            let scale = self.margin.scale(&f.canteen, f.day_class);
            f.order_quantity =
                crate::margin::scaled_quantity(f.order_basis_meals, level.level, scale);
            f.margin = level.level * scale;
            f.margin_raised_by = level.raised_by;
        }
    }

    /// The needs of the days of `data` in `[from, to]` from the model's cut-off on, forecast
    /// with the information `builder` gives `horizon` days before each (as the orders were).
    pub fn recent_needs_in(
        &self,
        builder: &FeatureBuilder,
        data: &CanteenData,
        from: NaiveDate,
        to: NaiveDate,
    ) -> RecentNeeds {
        let Some(cutoff) = self.cutoff() else {
            return RecentNeeds::default();
        };
        let from = from.max(cutoff);
        if self.margin.recent_window_days == 0 || to < from {
            return RecentNeeds::default();
        }
        let rows = crate::dataset::evaluation_rows(builder, data, from, to);
        let refs: Vec<&FeatureRow> = rows.rows.iter().collect();
        let bases = self.order_bases(&refs);
        self.needs_of(
            refs.iter()
                .zip(bases)
                .zip(&rows.actual)
                .map(|((row, basis), actual)| {
                    (
                        row.date,
                        row.canteen.as_str(),
                        row.day_class,
                        basis,
                        *actual,
                    )
                }),
        )
    }

    /// The order basis of each row: the central forecast, or on a day with an announced strike the
    /// forecast without the announcement ([`Self::strike_free_meals`]). No explanation is
    /// computed, which makes a 90-day window of bases cheap.
    pub fn order_bases(&self, rows: &[&FeatureRow]) -> Vec<f64> {
        let mut bases = self.predict_meals(rows);
        for (i, meals) in self.strike_free_meals(&self.estimator, rows, true) {
            bases[i] = meals;
        }
        bases
    }

    /// The days whose needs can raise the margin of day `date` ([`crate::recent::known_days`]).
    pub fn recent_window(&self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let days =
            crate::recent::known_days(date, self.horizon_days, self.margin.recent_window_days);
        (*days.start(), *days.end())
    }

    /// The first day this model did not train on (its data cut-off), if the card says.
    pub fn cutoff(&self) -> Option<NaiveDate> {
        self.card.data_cutoff.parse().ok()
    }

    /// The needs of the city-wide days of `forecasts` whose meals served are known (`actual`,
    /// one per forecast), from the model's cut-off on: what [`Self::apply_recent`] uses.
    pub fn recent_needs(&self, forecasts: &[Forecast], actual: &[Option<f64>]) -> RecentNeeds {
        self.needs_of(forecasts.iter().zip(actual).map(|(f, a)| {
            (
                f.date,
                f.canteen.as_str(),
                f.day_class,
                f.order_basis_meals,
                *a,
            )
        }))
    }

    /// Needs from (date, canteen, kind of day, order basis, meals served) of canteen-days from
    /// the cut-off on; days whose meals served are unknown say nothing.
    fn needs_of<'a>(
        &self,
        days: impl Iterator<Item = (NaiveDate, &'a str, DayClass, f64, Option<f64>)>,
    ) -> RecentNeeds {
        let cutoff = self.cutoff();
        let orders: Vec<PastOrder> = days
            .filter(|(date, ..)| cutoff.is_some_and(|c| *date >= c))
            .filter_map(|(date, canteen, day_class, basis, actual)| {
                actual.map(|actual| PastOrder {
                    date,
                    basis,
                    scale: self.margin.scale(canteen, day_class),
                    actual,
                })
            })
            .collect();
        RecentNeeds::from_orders(
            &orders,
            self.margin.spare_meals,
            self.margin.relative_margin,
        )
    }

    /// The same forecasts from the ridge fallback.
    pub fn forecast_fallback(&self, rows: &[&FeatureRow]) -> Vec<Forecast> {
        self.forecast_using(
            &Estimator::Linear {
                regressor: self.fallback.clone(),
            },
            rows,
            false,
        )
    }

    /// Forecast meals and explanation of each row by one estimator. When the ratio had to be
    /// clipped (never seen in practice), the clipping shows as an adjustment to the largest
    /// contribution so that the sum stays exact.
    fn explained(
        estimator: &Estimator,
        specs: &[&FeatureSpec],
        rows: &[&FeatureRow],
    ) -> Vec<(f64, Explanation)> {
        Self::ratio_contributions(estimator, rows, specs.len())
            .into_iter()
            .zip(rows)
            .map(|(contributions, row)| {
                let (bias, per_feature) = contributions
                    .split_last()
                    .map_or((0.0, &[][..]), |(b, c)| (*b, c));
                let mut per_feature = per_feature.to_vec();
                let raw: f64 = bias + per_feature.iter().sum::<f64>();
                let clipped = raw.clamp(0.0, MAX_RATIO);
                if clipped != raw
                    && let Some(largest) = per_feature
                        .iter_mut()
                        .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                {
                    *largest += clipped - raw;
                }
                let explanation = Explanation::from_ratio_contributions(
                    specs,
                    &row.values,
                    &per_feature,
                    bias,
                    row.reference_meals,
                );
                (row.reference_meals * clipped, explanation)
            })
            .collect()
    }

    fn forecast_using(
        &self,
        estimator: &Estimator,
        rows: &[&FeatureRow],
        blend: bool,
    ) -> Vec<Forecast> {
        let specs = self.specs();
        let mut explained = Self::explained(estimator, &specs, rows);
        if let Some(c) = self.companion.as_ref().filter(|_| blend) {
            let companion_specs = spec::by_names(&c.features);
            let (with, companion_rows) = companion_rows(rows);
            let companion = Self::explained(&c.estimator, &companion_specs, &companion_rows);
            for (&i, (meals, explanation)) in with.iter().zip(companion) {
                let (main_meals, main) = &explained[i];
                explained[i] = (
                    c.blend(*main_meals, meals),
                    Explanation::blend(main, 1.0 - c.weight, &explanation, c.weight),
                );
            }
        }
        let mut bases: Vec<Option<f64>> = vec![None; rows.len()];
        for (i, meals) in self.strike_free_meals(estimator, rows, blend) {
            bases[i] = Some(meals);
        }
        explained
            .into_iter()
            .zip(rows)
            .zip(bases)
            .map(|(((forecast_meals, explanation), row), basis)| {
                let (interval_low, interval_high) = self.margin.interval(forecast_meals);
                // An announced strike lowers the forecast, but its effect ranges from none to
                // closing the canteen: orders do not bet on it.
                let order_basis_meals = basis.unwrap_or(forecast_meals);
                Forecast {
                    canteen: row.canteen.clone(),
                    date: row.date,
                    horizon_days: row.horizon_days,
                    forecast_meals,
                    order_basis_meals,
                    order_quantity: self.margin.order_quantity(
                        &row.canteen,
                        row.day_class,
                        order_basis_meals,
                    ),
                    margin: self.margin.margin_for(&row.canteen, row.day_class),
                    day_class: row.day_class,
                    margin_raised_by: None,
                    interval_low,
                    interval_high,
                    explanation,
                }
            })
            .collect()
    }
}

/// The rows that carry a companion row: their indices, and the companion rows.
fn companion_rows<'a>(rows: &[&'a FeatureRow]) -> (Vec<usize>, Vec<&'a FeatureRow>) {
    rows.iter()
        .enumerate()
        .filter_map(|(i, r)| r.companion.as_deref().map(|c| (i, c)))
        .unzip()
}

/// Sets the strike features (announcement, emergency menu) of `values`, named by `names`, to
/// their ordinary-day value.
fn clear_strike_features(values: &mut [f64], names: &[String]) {
    for (value, name) in values.iter_mut().zip(names) {
        if spec::find(name).is_some_and(|s| s.group == FactorGroup::Strikes) {
            *value = 0.0;
        }
    }
}
