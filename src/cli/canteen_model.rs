//! `prevoir … canteen` for models: features, train, forecast, backtest, bench.

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

use canteen_backtest::years::{Accuracy, Pooled, SchoolYearRange, YearLine};
use canteen_backtest::{BacktestConfig, output, report, years};
use canteen_data::Loaded;
use canteen_features::FeatureBuilder;
use canteen_model::dataset::{evaluation_rows, is_training_day, training_rows};
use canteen_model::gbm::{ColumnMajor, GbmParams};
use canteen_model::linear::LinearParams;
use canteen_model::margin::MarginRule;
use canteen_model::{Learner, TrainConfig, store};

use crate::progress::Bar;

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    #[arg(long, default_value = "data-samples/canteen")]
    pub data: PathBuf,
    /// Parquet file to write.
    #[arg(long, default_value = "out/canteen-features.parquet")]
    pub out: PathBuf,
    /// Days between the information cut-off and the forecast day.
    #[arg(long, default_value_t = 28)]
    pub horizon: u32,
}

/// Which learner to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LearnerArg {
    /// Gradient-boosted trees (forust-ml) with exact TreeSHAP contributions.
    Gbm,
    /// Ridge regression (linfa): the transparent baseline.
    Linear,
}

/// What the safety margin guards against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MarginRuleArg {
    /// No more city-wide shortage days than the agents (beyond the drivers' 180 spare meals).
    City,
    /// Also no more shortage meals per canteen-day than the agents.
    Canteen,
}

impl From<MarginRuleArg> for MarginRule {
    fn from(arg: MarginRuleArg) -> Self {
        match arg {
            MarginRuleArg::City => MarginRule::City,
            MarginRuleArg::Canteen => MarginRule::CanteenAndCity,
        }
    }
}

/// What is fitted (train and backtest alike).
#[derive(Debug, Clone, Args)]
pub struct EstimatorArgs {
    #[arg(long, value_enum, default_value_t = LearnerArg::Gbm)]
    pub learner: LearnerArg,
    /// Blend in, equal parts, a model of the same canteen-days seen this many days ahead; 0 = none.
    /// Default: 28 for forecasts 1–2 days ahead (the steadier 28-day forecast tempers the
    /// day-before one), none beyond.
    #[arg(long, value_name = "DAYS")]
    pub blend_horizon: Option<u32>,
}

impl Default for EstimatorArgs {
    fn default() -> Self {
        Self {
            learner: LearnerArg::Gbm,
            blend_horizon: None,
        }
    }
}

/// How order quantities are derived from forecasts (train and backtest alike).
#[derive(Debug, Clone, Args)]
pub struct MarginArgs {
    /// What the safety margin guards against [default: city for horizons > 2 days (orders for the
    /// central kitchen), canteen for ≤ 2 days (meals cooked per canteen)].
    #[arg(long, value_enum)]
    pub margin_rule: Option<MarginRuleArg>,
    /// City-wide shortfall absorbed by the delivery drivers' spare meals: a day counts as a
    /// shortage day only beyond it (Nantes: 9 drivers × 20 meals).
    #[arg(long, default_value_t = canteen_model::metrics::DEFAULT_SPARE_MEALS)]
    pub spare_meals: f64,
    /// Once the model is in use, a city-wide day that fell short (beyond the spare meals) at the
    /// chosen margin raises the margin to the level it needed, for this many days after it is
    /// known; 0 keeps the margin chosen on the validation years.
    #[arg(long, default_value_t = canteen_model::train::DEFAULT_RECENT_WINDOW_DAYS)]
    pub recent_window_days: u32,
}

