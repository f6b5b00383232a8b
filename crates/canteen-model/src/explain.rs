//! Explanations in meals: the base value, each feature's contribution and the totals per factor
//! group. The model predicts a ratio to the canteen's usual level, so contributions in meals are
//! the ratio contributions times that level; they still add up exactly:
//! base + Σ contributions = forecast.

use serde::{Deserialize, Serialize};

use canteen_features::{FactorGroup, FeatureSpec};

/// One feature's effect on a forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub feature: String,
    pub group: FactorGroup,
    pub label_fr: String,
    pub label_en: String,
    /// The feature's value for this canteen-day (`None` = unknown).
    pub value: Option<f64>,
    /// Meals added (positive) or removed (negative) by this feature.
    pub meals: f64,
}

/// A factor group's total effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupContribution {
    pub group: FactorGroup,
    pub label_fr: String,
    pub label_en: String,
    pub meals: f64,
}

/// Why a forecast is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The canteen's usual level for this weekday (meals), the scale of the ratio model.
    pub reference_meals: f64,
    /// What the model would forecast for an average day at this level.
    pub base_meals: f64,
    /// Sorted by decreasing absolute effect.
    pub contributions: Vec<Contribution>,
    /// Per factor group, sorted by decreasing absolute effect.
    pub groups: Vec<GroupContribution>,
}

impl Explanation {
    /// Builds the explanation from ratio contributions (`bias` is the expected ratio).
    pub fn from_ratio_contributions(
        specs: &[&FeatureSpec],
        values: &[f64],
        ratio_contributions: &[f64],
        bias: f64,
        reference_meals: f64,
    ) -> Self {
        let contributions: Vec<Contribution> = specs
            .iter()
            .zip(values.iter().zip(ratio_contributions))
            .map(|(spec, (value, c))| Contribution {
                feature: spec.name.to_owned(),
                group: spec.group,
                label_fr: spec.label_fr.to_owned(),
                label_en: spec.label_en.to_owned(),
                value: value.is_finite().then_some(*value),
                meals: c * reference_meals,
            })
            .collect();
        Self::assemble(reference_meals, bias * reference_meals, contributions)
    }

    /// The explanation of a blend of two forecasts, `a` × the first + `b` × the second: each
    /// feature's effect is the same blend of its two effects (a feature only one model uses
    /// counts for that model's share), and so is the base; the sum stays the blended forecast.
    /// Values and the usual level shown are the first model's.
    pub fn blend(first: &Explanation, a: f64, second: &Explanation, b: f64) -> Self {
        let mut contributions: Vec<Contribution> = first
            .contributions
            .iter()
            .map(|c| Contribution {
                meals: a * c.meals,
                ..c.clone()
            })
            .collect();
        for c in &second.contributions {
            match contributions.iter_mut().find(|x| x.feature == c.feature) {
                Some(x) => x.meals += b * c.meals,
                None => contributions.push(Contribution {
                    meals: b * c.meals,
                    ..c.clone()
                }),
            }
        }
        Self::assemble(
            first.reference_meals,
            a * first.base_meals + b * second.base_meals,
            contributions,
        )
    }

    /// Sorts the contributions by size and totals them per factor group.
    fn assemble(
        reference_meals: f64,
        base_meals: f64,
        mut contributions: Vec<Contribution>,
    ) -> Self {
        contributions.sort_by(|a, b| b.meals.abs().total_cmp(&a.meals.abs()));
        let mut groups: Vec<GroupContribution> = FactorGroup::ALL
            .iter()
            .filter_map(|group| {
                let members: Vec<&Contribution> =
                    contributions.iter().filter(|c| c.group == *group).collect();
                (!members.is_empty()).then(|| GroupContribution {
                    group: *group,
                    label_fr: group.label_fr().to_owned(),
                    label_en: group.label_en().to_owned(),
                    meals: members.iter().map(|c| c.meals).sum(),
                })
            })
            .collect();
        groups.sort_by(|a, b| b.meals.abs().total_cmp(&a.meals.abs()));
        Self {
            reference_meals,
            base_meals,
            contributions,
            groups,
        }
    }

    /// base + Σ contributions: equals the forecast.
    pub fn total(&self) -> f64 {
        self.base_meals + self.contributions.iter().map(|c| c.meals).sum::<f64>()
    }

    /// The `n` largest effects as a manager reads them: "Frites au menu : +38 repas".
    pub fn top_reasons(&self, n: usize, french: bool) -> Vec<String> {
        self.contributions
            .iter()
            .take(n)
            .map(|c| {
                let label = if french { &c.label_fr } else { &c.label_en };
                let value = describe_value(&c.feature, c.value, french);
                let unit = if french { "repas" } else { "meals" };
                format!("{label} ({value}) : {:+.0} {unit}", c.meals)
                    .replace(" : ", if french { " : " } else { ": " })
            })
            .collect()
    }
}

