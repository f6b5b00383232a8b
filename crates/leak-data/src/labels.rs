//! Leak labels (`leak_labels.csv`): `pipe,start,end,diameter_m,type,peak`, one row per leak.
//! `abrupt` leaks are full size at `start`; `incipient` ones grow until `peak`; `end` is the repair
//! time. Used to score backtests, and, for the training window only, to tell normal behaviour from
//! known leaks.

use chrono::NaiveDateTime;
use prevoir_core::{DataError, Location};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeakType {
    Abrupt,
    Incipient,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakLabel {
    pub pipe: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub diameter_m: f64,
    pub leak_type: LeakType,
    pub peak: NaiveDateTime,
}

/// Reads a label file.
pub fn read_labels(path: &Path) -> Result<Vec<LeakLabel>, DataError> {
    let decoded = prevoir_core::text::read_text(path)?;
    parse_labels(&decoded.text, path)
}

pub fn parse_labels(text: &str, path: &Path) -> Result<Vec<LeakLabel>, DataError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let expected_header = ["pipe", "start", "end", "diameter_m", "type", "peak"];
    match lines.next() {
        Some((_, header)) => {
            let found: Vec<&str> = header.split(',').map(str::trim).collect();
            if found != expected_header {
                return Err(DataError::schema(
                    Location::new(path, 1, Some(1)),
                    expected_header.join(","),
                    header,
                ));
            }
        }
        None => {
            return Err(DataError::schema(
                Location::new(path, 1, None),
                expected_header.join(","),
                "",
            ));
        }
    }
    let mut labels = Vec::new();
    for (index, line) in lines {
        let line_no = index as u64 + 1;
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != 6 {
            return Err(DataError::schema(
                Location::new(path, line_no, None),
                "6 comma-separated fields",
                line,
            ));
        }
        let column =
            |i: usize| -> u64 { cells[..i].iter().map(|c| c.len() as u64 + 1).sum::<u64>() + 1 };
        let time = |i: usize| {
            prevoir_core::dates::parse_timestamp(cells[i]).ok_or_else(|| {
                DataError::schema(
                    Location::new(path, line_no, Some(column(i))),
                    "a time YYYY-MM-DD HH:MM",
                    cells[i],
                )
            })
        };
        let pipe = cells[0].trim().to_owned();
        if pipe.is_empty() {
            return Err(DataError::schema(
                Location::new(path, line_no, Some(1)),
                "a pipe id",
                cells[0],
            ));
        }
        let start = time(1)?;
        let end = time(2)?;
        let diameter_m = cells[3]
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d >= 0.0)
            .ok_or_else(|| {
                DataError::schema(
                    Location::new(path, line_no, Some(column(3))),
                    "a leak diameter in metres",
                    cells[3],
                )
            })?;
        let leak_type = match cells[4].trim() {
            "abrupt" => LeakType::Abrupt,
            "incipient" => LeakType::Incipient,
            other => {
                return Err(DataError::schema(
                    Location::new(path, line_no, Some(column(4))),
                    "`abrupt` or `incipient`",
                    other,
                ));
            }
        };
        let peak = time(5)?;
        if end < start {
            return Err(DataError::schema(
                Location::new(path, line_no, Some(column(2))),
                format!("an end after the start {start}"),
                cells[2],
            ));
        }
        labels.push(LeakLabel {
            pipe,
            start,
            end,
            diameter_m,
            leak_type,
            peak,
        });
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "pipe,start,end,diameter_m,type,peak\n";

    #[test]
    fn parses_and_locates_errors() {
        let ok = format!(
            "{HEADER}p257,2018-01-08 13:30,2019-12-31 23:55,0.011843,incipient,2018-01-25 08:30\n"
        );
        let labels = parse_labels(&ok, Path::new("leak_labels.csv")).unwrap();
        assert_eq!(labels[0].leak_type, LeakType::Incipient);
        assert_eq!(labels[0].peak.to_string(), "2018-01-25 08:30:00");
        let bad =
            format!("{HEADER}p1,2018-01-08 13:30,2019-12-31 23:55,0.01,sudden,2018-01-08 13:30\n");
        let e = parse_labels(&bad, Path::new("leak_labels.csv")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "leak_labels.csv:2:43: expected `abrupt` or `incipient`, found \"sudden\""
        );
        let bad =
            format!("{HEADER}p1,2018-13-08 13:30,2019-12-31 23:55,0.01,abrupt,2018-01-08 13:30\n");
        let e = parse_labels(&bad, Path::new("leak_labels.csv")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "leak_labels.csv:2:4: expected a time YYYY-MM-DD HH:MM, found \"2018-13-08 13:30\""
        );
    }
}
