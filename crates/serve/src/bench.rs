//! The load benchmark: starts `prevoir serve` (or any command that prints "listening on
//! http://ADDR") as a child process on loopback, drives it with a small keep-alive HTTP/1.1 load
//! generator for a bounded time per scenario, and reports throughput, latency percentiles, errors
//! and the server's resident memory at the start and end of a soak. Every number is measured;
//! nothing here knows what the result "should" be.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The server command; `--addr 127.0.0.1:0` is appended.
    pub server: PathBuf,
    pub server_args: Vec<String>,
    /// Token given to the server (`PREVOIR_API_TOKEN`) and sent by the load generator.
    pub token: String,
    /// Sample SCADA directory: one day of it is posted in the leak scenario.
    pub leak_readings: PathBuf,
    /// Length of each throughput scenario.
    pub duration: Duration,
    /// Length of the memory soak (forecast load).
    pub soak: Duration,
    /// Concurrent keep-alive connections.
    pub connections: usize,
}

/// One scenario's measurements.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub name: String,
    pub connections: usize,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl ScenarioResult {
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Everything measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub scenarios: Vec<ScenarioResult>,
    pub rss_start_bytes: Option<u64>,
    pub rss_end_bytes: Option<u64>,
    pub soak_seconds: f64,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("starting the server: {0}")]
    Start(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Setup(String),
}

/// A child server process, killed when dropped.
struct ServerProcess {
    child: Child,
    addr: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(options: &BenchOptions) -> Result<ServerProcess, BenchError> {
    let mut child = Command::new(&options.server)
        .args(&options.server_args)
        .args(["--addr", "127.0.0.1:0"])
        .env("PREVOIR_API_TOKEN", &options.token)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| BenchError::Start(format!("{}: {e}", options.server.display())))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| BenchError::Start("no stdout".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    break rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                }
            }
            _ => {
                let _ = child.kill();
                return Err(BenchError::Start(
                    "the server stopped before listening".into(),
                ));
            }
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok(ServerProcess { child, addr })
}

