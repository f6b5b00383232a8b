//! The catalogue of features: name, factor group, French and English labels, and the horizon up
//! to which each one is known. A model only uses the features available at its horizon.

use serde::{Deserialize, Serialize};

/// Factor groups, as contributions are reported to managers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorGroup {
    Calendar,
    Menu,
    Strikes,
    Religious,
    RecentLevel,
    Enrolment,
    Epidemics,
    Canteen,
}

impl FactorGroup {
    pub const ALL: [FactorGroup; 8] = [
        FactorGroup::Calendar,
        FactorGroup::Menu,
        FactorGroup::Strikes,
        FactorGroup::Religious,
        FactorGroup::RecentLevel,
        FactorGroup::Enrolment,
        FactorGroup::Epidemics,
        FactorGroup::Canteen,
    ];

    pub fn key(self) -> &'static str {
        match self {
            FactorGroup::Calendar => "calendar",
            FactorGroup::Menu => "menu",
            FactorGroup::Strikes => "strikes",
            FactorGroup::Religious => "religious",
            FactorGroup::RecentLevel => "recent_level",
            FactorGroup::Enrolment => "enrolment",
            FactorGroup::Epidemics => "epidemics",
            FactorGroup::Canteen => "canteen",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            FactorGroup::Calendar => "Calendrier scolaire",
            FactorGroup::Menu => "Menu",
            FactorGroup::Strikes => "Grèves",
            FactorGroup::Religious => "Fêtes religieuses",
            FactorGroup::RecentLevel => "Fréquentation récente",
            FactorGroup::Enrolment => "Effectifs scolaires",
            FactorGroup::Epidemics => "Épidémies",
            FactorGroup::Canteen => "Profil du restaurant",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FactorGroup::Calendar => "School calendar",
            FactorGroup::Menu => "Menu",
            FactorGroup::Strikes => "Strikes",
            FactorGroup::Religious => "Religious events",
            FactorGroup::RecentLevel => "Recent attendance",
            FactorGroup::Enrolment => "Enrolment",
            FactorGroup::Epidemics => "Epidemics",
            FactorGroup::Canteen => "Canteen profile",
        }
    }
}

/// One feature of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureSpec {
    pub name: &'static str,
    pub group: FactorGroup,
    pub label_fr: &'static str,
    pub label_en: &'static str,
    /// Largest horizon (days) at which the value is known; `None` = known at any horizon.
    pub max_horizon_days: Option<u32>,
    /// Why and when the value is known.
    pub availability: &'static str,
}

macro_rules! feature {
    ($name:literal, $group:ident, $fr:literal, $en:literal, $max:expr, $avail:expr) => {
        FeatureSpec {
            name: $name,
            group: FactorGroup::$group,
            label_fr: $fr,
            label_en: $en,
            max_horizon_days: $max,
            availability: $avail,
        }
    };
}

/// Days ahead within which a strike is known (the notice strikers must give): the strike features
/// exist only for forecasts made this close to the day.
pub const STRIKE_NOTICE_DAYS: u32 = 2;

/// Whether a forecast made `horizon_days` ahead knows the day's strikes.
pub fn strikes_known(horizon_days: u32) -> bool {
    horizon_days <= STRIKE_NOTICE_DAYS
}

// Availability, in French: these texts go into the public-algorithm notice.
const CALENDAR: &str = "calendrier scolaire publié : connu à tout horizon";
const MENU: &str = "menus arrêtés avant la commande des denrées (au moins 6 semaines avant)";
const NOTICE: &str = "préavis de grève : connus au plus 2 jours avant";
const RELIGIOUS: &str = "calendriers religieux publiés : connus à tout horizon";
const LEVEL: &str = "repas servis connus au moins `horizon` jours avant le jour prévu";
const ENROLMENT: &str = "effectifs de l'année scolaire, prévus avant la rentrée";
const EPIDEMIC: &str = "incidence hebdomadaire du Réseau Sentinelles, semaines closes au moins une semaine avant la date de prévision";