impl Default for MarginArgs {
    fn default() -> Self {
        Self {
            margin_rule: None,
            spare_meals: canteen_model::metrics::DEFAULT_SPARE_MEALS,
            recent_window_days: canteen_model::train::DEFAULT_RECENT_WINDOW_DAYS,
        }
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[arg(long, default_value = "data-samples/canteen")]
    pub data: PathBuf,
    /// Train on canteen-days strictly before this date (default: all data).
    #[arg(long)]
    pub until: Option<chrono::NaiveDate>,
    /// Days between the information cut-off and the forecast day (28–42 for orders, 1 for cooking).
    #[arg(long, default_value_t = 28)]
    pub horizon: u32,
    /// Model directory; an existing model there is kept as a timestamped file.
    #[arg(long, default_value = "models/canteen")]
    pub out: PathBuf,
    #[command(flatten)]
    pub estimator: EstimatorArgs,
    #[command(flatten)]
    pub margin: MarginArgs,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    #[arg(long, default_value = "models/canteen")]
    pub model: PathBuf,
    #[arg(long, default_value = "data-samples/canteen")]
    pub data: PathBuf,
    /// Day to forecast (YYYY-MM-DD).
    #[arg(long)]
    pub date: chrono::NaiveDate,
    /// Only this canteen (exact name, as in cantines.csv); default: every canteen.
    #[arg(long)]
    pub canteen: Option<String>,
    /// How many factors to show per canteen.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Print the forecasts with their full explanations as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    #[arg(long, default_value = "data-samples/canteen")]
    pub data: PathBuf,
    /// First day of the test period; the model is trained on data before it.
    #[arg(long, required_unless_present = "school_years")]
    pub test_from: Option<chrono::NaiveDate>,
    /// Last day of the test period (inclusive).
    #[arg(long, required_unless_present = "school_years")]
    pub test_to: Option<chrono::NaiveDate>,
    /// Instead of one period, every school year of a range, each forecast by a model trained on
    /// the years before it (e.g. `2014-15..2016-17`, or one year `2016-17`). Writes one directory
    /// per year under --out, then `summary.csv` (model beside agents, per year and pooled).
    #[arg(long, conflicts_with_all = ["test_from", "test_to"], value_name = "FIRST..LAST")]
    pub school_years: Option<SchoolYearRange>,
    #[arg(long, default_value_t = 28)]
    pub horizon: u32,
    /// Directory for predictions.csv, metrics.json and report.html.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub estimator: EstimatorArgs,
    #[command(flatten)]
    pub margin: MarginArgs,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, default_value = "data-samples/canteen")]
    pub data: PathBuf,
    #[arg(long, default_value_t = 28)]
    pub horizon: u32,
    /// Where to write the feature matrix the comparison fits on.
    #[arg(long, default_value = "out/bench/canteen-features.parquet")]
    pub parquet: PathBuf,
    /// Python interpreter with `lightgbm` and `polars` for the comparison (skipped if unusable).
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Script fitting LightGBM on the Parquet file with the same settings.
    #[arg(long, default_value = "notebooks/bench_lightgbm.py")]
    pub lightgbm_script: PathBuf,
    /// Fits per engine; medians are compared (the machine may be shared and noisy).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

fn learner(arg: LearnerArg) -> Learner {
    match arg {
        LearnerArg::Gbm => Learner::Gbm(GbmParams::default()),
        LearnerArg::Linear => Learner::Linear(LinearParams::default()),
    }
}

/// Loads and validates a data directory, saying which one on failure.
fn load(dir: &Path) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let loaded = canteen_data::load(dir)
        .with_context(|| format!("reading canteen data from {}", dir.display()))?;
    eprintln!(
        "read {} canteen-days, {} canteens, {} menu days from {} in {:.1} s",
        loaded.data.attendance.len(),
        loaded.data.canteens.len(),
        loaded.data.menus.len(),
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(loaded)
}

/// The data sources a model card cites: the synthetic sample's, or the Nantes open data's.
fn sources(loaded: &Loaded) -> Vec<prevoir_core::card::DataSource> {
    if loaded.synthetic_sample {
        canteen_model::train::sample_sources()
    } else {
        canteen_model::train::nantes_sources()
    }
}

fn last_day(loaded: &Loaded) -> anyhow::Result<NaiveDate> {
    loaded
        .data
        .attendance
        .iter()
        .map(|a| a.date)
        .max()
        .context("the data set has no attendance rows")
}