/// Resident memory of a process (Linux), in bytes.
pub fn rss_of(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Reads one HTTP/1.1 response with a `Content-Length`; returns its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<u16> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).map_err(std::io::Error::other)?;
            let status: u16 = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())
                        .flatten()
                })
                .ok_or_else(|| std::io::Error::other("response without Content-Length"))?;
            let total = end + 4 + length;
            while buffer.len() < total {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            buffer.drain(..total);
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// How long a scenario runs.
#[derive(Debug, Clone, Copy)]
enum Until {
    /// Cycle the requests until the time is up.
    Elapsed(Duration),
    /// Send each request once.
    EachOnce,
}

/// Drives `connections` keep-alive connections over `requests`.
async fn drive(
    addr: &str,
    name: &str,
    requests: &[Vec<u8>],
    connections: usize,
    until: Until,
) -> ScenarioResult {
    let duration = match until {
        Until::Elapsed(d) => d,
        Until::EachOnce => Duration::from_secs(3600),
    };
    let once = matches!(until, Until::EachOnce);
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let addr = addr.to_owned();
        let requests: Vec<Vec<u8>> = requests.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let mut errors = 0u64;
            let mut buffer = Vec::with_capacity(64 * 1024);
            let mut stream = match TcpStream::connect(&addr).await {
                Ok(s) => s,
                Err(_) => return (latencies, 1),
            };
            let _ = stream.set_nodelay(true);
            let mut i = if once { c } else { c * 7919 };
            while Instant::now() < deadline && !(once && i >= requests.len()) {
                let request = &requests[i % requests.len()];
                i += if once { connections } else { 1 };
                let sent = Instant::now();
                let outcome = match stream.write_all(request).await {
                    Ok(()) => read_response(&mut stream, &mut buffer).await,
                    Err(e) => Err(e),
                };
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                match outcome {
                    Ok(status) if (200..300).contains(&status) => latencies.push(micros),
                    Ok(_) => {
                        latencies.push(micros);
                        errors += 1;
                    }
                    Err(_) => {
                        errors += 1;
                        buffer.clear();
                        match TcpStream::connect(&addr).await {
                            Ok(s) => stream = s,
                            Err(_) => break,
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all: Vec<u32> = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((latencies, e)) = task.await {
            all.extend(latencies);
            errors += e;
        } else {
            errors += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |q: f64| {
        if all.is_empty() {
            f64::NAN
        } else {
            f64::from(all[((all.len() - 1) as f64 * q).round() as usize]) / 1000.0
        }
    };
    ScenarioResult {
        name: name.to_owned(),
        connections,
        requests: all.len() as u64,
        errors,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
    }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}

fn post(path: &str, token: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// One GET, answered in full (for set-up).
async fn fetch_json(addr: &str, path: &str) -> Result<serde_json::Value, BenchError> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await?;
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| BenchError::Setup(format!("{path}: no answer")))?;
    serde_json::from_slice(&bytes[end + 4..]).map_err(|e| BenchError::Setup(format!("{path}: {e}")))
}

/// One day of the sample readings as a SCADA table with every sensor (the CSV upload form).
fn one_day_csv(dir: &std::path::Path) -> Result<String, BenchError> {
    let readings = crate::leaks::LeakStore::read_dir(dir).map_err(BenchError::Setup)?;
    let day = readings.slice(0, (24 * 60 / readings.step_minutes.max(1)) as usize);
    let columns: Vec<(&String, &Vec<f64>)> = day
        .flows
        .iter()
        .chain(&day.pressures)
        .chain(&day.levels)
        .collect();
    let mut text = String::from("Timestamp");
    for (id, _) in &columns {
        text.push(';');
        text.push_str(id);
    }
    text.push('\n');
    for t in 0..day.len {
        text.push_str(&day.time(t).format("%Y-%m-%d %H:%M:%S").to_string());
        for (_, values) in &columns {
            text.push(';');
            if values[t].is_finite() {
                text.push_str(&values[t].to_string());
            }
        }
        text.push('\n');
    }
    Ok(text)
}

/// Runs [`run`] on a one-thread runtime: the load generator uses at most one core, and the server
/// (a separate process) the rest.
pub fn run_blocking(
    options: &BenchOptions,
    progress: impl Fn(&str),
) -> Result<BenchReport, BenchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(options, progress))
}

/// Runs every scenario against a fresh server.
pub async fn run(
    options: &BenchOptions,
    progress: impl Fn(&str),
) -> Result<BenchReport, BenchError> {
    let server = start_server(options)?;
    let addr = server.addr.clone();
    let pid = server.child.id();
    progress(&format!(
        "server pid {pid} on {addr}; waiting for the precompute"
    ));
    let mut waited = 0;
    loop {
        let health = fetch_json(&addr, "/health").await?;
        let pending = health["precompute"]
            .as_array()
            .map(|a| a.iter().any(|p| p["done"].as_u64() < p["total"].as_u64()))
            .unwrap_or(false);
        if !pending || waited > 600 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        waited += 1;
    }
    let canteens = fetch_json(&addr, "/v1/canteens").await?;
    let health = fetch_json(&addr, "/health").await?;
    let window = health["precompute"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["model_name"] == canteens["model_name"]))
        .ok_or_else(|| {
            BenchError::Setup("no precompute window for the default canteen model".into())
        })?;
    let from = crate::api::canteens::parse_day(window["from"].as_str().unwrap_or_default())
        .map_err(BenchError::Setup)?;
    let to = crate::api::canteens::parse_day(window["to"].as_str().unwrap_or_default())
        .map_err(BenchError::Setup)?;
    let ids: Vec<String> = canteens["canteens"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(BenchError::Setup(
            "the canteen model knows no canteen".into(),
        ));
    }
    let mut forecast_requests = Vec::new();
    let mut day = from;
    while day <= to {
        for id in &ids {
            forecast_requests.push(get(&format!("/v1/canteens/{id}/forecast?date={day}")));
        }
        day += chrono::Duration::days(1);
    }
    let csv = one_day_csv(&options.leak_readings)?;
    let score_request = vec![post(
        "/v1/leaks/score",
        &options.token,
        "text/csv",
        csv.as_bytes(),
    )];

    let mut scenarios = Vec::new();
    progress("warm-up (2 s)");
    drive(
        &addr,
        "warm-up",
        &forecast_requests,
        options.connections,
        Until::Elapsed(Duration::from_secs(2)),
    )
    .await;
    progress("forecasts with explanations");
    scenarios.push(
        drive(
            &addr,
            "GET /v1/canteens/{id}/forecast (precomputed days)",
            &forecast_requests,
            options.connections,
            Until::Elapsed(options.duration),
        )
        .await,
    );
    progress("forecasts on one connection");
    scenarios.push(
        drive(
            &addr,
            "GET /v1/canteens/{id}/forecast, 1 connection",
            &forecast_requests,
            1,
            Until::Elapsed(options.duration),
        )
        .await,
    );
    progress("forecasts computed on request");
    // Days a year before the window: never precomputed, each computed once, on one connection.
    let mut cold = Vec::new();
    let mut day = from - chrono::Duration::days(365);
    while day < from - chrono::Duration::days(305) {
        for id in &ids {
            cold.push(get(&format!("/v1/canteens/{id}/forecast?date={day}")));
        }
        day += chrono::Duration::days(1);
    }
    scenarios.push(
        drive(
            &addr,
            "GET /v1/canteens/{id}/forecast, computed on request (each day once)",
            &cold,
            1,
            Until::EachOnce,
        )
        .await,
    );
    progress("leak scoring of one day");
    scenarios.push(
        drive(
            &addr,
            "POST /v1/leaks/score (1 day, 5-min SCADA CSV)",
            &score_request,
            options.connections,
            Until::Elapsed(options.duration),
        )
        .await,
    );
    progress(&format!(
        "memory soak ({} s of forecasts)",
        options.soak.as_secs()
    ));
    let rss_start_bytes = rss_of(pid);
    let soak = drive(
        &addr,
        "soak: GET /v1/canteens/{id}/forecast",
        &forecast_requests,
        options.connections,
        Until::Elapsed(options.soak),
    )
    .await;
    let rss_end_bytes = rss_of(pid);
    let soak_seconds = soak.seconds;
    scenarios.push(soak);
    drop(server);
    Ok(BenchReport {
        scenarios,
        rss_start_bytes,
        rss_end_bytes,
        soak_seconds,
    })
}

impl BenchReport {
    /// A plain-text table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{:<70} {:>5} {:>10} {:>12} {:>9} {:>9} {:>9} {:>7}\n",
            "scenario", "conns", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
        ));
        for s in &self.scenarios {
            out.push_str(&format!(
                "{:<70} {:>5} {:>10} {:>12.0} {:>9.3} {:>9.3} {:>9.3} {:>7}\n",
                s.name,
                s.connections,
                s.requests,
                s.throughput(),
                s.p50_ms,
                s.p99_ms,
                s.max_ms,
                s.errors
            ));
        }
        let mib = |b: Option<u64>| {
            b.map_or_else(
                || "n/a".to_owned(),
                |b| format!("{:.1} MiB", b as f64 / 1048576.0),
            )
        };
        out.push_str(&format!(
            "server resident memory: {} at the start of the soak, {} after {:.0} s\n",
            mib(self.rss_start_bytes),
            mib(self.rss_end_bytes),
            self.soak_seconds
        ));
        out
    }
}
