//! `prevoir demo`: the newcomer's first run. Backtests both domains on the shipped samples (each
//! backtest trains its own model on the sample's earlier period) and writes the HTML reports.

use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

use super::{canteen_model, leaks};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the reports.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
}

fn date(text: &str) -> anyhow::Result<chrono::NaiveDate> {
    Ok(text.parse()?)
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let canteen_out = args.out.join("canteen");
    let leaks_out = args.out.join("leaks");

    println!(
        "== Canteens: a small town's 7 canteens (data-samples/canteen), school year 2017-2018 forecast 28 days ahead\n"
    );
    canteen_model::backtest(canteen_model::BacktestArgs {
        data: PathBuf::from("data-samples/canteen"),
        test_from: Some(date("2017-09-04")?),
        test_to: Some(date("2018-07-06")?),
        school_years: None,
        horizon: 28,
        out: canteen_out.clone(),
        estimator: canteen_model::EstimatorArgs::default(),
        // A town of ~1,000 meals a day: spare meals in proportion to Nantes' 180 for ~14,000.
        margin: canteen_model::MarginArgs {
            spare_meals: 15.0,
            ..Default::default()
        },
    })?;

    println!(
        "\n== Leaks: a small network with injected leaks (data-samples/leaks), 3 weeks of training, 3 weeks of test\n"
    );
    let sample = |name: &str| PathBuf::from("data-samples/leaks").join(name);
    leaks::backtest(leaks::BacktestArgs {
        network: sample("network.inp"),
        sensors: leaks::SensorFiles {
            flows: vec![sample("flows.csv")],
            pressures: vec![sample("pressures.csv")],
            levels: vec![sample("levels.csv")],
        },
        labels: sample("leak_labels.csv"),
        leak_flows: vec![sample("leakages.csv")],
        train_from: date("2019-01-07")?,
        train_to: date("2019-01-27")?,
        test_from: date("2019-01-28")?,
        test_to: date("2019-02-17")?,
        out: leaks_out.clone(),
    })?;

    println!(
        "\nDone in {:.0} s. Open the reports in a browser:",
        started.elapsed().as_secs_f64()
    );
    println!("  {}", canteen_out.join("report.html").display());
    println!("  {}", leaks_out.join("report.html").display());
    println!(
        "Next: `prevoir forecast canteen --date 2018-06-05` (shipped model in models/canteen), `prevoir serve`."
    );
    Ok(())
}
