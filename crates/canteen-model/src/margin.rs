//! The safety margin that turns a central forecast into an order quantity, and the trade-off curve
//! between overproduction and shortage. The margin is always chosen on a validation period
//! before the test period, never on the test period itself.
//!
//! Canteens and days differ in how predictable they are, so the margin is scaled: order =
//! ⌈forecast × (1 + margin × canteen scale × day scale)⌉, where each scale is the forecast-error
//! spread of that canteen (or kind of day: ordinary, next to holidays, first week, last week before
//! summer, strike announced) relative to the average spread, measured on the validation period and
//! shrunk towards 1 when evidence is thin. For a given total shortage this orders less than one
//! uniform margin.
//!
//! Which shortage the margin guards against depends on what the quantity is for ([`MarginRule`]):
//! weeks ahead, food is bought for the central kitchen as a whole, and the drivers' spare meals
//! absorb small city-wide gaps, so the rule is "no more city shortage days than the agents"; the
//! day before, meals are cooked per canteen, so the rule adds "no more shortage meals per
//! canteen-day than the agents".

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use canteen_features::DayClass;

use crate::metrics::{Metrics, Scored};
use crate::recent::{OrderLevel, RecentNeeds};

/// How order quantities are derived from forecasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarginPolicy {
    /// Order = ⌈forecast × (1 + relative_margin × scale)⌉.
    pub relative_margin: f64,
    /// Per-canteen scale of the margin (1 = average predictability); absent canteens use 1.
    #[serde(default)]
    pub canteen_scale: BTreeMap<String, f64>,
    /// Per kind of day scale of the margin; absent kinds use 1.
    #[serde(default)]
    pub day_scale: BTreeMap<DayClass, f64>,
    /// The shortage the margin was chosen to avoid.
    #[serde(default)]
    pub rule: MarginRule,
    /// 10 % and 90 % quantiles of actual / forecast on the validation period: the forecast
    /// interval is [forecast × low, forecast × high].
    pub interval_low: f64,
    pub interval_high: f64,
    /// The period the margin was chosen on, e.g. `2016-09-01..2017-07-07`.
    pub chosen_on: String,
    /// Days a city-wide day's need keeps raising the level once known ([`crate::recent`]);
    /// 0 = the chosen level always (models trained before this rule existed).
    #[serde(default)]
    pub recent_window_days: u32,
    /// Spare meals absorbing city-wide shortfalls: a day needs a higher level only beyond them.
    #[serde(default = "default_spare_meals")]
    pub spare_meals: f64,
}

fn default_spare_meals() -> f64 {
    crate::metrics::DEFAULT_SPARE_MEALS
}

impl MarginPolicy {
    /// A margin applied alike to every canteen and day.
    pub fn uniform(relative_margin: f64) -> Self {
        Self {
            relative_margin,
            canteen_scale: BTreeMap::new(),
            day_scale: BTreeMap::new(),
            rule: MarginRule::default(),
            interval_low: 1.0,
            interval_high: 1.0,
            chosen_on: String::new(),
            recent_window_days: 0,
            spare_meals: default_spare_meals(),
        }
    }

    /// The scale of the margin for a canteen on a kind of day.
    pub fn scale(&self, canteen: &str, day: DayClass) -> f64 {
        self.canteen_scale.get(canteen).copied().unwrap_or(1.0)
            * self.day_scale.get(&day).copied().unwrap_or(1.0)
    }

    /// The relative margin applied to a canteen on a kind of day.
    pub fn margin_for(&self, canteen: &str, day: DayClass) -> f64 {
        self.relative_margin * self.scale(canteen, day)
    }

    pub fn order_quantity(&self, canteen: &str, day: DayClass, forecast: f64) -> f64 {
        scaled_quantity(forecast, self.relative_margin, self.scale(canteen, day))
    }

    /// The level for an order of `date`, `horizon_days` ahead, given the needs of the days
    /// known by then ([`crate::recent`]).
    pub fn level_for(
        &self,
        date: chrono::NaiveDate,
        horizon_days: u32,
        recent: &RecentNeeds,
    ) -> OrderLevel {
        recent.level_for(
            date,
            horizon_days,
            self.recent_window_days,
            self.relative_margin,
        )
    }

    pub fn interval(&self, forecast: f64) -> (f64, f64) {
        (forecast * self.interval_low, forecast * self.interval_high)
    }
}

/// What the safety margin guards against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarginRule {
    /// No more city-wide shortage days (beyond the drivers' spare meals) than the agents: for
    /// orders placed weeks ahead for the central kitchen.
    #[default]
    City,
    /// Also no more shortage meals per canteen-day than the agents: for meals cooked per canteen.
    CanteenAndCity,
}

