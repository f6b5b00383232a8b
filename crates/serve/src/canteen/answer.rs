//! The canteen answers as the API publishes them (JSON, with their OpenAPI schemas): forecasts with
//! their explanation in meals and in words (French and English), the canteen list and the recent
//! history. They are built from `canteen-model`'s types, which stay free of HTTP concerns.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use canteen_model::explain::{WEEKDAYS_EN, WEEKDAYS_FR, describe_value};
use canteen_model::{Explanation, Forecast};

use crate::provenance::Provenance;

/// A canteen known to a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CanteenAnswer {
    /// Stable identifier for URLs (`emile-zola`).
    pub id: String,
    /// The name as in the open data (trailing spaces included: they are part of the key).
    pub name: String,
    /// `nursery`, `primary` or `both`.
    pub kind: String,
    /// City sector.
    pub sector: String,
    /// First and last day with meals served in the model's context data.
    pub first_data_day: Option<NaiveDate>,
    pub last_data_day: Option<NaiveDate>,
}

/// The canteens a model knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CanteensAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Forecast horizons served (days ahead), one model each.
    pub horizons: Vec<u32>,
    /// Days that can be forecast: from `forecastable_from` to `forecastable_to`.
    pub forecastable_from: NaiveDate,
    pub forecastable_to: NaiveDate,
    pub canteens: Vec<CanteenAnswer>,
}

/// The 80 % interval of the meals served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IntervalAnswer {
    pub low_meals: f64,
    pub high_meals: f64,
    /// Share of days the actual falls in the interval (validation period).
    pub coverage: f64,
}

/// One feature's effect on a forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContributionAnswer {
    pub feature: String,
    /// Factor group key (`menu`, `calendar`, `strikes`, `religious`, `recent_level`, `enrolment`,
    /// `epidemics`, `canteen`).
    pub group: String,
    pub label_fr: String,
    pub label_en: String,
    /// The feature's value for this canteen-day; `null` = unknown.
    pub value: Option<f64>,
    /// The value in words (`oui`, `lundi`, `×1.05`).
    pub value_fr: String,
    pub value_en: String,
    /// Meals added (positive) or removed (negative).
    pub meals: f64,
}

/// A factor group's total effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GroupAnswer {
    pub group: String,
    pub label_fr: String,
    pub label_en: String,
    pub meals: f64,
}

/// Why the forecast is what it is: `base_meals + Σ contributions.meals = forecast_meals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExplanationAnswer {
    /// The canteen's usual level for this weekday (meals): the scale of the model.
    pub reference_meals: f64,
    /// What the model forecasts for an average day at this level.
    pub base_meals: f64,
    /// Per factor group, largest effect first.
    pub groups: Vec<GroupAnswer>,
    /// Per feature, largest effect first.
    pub contributions: Vec<ContributionAnswer>,
    /// The five largest effects as sentences ("Frites au menu (oui) : +38 repas").
    pub reasons_fr: Vec<String>,
    pub reasons_en: Vec<String>,
}

/// Where a fact about the day came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The model's context data.
    Data,
    /// Supplied by the caller in the request.
    Caller,
    /// Not known (menu not published yet; strikes are not known this far ahead).
    Unknown,
}

/// A canteen-day forecast with its order quantity and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForecastAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub canteen_id: String,
    pub canteen: String,
    pub date: NaiveDate,
    pub weekday_fr: String,
    pub weekday_en: String,
    /// Days between the information cut-off and the forecast day.
    pub horizon_days: u32,
    /// Whether pupils are expected at school that day (school year, not holidays nor weekend).
    pub school_day: bool,
    /// Central forecast of meals served.
    pub forecast_meals: f64,
    /// What the order is based on: the forecast, or on a day with an announced strike the model's
    /// forecast of the same day with no strike announced.
    pub order_basis_meals: f64,
    /// Meals to order or cook: order basis plus the safety margin, rounded up.
    pub order_quantity: f64,
    /// Relative safety margin applied (0.05 = +5 %).
    pub safety_margin: f64,
    /// Set when a recent city-wide day fell short at the margin chosen on validation and raised
    /// it (`null`: the chosen margin).
    pub margin_raised_by: Option<RaisedMarginAnswer>,
    /// Kind of day for the margin: `normal`, `holiday_edge`, `year_start`, `summer_end`, `strike`.
    pub day_class: String,
    pub day_class_label_fr: String,
    pub day_class_label_en: String,
    pub interval: IntervalAnswer,
    /// The dishes the forecast used (`null` when the menu is not known).
    pub menu: Option<Vec<String>>,
    pub menu_source: Source,
    /// Whether the forecast assumed an announced strike.
    pub strike_announced: bool,
    pub strike_source: Source,
    /// Meals actually served and the canteen agents' own forecast, when the day is in the data.
    pub actual_meals: Option<u32>,
    pub agents_forecast_meals: Option<u32>,
    pub explanation: ExplanationAnswer,
}

