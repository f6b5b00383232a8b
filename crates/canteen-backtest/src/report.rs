//! The self-contained HTML report of a canteen backtest: headline comparison with the agents,
//! trade-off curves, city daily totals, top factors, worst days, how the margin was chosen.

use chrono::{Datelike, NaiveDate};
use std::path::Path;

use canteen_model::metrics::Metrics;
use prevoir_core::atomic::write_atomic;
use report_html::chart::PALETTE;
use report_html::{BarChart, LineChart, Page, Series, Table};

use crate::BacktestError;
use crate::run::BacktestResult;

fn pct(v: f64) -> String {
    format!("{v:.2} %")
}

fn meals(v: f64) -> String {
    format!("{v:.0}")
}

/// A table of [`Metrics`] rows, one per series of order quantities named in the first column.
fn metrics_table(first_column: &str) -> Table {
    Table::new(&[
        first_column,
        "city overproduction",
        "city shortage days",
        "worst city shortfall",
        "overproduction (canteen-days)",
        "shortage meals",
        "under-forecast days",
        "MAE (meals)",
    ])
}

fn metrics_row(table: &mut Table, name: &str, m: &Metrics) {
    table.row(&[
        name.to_owned(),
        pct(m.city.overproduction_pct),
        format!("{}", m.city.shortage_days),
        meals(m.city.worst_shortfall),
        pct(m.overproduction_pct),
        meals(m.shortage_meals),
        pct(m.under_forecast_rate_pct),
        format!("{:.1}", m.mean_absolute_error),
    ]);
}

