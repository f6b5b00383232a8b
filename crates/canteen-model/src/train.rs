//! Training: fit the learner and the fallback on the canteen-days before the cut-off, choose the
//! safety margin on the last school year before it (with a model trained only on what came before
//! that year), and write the model card.

use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::time::Instant;

use canteen_data::CanteenData;
use canteen_features::{DayClass, FeatureBuilder, spec};
use prevoir_core::card::{DataSource, FeatureCard, ModelCard};
use prevoir_core::fingerprint::{FileFingerprint, combined_fingerprint};
use prevoir_core::progress::Progress;

use crate::ModelError;
use crate::dataset::{LabelledRows, evaluation_rows, training_rows};
use crate::gbm::{ColumnMajor, GbmParams};
use crate::linear::{LinearParams, LinearRegressor};
use crate::margin::{
    CurvePoint, Evaluated, MarginPolicy, MarginRule, ShortageHistory, quantile, scaled_quantity,
    select_margin, spread_scales,
};
use crate::metrics::{DEFAULT_SPARE_MEALS, Metrics, Scored};
use crate::model::{CanteenModel, Companion, Estimator, Forecast};

/// Which learner to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learner {
    Gbm(GbmParams),
    Linear(LinearParams),
}

impl Default for Learner {
    fn default() -> Self {
        Learner::Gbm(GbmParams::default())
    }
}

/// How long a recent city-wide shortfall raises the margin, by default. Chosen on school year
/// 2016-2017 (a model trained before it, backtested on it 28 days ahead: 30, 60, 90, 120 and 180
/// days gave 5, 5, 3, 3 and 2 shortage days for 3.9 %, 4.3 %, 4.6 %, 4.8 % and 5.1 % city-wide
/// overproduction, against 8 days and 3.0 % without), never on the 2017-2018 test year.
pub const DEFAULT_RECENT_WINDOW_DAYS: u32 = 90;

/// What to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    pub horizon_days: u32,
    /// Train on canteen-days strictly before this date (default: the day after the last one).
    pub until: Option<NaiveDate>,
    pub learner: Learner,
    pub fallback: LinearParams,
    /// Spare meals absorbing city-wide shortfalls (shortage days count shortfalls beyond it).
    pub spare_meals: f64,
    /// Margin used when no validation year is available.
    pub default_margin: f64,
    /// How many school years before the cut-off to validate on (each costs one more fit).
    pub validation_years: usize,
    /// What the margin guards against; `None` = by horizon ([`MarginRule::for_horizon`]).
    pub margin_rule: Option<MarginRule>,
    /// Days a recent city-wide shortfall keeps raising the margin ([`crate::recent`]); 0 = off.
    pub recent_window_days: u32,
    /// Where the training data come from, for the model card ([`nantes_sources`] by default).
    pub data_sources: Vec<DataSource>,
    /// A second horizon whose model's forecast is blended in, equal parts ([`Companion`]);
    /// [`default_companion_horizon`] gives the usual choice.
    pub companion_horizon_days: Option<u32>,
}

/// The horizon whose model tempers a model of `horizon_days`: 28 days for forecasts made 1 or 2
/// days ahead, none otherwise. Chosen on school years 2014-2015 to 2016-2017 only (1 day ahead,
/// `prevoir backtest canteen --school-years 2014-15..2016-17 --horizon 1 --blend-horizon 28`):
/// mean absolute error per canteen-day 9.78 → 9.42 meals pooled (city totals 323 → 294), city-wide
/// overproduction 7.41 % → 5.77 % with 1 shortage day either way. Equal parts, the usual forecast combination,
/// were not tuned.
pub fn default_companion_horizon(horizon_days: u32) -> Option<u32> {
    (horizon_days <= 2).then_some(28)
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            horizon_days: 28,
            until: None,
            learner: Learner::default(),
            fallback: LinearParams::default(),
            spare_meals: DEFAULT_SPARE_MEALS,
            default_margin: 0.10,
            validation_years: 2,
            margin_rule: None,
            recent_window_days: DEFAULT_RECENT_WINDOW_DAYS,
            data_sources: nantes_sources(),
            companion_horizon_days: None,
        }
    }
}