/// Training settings from the options `train` and `backtest` share.
fn train_config(
    loaded: &Loaded,
    horizon_days: u32,
    estimator: &EstimatorArgs,
    margin: &MarginArgs,
) -> TrainConfig {
    TrainConfig {
        horizon_days,
        companion_horizon_days: match estimator.blend_horizon {
            None => canteen_model::train::default_companion_horizon(horizon_days),
            Some(0) => None,
            Some(days) => Some(days),
        },
        learner: learner(estimator.learner),
        margin_rule: margin.margin_rule.map(MarginRule::from),
        spare_meals: margin.spare_meals,
        recent_window_days: margin.recent_window_days,
        data_sources: sources(loaded),
        ..TrainConfig::default()
    }
}

pub fn train(args: TrainArgs) -> anyhow::Result<()> {
    let loaded = load(&args.data)?;
    let config = TrainConfig {
        until: args.until,
        ..train_config(&loaded, args.horizon, &args.estimator, &args.margin)
    };
    let outcome = canteen_model::train::train(&loaded.data, &loaded.files, &config, &Bar::new())?;
    let cutoff = args
        .until
        .map_or(last_day(&loaded)?, |u| u - Duration::days(1));
    let mut context_data = store::context_snapshot(&loaded.data, cutoff);
    context_data.attendance.retain(|a| a.date <= cutoff);
    let saved = store::save(&args.out, &outcome.model, &context_data)?;
    let card = &outcome.model.card;
    println!("model      {}", card.version);
    println!(
        "trained on {} canteen-days, {} → {} (fit {:.1} s)",
        outcome.training_rows, card.training_from, card.training_to, outcome.fit_seconds
    );
    println!(
        "horizon    {} day(s); margin {:.2} % chosen on {}",
        args.horizon,
        100.0 * outcome.model.margin.relative_margin,
        outcome.model.margin.chosen_on
    );
    if let Some(v) = &outcome.validation {
        println!(
            "validation {} (each year forecast by a model trained before it):",
            v.describe_periods()
        );
        println!(
            "  {:<28} {:>12} {:>10} {:>12} {:>10}",
            "", "city over %", "short days", "over % (c-d)", "short meals"
        );
        for (name, m) in [
            ("model + margin", &v.model),
            ("agents", &v.agents),
            ("ridge fallback + margin", &v.fallback),
        ] {
            println!(
                "  {:<28} {:>12.2} {:>10} {:>12.2} {:>10.0}",
                name,
                m.city.overproduction_pct,
                m.city.shortage_days,
                m.overproduction_pct,
                m.shortage_meals
            );
        }
    }
    println!(
        "wrote      {}, {}, {}",
        saved.model.display(),
        saved.card.display(),
        saved.context.display()
    );
    if let Some(previous) = saved.previous {
        println!("kept       previous model as {}", previous.display());
    }
    Ok(())
}

