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
//! absorb small city-wide gaps, so the rule is "city shortage days no more frequent than the
//! agents'"; the day before, meals are cooked per canteen, so the rule adds "no more shortage
//! meals per canteen-day than the agents".
//!
//! City shortage days are rare (the agents had 0 to 3 a school year in Nantes), so counting them
//! on one or two validation years made the margin hinge on a single day: 23.5 % when the agents
//! happened to have none. The rate to match is therefore the agents' over every school day known
//! ([`ShortageHistory`]), and the model's level for that rate is read off an exponential tail
//! fitted to its validation days' largest needs ([`tail_level`]).

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
            MarginRule::City => {
                "city-wide shortage days no more frequent than with the agents' forecast"
            }
            MarginRule::CanteenAndCity => {
                "no more shortage meals per canteen-day than the agents' forecast, and city-wide shortage days no more frequent than with it"
            }
        }
    }

    pub fn description_fr(self) -> &'static str {
        match self {
            MarginRule::City => {
                "des jours de manque à l'échelle de la ville pas plus fréquents qu'avec la prévision des agents"
            }
            MarginRule::CanteenAndCity => {
                "pas plus de repas manquants par restaurant et par jour qu'avec la prévision des agents, et des jours de manque à l'échelle de la ville pas plus fréquents"
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

/// How often the agents' city-wide totals fell short (beyond the spare meals) on the school days
/// known before the cut-off: the shortage risk the model's orders may take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortageHistory {
    /// City-wide days with both the agents' forecast and the meals served known.
    pub days: usize,
    pub shortage_days: usize,
}

impl ShortageHistory {
    /// The agents' city-wide days before `until`, scored as [`Metrics`] scores them.
    pub fn of_agents(
        attendance: &[canteen_data::AttendanceDay],
        until: chrono::NaiveDate,
        spare_meals: f64,
    ) -> Self {
        let scored: Vec<Scored> = attendance
            .iter()
            .filter(|a| a.date < until)
            .filter_map(|a| {
                Some(Scored {
                    date: a.date,
                    actual: f64::from(a.actual?),
                    quantity: f64::from(a.agents_forecast?),
                })
            })
            .collect();
        let city = Metrics::compute(&scored, spare_meals).city;
        Self {
            days: city.days,
            shortage_days: city.shortage_days,
        }
    }

    /// Share of days short, Jeffreys estimate (k + ½) / (n + 1): never 0, so a history without a
    /// shortage does not demand an infinite margin, and close to k / n once there are years of it.
    pub fn rate(&self) -> f64 {
        (self.shortage_days as f64 + 0.5) / (self.days as f64 + 1.0)
    }
}

/// How many of the validation days with the largest needs the tail of [`tail_level`] is fitted on:
/// about the top tenth of two school years' days. Compared with 15 on school years 2014-2015 to
/// 2016-2017 only (28 days ahead, offline on those years' backtest predictions): less
/// overproduction in two of the years, one shortage day fewer in the third.
pub const TAIL_DAYS: usize = 25;

/// The level a share `rate` of days would need more than, from the levels the validation days
/// needed. The largest needs are few and far between, so taking one of them (the k-th largest)
/// would make the margin hinge on a single day; instead the [`TAIL_DAYS`] largest are fitted with
/// an exponential tail (peaks over a threshold): with u the (TAIL_DAYS + 1)-th largest need and β the
/// mean excess of the largest over u, the level is u + β ln(TAIL_DAYS / (n × rate)). When the
/// rate reaches into the bulk of the days (n × rate ≥ TAIL_DAYS), or there are too few days for a
/// tail, it is the interpolated order statistic. 0 without days.
pub fn tail_level(needs: &[f64], rate: f64) -> f64 {
    let mut sorted: Vec<f64> = needs.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.sort_by(|a, b| b.total_cmp(a));
    let n = sorted.len() as f64;
    let exceeding = n * rate.max(0.0);
    if sorted.len() > TAIL_DAYS && exceeding < TAIL_DAYS as f64 {
        let threshold = sorted[TAIL_DAYS];
        let excess = sorted[..TAIL_DAYS]
            .iter()
            .map(|v| v - threshold)
            .sum::<f64>()
            / TAIL_DAYS as f64;
        let ratio = TAIL_DAYS as f64 / exceeding.max(f64::MIN_POSITIVE);
        return (threshold + excess * ratio.ln()).max(0.0);
    }
    // At most `exceeding` days above: between the ⌊e⌋-th and the next order statistic (0-based).
    let k = exceeding.floor();
    let w = exceeding - k;
    let at = |i: f64| sorted.get(i as usize).copied().unwrap_or(0.0);
    (at(k) * (1.0 - w) + at(k + 1.0) * w).max(0.0)
}

/// One city-wide day: each canteen's order inputs `(basis, scale)`, ordered as
/// [`scaled_quantity`], and the meals served in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CityDay {
    pub orders: Vec<(f64, f64)>,
    pub served: f64,
}