/// How the margin was chosen, measured on the validation years.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The validation school years (first and last day), oldest first; each was forecast by a model
    /// trained on the canteen-days before it.
    pub periods: Vec<(NaiveDate, NaiveDate)>,
    pub chosen_margin: f64,
    pub rule: MarginRule,
    /// The agents' city-wide shortage days on every school day before the cut-off: the rate the
    /// model's orders are held to.
    #[serde(default)]
    pub agents_history: ShortageHistory,
    /// The level whose city-wide shortage rate matches the agents' ([`crate::margin::tail_level`]).
    #[serde(default)]
    pub city_level: f64,
    /// Per canteen-day rule only: the smallest margin with no more shortage meals than the agents.
    #[serde(default)]
    pub meals_level: Option<f64>,
    /// The validation days that needed the largest margins city-wide (date, margin needed so that
    /// the city total falls short by no more than the spare meals), largest first.
    pub binding_days: Vec<(NaiveDate, f64)>,
    pub agents: Metrics,
    /// The model's order quantities at the chosen margin, on the rows where the agents' forecast is known.
    pub model: Metrics,
    /// The ridge fallback at the same margin.
    pub fallback: Metrics,
    pub curve: Vec<CurvePoint>,
}

impl ValidationReport {
    /// The validation years in words: `2015-09-01 → 2016-07-05, 2016-09-01 → 2017-07-08`.
    pub fn describe_periods(&self) -> String {
        self.periods
            .iter()
            .map(|(from, to)| format!("{from} → {to}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A trained model and how it was obtained.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub model: CanteenModel,
    pub validation: Option<ValidationReport>,
    pub training_rows: usize,
    pub fit_seconds: f64,
}

/// Fitted learners on a set of labelled rows.
struct Fitted {
    estimator: Estimator,
    fallback: LinearRegressor,
}

fn fit(rows: &LabelledRows, config: &TrainConfig, cols: usize) -> Result<Fitted, ModelError> {
    if rows.is_empty() {
        return Err(ModelError::NoTrainingData);
    }
    let (y, weights) = rows.targets();
    let slices: Vec<&[f64]> = rows.rows.iter().map(|r| r.values.as_slice()).collect();
    let fallback = config.fallback.fit(&slices, &y)?;
    let estimator = match &config.learner {
        Learner::Gbm(params) => {
            let x = ColumnMajor::from_rows(slices.iter().copied(), cols);
            Estimator::Gbm {
                booster: params.fit(&x, &y, &weights)?,
            }
        }
        Learner::Linear(params) => Estimator::Linear {
            regressor: params.fit(&slices, &y)?,
        },
    };
    Ok(Fitted {
        estimator,
        fallback,
    })
}

/// The school years to validate on: the latest `n` starting before `until` with at least 40 days
/// of attendance before `until` and some training data before them, oldest first.
fn validation_periods(
    data: &CanteenData,
    until: NaiveDate,
    n: usize,
) -> Vec<(NaiveDate, NaiveDate)> {
    let Some(first_day) = data.attendance.iter().map(|a| a.date).min() else {
        return Vec::new();
    };
    let mut years: Vec<_> = data
        .school_years
        .iter()
        .filter(|y| y.start < until && y.start > first_day)
        .collect();
    years.sort_by_key(|y| std::cmp::Reverse(y.start));
    let mut periods: Vec<(NaiveDate, NaiveDate)> = years
        .into_iter()
        .filter_map(|year| {
            let to = year.end.min(until - Duration::days(1));
            let mut dates: Vec<NaiveDate> = data
                .attendance
                .iter()
                .map(|a| a.date)
                .filter(|d| *d >= year.start && *d <= to)
                .collect();
            dates.sort_unstable();
            dates.dedup();
            (dates.len() >= 40).then_some((year.start, to))
        })
        .take(n)
        .collect();
    periods.reverse();
    periods
}

/// One validation year's forecasts, by the model and by the fallback.
struct ValidationSlice {
    rows: LabelledRows,
    forecasts: Vec<Forecast>,
    fallback: Vec<Forecast>,
}

/// Validation rows with an actual: what was served, the order basis (forecast without the effect
/// of an announced strike), the agents' forecast and the margin scale.
fn evaluated(margin: &MarginPolicy, rows: &LabelledRows, forecasts: &[Forecast]) -> Vec<Evaluated> {
    rows.rows
        .iter()
        .zip(forecasts)
        .zip(rows.actual.iter().zip(&rows.agents))
        .filter_map(|((row, forecast), (actual, agents))| {
            actual.map(|actual| Evaluated {
                scored_date: row.date,
                actual,
                forecast: forecast.order_basis_meals,
                agents: *agents,
                scale: margin.scale(&row.canteen, row.day_class),
            })
        })
        .collect()
}

/// The eight validation days that needed the largest margins city-wide, largest first.
fn binding_days(needs: &[(NaiveDate, f64)]) -> Vec<(NaiveDate, f64)> {
    let mut needed = needs.to_vec();
    needed.sort_by(|a, b| b.1.total_cmp(&a.1));
    needed.truncate(8);
    needed
}

fn metrics_at(rows: &[Evaluated], margin: f64, spare_meals: f64) -> Metrics {
    let scored: Vec<Scored> = rows
        .iter()
        .filter(|r| r.agents.is_some())
        .map(|r| Scored {
            date: r.scored_date,
            actual: r.actual,
            quantity: scaled_quantity(r.forecast, margin, r.scale),
        })
        .collect();
    Metrics::compute(&scored, spare_meals)
}

/// Trains a model on `data` (read from `files`) as `config` says.
pub fn train(
    data: &CanteenData,
    files: &[FileFingerprint],
    config: &TrainConfig,
    progress: &dyn Progress,
) -> Result<TrainOutcome, ModelError> {
    let last_day = data
        .attendance
        .iter()
        .map(|a| a.date)
        .max()
        .ok_or(ModelError::NoTrainingData)?;
    let until = config.until.unwrap_or(last_day + Duration::days(1));
    let builder = FeatureBuilder::new(data, config.horizon_days);
    let features = spec::names(builder.specs());
    let cols = features.len();
    // The companion is trained as a model of its own horizon; rows to forecast carry both views.
    let companion_builder = config
        .companion_horizon_days
        .map(|h| FeatureBuilder::new(data, h));
    let with_companion = config
        .companion_horizon_days
        .map(|h| builder.clone().with_companion(h));
    let forecast_builder = with_companion.as_ref().unwrap_or(&builder);
    let fit_companion = |before: NaiveDate| -> Result<Option<Companion>, ModelError> {
        let Some(companion_builder) = &companion_builder else {
            return Ok(None);
        };
        let names = spec::names(companion_builder.specs());
        let rows = training_rows(companion_builder, data, None, before);
        let fitted = fit(&rows, config, names.len())?;
        Ok(Some(Companion {
            horizon_days: companion_builder.horizon_days(),
            features: names,
            estimator: fitted.estimator,
            weight: 0.5,
        }))
    };
    let periods = validation_periods(data, until, config.validation_years);
    let rule = config
        .margin_rule
        .unwrap_or_else(|| MarginRule::for_horizon(config.horizon_days));
    progress.start("training canteen model", 2 * periods.len() as u64 + 2);

    // 1. Validation: for each validation year, a model trained before it forecasts it.
    let mut margin = MarginPolicy {
        rule,
        interval_low: 1.0 - config.default_margin,
        interval_high: 1.0 + config.default_margin,
        chosen_on: "default (no validation year available)".into(),
        recent_window_days: config.recent_window_days,
        spare_meals: config.spare_meals,
        ..MarginPolicy::uniform(config.default_margin)
    };
    let mut slices = Vec::new();
    for (from, to) in &periods {
        let inner_rows = training_rows(&builder, data, None, *from);
        progress.advance(1);
        if inner_rows.is_empty() {
            continue;
        }
        let inner = fit(&inner_rows, config, cols)?;
        let probe = CanteenModel {
            card: placeholder_card(),
            horizon_days: config.horizon_days,
            features: features.clone(),
            estimator: inner.estimator,
            fallback: inner.fallback,
            margin: margin.clone(),
            companion: fit_companion(*from)?,
        };
        let rows = evaluation_rows(forecast_builder, data, *from, *to);
        let refs: Vec<_> = rows.rows.iter().collect();
        let forecasts = probe.forecast(&refs);
        let fallback = probe.forecast_fallback(&refs);
        slices.push(ValidationSlice {
            rows,
            forecasts,
            fallback,
        });
        progress.advance(1);
    }
    let mut validation = None;
    let mut importance: Vec<f64> = vec![f64::NAN; cols];
    if !slices.is_empty() {
        // Spreads of the validation errors: per canteen on ordinary days, per kind of day.
        let errors = || {
            slices.iter().flat_map(|slice| {
                slice
                    .rows
                    .rows
                    .iter()
                    .zip(&slice.forecasts)
                    .zip(&slice.rows.actual)
                    .filter_map(|((row, f), actual)| {
                        actual
                            .filter(|a| *a > 0.0)
                            .map(|a| (row, a, f.forecast_meals))
                    })
            })
        };
        margin.canteen_scale = spread_scales(
            errors()
                .filter(|(row, _, _)| row.day_class == DayClass::Normal)
                .map(|(row, a, f)| (row.canteen.clone(), a, f)),
        );
        // Orders on strike days ignore the strike: their spread is not a forecast's spread.
        margin.day_scale = spread_scales(
            errors()
                .filter(|(row, _, _)| row.day_class != DayClass::Strike)
                .map(|(row, a, f)| (row.day_class, a, f)),
        );
        let evaluated_model: Vec<Evaluated> = slices
            .iter()
            .flat_map(|s| evaluated(&margin, &s.rows, &s.forecasts))
            .collect();
        let evaluated_fallback: Vec<Evaluated> = slices
            .iter()
            .flat_map(|s| evaluated(&margin, &s.rows, &s.fallback))
            .collect();
        let agents_history =
            ShortageHistory::of_agents(&data.attendance, until, config.spare_meals);
        let choice = select_margin(&evaluated_model, config.spare_meals, rule, agents_history);
        let chosen = choice.margin;
        let mut ratios: Vec<f64> = evaluated_model
            .iter()
            .filter(|r| r.forecast > 0.0)
            .map(|r| r.actual / r.forecast)
            .collect();
        margin.relative_margin = chosen;
        margin.interval_low = quantile(&mut ratios, 0.10).unwrap_or(0.9);
        margin.interval_high = quantile(&mut ratios, 0.90).unwrap_or(1.1);
        margin.chosen_on = periods
            .iter()
            .map(|(f, t)| format!("{f}..{t}"))
            .collect::<Vec<_>>()
            .join(", ");
        let all_forecasts: Vec<Forecast> = slices
            .iter()
            .flat_map(|s| s.forecasts.iter().cloned())
            .collect();
        importance = mean_abs_contributions(&features, &all_forecasts);
        validation = Some(ValidationReport {
            periods: periods.clone(),
            chosen_margin: chosen,
            rule,
            agents_history,
            city_level: choice.city_level,
            meals_level: choice.meals_level,
            binding_days: binding_days(&choice.needs),
            agents: choice.agents,
            model: metrics_at(&evaluated_model, chosen, config.spare_meals),
            fallback: metrics_at(&evaluated_fallback, chosen, config.spare_meals),
            curve: choice.curve,
        });
    }

    // 2. The model itself, on everything before the cut-off.
    let rows = training_rows(&builder, data, None, until);
    progress.advance(1);
    let started = Instant::now();
    let fitted = fit(&rows, config, cols)?;
    let companion = fit_companion(until)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    progress.advance(1);
    progress.finish();

    let first_day = rows.rows.iter().map(|r| r.date).min().unwrap_or(until);
    let last_train_day = rows.rows.iter().map(|r| r.date).max().unwrap_or(until);
    let card = model_card(ModelCardInput {
        config,
        files,
        features: &features,
        importance: &importance,
        training_from: first_day,
        training_to: last_train_day,
        cutoff: until - Duration::days(1),
        rows: rows.len(),
        validation: validation.as_ref(),
        margin: &margin,
        companion_horizon: companion.as_ref().map(|c| c.horizon_days),
    });
    Ok(TrainOutcome {
        model: CanteenModel {
            card,
            horizon_days: config.horizon_days,
            features,
            estimator: fitted.estimator,
            fallback: fitted.fallback,
            margin,
            companion,
        },
        validation,
        training_rows: rows.len(),
        fit_seconds,
    })
}

/// Share of the total mean absolute contribution (meals) of each feature on `rows`.
fn mean_abs_contributions(features: &[String], forecasts: &[Forecast]) -> Vec<f64> {
    let mut sums = vec![0.0; features.len()];
    for forecast in forecasts {
        for c in &forecast.explanation.contributions {
            if let Some(i) = features.iter().position(|f| *f == c.feature) {
                sums[i] += c.meals.abs();
            }
        }
    }
    let total: f64 = sums.iter().sum();
    sums.iter()
        .map(|s| if total > 0.0 { s / total } else { 0.0 })
        .collect()
}

fn placeholder_card() -> ModelCard {
    ModelCard {
        name: "canteen-validation".into(),
        version: String::new(),
        purpose_fr: String::new(),
        purpose_en: String::new(),
        trained_at: String::new(),
        training_from: String::new(),
        training_to: String::new(),
        data_cutoff: String::new(),
        data_fingerprint: String::new(),
        data_files: Vec::new(),
        data_sources: Vec::new(),
        features: Vec::new(),
        algorithm: String::new(),
        parameters: serde_json::Value::Null,
        validation: serde_json::Value::Null,
        operations: Vec::new(),
        limitations: Vec::new(),
        software: String::new(),
    }
}

struct ModelCardInput<'a> {
    config: &'a TrainConfig,
    files: &'a [FileFingerprint],
    features: &'a [String],
    importance: &'a [f64],
    training_from: NaiveDate,
    training_to: NaiveDate,
    cutoff: NaiveDate,
    rows: usize,
    validation: Option<&'a ValidationReport>,
    companion_horizon: Option<u32>,
    margin: &'a MarginPolicy,
}

fn model_card(input: ModelCardInput<'_>) -> ModelCard {
    let fingerprint = combined_fingerprint(input.files);
    let now = Utc::now();
    let algorithm = match &input.config.learner {
        Learner::Gbm(_) => {
            "gradient-boosted regression trees (forust-ml), squared error on the ratio to the usual level, weighted by that level; exact TreeSHAP contributions"
        }
        Learner::Linear(_) => {
            "ridge regression (linfa-elasticnet) on standardised features, ratio to the usual level"
        }
    };
    let features = input
        .features
        .iter()
        .zip(input.importance)
        .filter_map(|(name, importance)| {
            canteen_features::spec::find(name).map(|s| FeatureCard {
                name: s.name.to_owned(),
                group: s.group.key().to_owned(),
                label_fr: s.label_fr.to_owned(),
                label_en: s.label_en.to_owned(),
                availability: s.availability.to_owned(),
                importance: importance.is_finite().then_some(*importance),
            })
        })
        .collect();
    let h = input.config.horizon_days;
    ModelCard {
        name: "canteen".into(),
        version: format!("canteen-h{h}-{}-{}", now.format("%Y%m%dT%H%M%SZ"), &fingerprint[..8.min(fingerprint.len())]),
        purpose_fr: format!(
            "Prévoir le nombre de repas servis par restaurant scolaire et par jour, {h} jour(s) à l'avance, \
et la quantité à commander (prévision + marge de sécurité), pour réduire le gaspillage sans manquer de repas."
        ),
        purpose_en: format!(
            "Forecast the meals served per school canteen and day, {h} day(s) ahead, and the quantity to order \
(forecast + safety margin), to cut waste without running short."
        ),
        trained_at: now.to_rfc3339(),
        training_from: input.training_from.to_string(),
        training_to: input.training_to.to_string(),
        data_cutoff: input.cutoff.to_string(),
        data_fingerprint: fingerprint,
        data_files: input.files.to_vec(),
        data_sources: input.config.data_sources.clone(),
        features,
        algorithm: algorithm.into(),
        parameters: serde_json::json!({
            "learner": input.config.learner,
            "fallback": input.config.fallback,
            "horizon_days": h,
            "relative_margin": input.margin.relative_margin,
            "blended_with_horizon_days": input.companion_horizon,
            "margin_rule": input.margin.rule,
            "recent_window_days": input.margin.recent_window_days,
            "margin_scale_by_day": input.margin.day_scale,
            "interval": [input.margin.interval_low, input.margin.interval_high],
            "spare_meals": input.config.spare_meals,
            "training_rows": input.rows,
        }),
        validation: serde_json::to_value(input.validation.map(|v| {
            serde_json::json!({
                "periods": v.periods,
                "how": format!("for each validation school year, a model trained on the canteen-days before it forecast it each day with the information available `horizon` days before; each validation day gives the margin its city-wide total needed; margin chosen for {}: the agents' rate of city-wide shortage days on every school day before the cut-off, (k + 1/2) / (n + 1), is read off an exponential tail fitted to the {} largest needs", input.margin.rule.description_en(), crate::margin::TAIL_DAYS),
                "agents_history": v.agents_history,
                "city_level": v.city_level,
                "meals_level": v.meals_level,
                "chosen_margin": v.chosen_margin,
                "model": v.model,
                "fallback": v.fallback,
                "agents": v.agents,
            })
        }))
        .unwrap_or(serde_json::Value::Null),
        operations: vec![
            "Lecture et validation des fichiers ouverts (fréquentation, menus, calendriers, effectifs, épidémies) ; chaque réparation est comptée.".into(),
            "Rattachement des sites de fréquentation aux restaurants et somme des demi-lignes.".into(),
            format!("Calcul, pour chaque restaurant et chaque jour, de variables connues {h} jour(s) avant : niveau habituel (moyenne des 4 derniers mêmes jours de semaine connus, hors jours à moins de {:.0} % de leur médiane), calendrier, menu, fêtes, effectifs, épidémies{}.", 100.0 * canteen_features::history::LOW_DAY_SHARE, if spec::strikes_known(h) { ", grèves annoncées" } else { "" }),
            format!("Apprentissage du rapport entre les repas servis et le niveau habituel, sur les jours passés (hors fermetures et, au-delà de {} jours, hors jours de grève imprévisibles).", spec::STRIKE_NOTICE_DAYS),
            "Prévision = niveau habituel × rapport prévu ; contributions exactes de chaque variable (valeurs de Shapley) converties en repas.".into(),
            match input.companion_horizon {
                Some(c) => format!("Prévision finale = moitié de la prévision à {h} jour(s) et moitié de celle d'un second modèle appris de la même façon avec les informations connues {c} jours avant (plus stable) ; les contributions des deux se combinent dans les mêmes proportions."),
                None => "Pas de second modèle combiné à celui-ci.".into(),
            },
            format!(
                "Quantité à commander = prévision × (1 + {:.2} % × facteur du restaurant × facteur du type de jour), arrondie au repas supérieur ; facteurs = dispersion relative des erreurs mesurée sur les années scolaires {} (jamais sur la période évaluée). Marge choisie pour : {}. Chaque jour de ces années indique la marge qu'il aurait fallu pour que le total de la ville ne manque pas de plus de {:.0} repas ; pour la ville, la marge est celle qu'un jour sur {} dépasserait (taux de jours de manque des agents sur tous les jours d'école connus{}), lue sur une loi exponentielle ajustée aux {} jours les plus exigeants plutôt que sur un seul jour{}.",
                100.0 * input.margin.relative_margin,
                input.margin.chosen_on,
                input.margin.rule.description_fr(),
                input.margin.spare_meals,
                input.validation.map_or("—".to_owned(), |v| format!("{:.0}", 1.0 / v.agents_history.rate())),
                input.validation.map_or(String::new(), |v| format!(" : {} sur {}", v.agents_history.shortage_days, v.agents_history.days)),
                crate::margin::TAIL_DAYS,
                if input.margin.rule == MarginRule::CanteenAndCity {
                    " ; la marge retenue est la plus grande de celle-ci et de la plus petite qui ne laisse pas plus de repas manquants par restaurant et par jour que la prévision des agents"
                } else {
                    ""
                }
            ),
        ]
        .into_iter()
        .chain(spec::strikes_known(h).then(|| "Jour de grève annoncée (ou de menu de dépannage) : la prévision publiée en tient compte, mais la quantité à commander part de la prévision du même jour sans l'annonce, car l'effet d'une grève va de nul à la fermeture du restaurant.".to_owned()))
        .chain((input.margin.recent_window_days > 0).then(|| format!(
            "En service, chaque jour postérieur à l'apprentissage dont les repas servis sont connus indique la marge qu'il aurait fallu pour que le total de la ville ne manque pas de plus de {:.0} repas ; une commande utilise la plus grande de la marge choisie et des marges nécessaires aux jours connus au moment de la commande ({h} jour(s) avant) sur les {} jours précédents.",
            input.margin.spare_meals,
            input.margin.recent_window_days
        )))
        .collect(),
        limitations: vec![
            format!("Au-delà de {} jours, les grèves ne sont pas connues : les jours de grève, la prévision est celle d'un jour normal{}.", spec::STRIKE_NOTICE_DAYS, if spec::strikes_known(h) { "" } else { " (cas de ce modèle)" }),
            "Un restaurant nouveau ou sans historique récent est prévu à partir de 75 % de ses effectifs : moins précis.".into(),
            "Les fermetures exceptionnelles (travaux, élections) ne sont pas prévues.".into(),
            "Les effets des menus sont appris sur les libellés des plats ; un libellé inhabituel peut ne pas être reconnu.".into(),
            "Aucune donnée personnelle : des agrégats par restaurant et par jour uniquement ; aucune décision individuelle.".into(),
            "La marge n'est relevée qu'après des jours postérieurs à l'apprentissage : un modèle réentraîné repart de la marge choisie, et un service dont les données s'arrêtent à la date d'apprentissage ne la relève pas ; la commande `prevoir forecast canteen` avec des données à jour le fait.".into(),
        ],
        software: format!("prevoir {}", env!("CARGO_PKG_VERSION")),
    }
}

/// The synthetic sample written by `prevoir samples canteen`.
pub fn sample_sources() -> Vec<DataSource> {
    vec![DataSource {
        name:
            "Échantillon synthétique (ville fictive de 7 restaurants, 2015-2018), calendriers réels"
                .into(),
        publisher: "Prévoir (prevoir samples canteen)".into(),
        url: "data-samples/canteen".into(),
        licence: "MIT".into(),
    }]
}

/// The Nantes open data and the public calendars and epidemic series.
pub fn nantes_sources() -> Vec<DataSource> {
    let nantes = |name: &str, id: &str| DataSource {
        name: name.into(),
        publisher: "Nantes Métropole".into(),
        url: format!("https://data.nantesmetropole.fr/explore/dataset/{id}/"),
        licence: "ODbL".into(),
    };
    vec![
        nantes(
            "Fréquentation des restaurants scolaires",
            "244400404_nombre-convives-jour-cantine-nantes-2011",
        ),
        nantes(
            "Menus des restaurants scolaires",
            "244400404_menus-cantines-nantes-2011-2019",
        ),
        nantes(
            "Effectifs des écoles publiques",
            "244400404_effectifs-eleves-ecoles-publiques-maternelles-elementaires-nantes",
        ),
        DataSource {
            name: "Calendrier scolaire zone B et jours fériés".into(),
            publisher: "Ministère de l'Éducation nationale / data.gouv.fr".into(),
            url: "https://www.data.gouv.fr/fr/datasets/le-calendrier-scolaire/".into(),
            licence: "Licence Ouverte 2.0".into(),
        },
        DataSource {
            name: "Incidence hebdomadaire (grippe, diarrhée aiguë, varicelle)".into(),
            publisher: "Réseau Sentinelles (Inserm, Sorbonne Université)".into(),
            url: "https://www.sentiweb.fr/".into(),
            licence: "CC BY-NC-SA 4.0".into(),
        },
    ]
}