pub fn forecast(args: ForecastArgs) -> anyhow::Result<()> {
    let model = store::load(&args.model)?;
    let loaded = load(&args.data)?;
    let builder = model.builder(&loaded.data);
    model.check_builder(&builder)?;
    let canteens: Vec<String> = match &args.canteen {
        Some(name) => {
            if !loaded.data.canteens.iter().any(|c| &c.name == name) {
                let names: Vec<&str> = loaded
                    .data
                    .canteens
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                anyhow::bail!(
                    "unknown canteen {name:?}; known canteens: {}",
                    names.join(", ")
                );
            }
            vec![name.clone()]
        }
        None => loaded
            .data
            .canteens
            .iter()
            .map(|c| c.name.clone())
            .collect(),
    };
    let cutoff = builder.cutoff(args.date);
    let data_end = last_day(&loaded)?;
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for canteen in &canteens {
        match builder.row(canteen, args.date) {
            Ok(row) => rows.push(row),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    let refs: Vec<_> = rows.iter().collect();
    // City-wide days known by the order date that fell short raise the margin.
    let (known_from, known_until) = model.recent_window(args.date);
    let recent = model.recent_needs_in(&builder, &loaded.data, known_from, known_until);
    let forecasts = model.forecast_with(&refs, &recent);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&forecasts)?);
        return Ok(());
    }
    println!(
        "{} — horizon {} day(s): information up to {cutoff}{}; model {}",
        args.date.format("%A %Y-%m-%d"),
        model.horizon_days,
        if cutoff > data_end {
            format!(" (data ends {data_end})")
        } else {
            String::new()
        },
        model.card.version
    );
    if !builder.is_service_day(args.date) {
        println!(
            "note: canteens do not usually serve meals on {} (holidays, weekend or no-canteen weekday)",
            args.date
        );
    }
    println!(
        "{:<28} {:>8} {:>8} {:>15}  main factors (meals)",
        "canteen", "forecast", "order", "80 % interval"
    );
    let (mut total_forecast, mut total_order) = (0.0, 0.0);
    for f in &forecasts {
        total_forecast += f.forecast_meals;
        total_order += f.order_quantity;
        println!(
            "{:<28} {:>8.0} {:>8.0} {:>7.0} – {:<5.0}  {}",
            format!("{:?}", f.canteen).trim_matches('"'),
            f.forecast_meals,
            f.order_quantity,
            f.interval_low,
            f.interval_high,
            f.explanation.top_reasons(args.top, true).join("; ")
        );
    }
    if forecasts.len() > 1 {
        println!(
            "{:<28} {:>8.0} {:>8.0}",
            "TOTAL", total_forecast, total_order
        );
    }
    if let Some(need) = forecasts.iter().find_map(|f| f.margin_raised_by) {
        println!(
            "margin raised from {:.2} % (chosen on {}) to {:.2} %: on {} the city-wide total fell short by {:.0} meals beyond the {:.0} spare meals at the chosen margin (days known by the order, {known_from} to {known_until})",
            100.0 * model.margin.relative_margin,
            model.margin.chosen_on,
            100.0 * need.level,
            need.date,
            need.shortfall_at_chosen,
            model.margin.spare_meals
        );
    }
    if let [f] = forecasts.as_slice() {
        println!(
            "\nbase: usual level {:.0} meals → average day at this level {:.1}",
            f.explanation.reference_meals, f.explanation.base_meals
        );
        for g in &f.explanation.groups {
            println!("  {:<26} {:+8.1}", g.label_fr, g.meals);
        }
        println!(
            "  {:<26} {:8.1} = forecast",
            "base + contributions",
            f.explanation.total()
        );
        if f.order_basis_meals != f.forecast_meals {
            println!(
                "order basis {:.1}: the model's forecast of this day with no strike announced ({:+.1} meals), since a strike's effect varies from none to a closure",
                f.order_basis_meals,
                f.order_basis_meals - f.forecast_meals
            );
        }
        let level = f
            .margin_raised_by
            .map_or(model.margin.relative_margin, |n| n.level);
        println!(
            "order {:.0} = ⌈{:.1} × (1 + {:.2} %)⌉: margin {:.2} % scaled for this canteen and a day of type \"{}\"; {}",
            f.order_quantity,
            f.order_basis_meals,
            100.0 * f.margin,
            100.0 * level,
            f.day_class.label_en(),
            model.margin.rule.description_en()
        );
    }
    for s in skipped {
        eprintln!("skipped: {s}");
    }
    Ok(())
}

pub fn backtest(args: BacktestArgs) -> anyhow::Result<()> {
    let loaded = load(&args.data)?;
    let train = train_config(&loaded, args.horizon, &args.estimator, &args.margin);
    if let Some(range) = &args.school_years {
        return backtest_school_years(&loaded, range, train, &args.out);
    }
    let (Some(test_from), Some(test_to)) = (args.test_from, args.test_to) else {
        anyhow::bail!("give --test-from and --test-to, or --school-years");
    };
    let config = BacktestConfig {
        test_from,
        test_to,
        train,
    };
    let result = canteen_backtest::run(&loaded.data, &loaded.files, &config, &Bar::new())?;
    output::write(&args.out, &result.predictions, &result.metrics)?;
    report::write(&args.out, &result)?;
    print_backtest(&result.metrics);
    println!(
        "wrote {}/predictions.csv, metrics.json, report.html",
        args.out.display()
    );
    Ok(())
}

