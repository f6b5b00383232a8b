//! SCADA sensor files: `Timestamp;<id>;<id>…` with one row per reading time, `;` separated, values
//! with a decimal comma (`88,14`, the real BattLeDIM exports) or a decimal point (`88.14`, the
//! simulated ones), empty or `NaN` for a missing reading. Several files of one kind (one per year)
//! are concatenated in time; gaps and duplicated timestamps are counted, never silently dropped.

use chrono::NaiveDateTime;
use prevoir_core::{DataError, Location};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One SCADA file (or several concatenated): a time column and one value column per sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorTable {
    /// Reading times, strictly increasing after [`SensorTable::concat`].
    pub timestamps: Vec<NaiveDateTime>,
    /// Sensor ids in file order.
    pub sensors: Vec<String>,
    /// `values[s][t]`: reading of sensor `s` at `timestamps[t]`; `NaN` when missing.
    pub values: Vec<Vec<f64>>,
    /// What was repaired or noticed while reading.
    pub notes: TableNotes,
}

/// Data-quality counts of a [`SensorTable`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableNotes {
    /// Files read, in order.
    pub files: Vec<String>,
    /// Readings that were empty or `NaN`.
    pub missing_values: usize,
    /// Rows whose timestamp was already present (the first reading is kept).
    pub duplicate_timestamps: usize,
    /// Holes in the time grid: `(last time before, first time after)`.
    pub gaps: Vec<(NaiveDateTime, NaiveDateTime)>,
    /// Whether values used a decimal comma (`true`) or a decimal point.
    pub decimal_comma: bool,
    /// First reading time of every file after the first one: where one source of data hands over
    /// to the next (e.g. simulated 2018 → real 2019), so that nothing is differenced across it.
    #[serde(default)]
    pub joins: Vec<NaiveDateTime>,
}

impl SensorTable {
    /// Reads one SCADA file.
    pub fn read(path: &Path) -> Result<Self, DataError> {
        let decoded = prevoir_core::text::read_text(path)?;
        Self::parse(&decoded.text, path)
    }

