//! Menus: the portal export `raw/menus_2011_2019.csv` first, then the two older exports (when
//! present) for dates the export lacks. Dish strings keep their `*` (meat) and `°` (organic)
//! marks; runs of whitespace (including no-break spaces and line breaks inside quotes) become one
//! space, and placeholder dishes (`-`) are removed. Dates present in several sources are compared
//! and the agreement is reported; the earlier source always wins.
//!
//! Measured on the Nantes files: the two variants hold the same dishes as the export on every date
//! they share (after whitespace normalisation) and none of them covers the February–August 2013
//! gap, so they supply no date; they remain useful as a cross-check.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use prevoir_core::DataError;
use prevoir_core::dates::DateFormat;

use crate::files::Table;
use crate::report::{FileReport, MenuReport, MenuSource};
use crate::tables::MenuDay;

/// Where the date and dish of a menu file are.
#[derive(Debug, Clone, Copy)]
pub struct MenuLayout {
    pub date_column: usize,
    pub date_format: DateFormat,
    pub dish_column: usize,
    /// A column that must hold a whole number (R row index, course rank).
    pub number_column: Option<(usize, &'static str)>,
}

/// `Date;Plat`, ISO dates.
pub const MAIN_LAYOUT: MenuLayout = MenuLayout {
    date_column: 0,
    date_format: DateFormat::Iso,
    dish_column: 1,
    number_column: None,
};
/// `"","date","menu"`: R row index, ISO date, dish.
pub const VARIANT_2011_LAYOUT: MenuLayout = MenuLayout {
    date_column: 1,
    date_format: DateFormat::Iso,
    dish_column: 2,
    number_column: Some((0, "an R row index (whole number)")),
};
/// `"Date","Rang","Plat"`: dd/mm/YYYY, course rank, dish.
pub const VARIANT_2016_LAYOUT: MenuLayout = MenuLayout {
    date_column: 0,
    date_format: DateFormat::DayFirst,
    dish_column: 2,
    number_column: Some((1, "a course rank (whole number)")),
};

/// A dish string with runs of whitespace collapsed to one space and ends trimmed.
pub fn normalise_dish(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a (normalised) dish is a placeholder standing for "no dish" (`-`, `--`, empty).
pub fn is_placeholder(dish: &str) -> bool {
    dish.chars().all(|c| c == '-' || c.is_whitespace())
}

/// Whether a dish string announces a strike or emergency menu ("menu dépannage", "repas grève",
/// "SERVICE MINIMUM"). Such menus are written after the fact: a forecast made weeks ahead must
/// not see them.
pub fn is_strike_menu(dish: &str) -> bool {
    let folded = prevoir_core::text::fold(dish);
    folded.contains("grev") || folded.contains("depannage") || folded.contains("service minimum")
}

/// Dishes per date of one menu file, in file order, normalised, placeholders removed.
pub fn read_menu_file(
    table: &Table,
    layout: MenuLayout,
    report: &mut FileReport,
) -> Result<DishesByDate, DataError> {
    let mut by_date: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    let mut all_dates: HashSet<NaiveDate> = HashSet::new();
    let (mut normalised, mut placeholders, mut duplicates, mut kept) = (0, 0, 0, 0);
    for row in &table.rows {
        if let Some((column, what)) = layout.number_column {
            table.count(row, column, what)?;
        }
        let date = table.date(row, layout.date_column, layout.date_format)?;
        all_dates.insert(date);
        let raw = table.text(row, layout.dish_column);
        let dish = normalise_dish(raw);
        if is_placeholder(&dish) {
            placeholders += 1;
            continue;
        }
        if dish != raw {
            normalised += 1;
        }
        let dishes = by_date.entry(date).or_default();
        if dishes.contains(&dish) {
            duplicates += 1;
            continue;
        }
        dishes.push(dish);
        kept += 1;
    }
    let only_placeholders = all_dates
        .iter()
        .filter(|d| !by_date.contains_key(d))
        .count();
    report.repair(
        "dish whitespace normalised (spaces, no-break spaces, line breaks)",
        normalised,
    );
    report.repair("placeholder dishes removed (\"-\")", placeholders);
    report.repair("same dish repeated on a date, dropped", duplicates);
    report.repair(
        "dates holding only placeholders, dropped",
        only_placeholders,
    );
    report.rows_kept = kept;
    report.date_span = all_dates
        .iter()
        .min()
        .copied()
        .zip(all_dates.iter().max().copied());
    Ok(by_date)
}

/// Dishes per date of one source.
pub type DishesByDate = BTreeMap<NaiveDate, Vec<String>>;

/// Merges menu sources in priority order. `sources` pairs each source's path with its dishes
/// (`None` when the file is absent).
pub fn merge(sources: Vec<(String, Option<DishesByDate>)>) -> (Vec<MenuDay>, Vec<MenuSource>) {
    let mut merged: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
    let mut reports = Vec::new();
    for (path, dishes) in sources {
        let Some(dishes) = dishes else {
            reports.push(MenuSource {
                path,
                present: false,
                ..Default::default()
            });
            continue;
        };
        let mut source = MenuSource {
            path,
            present: true,
            dates: dishes.len(),
            ..Default::default()
        };
        for (date, list) in dishes {
            match merged.get(&date) {
                None => {
                    source.dates_supplied += 1;
                    merged.insert(date, list);
                }
                Some(existing) => {
                    let mut a = existing.clone();
                    let mut b = list;
                    a.sort();
                    b.sort();
                    if a == b {
                        source.dates_agreeing += 1;
                    } else {
                        source.dates_differing += 1;
                    }
                }
            }
        }
        reports.push(source);
    }
    let menus = merged
        .into_iter()
        .map(|(date, dishes)| MenuDay { date, dishes })
        .collect();
    (menus, reports)
}

/// Menu coverage of school days (dates with attendance) and strike menus.
pub fn coverage(
    menus: &[MenuDay],
    school_days: &HashSet<NaiveDate>,
    sources: Vec<MenuSource>,
) -> MenuReport {
    let menu_dates: HashSet<NaiveDate> = menus.iter().map(|m| m.date).collect();
    let mut without: BTreeMap<String, usize> = BTreeMap::new();
    let mut with = 0;
    for date in school_days {
        if menu_dates.contains(date) {
            with += 1;
        } else {
            *without
                .entry(format!("{:04}-{:02}", date.year(), date.month()))
                .or_insert(0) += 1;
        }
    }
    MenuReport {
        dates: menus.len(),
        first_date: menus.first().map(|m| m.date),
        last_date: menus.last().map(|m| m.date),
        sources,
        school_days: school_days.len(),
        school_days_with_menu: with,
        school_days_without_menu: without,
        strike_menu_dates: menus
            .iter()
            .filter(|m| m.dishes.iter().any(|d| is_strike_menu(d)))
            .map(|m| m.date)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn normalises_and_recognises_placeholders_and_strike_menus() {
        assert_eq!(
            normalise_dish(" Tarte au fromage\u{a0}\n "),
            "Tarte au fromage"
        );
        assert!(is_placeholder("-"));
        assert!(is_placeholder(""));
        assert!(!is_placeholder("Pomme bio°"));
        for strike in [
            "menu depannage",
            "Repas grève",
            "GREVE",
            "repas grêve",
            "SERVICE MINIMUM",
            "Menu de dépannage",
        ] {
            assert!(is_strike_menu(strike), "{strike}");
        }
        for dish in ["Poisson pané", "Rôti de boeuf*", "Repas de Noël"] {
            assert!(!is_strike_menu(dish), "{dish}");
        }
    }

    #[test]
    fn earlier_sources_win_and_later_ones_fill_gaps() {
        let main: BTreeMap<NaiveDate, Vec<String>> =
            [(d("2013-01-31"), vec!["Frites".to_string(), "Pomme".into()])].into();
        let variant: BTreeMap<NaiveDate, Vec<String>> = [
            (d("2013-01-31"), vec!["Pomme".to_string(), "Frites".into()]),
            (d("2013-02-01"), vec!["Poisson pané".to_string()]),
        ]
        .into();
        let other: BTreeMap<NaiveDate, Vec<String>> =
            [(d("2013-02-01"), vec!["Pizza".to_string()])].into();
        let (menus, sources) = merge(vec![
            ("main".into(), Some(main)),
            ("absent".into(), None),
            ("variant".into(), Some(variant)),
            ("other".into(), Some(other)),
        ]);
        assert_eq!(menus.len(), 2);
        assert_eq!(menus[1].dishes, vec!["Poisson pané".to_string()]);
        assert_eq!(
            (sources[0].dates_supplied, sources[0].dates_agreeing),
            (1, 0)
        );
        assert!(!sources[1].present);
        assert_eq!(
            (
                sources[2].dates_supplied,
                sources[2].dates_agreeing,
                sources[2].dates_differing
            ),
            (1, 1, 0)
        );
        assert_eq!(
            (sources[3].dates_supplied, sources[3].dates_differing),
            (0, 1)
        );
    }
}