/// Every feature, in matrix column order.
pub const CATALOGUE: &[FeatureSpec] = &[
    feature!(
        "weekday",
        Calendar,
        "Jour de la semaine",
        "Day of the week",
        None,
        CALENDAR
    ),
    feature!("month", Calendar, "Mois", "Month", None, CALENDAR),
    feature!(
        "school_year_progress",
        Calendar,
        "Avancement de l'année scolaire",
        "Progress of the school year",
        None,
        CALENDAR
    ),
    feature!(
        "days_to_next_break",
        Calendar,
        "Jours avant les prochaines vacances",
        "Days to the next holidays",
        None,
        CALENDAR
    ),
    feature!(
        "days_since_last_break",
        Calendar,
        "Jours depuis la rentrée ou les dernières vacances",
        "Days since the last holidays",
        None,
        CALENDAR
    ),
    feature!(
        "days_to_summer",
        Calendar,
        "Jours avant les grandes vacances",
        "Days to the summer break",
        None,
        CALENDAR
    ),
    feature!(
        "bridge_day",
        Calendar,
        "Jour de pont",
        "Bridge day",
        None,
        CALENDAR
    ),
    feature!(
        "next_to_public_holiday",
        Calendar,
        "Veille ou lendemain de jour férié",
        "Next to a public holiday",
        None,
        CALENDAR
    ),
    feature!(
        "school_days_in_week",
        Calendar,
        "Jours d'école dans la semaine",
        "School days in the week",
        None,
        CALENDAR
    ),
    feature!("menu_known", Menu, "Menu connu", "Menu known", None, MENU),
    feature!(
        "menu_fries",
        Menu,
        "Frites au menu",
        "Chips on the menu",
        None,
        MENU
    ),
    feature!(
        "menu_fish",
        Menu,
        "Poisson au menu",
        "Fish on the menu",
        None,
        MENU
    ),
    feature!(
        "menu_pork",
        Menu,
        "Porc au menu",
        "Pork on the menu",
        None,
        MENU
    ),
    feature!(
        "menu_meat",
        Menu,
        "Viande au menu",
        "Meat on the menu",
        None,
        MENU
    ),
    feature!(
        "menu_vegetarian",
        Menu,
        "Menu végétarien",
        "Vegetarian menu",
        None,
        MENU
    ),
    feature!(
        "menu_organic_dishes",
        Menu,
        "Plats bio",
        "Organic dishes",
        None,
        MENU
    ),
    feature!(
        "menu_pizza_burger",
        Menu,
        "Pizza ou burger au menu",
        "Pizza or burger on the menu",
        None,
        MENU
    ),
    feature!(
        "menu_festive",
        Menu,
        "Repas de fête (Noël…)",
        "Festive meal (Christmas…)",
        None,
        MENU
    ),
    feature!(
        "menu_favourite",
        Menu,
        "Plat préféré des enfants",
        "Children's favourite dish",
        None,
        MENU
    ),
    feature!(
        "menu_emergency",
        Strikes,
        "Menu de dépannage (grève)",
        "Emergency menu (strike)",
        Some(STRIKE_NOTICE_DAYS),
        NOTICE
    ),
    feature!(
        "strike_announced",
        Strikes,
        "Grève annoncée",
        "Strike announced",
        Some(STRIKE_NOTICE_DAYS),
        NOTICE
    ),
    feature!("ramadan", Religious, "Ramadan", "Ramadan", None, RELIGIOUS),
    feature!(
        "muslim_feast",
        Religious,
        "Fête musulmane (Aïd…)",
        "Muslim feast (Eid…)",
        None,
        RELIGIOUS
    ),
    feature!(
        "christian_feast",
        Religious,
        "Fête chrétienne",
        "Christian feast",
        None,
        RELIGIOUS
    ),
    feature!(
        "jewish_feast",
        Religious,
        "Fête juive",
        "Jewish feast",
        None,
        RELIGIOUS
    ),
    feature!(
        "pupils",
        Enrolment,
        "Élèves inscrits",
        "Pupils enrolled",
        None,
        ENROLMENT
    ),
    feature!(
        "pupils_change",
        Enrolment,
        "Évolution des effectifs",
        "Change in enrolment",
        None,
        ENROLMENT
    ),
    feature!(
        "flu_incidence",
        Epidemics,
        "Grippe (incidence)",
        "Flu (incidence)",
        None,
        EPIDEMIC
    ),
    feature!(
        "diarrhoea_incidence",
        Epidemics,
        "Gastro-entérite (incidence)",
        "Gastroenteritis (incidence)",
        None,
        EPIDEMIC
    ),
    feature!(
        "chickenpox_incidence",
        Epidemics,
        "Varicelle (incidence)",
        "Chickenpox (incidence)",
        None,
        EPIDEMIC
    ),
    feature!(
        "reference_meals",
        RecentLevel,
        "Niveau habituel (repas)",
        "Usual level (meals)",
        None,
        LEVEL
    ),
    feature!(
        "recent_vs_reference",
        RecentLevel,
        "Derniers jours par rapport au niveau habituel",
        "Latest days vs usual level",
        None,
        LEVEL
    ),
    feature!(
        "trend",
        RecentLevel,
        "Tendance récente",
        "Recent trend",
        None,
        LEVEL
    ),
    feature!(
        "last_year_same_day",
        RecentLevel,
        "Même jour du calendrier l'an dernier",
        "Same calendar day last year",
        None,
        LEVEL
    ),
    feature!(
        "last_year_season",
        RecentLevel,
        "Même période l'an dernier",
        "Same period last year",
        None,
        LEVEL
    ),
    feature!(
        "staleness_days",
        RecentLevel,
        "Ancienneté des dernières données",
        "Age of the latest data",
        None,
        LEVEL
    ),
    feature!(
        "canteen_kind",
        Canteen,
        "Type de restaurant",
        "Canteen type",
        None,
        "liste des restaurants"
    ),
];