    /// Reads several files of the same kind and concatenates them in time.
    pub fn read_all(paths: &[impl AsRef<Path>]) -> Result<Self, DataError> {
        let tables = paths
            .iter()
            .map(|p| Self::read(p.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::concat(tables))
    }

    /// Parses SCADA text; `origin` names the source in error messages (a path or `<request>`).
    pub fn parse(text: &str, origin: &Path) -> Result<Self, DataError> {
        let mut lines = text.lines().enumerate();
        let (_, header) = lines.find(|(_, l)| !l.trim().is_empty()).ok_or_else(|| {
            DataError::schema(
                Location::new(origin, 1, None),
                "a header `Timestamp;<sensor ids>`",
                "",
            )
        })?;
        let mut fields = header.split(';');
        let first = fields.next().unwrap_or_default().trim();
        if !first.eq_ignore_ascii_case("timestamp") {
            return Err(DataError::schema(
                Location::new(origin, 1, Some(1)),
                "a header starting with `Timestamp;`",
                first,
            ));
        }
        let sensors: Vec<String> = fields.map(|f| f.trim().to_owned()).collect();
        if sensors.is_empty() || sensors.iter().any(|s| s.is_empty()) {
            return Err(DataError::schema(
                Location::new(origin, 1, None),
                "sensor ids after `Timestamp;`",
                header,
            ));
        }
        let mut timestamps = Vec::new();
        let mut values: Vec<Vec<f64>> = vec![Vec::new(); sensors.len()];
        let mut notes = TableNotes {
            files: vec![origin.display().to_string()],
            ..TableNotes::default()
        };
        for (index, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let line_no = index as u64 + 1;
            let mut column = 1u64;
            let mut cells = line.split(';');
            let stamp = cells.next().unwrap_or_default();
            let time = prevoir_core::dates::parse_timestamp(stamp).ok_or_else(|| {
                DataError::schema(
                    Location::new(origin, line_no, Some(column)),
                    "a timestamp YYYY-MM-DD HH:MM:SS",
                    stamp,
                )
            })?;
            column += stamp.len() as u64 + 1;
            let mut count = 0;
            for (s, cell) in cells.enumerate() {
                if s >= sensors.len() {
                    return Err(DataError::schema(
                        Location::new(origin, line_no, Some(column)),
                        format!("{} values after the timestamp", sensors.len()),
                        line,
                    ));
                }
                let value = parse_value(cell, &mut notes).ok_or_else(|| {
                    DataError::schema(
                        Location::new(origin, line_no, Some(column)),
                        format!(
                            "a number for sensor {} (decimal comma or point)",
                            sensors[s]
                        ),
                        cell,
                    )
                })?;
                if value.is_nan() {
                    notes.missing_values += 1;
                }
                values[s].push(value);
                column += cell.len() as u64 + 1;
                count += 1;
            }
            if count != sensors.len() {
                return Err(DataError::schema(
                    Location::new(origin, line_no, Some(column)),
                    format!("{} values after the timestamp", sensors.len()),
                    format!("{count} in {line:?}"),
                ));
            }
            timestamps.push(time);
        }
        let mut table = Self {
            timestamps,
            sensors,
            values,
            notes,
        };
        table.sort_and_deduplicate();
        Ok(table)
    }

    /// Concatenates tables of the same kind in time. Sensors are the union of all tables (a sensor
    /// absent from a file reads as missing there).
    pub fn concat(tables: Vec<SensorTable>) -> SensorTable {
        let mut sensors: Vec<String> = Vec::new();
        for t in &tables {
            for s in &t.sensors {
                if !sensors.contains(s) {
                    sensors.push(s.clone());
                }
            }
        }
        let mut out = SensorTable {
            timestamps: Vec::new(),
            values: vec![Vec::new(); sensors.len()],
            sensors,
            notes: TableNotes::default(),
        };
        for (i, t) in tables.into_iter().enumerate() {
            if let (true, Some(first)) = (i > 0, t.timestamps.first()) {
                out.notes.joins.push(*first);
            }
            out.notes.joins.extend(t.notes.joins);
            out.notes.files.extend(t.notes.files);
            out.notes.missing_values += t.notes.missing_values;
            out.notes.duplicate_timestamps += t.notes.duplicate_timestamps;
            out.notes.decimal_comma |= t.notes.decimal_comma;
            let n = t.timestamps.len();
            out.timestamps.extend(t.timestamps);
            for (i, s) in out.sensors.iter().enumerate() {
                match t.sensors.iter().position(|x| x == s) {
                    Some(j) => out.values[i].extend_from_slice(&t.values[j]),
                    None => {
                        out.notes.missing_values += n;
                        out.values[i].extend(std::iter::repeat_n(f64::NAN, n));
                    }
                }
            }
        }
        out.notes.joins.sort_unstable();
        out.notes.joins.dedup();
        out.sort_and_deduplicate();
        out
    }

    /// The most common step between readings, in minutes (5 for BattLeDIM).
    pub fn step_minutes(&self) -> Option<i64> {
        let mut counts = std::collections::BTreeMap::new();
        for w in self.timestamps.windows(2) {
            *counts.entry((w[1] - w[0]).num_minutes()).or_insert(0usize) += 1;
        }
        counts
            .into_iter()
            .max_by_key(|&(step, n)| (n, -step))
            .map(|(step, _)| step)
    }

    /// Column of one sensor.
    pub fn column(&self, sensor: &str) -> Option<&[f64]> {
        self.sensors
            .iter()
            .position(|s| s == sensor)
            .map(|i| self.values[i].as_slice())
    }

    fn sort_and_deduplicate(&mut self) {
        let n = self.timestamps.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (self.timestamps[i], i));
        let mut keep = Vec::with_capacity(n);
        for &i in &order {
            if keep
                .last()
                .is_some_and(|&j: &usize| self.timestamps[j] == self.timestamps[i])
            {
                self.notes.duplicate_timestamps += 1;
            } else {
                keep.push(i);
            }
        }
        if keep.len() != n || keep.iter().enumerate().any(|(a, &b)| a != b) {
            self.timestamps = keep.iter().map(|&i| self.timestamps[i]).collect();
            for column in &mut self.values {
                *column = keep.iter().map(|&i| column[i]).collect();
            }
        }
        self.notes.gaps.clear();
        if let Some(step) = self.step_minutes() {
            for w in self.timestamps.windows(2) {
                if (w[1] - w[0]).num_minutes() > step {
                    self.notes.gaps.push((w[0], w[1]));
                }
            }
        }
    }
}