impl CityDay {
    /// Groups canteen-days `(date, basis, scale, served)` into city-wide days, by date.
    pub fn by_date(
        rows: impl IntoIterator<Item = (chrono::NaiveDate, f64, f64, f64)>,
    ) -> BTreeMap<chrono::NaiveDate, CityDay> {
        let mut days: BTreeMap<chrono::NaiveDate, CityDay> = BTreeMap::new();
        for (date, basis, scale, served) in rows {
            let day = days.entry(date).or_default();
            day.orders.push((basis, scale));
            day.served += served;
        }
        days
    }

    /// The meals ordered city-wide at margin level `level`.
    pub fn ordered(&self, level: f64) -> f64 {
        self.orders
            .iter()
            .map(|&(basis, scale)| scaled_quantity(basis, level, scale))
            .sum()
    }

    /// The smallest margin, to 0.01 % and at most `max_level`, at which the day's orders plus the
    /// spare meals cover the meals served; `max_level` when none does.
    pub fn need(&self, spare_meals: f64, max_level: f64) -> f64 {
        let enough = |m: f64| self.ordered(m) + spare_meals >= self.served;
        if enough(0.0) {
            return 0.0;
        }
        let top = (max_level * 10_000.0).round().max(1.0) as u32;
        if !enough(f64::from(top) / 10_000.0) {
            return max_level;
        }
        // Orders grow with the margin: bisect on hundredths of a percent.
        let (mut lo, mut hi) = (0_u32, top);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if enough(f64::from(mid) / 10_000.0) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        f64::from(hi) / 10_000.0
    }
}

/// For each city-wide day of `rows`, the smallest margin (to 0.01 %, at most 100 %) that keeps its
/// total shortfall within the spare meals ([`CityDay::need`]), by date.
pub fn city_needs(rows: &[Evaluated], spare_meals: f64) -> Vec<(chrono::NaiveDate, f64)> {
    CityDay::by_date(
        rows.iter()
            .map(|r| (r.scored_date, r.forecast, r.scale, r.actual)),
    )
    .into_iter()
    .map(|(day, city)| (day, city.need(spare_meals, 1.0)))
    .collect()
}

/// The margin chosen on validation rows, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginChoice {
    pub margin: f64,
    /// The level whose city-wide shortage days match the agents' rate ([`tail_level`]).
    pub city_level: f64,
    /// For [`MarginRule::CanteenAndCity`]: the smallest margin of the grid with no more shortage
    /// meals than the agents on the same rows.
    pub meals_level: Option<f64>,
    pub curve: Vec<CurvePoint>,
    /// The agents on the same rows.
    pub agents: Metrics,
    /// What each city-wide day needed ([`city_needs`]), by date.
    pub needs: Vec<(chrono::NaiveDate, f64)>,
}