/// The recent day whose shortfall raised the margin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RaisedMarginAnswer {
    /// The city-wide day that fell short, known `horizon_days` or more before the forecast day.
    pub date: NaiveDate,
    /// The level that day needed (before the canteen's and the kind of day's scale).
    pub level: f64,
    /// Meals the city was short that day beyond the drivers' spare meals, at the chosen margin.
    pub shortfall_meals: f64,
}

/// Several forecasts from one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BatchAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    /// In the order of the request.
    pub forecasts: Vec<ForecastAnswer>,
}

/// One day of a canteen's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryDay {
    pub date: NaiveDate,
    /// Meals served (`null` when missing or set aside as a data-entry error).
    pub actual_meals: Option<u32>,
    /// The canteen agents' forecast.
    pub agents_forecast_meals: Option<u32>,
    /// This model's forecast of the day, made with only what was known `horizon_days` before.
    pub forecast_meals: Option<f64>,
    pub order_quantity: Option<f64>,
}

/// Actuals, agents' forecasts and the model's forecasts over a period, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryAnswer {
    #[serde(flatten)]
    pub provenance: Provenance,
    pub canteen_id: String,
    pub canteen: String,
    pub horizon_days: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days with data, in date order.
    pub days: Vec<HistoryDay>,
}

pub fn weekday_fr(date: NaiveDate) -> &'static str {
    WEEKDAYS_FR[date.weekday().num_days_from_monday() as usize]
}

pub fn weekday_en(date: NaiveDate) -> &'static str {
    WEEKDAYS_EN[date.weekday().num_days_from_monday() as usize]
}

/// Reasons listed in an answer.
const REASONS: usize = 5;

impl ExplanationAnswer {
    pub fn from_explanation(e: &Explanation) -> Self {
        Self {
            reference_meals: e.reference_meals,
            base_meals: e.base_meals,
            groups: e
                .groups
                .iter()
                .map(|g| GroupAnswer {
                    group: g.group.key().to_owned(),
                    label_fr: g.label_fr.clone(),
                    label_en: g.label_en.clone(),
                    meals: g.meals,
                })
                .collect(),
            contributions: e
                .contributions
                .iter()
                .map(|c| ContributionAnswer {
                    feature: c.feature.clone(),
                    group: c.group.key().to_owned(),
                    label_fr: c.label_fr.clone(),
                    label_en: c.label_en.clone(),
                    value: c.value,
                    value_fr: describe_value(&c.feature, c.value, true),
                    value_en: describe_value(&c.feature, c.value, false),
                    meals: c.meals,
                })
                .collect(),
            reasons_fr: e.top_reasons(REASONS, true),
            reasons_en: e.top_reasons(REASONS, false),
        }
    }
}

/// What the service knows about a canteen-day beyond the model's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct DayFacts {
    pub canteen_id: String,
    pub school_day: bool,
    pub menu: Option<Vec<String>>,
    pub menu_source: Source,
    pub strike_source: Source,
    pub actual_meals: Option<u32>,
    pub agents_forecast_meals: Option<u32>,
}

impl ForecastAnswer {
    pub fn new(
        provenance: &Provenance,
        forecast: &Forecast,
        facts: DayFacts,
        coverage: f64,
    ) -> Self {
        Self {
            provenance: provenance.clone(),
            canteen_id: facts.canteen_id,
            canteen: forecast.canteen.clone(),
            date: forecast.date,
            weekday_fr: weekday_fr(forecast.date).to_owned(),
            weekday_en: weekday_en(forecast.date).to_owned(),
            horizon_days: forecast.horizon_days,
            school_day: facts.school_day,
            forecast_meals: forecast.forecast_meals,
            order_basis_meals: forecast.order_basis_meals,
            order_quantity: forecast.order_quantity,
            safety_margin: forecast.margin,
            margin_raised_by: forecast.margin_raised_by.map(|n| RaisedMarginAnswer {
                date: n.date,
                level: n.level,
                shortfall_meals: n.shortfall_at_chosen,
            }),
            day_class: serde_json::to_value(forecast.day_class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            day_class_label_fr: forecast.day_class.label_fr().to_owned(),
            day_class_label_en: forecast.day_class.label_en().to_owned(),
            interval: IntervalAnswer {
                low_meals: forecast.interval_low,
                high_meals: forecast.interval_high,
                coverage,
            },
            menu: facts.menu,
            menu_source: facts.menu_source,
            strike_announced: forecast.day_class == canteen_features::DayClass::Strike,
            strike_source: facts.strike_source,
            actual_meals: facts.actual_meals,
            agents_forecast_meals: facts.agents_forecast_meals,
            explanation: ExplanationAnswer::from_explanation(&forecast.explanation),
        }
    }
}
