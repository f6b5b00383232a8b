//! `prevoir … leaks`: data check, samples, train, score, backtest, bench.
//!
//! Defaults point at the shipped sample (`data-samples/leaks`, `models/leaks`), so every command
//! runs on a fresh clone; pass the real BattLeDIM files to work on L-Town.

use anyhow::Context;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use clap::Args;
use leak_data::readings::{day_end, day_start};
use leak_data::{InpNetwork, Readings, SensorKind, SensorTable};
use leak_detect::backtest::{self, BacktestConfig};
use leak_detect::battledim::EconomicParams;
use leak_detect::model::TrainingSources;
use leak_detect::{LeakModel, LeakModelParams};
use prevoir_core::card::DataSource;
use prevoir_core::fingerprint::{FileFingerprint, fingerprint_file};
use std::io::Write;
use std::path::{Path, PathBuf};

const SAMPLE: &str = "data-samples/leaks";

/// The sensor files of one run; every kind may take several files, concatenated in time.
#[derive(Debug, Args)]
pub struct SensorFiles {
    /// Flow CSV files (`Timestamp;<pipe or pump ids>`, m³/h), e.g. 2019_SCADA_Flows.csv.
    #[arg(long, num_args = 1.., default_values = [concat!("data-samples/leaks", "/flows.csv")])]
    pub flows: Vec<PathBuf>,
    /// Pressure CSV files (`Timestamp;<node ids>`, m).
    #[arg(long, num_args = 1.., default_values = [concat!("data-samples/leaks", "/pressures.csv")])]
    pub pressures: Vec<PathBuf>,
    /// Tank level CSV files (`Timestamp;<tank ids>`, m).
    #[arg(long, num_args = 1.., default_values = [concat!("data-samples/leaks", "/levels.csv")])]
    pub levels: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// EPANET network file.
    #[arg(long, default_value = concat!("data-samples/leaks", "/network.inp"))]
    pub network: PathBuf,
    #[command(flatten)]
    pub sensors: SensorFiles,
    /// Leak labels (`pipe,start,end,diameter_m,type,peak`), optional.
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// Where to write the sample network, sensor files and labels.
    #[arg(long, default_value = SAMPLE)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// EPANET network file.
    #[arg(long, default_value = concat!("data-samples/leaks", "/network.inp"))]
    pub network: PathBuf,
    #[command(flatten)]
    pub sensors: SensorFiles,
    /// Leak labels: leaks that started before `--to` are modelled as known leaks (nothing later is
    /// read). Without labels, training assumes no leak.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// First day of training (default: first reading).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of training, inclusive (default: last reading).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Model directory: model.json (previous one kept) and model-card.json.
    #[arg(long, default_value = "models/leaks")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model directory or model.json.
    #[arg(long, default_value = "models/leaks")]
    pub model: PathBuf,
    #[command(flatten)]
    pub sensors: SensorFiles,
    /// First day to raise alarms on (readings from `--warmup-days` before warm the detector up).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Days of readings before `--from` used to warm up the statistics (a week is needed for the
    /// week-over-week balance).
    #[arg(long, default_value_t = 8)]
    pub warmup_days: i64,
    /// Output directory: scores.csv, alarms.csv, alarms.json, night_flows.json.
    #[arg(long, default_value = "out/leaks-score")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    #[arg(long, default_value = concat!("data-samples/leaks", "/network.inp"))]
    pub network: PathBuf,
    #[command(flatten)]
    pub sensors: SensorFiles,
    /// Leak labels; those of the training window become known leaks, the others are the truth.
    #[arg(long, default_value = concat!("data-samples/leaks", "/leak_labels.csv"))]
    pub labels: PathBuf,
    /// Per-leak outflow files (`Timestamp;<pipe ids>`, m³/h) for the economic score.
    #[arg(long, num_args = 1.., default_values = [concat!("data-samples/leaks", "/leakages.csv")])]
    pub leak_flows: Vec<PathBuf>,
    #[arg(long)]
    pub train_from: NaiveDate,
    #[arg(long)]
    pub train_to: NaiveDate,
    #[arg(long)]
    pub test_from: NaiveDate,
    #[arg(long)]
    pub test_to: NaiveDate,
    /// Output directory: detections.csv, metrics.json, alarms.json, report.html.
    #[arg(long, default_value = "out/leaks-backtest")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Model directory or model.json.
    #[arg(long, default_value = "models/leaks")]
    pub model: PathBuf,
    #[command(flatten)]
    pub sensors: SensorFiles,
    /// Repetitions of the scoring run (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Real district inflows without labels (BWDF `inflow_dma_hourly.csv`): also measure how
    /// often the night-flow detector, fitted on each district's first year with the model's
    /// settings, alarms on the following months (an upper bound of its false-alarm rate).
    #[arg(long)]
    pub night_flow_reference: Option<PathBuf>,
}

