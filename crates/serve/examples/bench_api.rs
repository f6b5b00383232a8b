//! The API load benchmark without building the whole `prevoir` binary (whose release build
//! includes polars): this example is both the server (`bench_api serve …`) and the load generator.
//! Same library code as `prevoir bench api` and `prevoir serve`.
//!
//! ```text
//! cargo run --release -p serve --example bench_api -- [--seconds 10] [--soak-seconds 60] [--connections 8]
//! ```

use std::path::PathBuf;
use std::time::Duration;

fn value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let models = value(&args, "--models").unwrap_or_else(|| "models".into());
    let readings = value(&args, "--leak-readings").unwrap_or_else(|| "data-samples/leaks".into());
    if args.first().map(String::as_str) == Some("serve") {
        let mut config = serve::ServeConfig::new(&models);
        config.token = std::env::var("PREVOIR_API_TOKEN").ok();
        config.leak_readings = Some(PathBuf::from(&readings));
        let addr = value(&args, "--addr").unwrap_or_else(|| "127.0.0.1:0".into());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return runtime.block_on(async move {
            let server = serve::Server::bind(config, &addr).await?;
            println!("listening on http://{}", server.local_addr()?);
            server.run_until(serve::shutdown_signal()).await?;
            Ok(())
        });
    }
    let seconds: u64 = value(&args, "--seconds").map_or(Ok(10), |s| s.parse())?;
    let soak: u64 = value(&args, "--soak-seconds").map_or(Ok(60), |s| s.parse())?;
    let connections: usize = value(&args, "--connections").map_or(Ok(8), |s| s.parse())?;
    let options = serve::bench::BenchOptions {
        server: std::env::current_exe()?,
        server_args: vec![
            "serve".into(),
            "--models".into(),
            models,
            "--leak-readings".into(),
            readings.clone(),
        ],
        token: "bench-token".into(),
        leak_readings: PathBuf::from(readings),
        duration: Duration::from_secs(seconds),
        soak: Duration::from_secs(soak),
        connections,
    };
    let report = serve::bench::run_blocking(&options, |step| eprintln!("… {step}"))?;
    print!("{}", report.table());
    Ok(())
}
