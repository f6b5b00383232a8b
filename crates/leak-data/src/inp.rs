//! EPANET 2 `.inp` network files: the sections a leak pipeline needs (junctions, reservoirs, tanks,
//! pipes, pumps, valves, patterns, coordinates, options). Other sections are skipped. Comments start
//! with `;`; every error names the file and line.

use prevoir_core::{DataError, Location};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Junction {
    pub id: String,
    pub elevation_m: f64,
    /// Base demand in the file's flow units (m³/h for CMH), summed over `[DEMANDS]` categories
    /// when that section is present.
    pub base_demand: f64,
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservoir {
    pub id: String,
    pub head_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tank {
    pub id: String,
    pub elevation_m: f64,
    pub initial_level_m: f64,
    pub min_level_m: f64,
    pub max_level_m: f64,
    pub diameter_m: f64,
}

impl Tank {
    /// Horizontal section (m²): volume per metre of level.
    pub fn area_m2(&self) -> f64 {
        std::f64::consts::PI * self.diameter_m * self.diameter_m / 4.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipe {
    pub id: String,
    pub from: String,
    pub to: String,
    pub length_m: f64,
    pub diameter_mm: f64,
    /// Hazen–Williams C.
    pub roughness: f64,
    /// `false` when the status column says `Closed`.
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pump {
    pub id: String,
    pub from: String,
    pub to: String,
    /// The `HEAD <curve>` curve id, if any.
    pub head_curve: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Valve {
    pub id: String,
    pub from: String,
    pub to: String,
    pub diameter_mm: f64,
    /// `PRV`, `PSV`, `FCV`, `TCV`, `PBV` or `GPV`.
    pub kind: String,
    pub setting: f64,
}

/// An EPANET network as written in its `.inp` file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InpNetwork {
    pub path: PathBuf,
    pub title: String,
    pub junctions: Vec<Junction>,
    pub reservoirs: Vec<Reservoir>,
    pub tanks: Vec<Tank>,
    pub pipes: Vec<Pipe>,
    pub pumps: Vec<Pump>,
    pub valves: Vec<Valve>,
    /// Multipliers per pattern id.
    pub patterns: BTreeMap<String, Vec<f64>>,
    pub coordinates: BTreeMap<String, (f64, f64)>,
    /// `Units` option (`CMH`, `LPS`, …); `CMH` when absent.
    pub flow_units: String,
}

impl InpNetwork {
    pub fn read(path: &Path) -> Result<Self, DataError> {
        let decoded = prevoir_core::text::read_text(path)?;
        Self::parse(&decoded.text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, DataError> {
        let mut net = InpNetwork {
            path: path.to_path_buf(),
            flow_units: "CMH".into(),
            ..Default::default()
        };
        let mut section = String::new();
        let mut demands: BTreeMap<String, f64> = BTreeMap::new();
        let mut saw_demands = false;
        let mut link_lines: BTreeMap<String, u64> = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line_no = index as u64 + 1;
            let content = raw.split(';').next().unwrap_or_default();
            let trimmed = content.trim();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.starts_with('[') {
                section = trimmed.to_ascii_uppercase();
                continue;
            }
            let fields: Vec<&str> = trimmed.split_whitespace().collect();
            let row = Row {
                fields: &fields,
                raw,
                path,
                line: line_no,
            };
            if matches!(section.as_str(), "[PIPES]" | "[PUMPS]" | "[VALVES]") {
                link_lines.insert(fields[0].to_owned(), line_no);
            }
            match section.as_str() {
                "[TITLE]" if net.title.is_empty() => {
                    net.title = trimmed.to_owned();
                }
                "[JUNCTIONS]" => net.junctions.push(Junction {
                    id: row.text(0, "a junction id")?,
                    elevation_m: row.number(1, "an elevation (m)")?,
                    base_demand: row.optional_number(2, "a base demand")?.unwrap_or(0.0),
                    pattern: fields.get(3).map(|s| s.to_string()),
                }),
                "[RESERVOIRS]" => net.reservoirs.push(Reservoir {
                    id: row.text(0, "a reservoir id")?,
                    head_m: row.number(1, "a head (m)")?,
                }),
                "[TANKS]" => net.tanks.push(Tank {
                    id: row.text(0, "a tank id")?,
                    elevation_m: row.number(1, "an elevation (m)")?,
                    initial_level_m: row.number(2, "an initial level (m)")?,
                    min_level_m: row.number(3, "a minimum level (m)")?,
                    max_level_m: row.number(4, "a maximum level (m)")?,
                    diameter_m: row.number(5, "a diameter (m)")?,
                }),
                "[PIPES]" => net.pipes.push(Pipe {
                    id: row.text(0, "a pipe id")?,
                    from: row.text(1, "a start node id")?,
                    to: row.text(2, "an end node id")?,
                    length_m: row.positive(3, "a pipe length (m)")?,
                    diameter_mm: row.positive(4, "a pipe diameter (mm)")?,
                    roughness: row.positive(5, "a roughness coefficient")?,
                    open: !fields
                        .get(7)
                        .is_some_and(|s| s.eq_ignore_ascii_case("closed")),
                }),
                "[PUMPS]" => net.pumps.push(Pump {
                    id: row.text(0, "a pump id")?,
                    from: row.text(1, "a start node id")?,
                    to: row.text(2, "an end node id")?,
                    head_curve: fields
                        .iter()
                        .position(|f| f.eq_ignore_ascii_case("head"))
                        .and_then(|i| fields.get(i + 1))
                        .map(|s| s.to_string()),
                }),
                "[VALVES]" => net.valves.push(Valve {
                    id: row.text(0, "a valve id")?,
                    from: row.text(1, "a start node id")?,
                    to: row.text(2, "an end node id")?,
                    diameter_mm: row.number(3, "a valve diameter (mm)")?,
                    kind: row
                        .text(4, "a valve type (PRV, PSV, FCV, TCV, PBV, GPV)")?
                        .to_ascii_uppercase(),
                    setting: row.number(5, "a valve setting")?,
                }),
                "[DEMANDS]" => {
                    saw_demands = true;
                    let id = row.text(0, "a junction id")?;
                    let value = row.number(1, "a demand")?;
                    *demands.entry(id).or_insert(0.0) += value;
                }
                "[PATTERNS]" => {
                    let id = row.text(0, "a pattern id")?;
                    let mut values = Vec::with_capacity(fields.len() - 1);
                    for i in 1..fields.len() {
                        values.push(row.number(i, "a pattern multiplier")?);
                    }
                    net.patterns.entry(id).or_default().extend(values);
                }
                "[COORDINATES]" => {
                    let id = row.text(0, "a node id")?;
                    let x = row.number(1, "an x coordinate")?;
                    let y = row.number(2, "a y coordinate")?;
                    net.coordinates.insert(id, (x, y));
                }
                "[OPTIONS]" if fields[0].eq_ignore_ascii_case("units") => {
                    net.flow_units = row.text(1, "a flow unit")?.to_ascii_uppercase();
                }
                _ => {}
            }
        }
        if saw_demands {
            for j in &mut net.junctions {
                if let Some(d) = demands.get(&j.id) {
                    j.base_demand = *d;
                }
            }
        }
        net.check_references(&link_lines)?;
        Ok(net)
    }

    /// Every link end must be a declared node.
    fn check_references(&self, link_lines: &BTreeMap<String, u64>) -> Result<(), DataError> {
        let nodes: std::collections::HashSet<&str> = self
            .junctions
            .iter()
            .map(|j| j.id.as_str())
            .chain(self.reservoirs.iter().map(|r| r.id.as_str()))
            .chain(self.tanks.iter().map(|t| t.id.as_str()))
            .collect();
        let links = self
            .pipes
            .iter()
            .map(|p| (&p.id, &p.from, &p.to))
            .chain(self.pumps.iter().map(|p| (&p.id, &p.from, &p.to)))
            .chain(self.valves.iter().map(|v| (&v.id, &v.from, &v.to)));
        for (id, from, to) in links {
            for end in [from, to] {
                if !nodes.contains(end.as_str()) {
                    return Err(DataError::schema(
                        Location::new(
                            &self.path,
                            link_lines.get(id.as_str()).copied().unwrap_or(0),
                            None,
                        ),
                        format!("link {id} to end at a declared junction, reservoir or tank"),
                        end.as_str(),
                    ));
                }
            }
        }
        Ok(())
    }
}

struct Row<'a> {
    fields: &'a [&'a str],
    raw: &'a str,
    path: &'a Path,
    line: u64,
}

impl Row<'_> {
    fn column_of(&self, i: usize) -> Option<u64> {
        let field = self.fields.get(i)?;
        // Fields are in order: find the i-th occurrence position in the raw line.
        let mut offset = 0;
        for (k, f) in self.fields.iter().enumerate() {
            let pos = self.raw[offset..].find(f)? + offset;
            if k == i {
                return Some(pos as u64 + 1);
            }
            offset = pos + f.len();
        }
        let _ = field;
        None
    }

    fn missing(&self, expected: &str) -> DataError {
        DataError::schema(
            Location::new(
                self.path,
                self.line,
                Some(self.raw.trim_end().len() as u64 + 1),
            ),
            expected,
            "end of line",
        )
    }

    fn text(&self, i: usize, expected: &str) -> Result<String, DataError> {
        self.fields
            .get(i)
            .map(|s| s.to_string())
            .ok_or_else(|| self.missing(expected))
    }

    fn optional_number(&self, i: usize, expected: &str) -> Result<Option<f64>, DataError> {
        match self.fields.get(i) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    DataError::schema(
                        Location::new(self.path, self.line, self.column_of(i)),
                        expected,
                        *s,
                    )
                }),
        }
    }

    fn number(&self, i: usize, expected: &str) -> Result<f64, DataError> {
        self.optional_number(i, expected)?
            .ok_or_else(|| self.missing(expected))
    }

    fn positive(&self, i: usize, expected: &str) -> Result<f64, DataError> {
        let v = self.number(i, expected)?;
        if v > 0.0 {
            Ok(v)
        } else {
            Err(DataError::schema(
                Location::new(self.path, self.line, self.column_of(i)),
                format!("{expected} > 0"),
                self.fields[i],
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "[TITLE]\nTiny\n\n[JUNCTIONS]\n;ID Elev Demand Pattern\n n1 10 1.5 P1 ;comment\n n2 12 0\n\n\
[RESERVOIRS]\n R1 60\n\n[TANKS]\n T1 50 2 0 4 16 0\n\n[PIPES]\n p1 R1 n1 100 200 120 0 Open\n p2 n1 n2 50.5 100 140 0 Closed\n\n\
[PUMPS]\n PU n2 T1 HEAD 1\n\n[VALVES]\n V1 n1 n2 100 PRV 30 0\n\n[PATTERNS]\n P1 1 2\n P1 3\n\n\
[COORDINATES]\n n1 1.5 2.5\n\n[OPTIONS]\n Units CMH\n[END]\n";

    #[test]
    fn parses_every_needed_section() {
        let net = InpNetwork::parse(SMALL, Path::new("tiny.inp")).unwrap();
        assert_eq!(net.title, "Tiny");
        assert_eq!(net.junctions.len(), 2);
        assert_eq!(net.junctions[0].base_demand, 1.5);
        assert_eq!(net.reservoirs[0].head_m, 60.0);
        assert!((net.tanks[0].area_m2() - 201.06).abs() < 0.01);
        assert_eq!(net.pipes[1].length_m, 50.5);
        assert!(!net.pipes[1].open);
        assert_eq!(net.pumps[0].head_curve.as_deref(), Some("1"));
        assert_eq!(net.valves[0].kind, "PRV");
        assert_eq!(net.patterns["P1"], vec![1.0, 2.0, 3.0]);
        assert_eq!(net.coordinates["n1"], (1.5, 2.5));
    }

    #[test]
    fn errors_point_at_file_line_and_column() {
        let bad = SMALL.replace(" p2 n1 n2 50.5", " p2 n1 n2 5o.5");
        let e = InpNetwork::parse(&bad, Path::new("tiny.inp")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tiny.inp:17:11: expected a pipe length (m), found \"5o.5\""
        );
        let bad = SMALL.replace(" R1 60", " R1");
        let e = InpNetwork::parse(&bad, Path::new("tiny.inp")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tiny.inp:10:4: expected a head (m), found \"end of line\""
        );
        let bad = SMALL.replace(" p2 n1 n2 50.5 100", " p2 n1 n2 -3 100");
        let e = InpNetwork::parse(&bad, Path::new("tiny.inp")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tiny.inp:17:11: expected a pipe length (m) > 0, found \"-3\""
        );
        let bad = SMALL.replace(" p2 n1 n2", " p2 n1 n9");
        let e = InpNetwork::parse(&bad, Path::new("tiny.inp")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("tiny.inp:17: expected link p2 to end at a declared"),
            "{e}"
        );
    }
}