impl MarginRule {
    /// Orders weeks ahead are city-wide; cooking the day before is per canteen.
    pub fn for_horizon(horizon_days: u32) -> Self {
        if horizon_days <= 2 {
            MarginRule::CanteenAndCity
        } else {
            MarginRule::City
        }
    }

    pub fn description_en(self) -> &'static str {
        match self {
            MarginRule::City => "no more city-wide shortage days than the agents' forecast",
            MarginRule::CanteenAndCity => {
                "no more shortage meals per canteen-day and no more city-wide shortage days than the agents' forecast"
            }
        }
    }

    pub fn description_fr(self) -> &'static str {
        match self {
            MarginRule::City => {
                "pas plus de jours de manque à l'échelle de la ville que la prévision des agents"
            }
            MarginRule::CanteenAndCity => {
                "pas plus de repas manquants par restaurant et par jour, ni de jours de manque à l'échelle de la ville, que la prévision des agents"
            }
        }
    }
}

/// ⌈forecast × (1 + margin × scale)⌉; the tolerance keeps float noise (100 × 1.1 =
/// 110.00000000000001) from adding a meal.
pub fn scaled_quantity(forecast: f64, margin: f64, scale: f64) -> f64 {
    (forecast.max(0.0) * (1.0 + margin * scale) - 1e-9)
        .ceil()
        .max(0.0)
}

/// A validation or test canteen-day: served meals, the model's forecast, the agents' forecast and
/// the canteen's margin scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluated {
    pub scored_date: chrono::NaiveDate,
    pub actual: f64,
    pub forecast: f64,
    pub agents: Option<f64>,
    pub scale: f64,
}

/// Days of evidence worth as much as the city-wide average when estimating a canteen's spread.
const SHRINK_DAYS: f64 = 30.0;

/// Margin scales per group (canteen, kind of day) from validation errors: the root mean square of
/// actual / forecast − 1 in the group, shrunk towards the overall value, divided by the overall
/// value.
pub fn spread_scales<K: Ord + Clone>(
    rows: impl Iterator<Item = (K, f64, f64)>,
) -> BTreeMap<K, f64> {
    let mut per: BTreeMap<K, (f64, f64)> = BTreeMap::new();
    let (mut total, mut count) = (0.0, 0.0);
    for (canteen, actual, forecast) in rows {
        if forecast <= 0.0 || actual < 0.0 {
            continue;
        }
        let e = (actual / forecast - 1.0).powi(2);
        let entry = per.entry(canteen).or_default();
        entry.0 += e;
        entry.1 += 1.0;
        total += e;
        count += 1.0;
    }
    if count == 0.0 {
        return BTreeMap::new();
    }
    let overall = total / count;
    per.into_iter()
        .map(|(canteen, (sum, n))| {
            let shrunk = (sum + SHRINK_DAYS * overall) / (n + SHRINK_DAYS);
            (canteen, (shrunk / overall).sqrt())
        })
        .collect()
}

/// One point of the trade-off curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub relative_margin: f64,
    pub metrics: Metrics,
}

/// The margins tried: 0 % to 25 % by 0.25 %.
pub fn margin_grid() -> Vec<f64> {
    (0..=100).map(|i| f64::from(i) * 0.0025).collect()
}

/// Metrics at every margin of `grid` on `rows`.
pub fn tradeoff_curve(rows: &[Evaluated], grid: &[f64], spare_meals: f64) -> Vec<CurvePoint> {
    grid.iter()
        .map(|&m| {
            let scored: Vec<Scored> = rows
                .iter()
                .map(|r| Scored {
                    date: r.scored_date,
                    actual: r.actual,
                    quantity: scaled_quantity(r.forecast, m, r.scale),
                })
                .collect();
            CurvePoint {
                relative_margin: m,
                metrics: Metrics::compute(&scored, spare_meals),
            }
        })
        .collect()
}

/// The agents' metrics on the rows where their forecast is known.
pub fn agents_metrics(rows: &[Evaluated], spare_meals: f64) -> Metrics {
    let scored: Vec<Scored> = rows
        .iter()
        .filter_map(|r| {
            r.agents.map(|a| Scored {
                date: r.scored_date,
                actual: r.actual,
                quantity: a,
            })
        })
        .collect();
    Metrics::compute(&scored, spare_meals)
}

