//! `prevoir`: explainable meal forecasts for school canteens and leak alarms for water networks.
//!
//! The binary is the edge of the system: it parses the command line, shows progress, and turns
//! library errors into messages (`anyhow`). All the work lives in the crates under `crates/`.

mod cli;
mod progress;

use clap::{Parser, Subcommand};

/// Prévoir: fewer meals thrown away in school canteens, less drinking water lost to leaks.
///
/// Every forecast and every score comes with the factors that moved it, in meals or metres.
/// Start with `prevoir demo`, which trains on the shipped sample data and writes HTML reports.
#[derive(Debug, Parser)]
#[command(name = "prevoir", version, about, long_about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check input data files and print a quality report.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Generate the deterministic sample data sets shipped in `data-samples/`.
    Samples {
        #[command(subcommand)]
        domain: SamplesCommand,
    },
    /// Export the feature matrix to Parquet, to compare another library on the same data.
    Features {
        #[command(subcommand)]
        domain: FeaturesCommand,
    },
    /// Train a model and write it with its model card (the previous model is kept).
    Train {
        #[command(subcommand)]
        domain: TrainCommand,
    },
    /// Forecast meals for one day, with the order quantity and the reasons.
    Forecast {
        #[command(subcommand)]
        domain: ForecastCommand,
    },
    /// Score sensor data with a trained leak model and list the alarms.
    Score {
        #[command(subcommand)]
        domain: ScoreCommand,
    },
    /// Replay a past period as if live and measure the forecasts or alarms against what happened.
    Backtest {
        #[command(subcommand)]
        domain: BacktestCommand,
    },
    /// Measure speed (training, scoring) and print a table; numbers depend on the machine.
    Bench {
        #[command(subcommand)]
        domain: BenchCommand,
    },
    /// Serve the HTTP API and the web page.
    Serve(cli::serve::ServeArgs),
    /// Train on the shipped samples, backtest both domains and write the HTML reports.
    Demo(cli::demo::DemoArgs),
}

#[derive(Debug, Subcommand)]
enum DataCommand {
    /// Validate every input file and print a quality report; exits non-zero on a schema error.
    Check {
        #[command(subcommand)]
        domain: CheckCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CheckCommand {
    /// Nantes-schema canteen data (attendance, menus, calendars, enrolment, epidemics).
    Canteen(cli::canteen::CheckArgs),
    /// Water network and SCADA data (EPANET .inp, flows, pressures, levels).
    Leaks(cli::leaks::CheckArgs),
}

#[derive(Debug, Subcommand)]
enum SamplesCommand {
    /// A small town's canteens over three school years, in the Nantes schemas.
    Canteen(cli::canteen::SamplesArgs),
    /// A small network and a few weeks of sensor data with injected leaks.
    Leaks(cli::leaks::SamplesArgs),
}

#[derive(Debug, Subcommand)]
enum FeaturesCommand {
    /// The canteen-day feature matrix with the target and the agents' forecast.
    Canteen(cli::canteen_model::FeaturesArgs),
}

#[derive(Debug, Subcommand)]
enum TrainCommand {
    /// Meal forecasts per canteen and day.
    Canteen(cli::canteen_model::TrainArgs),
    /// Normal-behaviour models and alarm thresholds for a water network.
    Leaks(cli::leaks::TrainArgs),
}

#[derive(Debug, Subcommand)]
enum ForecastCommand {
    /// Meals to cook and to order for a day, per canteen, with the top factors.
    Canteen(cli::canteen_model::ForecastArgs),
}

#[derive(Debug, Subcommand)]
enum ScoreCommand {
    /// Leak scores per area and alarms with candidate pipes.
    Leaks(cli::leaks::ScoreArgs),
}

#[derive(Debug, Subcommand)]
enum BacktestCommand {
    /// Forecast every canteen-day of a test period with only the information available then.
    Canteen(cli::canteen_model::BacktestArgs),
    /// Detect, locate and size leaks over a test period; BattLeDIM economic score.
    Leaks(cli::leaks::BacktestArgs),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Training time on the real data, and versus LightGBM on the same feature matrix.
    Canteen(cli::canteen_model::BenchArgs),
    /// Scoring time for a year of 5-minute sensor data.
    Leaks(cli::leaks::BenchArgs),
    /// HTTP API load on loopback: throughput, p50/p99 latency, errors, memory over a soak.
    Api(cli::serve::BenchArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    use cli::{canteen, canteen_model, leaks};
    match command {
        Command::Data {
            command: DataCommand::Check { domain },
        } => match domain {
            CheckCommand::Canteen(args) => canteen::check(args),
            CheckCommand::Leaks(args) => leaks::check(args),
        },
        Command::Samples { domain } => match domain {
            SamplesCommand::Canteen(args) => canteen::samples(args),
            SamplesCommand::Leaks(args) => leaks::samples(args),
        },
        Command::Features {
            domain: FeaturesCommand::Canteen(args),
        } => canteen_model::features(args),
        Command::Train { domain } => match domain {
            TrainCommand::Canteen(args) => canteen_model::train(args),
            TrainCommand::Leaks(args) => leaks::train(args),
        },
        Command::Forecast {
            domain: ForecastCommand::Canteen(args),
        } => canteen_model::forecast(args),
        Command::Score {
            domain: ScoreCommand::Leaks(args),
        } => leaks::score(args),
        Command::Backtest { domain } => match domain {
            BacktestCommand::Canteen(args) => canteen_model::backtest(args),
            BacktestCommand::Leaks(args) => leaks::backtest(args),
        },
        Command::Bench { domain } => match domain {
            BenchCommand::Canteen(args) => canteen_model::bench(args),
            BenchCommand::Leaks(args) => leaks::bench(args),
            BenchCommand::Api(args) => cli::serve::bench(args),
        },
        Command::Serve(args) => cli::serve::run(args),
        Command::Demo(args) => cli::demo::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