pub fn check(args: CheckArgs) -> anyhow::Result<()> {
    let inp = InpNetwork::read(&args.network)?;
    let net = leak_data::Network::from_inp(&inp);
    let flows = SensorTable::read_all(&args.sensors.flows)?;
    let pressures = SensorTable::read_all(&args.sensors.pressures)?;
    let levels = SensorTable::read_all(&args.sensors.levels)?;
    let report = leak_data::quality::QualityReport::new(
        Some(&net),
        &[
            (SensorKind::Flow, &flows),
            (SensorKind::Pressure, &pressures),
            (SensorKind::Level, &levels),
        ],
    );
    print!("{report}");
    if let Some(labels) = &args.labels {
        let labels = leak_data::labels::read_labels(labels)?;
        let unknown: Vec<&str> = labels
            .iter()
            .filter(|l| net.link(&l.pipe).is_none())
            .map(|l| l.pipe.as_str())
            .collect();
        println!(
            "{} leak labels{}",
            labels.len(),
            if unknown.is_empty() {
                String::new()
            } else {
                format!("; pipes not in the network: {}", unknown.join(", "))
            }
        );
    }
    Ok(())
}

pub fn samples(args: SamplesArgs) -> anyhow::Result<()> {
    let summary = samples::leaks::generate(&args.out)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", args.out.display()))?;
    println!("{summary}");
    Ok(())
}

fn fingerprints(paths: &[&Path]) -> anyhow::Result<Vec<FileFingerprint>> {
    let mut out = Vec::new();
    for p in paths {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut f = fingerprint_file(dir, &name)?;
        f.path = p.display().to_string().replace('\\', "/");
        out.push(f);
    }
    Ok(out)
}

fn data_sources(inp: &InpNetwork) -> Vec<DataSource> {
    if inp.title.to_ascii_uppercase().contains("L-TOWN") {
        vec![DataSource {
            name: "BattLeDIM 2020 — L-Town (network, SCADA, leak labels; pressures and 2018 re-simulated)".into(),
            publisher: "KIOS Center of Excellence, University of Cyprus (Vrachimis et al.)".into(),
            url: "Zenodo record 4017659".into(),
            licence: "as published with the Zenodo record".into(),
        }]
    } else {
        vec![DataSource {
            name: "Prévoir sample network and sensor data (generated by `prevoir samples leaks`)"
                .into(),
            publisher: "Prévoir".into(),
            url: "data-samples/leaks".into(),
            licence: "MIT".into(),
        }]
    }
}

fn all_files<'a>(
    network: &'a Path,
    sensors: &'a SensorFiles,
    extra: &'a [PathBuf],
) -> Vec<&'a Path> {
    let mut v: Vec<&Path> = vec![network];
    v.extend(sensors.flows.iter().map(PathBuf::as_path));
    v.extend(sensors.pressures.iter().map(PathBuf::as_path));
    v.extend(sensors.levels.iter().map(PathBuf::as_path));
    v.extend(extra.iter().map(PathBuf::as_path));
    v
}