/// Builds the report page.
pub fn render(result: &BacktestResult) -> String {
    let m = &result.metrics;
    let mut page = Page::new(&format!(
        "Canteen backtest {} → {}, horizon {} day(s)",
        m.test_from, m.test_to, m.horizon_days
    ));
    page.paragraph(&format!(
        "A model trained on the canteen-days before {} forecast each of the {} canteen-days of the period with only \
the information available {} day(s) before each day. Order quantity = forecast + {:.2} % (margin chosen on {}, \
never on this period){}. Compared with the agents' own forecast on the {} canteen-days where both the actual and the \
agents' forecast are known.",
        m.test_from,
        m.canteen_days,
        m.horizon_days,
        100.0 * m.relative_margin,
        m.validation.as_ref().map_or("a default".to_owned(), |v| v.describe_periods()),
        if m.recent_window_days > 0 {
            ", raised after the period's own shortfalls once they were known (see \"Margins raised after shortfalls\")"
        } else {
            ""
        },
        m.comparable_rows
    ));
    page.key_figures(&[
        (
            "City overproduction, model".into(),
            pct(m.model.city.overproduction_pct),
        ),
        (
            "City overproduction, agents".into(),
            pct(m.agents.city.overproduction_pct),
        ),
        (
            format!(
                "City shortage days (> {:.0} meals), model / agents",
                m.model.city.spare_meals
            ),
            format!(
                "{} / {}",
                m.model.city.shortage_days, m.agents.city.shortage_days
            ),
        ),
        (
            "Per canteen-day overproduction, model / agents".into(),
            format!(
                "{} / {}",
                pct(m.model.overproduction_pct),
                pct(m.agents.overproduction_pct)
            ),
        ),
        (
            "Shortage meals, model / agents".into(),
            format!(
                "{} / {}",
                meals(m.model.shortage_meals),
                meals(m.agents.shortage_meals)
            ),
        ),
    ]);

    page.heading("Side by side");
    let mut table = metrics_table("order quantities");
    metrics_row(&mut table, "model (forecast + margin)", &m.model);
    if m.recent_window_days > 0 {
        metrics_row(
            &mut table,
            "model, margin never raised",
            &m.model_chosen_level,
        );
    }
    metrics_row(&mut table, "agents' forecast", &m.agents);
    metrics_row(&mut table, "ridge fallback + chosen margin", &m.fallback);
    metrics_row(&mut table, "model, no margin", &m.model_no_margin);
    metrics_row(
        &mut table,
        "model, excluding strike days",
        &m.model_excluding_strikes,
    );
    metrics_row(
        &mut table,
        "agents, excluding strike days",
        &m.agents_excluding_strikes,
    );
    page.table(&table);
    let notice = canteen_features::spec::STRIKE_NOTICE_DAYS;
    page.note(&if canteen_features::spec::strikes_known(m.horizon_days) {
        format!(
            "{} strike day(s) in the period. Strikes are known {notice} days ahead: the forecast includes them, and the order starts from the forecast of the same day with no strike announced.",
            m.strike_days
        )
    } else {
        format!(
            "{} strike day(s) in the period. Strikes are known only {notice} days ahead: {} day(s) ahead the model forecasts a normal day.",
            m.strike_days, m.horizon_days
        )
    });

    page.heading("Trade-off: overproduction against shortage");
    let canteen_curve: Vec<(f64, f64)> = m
        .curve
        .iter()
        .map(|p| (p.metrics.shortage_meals, p.metrics.overproduction_pct))
        .collect();
    let chosen = vec![(m.model.shortage_meals, m.model.overproduction_pct)];
    let agents = vec![(m.agents.shortage_meals, m.agents.overproduction_pct)];
    page.raw(
        &LineChart::new(
            "Per canteen-day, margins 0–25 %",
            "shortage meals over the period",
            "overproduction (%)",
        )
        .series(Series::line(
            "model at each margin",
            PALETTE[0],
            canteen_curve,
        ))
        .series(Series::line("chosen margin", PALETTE[2], chosen).markers())
        .series(Series::line("agents", PALETTE[1], agents).markers())
        .y_from_zero()
        .to_svg(),
    );
    let city_curve: Vec<(f64, f64)> = m
        .curve
        .iter()
        .map(|p| (100.0 * p.relative_margin, p.metrics.city.overproduction_pct))
        .collect();
    let short_days: Vec<(f64, f64)> = m
        .curve
        .iter()
        .map(|p| {
            (
                100.0 * p.relative_margin,
                p.metrics.city.shortage_days as f64,
            )
        })
        .collect();
    page.raw(
        &LineChart::new(
            "City-wide, by margin",
            "margin (%)",
            "overproduction (%) / shortage days",
        )
        .series(Series::line(
            "city overproduction (%)",
            PALETTE[0],
            city_curve,
        ))
        .series(Series::line("city shortage days", PALETTE[1], short_days))
        .series(
            Series::line(
                "agents' city overproduction (%)",
                PALETTE[6],
                vec![
                    (0.0, m.agents.city.overproduction_pct),
                    (25.0, m.agents.city.overproduction_pct),
                ],
            )
            .dashed(),
        )
        .y_from_zero()
        .to_svg(),
    );

    page.heading("City daily totals");
    let x = |d: NaiveDate| f64::from(d.num_days_from_ce());
    let days = &result.city_days;
    let series = |f: fn(&crate::run::CityDay) -> f64| {
        days.iter().map(|d| (x(d.date), f(d))).collect::<Vec<_>>()
    };
    let mut ticks = Vec::new();
    let mut last_month = 0;
    for d in days {
        if d.date.month() != last_month {
            last_month = d.date.month();
            ticks.push((x(d.date), d.date.format("%b %y").to_string()));
        }
    }
    let strikes: Vec<(f64, f64)> = days
        .iter()
        .filter(|d| d.strike)
        .map(|d| (x(d.date) - 0.5, x(d.date) + 0.5))
        .collect();
    page.raw(
        &LineChart::new("Meals per day, all canteens", "day", "meals")
            .series(Series::line("served", PALETTE[6], series(|d| d.actual)))
            .series(Series::line(
                "agents' forecast",
                PALETTE[1],
                series(|d| d.agents),
            ))
            .series(Series::line(
                "model order quantity",
                PALETTE[0],
                series(|d| d.order_quantity),
            ))
            .series(Series::line("model forecast", PALETTE[2], series(|d| d.forecast)).dashed())
            .bands("strike day", strikes)
            .x_ticks(ticks)
            .to_svg(),
    );

    page.heading("Top factors");
    let bars: Vec<(String, f64)> = result
        .factors
        .iter()
        .take(15)
        .map(|f| (f.label_en.clone(), f.mean_abs_meals))
        .collect();
    page.raw(&BarChart::new("Mean absolute contribution per canteen-day", "meals", bars).to_svg());
    let mut table = Table::new(&[
        "factor",
        "group",
        "mean |effect| (meals)",
        "largest effect",
        "where",
    ]);
    for f in result.factors.iter().take(15) {
        table.row(&[
            format!("{} / {}", f.label_fr, f.label_en),
            f.group.clone(),
            format!("{:.2}", f.mean_abs_meals),
            format!("{:+.0}", f.largest_meals),
            format!("{} {}", f.largest_canteen, f.largest_date),
        ]);
    }
    page.table(&table);

    page.heading("Worst days, city-wide");
    let mut worst: Vec<&crate::run::CityDay> = days.iter().collect();
    worst.sort_by(|a, b| {
        (b.order_quantity - b.actual)
            .abs()
            .total_cmp(&(a.order_quantity - a.actual).abs())
    });
    let mut table = Table::new(&[
        "date",
        "served",
        "model order",
        "agents",
        "model − served",
        "strike",
        "main reasons (model)",
    ]);
    for d in worst.iter().take(12) {
        table.row(&[
            d.date.format("%a %Y-%m-%d").to_string(),
            meals(d.actual),
            meals(d.order_quantity),
            meals(d.agents),
            format!("{:+.0}", d.order_quantity - d.actual),
            if d.strike {
                "yes".into()
            } else {
                String::new()
            },
            d.reasons.join("; "),
        ]);
    }
    page.table(&table);

    if let Some(v) = &m.validation {
        page.heading("How the margin was chosen");
        let h = v.agents_history;
        page.paragraph(&format!(
            "Each validation school year ({}) was forecast by a model trained on the canteen-days before it, and each of \
its days gave the margin its city-wide total needed to fall short by no more than {:.0} meals (margins are scaled per \
canteen and per kind of day by the spread of their errors). Rule: {}. The agents fell short city-wide on {} of the {} \
school days known before the test period, a rate of 1 day in {:.0} ((k + ½) / (n + 1)); the level the model's days \
would exceed at that rate, read off an exponential tail fitted to the {} days that needed the most rather than taken \
from a single day, is {:.2} %{}. Chosen margin: {:.2} %. Days that needed the largest margins city-wide: {}.",
            v.describe_periods(),
            m.model.city.spare_meals,
            v.rule.description_en(),
            h.shortage_days,
            h.days,
            1.0 / h.rate(),
            canteen_model::margin::TAIL_DAYS,
            100.0 * v.city_level,
            v.meals_level.map_or(String::new(), |l| format!(
                "; the smallest margin with no more shortage meals per canteen-day than the agents on the same rows is {:.2} %",
                100.0 * l
            )),
            100.0 * v.chosen_margin,
            v.binding_days.iter().take(4).map(|(d, m)| format!("{d} ({:.2} %)", 100.0 * m)).collect::<Vec<_>>().join(", ")
        ));
        let mut table = metrics_table("validation year");
        metrics_row(&mut table, "model at chosen margin", &v.model);
        metrics_row(&mut table, "agents", &v.agents);
        metrics_row(&mut table, "ridge fallback", &v.fallback);
        page.table(&table);
    }
    if m.recent_window_days > 0 {
        page.heading("Margins raised after shortfalls");
        let needy = if m.needy_days.is_empty() {
            "No test day fell short at the chosen margin: it was never raised.".to_owned()
        } else {
            format!(
                "{} test day(s) fell short at the chosen margin: {}. The margin was raised on {} day(s).",
                m.needy_days.len(),
                m.needy_days
                    .iter()
                    .map(|n| format!(
                        "{} ({} meals beyond the spare meals; needed {:.2} %)",
                        n.date,
                        meals(n.shortfall_at_chosen),
                        100.0 * n.level
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                m.raised_margin_days
            )
        };
        page.paragraph(&format!(
            "Once a test day's meals served are known, the level of margin that day needed city-wide is known too. Each order uses the largest of the chosen margin ({:.2} %) and the levels needed by the days known when it was made ({} day(s) before) over the {} days before that. {needy}",
            100.0 * m.relative_margin,
            m.horizon_days,
            m.recent_window_days
        ));
    }

    page.heading("Model");
    page.paragraph(&format!(
        "{} — {}. Trained on {} canteen-days ({} → {}), fit in {:.1} s. Data fingerprint (SHA-256) {}. Largest \
|base + contributions − forecast| over all forecasts: {:.2e} meals.",
        result.card.version,
        result.card.algorithm,
        m.training_rows,
        result.card.training_from,
        result.card.training_to,
        m.fit_seconds,
        result.card.data_fingerprint,
        m.max_additivity_error
    ));
    page.to_html()
}

/// Writes `report.html` into `dir`.
pub fn write(dir: &Path, result: &BacktestResult) -> Result<(), BacktestError> {
    let path = dir.join("report.html");
    write_atomic(&path, render(result).as_bytes()).map_err(|source| BacktestError::Io {
        path: path.display().to_string(),
        source,
    })
}
