//! Development harness: backtest on a data directory and print the headline metrics.
//! `cargo run -p canteen-backtest --example experiment -- DIR FROM TO HORIZON [OUT]`
//! `PREVOIR_TREES=300 PREVOIR_LEARNING_RATE=0.05` override the boosted trees' settings,
//! `PREVOIR_VALIDATION_YEARS=3` the number of school years the margin is chosen on.

use canteen_backtest::{BacktestConfig, run};
use canteen_model::gbm::GbmParams;
use canteen_model::{Learner, TrainConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("../shared/data/nantes", String::as_str));
    let from = args.get(2).map_or("2017-09-04", String::as_str).parse()?;
    let to = args.get(3).map_or("2018-07-06", String::as_str).parse()?;
    let horizon: u32 = args.get(4).map_or("28", String::as_str).parse()?;
    let started = std::time::Instant::now();
    let loaded = canteen_data::load(&dir)?;
    eprintln!("loaded in {:.1}s", started.elapsed().as_secs_f64());
    let mut gbm = GbmParams::default();
    if let Ok(trees) = std::env::var("PREVOIR_TREES") {
        gbm.iterations = trees.parse()?;
    }
    if let Ok(rate) = std::env::var("PREVOIR_LEARNING_RATE") {
        gbm.learning_rate = rate.parse()?;
    }
    eprintln!(
        "{} trees, learning rate {}, depth {}",
        gbm.iterations, gbm.learning_rate, gbm.max_depth
    );
    let train = TrainConfig {
        horizon_days: horizon,
        learner: Learner::Gbm(gbm),
        ..TrainConfig::default()
    };
    let mut train = train;
    if let Ok(years) = std::env::var("PREVOIR_VALIDATION_YEARS") {
        train.validation_years = years.parse()?;
    }
    let config = BacktestConfig {
        test_from: from,
        test_to: to,
        train,
    };
    let result = run(
        &loaded.data,
        &loaded.files,
        &config,
        &prevoir_core::progress::NoProgress,
    )?;
    if let Some(out) = args.get(5) {
        canteen_backtest::output::write(
            std::path::Path::new(out),
            &result.predictions,
            &result.metrics,
        )?;
        canteen_backtest::report::write(std::path::Path::new(out), &result)?;
    }
    let m = &result.metrics;
    eprintln!(
        "done in {:.1}s (fit {:.1}s, {} rows)",
        started.elapsed().as_secs_f64(),
        m.fit_seconds,
        m.training_rows
    );
    println!(
        "margin {:.2}%  comparable {}",
        100.0 * m.relative_margin,
        m.comparable_rows
    );
    for (name, x) in [
        ("model", &m.model),
        ("agents", &m.agents),
        ("ridge", &m.fallback),
        ("nomargin", &m.model_no_margin),
        ("model-ns", &m.model_excluding_strikes),
        ("agents-ns", &m.agents_excluding_strikes),
    ] {
        println!(
            "{:<10} city over {:6.2}%  short days {:3}  worst {:5.0}  | c-d over {:6.2}%  short meals {:7.0}  under {:5.1}%  MAE {:5.2}  cityMAE {:6.1}",
            name,
            x.city.overproduction_pct,
            x.city.shortage_days,
            x.city.worst_shortfall,
            x.overproduction_pct,
            x.shortage_meals,
            x.under_forecast_rate_pct,
            x.mean_absolute_error,
            x.city.mean_absolute_error
        );
    }
    if let Some(v) = &m.validation {
        println!(
            "validation {}: chosen {:.2}% binding {:?}",
            v.describe_periods(),
            100.0 * v.chosen_margin,
            v.binding_days
        );
        for (name, x) in [
            ("model", &v.model),
            ("agents", &v.agents),
            ("ridge", &v.fallback),
        ] {
            println!(
                "  {:<8} city over {:6.2}% short days {:3} | c-d over {:6.2}% short meals {:7.0}",
                name,
                x.city.overproduction_pct,
                x.city.shortage_days,
                x.overproduction_pct,
                x.shortage_meals
            );
        }
    }
    for f in result.factors.iter().take(12) {
        println!("  {:<28} {:6.2}", f.feature, f.mean_abs_meals);
    }
    let mut worst: Vec<_> = result.city_days.iter().collect();
    worst.sort_by(|a, b| (a.order_quantity - a.actual).total_cmp(&(b.order_quantity - b.actual)));
    for d in worst.iter().take(6) {
        println!(
            "  short {} actual {:.0} order {:.0} agents {:.0} strike {} {:?}",
            d.date, d.actual, d.order_quantity, d.agents, d.strike, d.reasons
        );
    }
    Ok(())
}
