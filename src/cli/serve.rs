//! `prevoir serve`: the HTTP API and the web page over the trained models.

use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serve::{ServeConfig, Server, shutdown_signal};

/// Serve forecasts, leak scores, model cards and public-algorithm notices over HTTP.
///
/// The web page for canteen managers and water engineers is at `/`; the API is described at
/// `/openapi.json` and readable at `/docs`. Writing endpoints (model reload, readings ingest) need
/// `Authorization: Bearer <token>`, the token coming from `--token-file` or the environment
/// variable `PREVOIR_API_TOKEN`; without a token, writing is disabled. Leak data is readable with
/// the token only, unless `--public-leaks`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Directory holding the trained models, one sub-directory each (`canteen/`, `canteen-h1/`,
    /// `leaks/`).
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Address to listen on (`127.0.0.1:0` picks a free port and prints it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// File holding the bearer token for writing endpoints (first line; overrides
    /// `PREVOIR_API_TOKEN`).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Let anyone read leak scores, alarms and the network sketch (by default the token is needed).
    #[arg(long)]
    pub public_leaks: bool,
    /// Directory with SCADA files `flows.csv`, `pressures.csv`, `levels.csv` to score at start-up,
    /// e.g. `data-samples/leaks`.
    #[arg(long)]
    pub leak_readings: Option<PathBuf>,
    /// EPANET `.inp` file of the leak model's network (default: the one named in its model card).
    #[arg(long)]
    pub network: Option<PathBuf>,
    /// Abandon requests that take longer than this (seconds).
    #[arg(long, default_value_t = 10.0)]
    pub timeout_seconds: f64,
    /// Days of ingested leak readings kept in memory.
    #[arg(long, default_value_t = 90)]
    pub readings_days: i64,
    /// Do not precompute the forecasts of every canteen around the last day with data at start-up
    /// (they are then computed on first request).
    #[arg(long)]
    pub no_precompute: bool,
}

fn token(args: &ServeArgs) -> anyhow::Result<Option<String>> {
    let token = match &args.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the token file {}", path.display()))?;
            Some(text.lines().next().unwrap_or_default().trim().to_owned())
        }
        None => std::env::var("PREVOIR_API_TOKEN")
            .ok()
            .map(|t| t.trim().to_owned()),
    };
    match token {
        Some(t) if t.is_empty() => anyhow::bail!(
            "the API token is empty: put a secret in the token file or PREVOIR_API_TOKEN"
        ),
        other => Ok(other),
    }
}

pub fn config(args: &ServeArgs) -> anyhow::Result<ServeConfig> {
    anyhow::ensure!(
        args.timeout_seconds.is_finite() && args.timeout_seconds > 0.0,
        "--timeout-seconds must be a positive number of seconds"
    );
    anyhow::ensure!(args.readings_days > 0, "--readings-days must be at least 1");
    let mut config = ServeConfig::new(&args.models);
    config.token = token(args)?;
    config.leaks_public = args.public_leaks;
    config.leak_readings = args.leak_readings.clone();
    config.network = args.network.clone();
    config.request_timeout = Duration::from_secs_f64(args.timeout_seconds);
    config.readings_kept_days = args.readings_days;
    config.precompute = !args.no_precompute;
    Ok(config)
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = config(&args)?;
    let writing = if config.token.is_some() {
        "enabled (bearer token)"
    } else {
        "disabled (no token)"
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = Server::bind(config, &args.addr)
            .await
            .with_context(|| format!("starting the server on {}", args.addr))?;
        let addr = server.local_addr()?;
        let models = server.state().models();
        for (name, entry) in &models.entries {
            println!(
                "model {name}: {} (data up to {})",
                entry.provenance.model_version, entry.provenance.data_cutoff
            );
        }
        println!(
            "writing endpoints {writing}; leak data {}",
            if args.public_leaks {
                "public"
            } else {
                "needs the token"
            }
        );
        // One line, the address first after "listening on": scripts and tests read it there.
        println!(
            "Prévoir listening on http://{addr} (web page: http://{addr}/, API documentation: http://{addr}/docs)"
        );
        std::io::stdout().flush()?;
        server
            .run_until(shutdown_signal())
            .await
            .context("serving")?;
        println!("stopped");
        Ok(())
    })
}

/// Load benchmark of the API on loopback (see `serve::bench`).
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Models to serve.
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// SCADA sample directory: held by the server, and one day of it is posted for scoring.
    #[arg(long, default_value = "data-samples/leaks")]
    pub leak_readings: PathBuf,
    /// Seconds per throughput scenario.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of the memory soak (resident memory is read at its start and end).
    #[arg(long, default_value_t = 60)]
    pub soak_seconds: u64,
    /// Concurrent keep-alive connections (the load generator uses one core).
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
}

/// Starts `prevoir serve` as a child process on a free loopback port, drives it, prints a table.
/// Build with `--release` for meaningful numbers.
pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.connections > 0, "--connections must be at least 1");
    let options = serve::bench::BenchOptions {
        server: std::env::current_exe().context("locating the prevoir binary")?,
        server_args: vec![
            "serve".into(),
            "--models".into(),
            args.models.display().to_string(),
            "--leak-readings".into(),
            args.leak_readings.display().to_string(),
        ],
        token: "bench-token".into(),
        leak_readings: args.leak_readings.clone(),
        duration: Duration::from_secs(args.seconds),
        soak: Duration::from_secs(args.soak_seconds),
        connections: args.connections,
    };
    let report = serve::bench::run_blocking(&options, |step| eprintln!("… {step}"))?;
    print!("{}", report.table());
    Ok(())
}