/// The readings of `[from, to]` and the times where one file of a kind hands over to the next
/// (changes of data source, see `leak_detect::breaks`).
fn read_readings(
    sensors: &SensorFiles,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> anyhow::Result<(Readings, Vec<NaiveDateTime>)> {
    let flows = SensorTable::read_all(&sensors.flows)?;
    let pressures = SensorTable::read_all(&sensors.pressures)?;
    let levels = SensorTable::read_all(&sensors.levels)?;
    let first = [&flows, &pressures, &levels]
        .iter()
        .filter_map(|t| t.timestamps.first().copied())
        .min()
        .context("the sensor files hold no reading")?;
    let last = [&flows, &pressures, &levels]
        .iter()
        .filter_map(|t| t.timestamps.last().copied())
        .max()
        .context("the sensor files hold no reading")?;
    let from = from.map(day_start).unwrap_or(first);
    let to = to.map(day_end).unwrap_or(last);
    let mut joins: Vec<NaiveDateTime> = [&flows, &pressures, &levels]
        .iter()
        .flat_map(|t| t.notes.joins.iter().copied())
        .collect();
    joins.sort_unstable();
    joins.dedup();
    Ok((
        Readings::align(&flows, &pressures, &levels, from, to)?,
        joins,
    ))
}

pub fn train(args: TrainArgs) -> anyhow::Result<()> {
    let inp = InpNetwork::read(&args.network)?;
    let (readings, source_changes) = read_readings(&args.sensors, args.from, args.to)?;
    let labels = match &args.labels {
        Some(p) => leak_data::labels::read_labels(p)?,
        None => Vec::new(),
    };
    let extra: Vec<PathBuf> = args.labels.iter().cloned().collect();
    let sources = TrainingSources {
        files: fingerprints(&all_files(&args.network, &args.sensors, &extra))?,
        sources: data_sources(&inp),
        source_changes,
    };
    let bar = crate::progress::Bar::new();
    let clock = std::time::Instant::now();
    let model = LeakModelParams::default().fit(&inp, &readings, &labels, sources, &bar)?;
    let backup = model.save(&args.out)?;
    println!(
        "trained {} on {} → {} ({} steps, {} pressure sensors, {} known leaks, {:?} signatures) in {:.1} s",
        model.card.version,
        model.training_from,
        model.training_to,
        readings.len,
        model.sensors.len(),
        model.features.known_leaks.len(),
        model.signature_method,
        clock.elapsed().as_secs_f64()
    );
    println!(
        "wrote {} and {}",
        args.out.join("model.json").display(),
        args.out.join("model-card.json").display()
    );
    if let Some(b) = backup {
        println!("previous model kept as {}", b.display());
    }
    Ok(())
}

fn write_csv(path: &Path, text: &str) -> anyhow::Result<()> {
    prevoir_core::atomic::write_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn scores_csv(output: &leak_detect::ScoreOutput, from: chrono::NaiveDateTime) -> String {
    let mut s = String::from("timestamp,area,score\n");
    for t in 0..output.len {
        let time = output.time(t);
        if time < from {
            continue;
        }
        for area in &output.areas {
            let v = area.score[t];
            let _ = writeln!(
                VecWriter(&mut s),
                "{},{},{}",
                time.format("%Y-%m-%d %H:%M:%S"),
                area.area,
                if v.is_finite() {
                    format!("{v:.4}")
                } else {
                    String::new()
                }
            );
        }
    }
    s
}

struct VecWriter<'a>(&'a mut String);

impl Write for VecWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn alarms_csv(alarms: &[leak_detect::Alarm]) -> String {
    let mut s = String::from(
        "detected_at,area,trigger,score,estimated_flow_m3h,pipe,candidates,change_started_at,flow_method,explanation\n",
    );
    for a in alarms {
        let _ = writeln!(
            VecWriter(&mut s),
            "{},{},{},{:.3},{:.2},{},{},{},{},{}",
            a.detected_at.format("%Y-%m-%d %H:%M:%S"),
            a.area,
            a.trigger.name(),
            a.score,
            a.estimated_flow_m3h,
            a.candidates.first().map(|c| c.pipe.as_str()).unwrap_or(""),
            a.candidates
                .iter()
                .map(|c| c.pipe.as_str())
                .collect::<Vec<_>>()
                .join("|"),
            a.change_started_at.format("%Y-%m-%d %H:%M:%S"),
            csv_field(&a.explanation.flow.method),
            csv_field(&a.explanation.summary)
        );
    }
    s
}

pub fn score(args: ScoreArgs) -> anyhow::Result<()> {
    let model = LeakModel::load(&args.model)?;
    let warm_from = args.from.map(|d| d - Duration::days(args.warmup_days));
    let (readings, source_changes) = read_readings(&args.sensors, warm_from, args.to)?;
    let alarms_from = args.from.map(day_start).unwrap_or(readings.start);
    let clock = std::time::Instant::now();
    let output = model.score_with(
        &readings,
        &leak_detect::ScoreOptions {
            alarms_from: Some(alarms_from),
            source_changes,
        },
    )?;
    let seconds = clock.elapsed().as_secs_f64();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    write_csv(
        &args.out.join("scores.csv"),
        &scores_csv(&output, alarms_from),
    )?;
    write_csv(&args.out.join("alarms.csv"), &alarms_csv(&output.alarms))?;
    let json = serde_json::to_vec_pretty(&output.alarms)?;
    prevoir_core::atomic::write_atomic(&args.out.join("alarms.json"), &json)?;
    let json = serde_json::to_vec_pretty(&output.night_flows)?;
    prevoir_core::atomic::write_atomic(&args.out.join("night_flows.json"), &json)?;
    println!(
        "scored {} steps × {} pressure sensors in {:.3} s with {}",
        readings.len,
        model.sensors.len(),
        seconds,
        model.card.version
    );
    println!("{} alarm(s):", output.alarms.len());
    for a in &output.alarms {
        println!(
            "  {} area {} → {} (score {:.2}, ~{:.1} m³/h): {}",
            a.detected_at,
            a.area,
            a.candidates
                .iter()
                .take(3)
                .map(|c| c.pipe.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            a.score,
            a.estimated_flow_m3h,
            a.explanation.summary
        );
    }
    println!(
        "wrote {}/scores.csv, alarms.csv, alarms.json, night_flows.json",
        args.out.display()
    );
    Ok(())
}

pub fn backtest(args: BacktestArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.train_from <= args.train_to,
        "--train-from must not be after --train-to"
    );
    anyhow::ensure!(
        args.test_from <= args.test_to,
        "--test-from must not be after --test-to"
    );
    anyhow::ensure!(
        args.train_to < args.test_from,
        "the test period must start after the training window"
    );
    let inp = InpNetwork::read(&args.network)?;
    let (readings, source_changes) =
        read_readings(&args.sensors, Some(args.train_from), Some(args.test_to))?;
    let labels = leak_data::labels::read_labels(&args.labels)?;
    let leak_flows = if args.leak_flows.is_empty() {
        None
    } else {
        Some(SensorTable::read_all(&args.leak_flows)?)
    };
    let mut extra = vec![args.labels.clone()];
    extra.extend(args.leak_flows.iter().cloned());
    let sources = TrainingSources {
        files: fingerprints(&all_files(&args.network, &args.sensors, &extra))?,
        sources: data_sources(&inp),
        source_changes: source_changes.clone(),
    };
    let config = BacktestConfig {
        train_from: day_start(args.train_from),
        train_to: day_end(args.train_to),
        test_from: day_start(args.test_from),
        test_to: day_end(args.test_to),
        params: LeakModelParams::default(),
        economic: EconomicParams::default(),
        warmup_days: 8,
        source_changes,
    };
    let bar = crate::progress::Bar::new();
    let result = backtest::run(
        &inp,
        &readings,
        &labels,
        leak_flows.as_ref(),
        &config,
        sources,
        &bar,
    )?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut detections =
        String::from("pipe,detected_at,area,estimated_flow_m3h,score,candidates\n");
    for a in result
        .output
        .alarms
        .iter()
        .filter(|a| a.detected_at >= config.test_from && a.detected_at <= config.test_to)
    {
        let Some(best) = a.candidates.first() else {
            continue;
        };
        let _ = writeln!(
            VecWriter(&mut detections),
            "{},{},{},{:.2},{:.3},{}",
            best.pipe,
            a.detected_at.format("%Y-%m-%d %H:%M:%S"),
            a.area,
            a.estimated_flow_m3h,
            a.score,
            a.candidates
                .iter()
                .map(|c| c.pipe.as_str())
                .collect::<Vec<_>>()
                .join("|")
        );
    }
    write_csv(&args.out.join("detections.csv"), &detections)?;
    let metrics = result.metrics();
    let json = serde_json::json!({ "metrics": metrics, "leaks": result.evaluation.leaks, "detections": result.evaluation.detections });
    prevoir_core::atomic::write_atomic(
        &args.out.join("metrics.json"),
        &serde_json::to_vec_pretty(&json)?,
    )?;
    prevoir_core::atomic::write_atomic(
        &args.out.join("alarms.json"),
        &serde_json::to_vec_pretty(&result.output.alarms)?,
    )?;
    prevoir_core::atomic::write_atomic(
        &args.out.join("report.html"),
        leak_detect::report::render(&result).as_bytes(),
    )?;
    println!(
        "train {} → {}, test {} → {}",
        metrics.train_from, metrics.train_to, metrics.test_from, metrics.test_to
    );
    // The detection that counted (BattLeDIM true positive: ≤ 300 m of pipe while the leak is
    // active), then the first alarm in the leak's area if it came earlier or never counted.
    let time = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "-".into())
    };
    let num = |v: Option<f64>, decimals: usize| {
        v.map(|v| format!("{v:.decimals$}"))
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "{:<7} {:<9} {:<4} {:<16} | {:<16} {:>7} {:>6} {:>6} | {:<16} {:>7} {:>6}",
        "leak",
        "type",
        "area",
        "start",
        "detected (TP)",
        "delay h",
        "dist m",
        "m³/h",
        "first alarm",
        "delay h",
        "dist m"
    );
    for l in &result.evaluation.leaks {
        let earlier_notice = l.noticed_at.is_some() && l.noticed_at != l.detected_at;
        println!(
            "{:<7} {:<9} {:<4} {:<16} | {:<16} {:>7} {:>6} {:>6} | {:<16} {:>7} {:>6}",
            l.pipe,
            format!("{:?}", l.leak_type).to_lowercase(),
            l.area,
            l.start.format("%Y-%m-%d %H:%M"),
            time(l.detected_at),
            num(l.delay_hours, 1),
            num(l.distance_m, 0),
            num(l.flow_at_detection_m3h, 1),
            if earlier_notice {
                time(l.noticed_at)
            } else if l.detected_at.is_some() {
                "same".into()
            } else {
                "-".into()
            },
            if earlier_notice {
                num(l.notice_delay_hours, 1)
            } else {
                String::new()
            },
            if earlier_notice {
                num(l.notice_distance_m, 0)
            } else {
                String::new()
            },
        );
    }
    for d in result
        .evaluation
        .detections
        .iter()
        .filter(|d| d.class == leak_detect::battledim::DetectionClass::FalseAlarm)
    {
        println!(
            "false alarm: {} area {} pipe {}{}",
            d.detection.detected_at,
            d.detection.area,
            d.detection.pipe,
            d.area_match
                .as_ref()
                .map(|l| format!(
                    " (leak {l} active in the area, {:.0} m away)",
                    d.distance_m.unwrap_or(f64::NAN)
                ))
                .unwrap_or_default()
        );
    }
    println!(
        "alarms {}, true positives {}/{}, false alarms {}, repeats {}, known-leak alarms {}, noticed by area and time {}/{}",
        metrics.alarms,
        metrics.true_positives,
        metrics.leaks_in_scope,
        metrics.false_alarms,
        metrics.repeats,
        metrics.known_leak_detections,
        metrics.noticed_by_area_and_time,
        metrics.leaks_in_scope,
    );
    println!(
        "abrupt ≥5 m³/h detected within 2 h {} (any alarm in the area: {}), incipient within 7 days {} ({}), median delay {} h",
        metrics.abrupt_5m3h_within_2h,
        metrics.abrupt_5m3h_noticed_within_2h,
        metrics.incipient_within_7_days,
        metrics.incipient_noticed_within_7_days,
        metrics
            .median_delay_hours
            .map(|h| format!("{h:.1}"))
            .unwrap_or_else(|| "-".into())
    );
    println!(
        "economic score {:.0} € of a perfect {:.0} € ({:.1} %); training {:.1} s, scoring {:.3} s",
        metrics.economic_score_eur,
        metrics.perfect_score_eur,
        100.0 * metrics.share_of_perfect,
        metrics.training_seconds,
        metrics.scoring_seconds
    );
    println!(
        "wrote {}/detections.csv, metrics.json, alarms.json, report.html",
        args.out.display()
    );
    Ok(())
}

pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let model = LeakModel::load(&args.model)?;
    let (readings, _) = read_readings(&args.sensors, None, None)?;
    let year = (365 * 24 * 60 / readings.step_minutes) as usize;
    let tiled = readings.len < year;
    let year_readings = if tiled {
        tile(&readings, year)
    } else {
        readings.slice(0, year)
    };
    let mut times = Vec::new();
    let mut alarms = 0;
    for _ in 0..args.runs.max(1) {
        let clock = std::time::Instant::now();
        let out = model.score(&year_readings, None)?;
        times.push(clock.elapsed().as_secs_f64());
        alarms = out.alarms.len();
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!("{:<42} {:>12}", "what", "value");
    println!("{:<42} {:>12}", "time steps scored", year_readings.len);
    println!("{:<42} {:>12}", "pressure sensors", model.sensors.len());
    println!(
        "{:<42} {:>12}",
        "flow + level sensors",
        year_readings.flows.len() + year_readings.levels.len()
    );
    println!(
        "{:<42} {:>12}",
        "data",
        if tiled {
            "tiled to 1 year"
        } else {
            "1 year as read"
        }
    );
    println!("{:<42} {:>12}", "alarms", alarms);
    println!(
        "{:<42} {:>12.3}",
        "scoring time, median of runs (s)", median
    );
    println!("{:<42} {:>12.3}", "scoring time, fastest (s)", times[0]);
    println!(
        "{:<42} {:>12}",
        "build profile",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "{:<42} {:>12}",
        "threads available",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    if let Some(path) = &args.night_flow_reference {
        night_flow_study(&model, path)?;
    }
    Ok(())
}

/// The night-flow false-alarm study on real districts (see [`BenchArgs::night_flow_reference`]).
fn night_flow_study(model: &LeakModel, path: &Path) -> anyhow::Result<()> {
    let table = leak_data::bwdf::read_dma_inflows(path)?;
    let first = *table
        .timestamps
        .first()
        .context("the district file holds no reading")?;
    let split = first + Duration::days(365);
    // The rate a night-flow detector gets in this model's false-alarm budget when it alarms.
    let p = &model.params.detector;
    let channels = 2 * model.calibration.len() + model.night_flows.len();
    let rate = p.false_alarms_per_year / channels.max(1) as f64;
    println!();
    println!(
        "night-flow detector on real districts ({}): fitted on {} → {}, alarms counted after; target {:.2} false alarms a year",
        path.display(),
        first.date(),
        split.date(),
        rate
    );
    println!(
        "{:<8} {:>8} {:>8} {:>10} {:>10} {:>8} {:>10} {:>7} {:>9}",
        "district",
        "train n",
        "scored n",
        "night m³/h",
        "resid m³/h",
        "b",
        "threshold",
        "alarms",
        "per year"
    );
    let mut total = (0usize, 0usize);
    for d in &table.sensors {
        match leak_detect::nightflow::false_alarm_study(&table, d, split, &p.night_flow, rate) {
            Some(s) => {
                total.0 += s.alarms;
                total.1 += s.scored_nights;
                println!(
                    "{:<8} {:>8} {:>8} {:>10.1} {:>10.2} {:>8.2} {:>10.2} {:>7} {:>9.2}",
                    s.district,
                    s.training_nights,
                    s.scored_nights,
                    s.mean_night_m3h,
                    s.residual_sd_m3h,
                    s.day_weight,
                    s.threshold,
                    s.alarms,
                    s.alarms_per_year
                );
            }
            None => println!(
                "{d:<8} not built: too few complete nights, or yesterday's daytime explains the night with a weight b outside [0, 0.9] (a leak would barely move the residual)"
            ),
        }
    }
    println!(
        "all districts: {} alarms over {} scored nights = {:.2} a year per district (target {:.2})",
        total.0,
        total.1,
        total.0 as f64 / (total.1.max(1) as f64 / 365.25),
        rate
    );
    Ok(())
}

/// Repeats the readings end to end until `len` steps (for timing only).
fn tile(r: &Readings, len: usize) -> Readings {
    let rep = |m: &std::collections::BTreeMap<String, Vec<f64>>| {
        m.iter()
            .map(|(k, v)| (k.clone(), (0..len).map(|t| v[t % v.len().max(1)]).collect()))
            .collect()
    };
    Readings {
        start: r.start,
        step_minutes: r.step_minutes,
        len,
        flows: rep(&r.flows),
        pressures: rep(&r.pressures),
        levels: rep(&r.levels),
    }
}