/// Weekday names, Monday first (`chrono::Weekday::num_days_from_monday` order).
pub const WEEKDAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
pub const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A feature value in words: yes/no for flags, a number otherwise.
pub fn describe_value(feature: &str, value: Option<f64>, french: bool) -> String {
    let Some(v) = value else {
        return if french {
            "inconnu".into()
        } else {
            "unknown".into()
        };
    };
    let is_flag = feature.starts_with("menu_") && feature != "menu_organic_dishes"
        || matches!(
            feature,
            "bridge_day"
                | "next_to_public_holiday"
                | "strike_announced"
                | "ramadan"
                | "muslim_feast"
                | "christian_feast"
                | "jewish_feast"
        );
    if is_flag {
        return match (v > 0.5, french) {
            (true, true) => "oui".into(),
            (false, true) => "non".into(),
            (true, false) => "yes".into(),
            (false, false) => "no".into(),
        };
    }
    match feature {
        "weekday" => {
            let i = (v as usize).min(6);
            if french {
                WEEKDAYS_FR[i].into()
            } else {
                WEEKDAYS_EN[i].into()
            }
        }
        "school_year_progress" => format!("{:.0} %", 100.0 * v),
        // As the feature builder codes `CanteenKind`.
        "canteen_kind" => match (v.round() as i64, french) {
            (0, true) => "maternelle".into(),
            (0, false) => "nursery".into(),
            (1, true) => "élémentaire".into(),
            (1, false) => "primary".into(),
            (_, true) => "maternelle et élémentaire".into(),
            (_, false) => "nursery and primary".into(),
        },
        "recent_vs_reference"
        | "trend"
        | "last_year_same_day"
        | "last_year_season"
        | "pupils_change" => {
            format!("×{v:.2}")
        }
        _ if v.fract() == 0.0 => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canteen_features::spec;

    #[test]
    fn contributions_add_up_in_meals_and_group() {
        let specs: Vec<&FeatureSpec> = ["menu_fries", "menu_fish", "weekday"]
            .iter()
            .map(|n| spec::find(n).unwrap())
            .collect();
        let e = Explanation::from_ratio_contributions(
            &specs,
            &[1.0, 0.0, 1.0],
            &[0.1, -0.02, 0.03],
            0.95,
            200.0,
        );
        assert!((e.total() - 200.0 * (0.95 + 0.1 - 0.02 + 0.03)).abs() < 1e-9);
        assert_eq!(e.contributions[0].feature, "menu_fries");
        assert!((e.contributions[0].meals - 20.0).abs() < 1e-9);
        let menu = e
            .groups
            .iter()
            .find(|g| g.group == FactorGroup::Menu)
            .unwrap();
        assert!((menu.meals - 16.0).abs() < 1e-9);
        assert_eq!(
            e.top_reasons(1, true),
            vec!["Frites au menu (oui) : +20 repas".to_owned()]
        );
        assert_eq!(
            e.top_reasons(1, false),
            vec!["Chips on the menu (yes): +20 meals".to_owned()]
        );
    }

    #[test]
    fn values_read_as_words_where_numbers_would_be_codes() {
        assert_eq!(describe_value("weekday", Some(3.0), true), "jeudi");
        assert_eq!(
            describe_value("canteen_kind", Some(0.0), true),
            "maternelle"
        );
        assert_eq!(describe_value("canteen_kind", Some(1.0), false), "primary");
        assert_eq!(
            describe_value("canteen_kind", Some(2.0), true),
            "maternelle et élémentaire"
        );
        assert_eq!(
            describe_value("school_year_progress", Some(0.674), true),
            "67 %"
        );
        assert_eq!(describe_value("trend", Some(0.964), true), "×0.96");
        assert_eq!(describe_value("menu_fish", None, false), "unknown");
    }
    #[test]
    fn a_blend_merges_effects_by_feature_and_keeps_the_sum() {
        let specs: Vec<&FeatureSpec> = ["weekday", "menu_fries", "strike_announced"]
            .iter()
            .filter_map(|n| canteen_features::spec::find(n))
            .collect();
        // First model: weekday +0.1, fries +0.2, strike −0.5 (ratio), base 1.0, level 100.
        let first = Explanation::from_ratio_contributions(
            &specs,
            &[1.0, 1.0, 1.0],
            &[0.1, 0.2, -0.5],
            1.0,
            100.0,
        );
        // Second model (no strike feature): weekday −0.1, fries +0.4, base 0.9, level 120.
        let second = Explanation::from_ratio_contributions(
            &specs[..2],
            &[1.0, 1.0],
            &[-0.1, 0.4],
            0.9,
            120.0,
        );
        let blend = Explanation::blend(&first, 0.5, &second, 0.5);
        let meals = |f: &str| {
            blend
                .contributions
                .iter()
                .find(|c| c.feature == f)
                .map(|c| c.meals)
        };
        assert!((meals("weekday").unwrap() - (5.0 - 6.0)).abs() < 1e-9);
        assert!((meals("menu_fries").unwrap() - (10.0 + 24.0)).abs() < 1e-9);
        assert!((meals("strike_announced").unwrap() - -25.0).abs() < 1e-9);
        assert!((blend.base_meals - (50.0 + 54.0)).abs() < 1e-9);
        assert!((blend.total() - (0.5 * first.total() + 0.5 * second.total())).abs() < 1e-9);
        assert_eq!(blend.reference_meals, 100.0);
        // Sorted by size, and the groups add up.
        assert_eq!(blend.contributions[0].feature, "menu_fries");
        let grouped: f64 = blend.groups.iter().map(|g| g.meals).sum();
        assert!((grouped + blend.base_meals - blend.total()).abs() < 1e-9);
    }
}
