//! Sensor readings in memory, on a regular time grid: what the leak models score. Built from SCADA
//! files (the CLI), from SCADA CSV text or from JSON (the HTTP API); missing readings are `NaN` in
//! memory and `null` in JSON.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use prevoir_core::DataError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use crate::scada::SensorTable;

/// Kind of a SCADA sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SensorKind {
    /// Flow in m³/h (inlet pipes, pumps).
    Flow,
    /// Pressure head in m.
    Pressure,
    /// Tank level in m.
    Level,
}

impl SensorKind {
    pub fn unit(self) -> &'static str {
        match self {
            SensorKind::Flow => "m³/h",
            SensorKind::Pressure | SensorKind::Level => "m",
        }
    }
}

/// Timestamped sensor columns on a regular grid: reading `t` is at `start + t·step_minutes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readings {
    pub start: NaiveDateTime,
    pub step_minutes: i64,
    /// Number of time steps; every column has this length.
    pub len: usize,
    #[serde(with = "nan_map")]
    pub flows: BTreeMap<String, Vec<f64>>,
    #[serde(with = "nan_map")]
    pub pressures: BTreeMap<String, Vec<f64>>,
    #[serde(with = "nan_map")]
    pub levels: BTreeMap<String, Vec<f64>>,
}

/// Why readings could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ReadingsError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("no reading between {from} and {to}")]
    Empty {
        from: NaiveDateTime,
        to: NaiveDateTime,
    },
    #[error("column {sensor} has {found} values, expected {expected}")]
    Length {
        sensor: String,
        found: usize,
        expected: usize,
    },
    #[error("step of {0} minutes: expected a positive step")]
    Step(i64),
}

impl Readings {
    /// Time of step `t`.
    pub fn time(&self, t: usize) -> NaiveDateTime {
        self.start + Duration::minutes(self.step_minutes * t as i64)
    }

    /// Last time on the grid.
    pub fn end(&self) -> NaiveDateTime {
        self.time(self.len.saturating_sub(1))
    }

    /// Step index of `time` (rounded down), if on the grid.
    pub fn index_of(&self, time: NaiveDateTime) -> Option<usize> {
        let minutes = (time - self.start).num_minutes();
        if minutes < 0 {
            return None;
        }
        let t = (minutes / self.step_minutes) as usize;
        (t < self.len).then_some(t)
    }

    pub fn column(&self, kind: SensorKind, id: &str) -> Option<&[f64]> {
        self.map(kind).get(id).map(Vec::as_slice)
    }

    pub fn map(&self, kind: SensorKind) -> &BTreeMap<String, Vec<f64>> {
        match kind {
            SensorKind::Flow => &self.flows,
            SensorKind::Pressure => &self.pressures,
            SensorKind::Level => &self.levels,
        }
    }

    /// Checks that every column has `len` values and the step is positive.
    pub fn validate(&self) -> Result<(), ReadingsError> {
        if self.step_minutes <= 0 {
            return Err(ReadingsError::Step(self.step_minutes));
        }
        for (id, column) in self.flows.iter().chain(&self.pressures).chain(&self.levels) {
            if column.len() != self.len {
                return Err(ReadingsError::Length {
                    sensor: id.clone(),
                    found: column.len(),
                    expected: self.len,
                });
            }
        }
        Ok(())
    }