/// The features a model at `horizon_days` may use, in catalogue order.
pub fn available_at(horizon_days: u32) -> Vec<&'static FeatureSpec> {
    CATALOGUE
        .iter()
        .filter(|f| f.max_horizon_days.is_none_or(|max| horizon_days <= max))
        .collect()
}

pub fn find(name: &str) -> Option<&'static FeatureSpec> {
    CATALOGUE.iter().find(|f| f.name == name)
}

/// The names of `specs`, in order: how a model records its feature columns.
pub fn names(specs: &[&FeatureSpec]) -> Vec<String> {
    specs.iter().map(|s| s.name.to_owned()).collect()
}

/// The specs of the features named `names`, in order (unknown names are skipped).
pub fn by_names(names: &[String]) -> Vec<&'static FeatureSpec> {
    names.iter().filter_map(|n| find(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strikes_are_unknown_four_weeks_ahead() {
        let long: Vec<&str> = available_at(28).iter().map(|f| f.name).collect();
        let short: Vec<&str> = available_at(1).iter().map(|f| f.name).collect();
        assert!(!long.contains(&"strike_announced") && !long.contains(&"menu_emergency"));
        assert!(short.contains(&"strike_announced") && short.contains(&"menu_emergency"));
        assert_eq!(short.len(), CATALOGUE.len());
        // The strike features are exactly those `strikes_known` gates.
        for h in [1, STRIKE_NOTICE_DAYS, STRIKE_NOTICE_DAYS + 1, 28] {
            let has = available_at(h)
                .iter()
                .any(|f| f.group == FactorGroup::Strikes);
            assert_eq!(has, strikes_known(h), "horizon {h}");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = CATALOGUE.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
    }
}
