//! The data-quality report of `prevoir data check leaks`: what the network holds, what each sensor
//! file covers, and every hole, duplicate, missing value or sensor the network does not know.

use serde::Serialize;
use std::fmt;

use crate::network::{LinkKind, Network};
use crate::readings::SensorKind;
use crate::scada::SensorTable;

#[derive(Debug, Clone, Serialize)]
pub struct NetworkSummary {
    pub title: String,
    pub junctions: usize,
    pub pipes: usize,
    pub pipe_length_km: f64,
    pub pumps: usize,
    pub valves: usize,
    /// `(name, kind, junctions, parent)`.
    pub areas: Vec<(String, String, usize, Option<String>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SensorSummary {
    pub id: String,
    pub kind: SensorKind,
    pub readings: usize,
    pub missing: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Area of the sensor in the network, or `None` if the network has no such node or link.
    pub area: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub kind: SensorKind,
    pub files: Vec<String>,
    pub rows: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    pub step_minutes: Option<i64>,
    pub decimal_comma: bool,
    pub duplicate_timestamps: usize,
    pub gaps: usize,
    pub largest_gap_minutes: i64,
    pub missing_values: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub network: Option<NetworkSummary>,
    pub files: Vec<FileSummary>,
    pub sensors: Vec<SensorSummary>,
    /// Problems a person should look at.
    pub warnings: Vec<String>,
}

impl QualityReport {
    pub fn new(network: Option<&Network>, tables: &[(SensorKind, &SensorTable)]) -> Self {
        let mut warnings = Vec::new();
        let network_summary = network.map(|net| NetworkSummary {
            title: net.title.clone(),
            junctions: net
                .nodes
                .iter()
                .filter(|n| n.kind == crate::network::NodeKind::Junction)
                .count(),
            pipes: net
                .links
                .iter()
                .filter(|l| l.kind == LinkKind::Pipe)
                .count(),
            pipe_length_km: net.total_pipe_length_m() / 1000.0,
            pumps: net
                .links
                .iter()
                .filter(|l| l.kind == LinkKind::Pump)
                .count(),
            valves: net
                .links
                .iter()
                .filter(|l| l.kind == LinkKind::Valve)
                .count(),
            areas: net
                .areas
                .iter()
                .map(|a| {
                    (
                        a.name.clone(),
                        format!("{:?}", a.kind),
                        a.junctions,
                        a.parent.clone(),
                    )
                })
                .collect(),
        });
        let mut files = Vec::new();
        let mut sensors = Vec::new();
        for &(kind, table) in tables {
            let largest_gap_minutes = table
                .notes
                .gaps
                .iter()
                .map(|(a, b)| (*b - *a).num_minutes())
                .max()
                .unwrap_or(0);
            if table.notes.duplicate_timestamps > 0 {
                warnings.push(format!(
                    "{kind:?} files: {} duplicated timestamps (first reading kept)",
                    table.notes.duplicate_timestamps
                ));
            }
            for (a, b) in table.notes.gaps.iter().take(5) {
                warnings.push(format!("{kind:?} files: no reading between {a} and {b}"));
            }
            if table.notes.gaps.len() > 5 {
                warnings.push(format!(
                    "{kind:?} files: {} more gaps",
                    table.notes.gaps.len() - 5
                ));
            }
            files.push(FileSummary {
                kind,
                files: table.notes.files.clone(),
                rows: table.timestamps.len(),
                first: table.timestamps.first().map(|t| t.to_string()),
                last: table.timestamps.last().map(|t| t.to_string()),
                step_minutes: table.step_minutes(),
                decimal_comma: table.notes.decimal_comma,
                duplicate_timestamps: table.notes.duplicate_timestamps,
                gaps: table.notes.gaps.len(),
                largest_gap_minutes,
                missing_values: table.notes.missing_values,
            });
            for (s, id) in table.sensors.iter().enumerate() {
                let values = &table.values[s];
                let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
                let (min, max) = finite
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                        (a.min(v), b.max(v))
                    });
                let mean = if finite.is_empty() {
                    f64::NAN
                } else {
                    finite.iter().sum::<f64>() / finite.len() as f64
                };
                let area = network.and_then(|net| {
                    let index = match kind {
                        SensorKind::Pressure | SensorKind::Level => {
                            net.node(id).map(|n| net.node_area[n])
                        }
                        SensorKind::Flow => net.link(id).map(|l| net.link_area(l)),
                    };
                    index.map(|a| net.areas[a].name.clone())
                });
                if network.is_some() && area.is_none() {
                    warnings.push(format!(
                        "{kind:?} sensor {id} is not a {} of the network",
                        if kind == SensorKind::Flow {
                            "link"
                        } else {
                            "node"
                        }
                    ));
                }
                if kind == SensorKind::Pressure && finite.iter().any(|&v| v < 0.0) {
                    warnings.push(format!(
                        "pressure sensor {id} has negative readings (min {min:.2} m)"
                    ));
                }
                sensors.push(SensorSummary {
                    id: id.clone(),
                    kind,
                    readings: finite.len(),
                    missing: values.len() - finite.len(),
                    min,
                    max,
                    mean,
                    area,
                });
            }
        }
        Self {
            network: network_summary,
            files,
            sensors,
            warnings,
        }
    }
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.network {
            writeln!(
                f,
                "Network {:?}: {} junctions, {} pipes ({:.1} km), {} pumps, {} valves",
                n.title, n.junctions, n.pipes, n.pipe_length_km, n.pumps, n.valves
            )?;
            for (name, kind, junctions, parent) in &n.areas {
                let parent = parent
                    .as_ref()
                    .map(|p| format!(", metered with area {p}"))
                    .unwrap_or_default();
                writeln!(f, "  area {name}: {kind}, {junctions} junctions{parent}")?;
            }
        }
        for file in &self.files {
            writeln!(
                f,
                "{:?}: {} rows, {} → {}, step {} min, decimal {}, {} duplicates, {} gaps (largest {} min), {} missing values",
                file.kind,
                file.rows,
                file.first.as_deref().unwrap_or("-"),
                file.last.as_deref().unwrap_or("-"),
                file.step_minutes
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                if file.decimal_comma { "comma" } else { "point" },
                file.duplicate_timestamps,
                file.gaps,
                file.largest_gap_minutes,
                file.missing_values
            )?;
            for name in &file.files {
                writeln!(f, "    {name}")?;
            }
        }
        writeln!(
            f,
            "{:<8} {:<9} {:>5} {:>9} {:>8} {:>9} {:>9} {:>9}",
            "sensor", "kind", "area", "readings", "missing", "min", "mean", "max"
        )?;
        for s in &self.sensors {
            writeln!(
                f,
                "{:<8} {:<9} {:>5} {:>9} {:>8} {:>9.2} {:>9.2} {:>9.2}",
                s.id,
                format!("{:?}", s.kind).to_lowercase(),
                s.area.as_deref().unwrap_or("?"),
                s.readings,
                s.missing,
                s.min,
                s.mean,
                s.max
            )?;
        }
        if self.warnings.is_empty() {
            writeln!(f, "No problem found.")?;
        } else {
            writeln!(f, "{} warning(s):", self.warnings.len())?;
            for w in &self.warnings {
                writeln!(f, "  - {w}")?;
            }
        }
        Ok(())
    }
}