    /// Puts three SCADA tables on the grid `[from, to]` (both inclusive) with the tables' step.
    /// Times with no reading become `NaN`; readings off the grid are ignored.
    pub fn align(
        flows: &SensorTable,
        pressures: &SensorTable,
        levels: &SensorTable,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Self, ReadingsError> {
        let step = [flows, pressures, levels]
            .iter()
            .filter_map(|t| t.step_minutes())
            .min()
            .unwrap_or(5)
            .max(1);
        let first = [flows, pressures, levels]
            .iter()
            .filter_map(|t| t.timestamps.iter().find(|&&x| x >= from).copied())
            .min()
            .ok_or(ReadingsError::Empty { from, to })?;
        // Keep the grid phase of the data (e.g. :00, :05, …) while starting at `from` or after.
        let start = first;
        if start > to {
            return Err(ReadingsError::Empty { from, to });
        }
        let len = ((to - start).num_minutes() / step) as usize + 1;
        let put = |table: &SensorTable| -> BTreeMap<String, Vec<f64>> {
            let mut out = BTreeMap::new();
            for (s, id) in table.sensors.iter().enumerate() {
                let mut column = vec![f64::NAN; len];
                for (t, time) in table.timestamps.iter().enumerate() {
                    let minutes = (*time - start).num_minutes();
                    if minutes < 0 || minutes % step != 0 {
                        continue;
                    }
                    let i = (minutes / step) as usize;
                    if i < len {
                        column[i] = table.values[s][t];
                    }
                }
                out.insert(id.clone(), column);
            }
            out
        };
        Ok(Self {
            start,
            step_minutes: step,
            len,
            flows: put(flows),
            pressures: put(pressures),
            levels: put(levels),
        })
    }

    /// Reads the three kinds of SCADA files and aligns them on `[from 00:00, to 23:59]`.
    pub fn read(
        flows: &[impl AsRef<Path>],
        pressures: &[impl AsRef<Path>],
        levels: &[impl AsRef<Path>],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Self, ReadingsError> {
        let f = SensorTable::read_all(flows)?;
        let p = SensorTable::read_all(pressures)?;
        let l = SensorTable::read_all(levels)?;
        Self::align(&f, &p, &l, day_start(from), day_end(to))
    }

    /// Builds readings from SCADA CSV text (as posted to the API), one text per kind.
    pub fn from_csv_texts(
        flows: &str,
        pressures: &str,
        levels: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Self, ReadingsError> {
        let f = SensorTable::parse(flows, Path::new("<flows>"))?;
        let p = SensorTable::parse(pressures, Path::new("<pressures>"))?;
        let l = SensorTable::parse(levels, Path::new("<levels>"))?;
        Self::align(&f, &p, &l, from, to)
    }

    /// The readings between steps `a` (inclusive) and `b` (exclusive).
    pub fn slice(&self, a: usize, b: usize) -> Self {
        let b = b.min(self.len);
        let a = a.min(b);
        let cut = |m: &BTreeMap<String, Vec<f64>>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v[a..b].to_vec()))
                .collect()
        };
        Self {
            start: self.time(a),
            step_minutes: self.step_minutes,
            len: b - a,
            flows: cut(&self.flows),
            pressures: cut(&self.pressures),
            levels: cut(&self.levels),
        }
    }
}

/// `date 00:00:00`.
pub fn day_start(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// `date 23:59:59`.
pub fn day_end(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(23, 59, 59).unwrap_or_default()
}

/// Serde for `BTreeMap<String, Vec<f64>>` with `NaN` as JSON `null`.
mod nan_map {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, Vec<f64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let view: BTreeMap<&String, Vec<Option<f64>>> = map
            .iter()
            .map(|(k, v)| (k, v.iter().map(|x| x.is_finite().then_some(*x)).collect()))
            .collect();
        view.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Vec<f64>>, D::Error> {
        let view: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::deserialize(d)?;
        Ok(view
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_kinds_on_one_grid_and_round_trips_json() {
        let from = prevoir_core::dates::parse_timestamp("2019-01-01 00:00").unwrap();
        let to = prevoir_core::dates::parse_timestamp("2019-01-01 00:15").unwrap();
        let r = Readings::from_csv_texts(
            "Timestamp;p227\n2019-01-01 00:00:00;1,5\n2019-01-01 00:05:00;2,5\n2019-01-01 00:15:00;3\n",
            "Timestamp;n1;n4\n2019-01-01 00:00:00;30;31\n2019-01-01 00:05:00;30.1;31.1\n",
            "Timestamp;T1\n2019-01-01 00:10:00;3.4\n",
            from,
            to,
        )
        .unwrap();
        assert_eq!(r.len, 4);
        assert_eq!(r.step_minutes, 5);
        assert!(r.flows["p227"][2].is_nan());
        assert_eq!(r.flows["p227"][3], 3.0);
        assert_eq!(r.levels["T1"][2], 3.4);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("null"));
        let back: Readings = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len, 4);
        assert!(back.pressures["n1"][3].is_nan());
        assert_eq!(back.flows["p227"][3], 3.0);
        back.validate().unwrap();
        assert_eq!(r.index_of(to), Some(3));
    }
}