/// A reading: `88,14`, `88.14`, `-3`, `1e-3`, empty or `NaN` (missing → `NaN`).
fn parse_value(cell: &str, notes: &mut TableNotes) -> Option<f64> {
    let cell = cell.trim();
    if cell.is_empty() || cell.eq_ignore_ascii_case("nan") || cell.eq_ignore_ascii_case("na") {
        return Some(f64::NAN);
    }
    if cell.contains(',') {
        notes.decimal_comma = true;
        if cell.contains('.') {
            return None;
        }
        return cell
            .replacen(',', ".", 1)
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
    }
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SensorTable, DataError> {
        SensorTable::parse(text, Path::new("flows.csv"))
    }

    #[test]
    fn reads_decimal_commas_and_points() {
        let t = parse(
            "Timestamp;p227;PUMP_1\n2019-01-01 00:00:00;88,14;44\n2019-01-01 00:05:00;82.9;;\n",
        )
        .unwrap_err();
        // The second data row has three cells for two sensors.
        assert_eq!(
            t.to_string(),
            "flows.csv:3:27: expected 2 values after the timestamp, found \"2019-01-01 00:05:00;82.9;;\""
        );
        let t = parse(
            "Timestamp;p227;PUMP_1\n2019-01-01 00:00:00;88,14;44\n2019-01-01 00:05:00;82.9;\n",
        )
        .unwrap();
        assert_eq!(t.values[0], vec![88.14, 82.9]);
        assert!(t.values[1][1].is_nan());
        assert_eq!(t.notes.missing_values, 1);
        assert!(t.notes.decimal_comma);
    }

    #[test]
    fn bad_values_are_located() {
        let e =
            parse("Timestamp;n1\n2019-01-01 00:00:00;1.5\n2019-01-01 00:05:00;abc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "flows.csv:3:21: expected a number for sensor n1 (decimal comma or point), found \"abc\""
        );
        let e = parse("Timestamp;n1\n01/01/2019 00:00;1.5\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "flows.csv:2:1: expected a timestamp YYYY-MM-DD HH:MM:SS, found \"01/01/2019 00:00\""
        );
        let e = parse("Time;n1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "flows.csv:1:1: expected a header starting with `Timestamp;`, found \"Time\""
        );
        let e = parse("Timestamp;n1;n2\n2019-01-01 00:00:00;1\n").unwrap_err();
        assert!(e.to_string().starts_with("flows.csv:2:"), "{e}");
    }

    #[test]
    fn concatenation_sorts_and_reports_duplicates_and_gaps() {
        let a = parse("Timestamp;n1\n2019-01-01 00:05:00;2\n2019-01-01 00:00:00;1\n").unwrap();
        let b =
            parse("Timestamp;n1;n2\n2019-01-01 00:05:00;9;1\n2019-01-01 00:20:00;4;1\n").unwrap();
        let t = SensorTable::concat(vec![a, b]);
        assert_eq!(t.timestamps.len(), 3);
        assert_eq!(t.values[0], vec![1.0, 2.0, 4.0]);
        assert_eq!(t.sensors, vec!["n1", "n2"]);
        assert_eq!(t.notes.duplicate_timestamps, 1);
        assert_eq!(t.notes.gaps.len(), 1);
        assert_eq!(t.step_minutes(), Some(5));
        // The second file takes over at its first reading: a join, where sources change.
        assert_eq!(
            t.notes.joins,
            vec![prevoir_core::dates::parse_timestamp("2019-01-01 00:05").unwrap()]
        );
    }
}