/// Chooses the margin on validation rows (those with the agents' forecast known): city-wide, the
/// level that [`tail_level`] puts at the agents' historical rate of shortage days; for
/// [`MarginRule::CanteenAndCity`], at least the smallest margin of the grid with no more shortage
/// meals per canteen-day than the agents on the same rows (the largest margin tried if none).
pub fn select_margin(
    rows: &[Evaluated],
    spare_meals: f64,
    rule: MarginRule,
    agents_history: ShortageHistory,
) -> MarginChoice {
    let comparable: Vec<Evaluated> = rows
        .iter()
        .filter(|r| r.agents.is_some())
        .copied()
        .collect();
    let agents = agents_metrics(&comparable, spare_meals);
    let grid = margin_grid();
    let curve = tradeoff_curve(&comparable, &grid, spare_meals);
    let needs = city_needs(&comparable, spare_meals);
    let levels: Vec<f64> = needs.iter().map(|(_, m)| *m).collect();
    let city_level = tail_level(&levels, agents_history.rate());
    let meals_level = (rule == MarginRule::CanteenAndCity).then(|| {
        curve
            .iter()
            .find(|p| p.metrics.shortage_meals <= agents.shortage_meals)
            .or(curve.last())
            .map_or(0.0, |p| p.relative_margin)
    });
    MarginChoice {
        margin: city_level.max(meals_level.unwrap_or(0.0)),
        city_level,
        meals_level,
        curve,
        agents,
        needs,
    }
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
    fn per_canteen_rule_takes_the_smallest_margin_with_no_more_shortage_meals() {
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
        let history = ShortageHistory {
            days: 200,
            shortage_days: 1,
        };
        let choice = select_margin(&rows, 180.0, MarginRule::CanteenAndCity, history);
        let (margin, curve, agents) = (choice.margin, choice.curve, choice.agents);
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
        let choice = select_margin(&rows, 180.0, MarginRule::City, history);
        assert_eq!(
            (choice.margin, choice.city_level, choice.meals_level),
            (0.0, 0.0, None)
        );
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
    fn agents_shortage_rate_is_never_zero_and_tends_to_the_share() {
        let none = ShortageHistory {
            days: 139,
            shortage_days: 0,
        };
        assert!((none.rate() - 0.5 / 140.0).abs() < 1e-15);
        let many = ShortageHistory {
            days: 9_999,
            shortage_days: 100,
        };
        assert!((many.rate() - 0.01).abs() < 1e-4);
    }

    #[test]
    fn agents_history_counts_city_days_before_the_cut_off() {
        let day = |date: &str, canteen: &str, agents: Option<u32>, actual: Option<u32>| {
            canteen_data::AttendanceDay {
                canteen: canteen.into(),
                date: d(date),
                agents_forecast: agents,
                actual,
            }
        };
        let attendance = vec![
            // Short by 190 city-wide (100 + 90): a shortage day.
            day("2016-01-04", "A", Some(100), Some(200)),
            day("2016-01-04", "B", Some(100), Some(190)),
            // Short by 100 only; the row without an actual does not count.
            day("2016-01-05", "A", Some(100), Some(200)),
            day("2016-01-05", "B", Some(100), None),
            // After the cut-off.
            day("2016-01-07", "A", Some(0), Some(500)),
        ];
        let history = ShortageHistory::of_agents(&attendance, d("2016-01-07"), 180.0);
        assert_eq!(
            history,
            ShortageHistory {
                days: 2,
                shortage_days: 1
            }
        );
    }

    #[test]
    fn tail_level_is_the_order_statistic_within_the_bulk() {
        // 100 days needing 0.00, 0.01, …, 0.99: 30 % of days need more than ~0.695.
        let needs: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let level = tail_level(&needs, 0.30);
        assert!((level - 0.69).abs() < 1e-12, "{level}");
        assert_eq!(tail_level(&[], 0.01), 0.0);
        // Too few days for a tail: the interpolated order statistic.
        // 1.5 of 3 days above: halfway between the 2nd and 3rd largest needs.
        assert!((tail_level(&[0.05, 0.01, 0.03], 0.5) - 0.02).abs() < 1e-12);
    }

    #[test]
    fn tail_level_extrapolates_an_exponential_tail() {
        // Needs at the exact quantiles of an exponential with mean 0.02: P(need > x) = e^(−x/0.02).
        let n = 1000;
        let needs: Vec<f64> = (0..n)
            .map(|i| -0.02 * (1.0 - (f64::from(i) + 0.5) / f64::from(n)).ln())
            .collect();
        for rate in [0.01, 0.002, 0.0005] {
            let level = tail_level(&needs, rate);
            let truth = -0.02 * rate.ln();
            assert!(
                (level - truth).abs() < 0.1 * truth,
                "rate {rate}: {level} vs {truth}"
            );
        }
        // Rarer shortages need a higher level; one extreme day moves it far less than it moves
        // the largest need.
        assert!(tail_level(&needs, 0.0005) > tail_level(&needs, 0.002));
        let mut spiky = needs.clone();
        spiky[n as usize - 1] += 0.5;
        let moved = tail_level(&spiky, 0.002) - tail_level(&needs, 0.002);
        assert!(moved > 0.0 && moved < 0.5 / 4.0, "{moved}");
    }

    #[test]
    fn city_needs_are_the_smallest_sufficient_margins() {
        let row = |date: &str, actual: f64, forecast: f64| Evaluated {
            scored_date: d(date),
            actual,
            forecast,
            agents: Some(forecast),
            scale: 1.0,
        };
        // Day 1: 1,000 served for 900 forecast: within 180 spare meals. Day 2: 1,300 for 1,000:
        // ⌈1000 (1 + m)⌉ + 180 ≥ 1300 once 1000 (1 + m) > 1119, from m = 11.91 % to 0.01 %.
        let needs = city_needs(
            &[
                row("2017-01-09", 600.0, 500.0),
                row("2017-01-09", 400.0, 400.0),
                row("2017-01-10", 1300.0, 1000.0),
            ],
            180.0,
        );
        assert_eq!(
            needs,
            vec![(d("2017-01-09"), 0.0), (d("2017-01-10"), 0.1191)]
        );
        // Beyond a 100 % margin: capped.
        let needs = city_needs(&[row("2017-01-09", 5000.0, 100.0)], 180.0);
        assert_eq!(needs[0].1, 1.0);
    }

    #[test]
    fn quantiles_interpolate() {
        let mut v = vec![3.0, 1.0, 2.0, 4.0];
        assert_eq!(quantile(&mut v, 0.5), Some(2.5));
        assert_eq!(quantile(&mut v, 0.0), Some(1.0));
        assert_eq!(quantile(&mut [], 0.5), None);
    }
}