/// One backtest per school year of `range`, each in its own directory, then `summary.csv`.
fn backtest_school_years(
    loaded: &Loaded,
    range: &SchoolYearRange,
    train: TrainConfig,
    out: &Path,
) -> anyhow::Result<()> {
    let periods = years::test_periods(&loaded.data, range)?;
    let mut lines = Vec::new();
    for (i, year) in periods.iter().enumerate() {
        eprintln!(
            "school year {} ({} of {}): {} → {}",
            year.label,
            i + 1,
            periods.len(),
            year.start,
            year.end
        );
        let config = BacktestConfig {
            test_from: year.start,
            test_to: year.end,
            train: train.clone(),
        };
        let result = canteen_backtest::run(&loaded.data, &loaded.files, &config, &Bar::new())
            .with_context(|| format!("backtest of school year {}", year.label))?;
        let dir = out.join(&year.label);
        output::write(&dir, &result.predictions, &result.metrics)?;
        report::write(&dir, &result)?;
        lines.push(YearLine::new(&year.label, &result.metrics));
    }
    let summary = out.join("summary.csv");
    prevoir_core::atomic::write_atomic(&summary, years::summary_csv(&lines).as_bytes())
        .with_context(|| format!("writing {}", summary.display()))?;
    println!(
        "horizon {} day(s); each school year forecast by a model trained on the years before it",
        train.horizon_days
    );
    let header = |a: [&str; 12]| {
        println!(
            "{:<11} {:>7} │ {:>10} {:>5} {:>9} {:>9} {:>6} │ {:>10} {:>5} {:>9} {:>9} {:>6}",
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]
        );
    };
    header(["", "", "model", "", "", "", "", "agents", "", "", "", ""]);
    header([
        "school year",
        "margin",
        "city over%",
        "short",
        "c-d over%",
        "short ml",
        "MAE",
        "city over%",
        "short",
        "c-d over%",
        "short ml",
        "MAE",
    ]);
    let row = |label: &str,
               margin: String,
               model: (&Pooled, Accuracy),
               agents: (&Pooled, Accuracy)| {
        println!(
            "{:<11} {:>7} │ {:>10.2} {:>5} {:>9.2} {:>9.0} {:>6.2} │ {:>10.2} {:>5} {:>9.2} {:>9.0} {:>6.2}",
            label,
            margin,
            model.0.city_overproduction_pct,
            model.0.city_shortage_days,
            model.0.overproduction_pct,
            model.0.shortage_meals,
            model.1.mean_absolute_error,
            agents.0.city_overproduction_pct,
            agents.0.city_shortage_days,
            agents.0.overproduction_pct,
            agents.0.shortage_meals,
            agents.1.mean_absolute_error
        );
    };
    for line in &lines {
        row(
            &line.school_year,
            format!("{:.2} %", 100.0 * line.relative_margin),
            (&Pooled::of([&line.model]), Accuracy::of([&line.central])),
            (&Pooled::of([&line.agents]), Accuracy::of([&line.agents])),
        );
    }
    row(
        "all years",
        String::new(),
        (
            &Pooled::of(lines.iter().map(|l| &l.model)),
            Accuracy::of(lines.iter().map(|l| &l.central)),
        ),
        (
            &Pooled::of(lines.iter().map(|l| &l.agents)),
            Accuracy::of(lines.iter().map(|l| &l.agents)),
        ),
    );
    println!(
        "short = city-wide shortage days (beyond {} spare meals); short ml = shortage meals per canteen-day; MAE = mean absolute error of the forecast per canteen-day (the model's before its margin)",
        train.spare_meals
    );
    println!(
        "wrote {}/<school year>/predictions.csv, metrics.json, report.html and {}",
        out.display(),
        summary.display()
    );
    Ok(())
}