/// The smallest margin whose shortage is no worse than the agents' on the same rows, as `rule`
/// says. Falls back to the largest margin tried.
pub fn select_margin(
    rows: &[Evaluated],
    spare_meals: f64,
    rule: MarginRule,
) -> (f64, Vec<CurvePoint>, Metrics) {
    let comparable: Vec<Evaluated> = rows
        .iter()
        .filter(|r| r.agents.is_some())
        .copied()
        .collect();
    let agents = agents_metrics(&comparable, spare_meals);
    let grid = margin_grid();
    let curve = tradeoff_curve(&comparable, &grid, spare_meals);
    let chosen = curve
        .iter()
        .find(|p| {
            let city = p.metrics.city.shortage_days <= agents.city.shortage_days;
            match rule {
                MarginRule::City => city,
                MarginRule::CanteenAndCity => {
                    city && p.metrics.shortage_meals <= agents.shortage_meals
                }
            }
        })
        .or(curve.last())
        .map_or(0.0, |p| p.relative_margin);
    (chosen, curve, agents)
}

/// The `q`-quantile (0–1) of `values` (linear interpolation); `None` if empty.
pub fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
    let w = position - lo as f64;
    Some(values[lo] * (1.0 - w) + values[hi] * w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn order_quantity_rounds_up() {
        let mut p = MarginPolicy::uniform(0.05);
        assert_eq!(p.order_quantity("A", DayClass::Normal, 100.0), 105.0);
        assert_eq!(
            MarginPolicy::uniform(0.1).order_quantity("A", DayClass::Normal, 100.0),
            110.0
        );
        assert_eq!(p.order_quantity("A", DayClass::Normal, 100.1), 106.0);
        assert_eq!(p.order_quantity("A", DayClass::Normal, -3.0), 0.0);
        p.canteen_scale.insert("B".into(), 2.0);
        p.day_scale.insert(DayClass::SummerEnd, 1.5);
        assert_eq!(p.order_quantity("B", DayClass::Normal, 100.0), 110.0);
        assert_eq!(p.order_quantity("B", DayClass::SummerEnd, 100.0), 115.0);
    }

    #[test]
    fn selects_the_smallest_margin_no_worse_than_the_agents() {
        // The model is 10.5 % low on one day; agents over-order by 10 % and are never short.
        let rows = vec![
            Evaluated {
                scored_date: d("2017-01-09"),
                actual: 110.5,
                forecast: 100.0,
                agents: Some(121.6),
                scale: 1.0,
            },
            Evaluated {
                scored_date: d("2017-01-10"),
                actual: 100.0,
                forecast: 100.0,
                agents: Some(110.0),
                scale: 1.0,
            },
        ];
        let (margin, curve, agents) = select_margin(&rows, 180.0, MarginRule::CanteenAndCity);
        assert_eq!(agents.shortage_meals, 0.0);
        // 10 % orders 110 (short by 0.5); 10.25 % orders ⌈110.25⌉ = 111.
        assert!((margin - 0.1025).abs() < 1e-9, "{margin}");
        assert_eq!(curve.len(), margin_grid().len());
        // Overproduction grows with the margin.
        assert!(
            curve
                .windows(2)
                .all(|w| w[0].metrics.overproduced_meals <= w[1].metrics.overproduced_meals)
        );
        // City-wide, 10.5 meals short is within the drivers' spare meals: no margin needed.
        let (margin, _, _) = select_margin(&rows, 180.0, MarginRule::City);
        assert_eq!(margin, 0.0);
    }

    #[test]
    fn noisier_canteens_get_larger_scales() {
        let mut rows = Vec::new();
        for i in 0..100 {
            let wobble = if i % 2 == 0 { 1.0 } else { -1.0 };
            rows.push(("steady", 100.0 + wobble, 100.0));
            rows.push(("noisy", 100.0 + 10.0 * wobble, 100.0));
        }
        let scales = spread_scales(rows.into_iter());
        assert!(
            scales["noisy"] > 1.2 && scales["steady"] < 0.5,
            "{scales:?}"
        );
        // A canteen seen once stays close to the average.
        let scales = spread_scales(
            [
                ("once", 150.0, 100.0),
                ("other", 101.0, 100.0),
                ("other", 99.0, 100.0),
            ]
            .into_iter(),
        );
        assert!(scales["once"] < 3.0);
    }

    #[test]
    fn quantiles_interpolate() {
        let mut v = vec![3.0, 1.0, 2.0, 4.0];
        assert_eq!(quantile(&mut v, 0.5), Some(2.5));
        assert_eq!(quantile(&mut v, 0.0), Some(1.0));
        assert_eq!(quantile(&mut [], 0.5), None);
    }
}
