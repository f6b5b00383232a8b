//! Prometheus metrics, hand-written: request counters and latency histograms per route (the
//! route template, never the raw path, so that the label set stays bounded), plus gauges the
//! state reports at scrape time (models, caches, memory). Text exposition format 0.0.4.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets (seconds).
const BUCKETS: [f64; 14] = [
    0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct RouteMetrics {
    /// Answers by status class 1xx … 5xx.
    by_class: [AtomicU64; 5],
    /// Non-cumulative bucket counts; the last slot is +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

/// Counters of the server.
#[derive(Debug)]
pub struct Metrics {
    routes: RwLock<HashMap<(String, String), Arc<RouteMetrics>>>,
    started: Instant,
    pub reloads_done: AtomicU64,
    pub reloads_refused: AtomicU64,
    pub forecasts_computed: AtomicU64,
    pub readings_scored: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            routes: RwLock::new(HashMap::new()),
            started: Instant::now(),
            reloads_done: AtomicU64::new(0),
            reloads_refused: AtomicU64::new(0),
            forecasts_computed: AtomicU64::new(0),
            readings_scored: AtomicU64::new(0),
        }
    }
}

/// A gauge or counter sample computed at scrape time.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    /// Records one answer.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let key = (method.to_owned(), route.to_owned());
        let existing = self.routes.read().ok().and_then(|m| m.get(&key).cloned());
        let route = match existing {
            Some(r) => r,
            None => match self.routes.write() {
                Ok(mut m) => m.entry(key).or_default().clone(),
                Err(_) => return,
            },
        };
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        route.by_class[class].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        route.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        route.sum_nanos.fetch_add(
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        route.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The exposition text, with `extra` samples appended.
    pub fn render(&self, extra: &[Sample]) -> String {
        let mut out = String::new();
        let mut routes: Vec<((String, String), Arc<RouteMetrics>)> = self
            .routes
            .read()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        out.push_str("# HELP prevoir_http_requests_total HTTP answers by route template, method and status class.\n");
        out.push_str("# TYPE prevoir_http_requests_total counter\n");
        for ((method, route), m) in &routes {
            for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
                let n = m.by_class[i].load(Ordering::Relaxed);
                if n > 0 {
                    let l = labels(&[("method", method), ("route", route), ("status", class)]);
                    let _ = writeln!(out, "prevoir_http_requests_total{l} {n}");
                }
            }
        }
        out.push_str(
            "# HELP prevoir_http_request_duration_seconds Time from request to answer headers.\n",
        );
        out.push_str("# TYPE prevoir_http_request_duration_seconds histogram\n");
        for ((method, route), m) in &routes {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += m.buckets[i].load(Ordering::Relaxed);
                let l = labels(&[
                    ("method", method),
                    ("route", route),
                    ("le", &bound.to_string()),
                ]);
                let _ = writeln!(
                    out,
                    "prevoir_http_request_duration_seconds_bucket{l} {cumulative}"
                );
            }
            cumulative += m.buckets[BUCKETS.len()].load(Ordering::Relaxed);
            let l = labels(&[("method", method), ("route", route), ("le", "+Inf")]);
            let _ = writeln!(
                out,
                "prevoir_http_request_duration_seconds_bucket{l} {cumulative}"
            );
            let l = labels(&[("method", method), ("route", route)]);
            let sum = m.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "prevoir_http_request_duration_seconds_sum{l} {sum}");
            let _ = writeln!(
                out,
                "prevoir_http_request_duration_seconds_count{l} {}",
                m.count.load(Ordering::Relaxed)
            );
        }
        let own = [
            Sample::plain(
                "prevoir_uptime_seconds",
                "Seconds since the server started.",
                "gauge",
                self.uptime().as_secs_f64(),
            ),
            Sample::plain(
                "prevoir_model_reloads_total",
                "Model reloads that replaced the models.",
                "counter",
                self.reloads_done.load(Ordering::Relaxed) as f64,
            ),
            Sample::plain(
                "prevoir_model_reloads_refused_total",
                "Model reloads refused (the running models stayed).",
                "counter",
                self.reloads_refused.load(Ordering::Relaxed) as f64,
            ),
            Sample::plain(
                "prevoir_forecasts_computed_total",
                "Canteen forecasts computed on request (cache misses and caller events).",
                "counter",
                self.forecasts_computed.load(Ordering::Relaxed) as f64,
            ),
            Sample::plain(
                "prevoir_leak_readings_scored_total",
                "Time steps of sensor readings scored.",
                "counter",
                self.readings_scored.load(Ordering::Relaxed) as f64,
            ),
        ];
        let mut last_name = "";
        for sample in own.iter().chain(extra) {
            if sample.name != last_name {
                let _ = writeln!(out, "# HELP {} {}", sample.name, sample.help);
                let _ = writeln!(out, "# TYPE {} {}", sample.name, sample.kind);
                last_name = sample.name;
            }
            let pairs: Vec<(&str, &str)> = sample
                .labels
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            let _ = writeln!(out, "{}{} {}", sample.name, labels(&pairs), sample.value);
        }
        out
    }
}

impl Sample {
    pub fn plain(name: &'static str, help: &'static str, kind: &'static str, value: f64) -> Self {
        Self {
            name,
            help,
            kind,
            labels: Vec::new(),
            value,
        }
    }
}

/// Resident memory of this process in bytes (Linux), if readable.
pub fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_histograms_and_escaped_labels() {
        let m = Metrics::default();
        m.observe(
            "GET",
            "/v1/canteens/{id}/forecast",
            200,
            Duration::from_micros(300),
        );
        m.observe(
            "GET",
            "/v1/canteens/{id}/forecast",
            404,
            Duration::from_millis(3),
        );
        let text = m.render(&[Sample {
            name: "prevoir_model_info",
            help: "Loaded models.",
            kind: "gauge",
            labels: vec![("name", "a\"b".into())],
            value: 1.0,
        }]);
        assert!(text.contains(r#"prevoir_http_requests_total{method="GET",route="/v1/canteens/{id}/forecast",status="2xx"} 1"#));
        assert!(text.contains(r#"prevoir_http_requests_total{method="GET",route="/v1/canteens/{id}/forecast",status="4xx"} 1"#));
        assert!(text.contains(r#"le="0.0005"} 1"#));
        assert!(text.contains(r#"le="0.005"} 2"#));
        assert!(text.contains(r#"le="+Inf"} 2"#));
        assert!(text.contains(r#"prevoir_model_info{name="a\"b"} 1"#));
    }
}