/// The console summary of one backtest.
fn print_backtest(m: &canteen_backtest::run::BacktestMetrics) {
    println!(
        "{} → {}, horizon {} day(s): {} canteen-days forecast, {} comparable with the agents; margin {:.2} % (chosen on {})",
        m.test_from,
        m.test_to,
        m.horizon_days,
        m.canteen_days,
        m.comparable_rows,
        100.0 * m.relative_margin,
        m.validation
            .as_ref()
            .map_or("default".to_owned(), |v| v.describe_periods())
    );
    println!(
        "{:<30} {:>11} {:>11} {:>12} {:>12} {:>12} {:>9}",
        "", "city over%", "short days", "worst short", "over% (c-d)", "short meals", "under%"
    );
    for (name, x) in [
        ("model (forecast + margin)", &m.model),
        ("model, margin never raised", &m.model_chosen_level),
        ("agents' forecast", &m.agents),
        ("ridge fallback + margin", &m.fallback),
        ("model, no margin", &m.model_no_margin),
        ("model, excl. strike days", &m.model_excluding_strikes),
        ("agents, excl. strike days", &m.agents_excluding_strikes),
    ] {
        println!(
            "{:<30} {:>11.2} {:>11} {:>12.0} {:>12.2} {:>12.0} {:>9.1}",
            name,
            x.city.overproduction_pct,
            x.city.shortage_days,
            x.city.worst_shortfall,
            x.overproduction_pct,
            x.shortage_meals,
            x.under_forecast_rate_pct
        );
    }
    if m.recent_window_days > 0 {
        println!(
            "margin raised on {} day(s): {} test day(s) fell short at {:.2} %, each raising it for the {} days after it was known{}",
            m.raised_margin_days,
            m.needy_days.len(),
            100.0 * m.relative_margin,
            m.recent_window_days,
            if m.needy_days.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    m.needy_days
                        .iter()
                        .map(|n| format!("{} needed {:.2} %", n.date, 100.0 * n.level))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    println!(
        "strike days in period: {}; largest additivity error: {:.1e} meals",
        m.strike_days, m.max_additivity_error
    );
}

pub fn features(args: FeaturesArgs) -> anyhow::Result<()> {
    let loaded = load(&args.data)?;
    let written = export_features(&loaded, args.horizon, &args.out)?;
    println!(
        "wrote {} canteen-days × {} features to {}",
        written.0,
        written.1,
        args.out.display()
    );
    Ok(())
}

/// Writes every canteen-day's features at `horizon` to Parquet; returns (rows, features).
fn export_features(loaded: &Loaded, horizon: u32, out: &Path) -> anyhow::Result<(usize, usize)> {
    let builder = FeatureBuilder::new(&loaded.data, horizon);
    let (first, last) = (
        loaded
            .data
            .attendance
            .iter()
            .map(|a| a.date)
            .min()
            .context("no attendance rows")?,
        last_day(loaded)?,
    );
    let rows = evaluation_rows(&builder, &loaded.data, first, last);
    let eligible: std::collections::HashSet<(&str, NaiveDate)> = loaded
        .data
        .attendance
        .iter()
        .filter(|d| is_training_day(&builder, d))
        .map(|d| (d.canteen.as_str(), d.date))
        .collect();
    let export: Vec<tables::ExportRow> = rows
        .rows
        .iter()
        .zip(rows.actual.iter().zip(&rows.agents))
        .map(|(row, (actual, agents))| tables::ExportRow {
            date: row.date,
            canteen: row.canteen.clone(),
            horizon_days: horizon,
            actual: actual.map(|a| a as u32),
            agents_forecast: agents.map(|a| a as u32),
            reference_meals: row.reference_meals,
            training_eligible: eligible.contains(&(row.canteen.as_str(), row.date)),
            values: row.values.clone(),
        })
        .collect();
    let names: Vec<&str> = builder.specs().iter().map(|s| s.name).collect();
    let mut frame = tables::feature_frame(&names, &export)?;
    tables::write_parquet(&mut frame, out)?;
    Ok((export.len(), names.len()))
}

/// What the LightGBM script reports.
#[derive(Debug, serde::Deserialize)]
struct PeerFit {
    engine: String,
    fit_seconds: f64,
    holdout_rmse: f64,
    train_rows: usize,
}

pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let loaded = load(&args.data)?;
    let last = last_day(&loaded)?;
    let builder = FeatureBuilder::new(&loaded.data, args.horizon);
    // Hold out the last school year for an accuracy check; fit on everything before it.
    let holdout_from = loaded
        .data
        .school_years
        .iter()
        .map(|y| y.start)
        .filter(|s| *s <= last)
        .max()
        .context("no school year in the calendar")?;
    let started = Instant::now();
    let train_rows = training_rows(&builder, &loaded.data, None, holdout_from);
    let holdout = training_rows(
        &builder,
        &loaded.data,
        Some(holdout_from),
        last + Duration::days(1),
    );
    let feature_seconds = started.elapsed().as_secs_f64();
    let cols = builder.specs().len();
    let to_xy = |rows: &canteen_model::dataset::LabelledRows| {
        let x = ColumnMajor::from_rows(rows.rows.iter().map(|r| r.values.as_slice()), cols);
        let (y, w) = rows.targets();
        (x, y, w)
    };
    let (x, y, w) = to_xy(&train_rows);
    let (hx, hy, _) = to_xy(&holdout);
    let params = GbmParams::default();
    let mut fit_times = Vec::new();
    let mut fitted = None;
    for _ in 0..args.runs.max(1) {
        let started = Instant::now();
        fitted = Some(params.fit(&x, &y, &w)?);
        fit_times.push(started.elapsed().as_secs_f64());
    }
    let booster = fitted.context("no fit ran")?;
    let fit_seconds = canteen_model::margin::quantile(&mut fit_times, 0.5).unwrap_or(f64::NAN);
    let rmse = |p: &[f64], t: &[f64]| {
        (p.iter().zip(t).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / t.len().max(1) as f64).sqrt()
    };
    let holdout_rmse = rmse(&booster.predict(&hx), &hy);
    let started = Instant::now();
    let contributions = booster.contributions(&hx);
    let explain_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let config = TrainConfig {
        horizon_days: args.horizon,
        ..TrainConfig::default()
    };
    canteen_model::train::train(
        &loaded.data,
        &loaded.files,
        &config,
        &prevoir_core::progress::NoProgress,
    )?;
    let full_train_seconds = started.elapsed().as_secs_f64();

    println!(
        "canteen bench on {} (horizon {} d, {} threads)",
        args.data.display(),
        args.horizon,
        rayon_threads()
    );
    println!("{:<52} {:>10}", "step", "seconds");
    println!(
        "{:<52} {:>10.2}",
        format!(
            "features for {} + {} canteen-days",
            train_rows.len(),
            holdout.len()
        ),
        feature_seconds
    );
    println!(
        "{:<52} {:>10.2}",
        format!(
            "forust fit: {} rows × {cols}, {} trees, depth {} (median of {})",
            x.rows,
            params.iterations,
            params.max_depth,
            fit_times.len()
        ),
        fit_seconds
    );
    println!(
        "{:<52} {:>10.2}",
        format!(
            "TreeSHAP for {} rows ({:.1} µs/row)",
            contributions.len(),
            1e6 * explain_seconds / contributions.len().max(1) as f64
        ),
        explain_seconds
    );
    println!(
        "{:<52} {:>10.2}",
        "`train canteen` (validation fit + final fit, all data)", full_train_seconds
    );
    println!(
        "holdout RMSE of the ratio (forust): {holdout_rmse:.4} on {} rows from {holdout_from}",
        hy.len()
    );

    // The peer: LightGBM on exactly the same Parquet rows and settings.
    export_features(&loaded, args.horizon, &args.parquet)?;
    let output = std::process::Command::new(&args.python)
        .arg(&args.lightgbm_script)
        .arg(&args.parquet)
        .arg(holdout_from.to_string())
        .arg(serde_json::to_string(&params)?)
        .arg(args.runs.max(1).to_string())
        .output();
    match output {
        Ok(out) if out.status.success() => {
            let peer: PeerFit = serde_json::from_slice(&out.stdout)
                .context("reading the LightGBM script's JSON")?;
            println!(
                "{}: fit {:.2} s (median of {}) on {} rows, holdout RMSE {:.4} → time ratio forust / {} = {:.2}×",
                peer.engine,
                peer.fit_seconds,
                args.runs.max(1),
                peer.train_rows,
                peer.holdout_rmse,
                peer.engine,
                fit_seconds / peer.fit_seconds
            );
        }
        Ok(out) => eprintln!(
            "LightGBM comparison skipped: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("failed")
        ),
        Err(e) => eprintln!(
            "LightGBM comparison skipped: cannot run {}: {e}",
            args.python
        ),
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
