//! Sensor readings as callers send them: JSON columns on a regular grid, or one SCADA CSV table
//! (`Timestamp;<id>;<id>…`, every kind of sensor in one table). Either way they become
//! [`leak_data::Readings`]; a sensor the model does not know is refused (422 naming it), so that
//! nothing outside the schema is ever stored.

use chrono::NaiveDateTime;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use utoipa::ToSchema;

use leak_data::{Readings, SensorKind, SensorTable};

use crate::problem::ApiError;

/// Most time steps in one request: 92 days of 5-minute readings.
pub const MAX_STEPS: usize = 92 * 288;

/// Readings on a regular grid: value `t` of every column is at `start + t × step_minutes`.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadingsBody {
    /// Time of the first value, `YYYY-MM-DD HH:MM:SS`.
    #[schema(
        example = "2019-02-01 00:00:00",
        pattern = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$"
    )]
    pub start: String,
    /// Minutes between values; must be the model's (5 for the shipped models).
    #[schema(minimum = 1, maximum = 1440, example = 5)]
    pub step_minutes: i64,
    /// Flow sensors (m³/h) by id; `null` = missing reading.
    #[serde(default)]
    pub flows: BTreeMap<String, Vec<Option<f64>>>,
    /// Pressure sensors (m) by node id.
    #[serde(default)]
    pub pressures: BTreeMap<String, Vec<Option<f64>>>,
    /// Tank level sensors (m) by tank id.
    #[serde(default)]
    pub levels: BTreeMap<String, Vec<Option<f64>>>,
}

/// The sensors a model knows, by id.
pub type SensorKinds = HashMap<String, SensorKind>;

fn kind_name(kind: SensorKind) -> &'static str {
    match kind {
        SensorKind::Flow => "flows",
        SensorKind::Pressure => "pressures",
        SensorKind::Level => "levels",
    }
}

/// Parses a SCADA timestamp (`YYYY-MM-DD HH:MM[:SS]`), or a date (its midnight) when
/// `date_allowed`.
pub fn parse_time(text: &str, date_allowed: bool) -> Option<NaiveDateTime> {
    prevoir_core::dates::parse_timestamp(text).or_else(|| {
        if date_allowed {
            prevoir_core::dates::parse_date(text, prevoir_core::dates::DateFormat::Iso)
                .map(leak_data::readings::day_start)
        } else {
            None
        }
    })
}

impl ReadingsBody {
    /// Checks the body against the model's sensors and grid; `prefix` is the JSON path of the
    /// body in the request (for messages).
    pub fn into_readings(
        self,
        kinds: &SensorKinds,
        step_minutes: i64,
        prefix: &str,
    ) -> Result<Readings, ApiError> {
        let field = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let start = parse_time(&self.start, false).ok_or_else(|| {
            ApiError::body(
                field("start"),
                format!(
                    "expected a timestamp YYYY-MM-DD HH:MM:SS, found {:?}",
                    self.start
                ),
            )
        })?;
        if self.step_minutes != step_minutes {
            return Err(ApiError::body(
                field("step_minutes"),
                format!(
                    "the model was trained on readings every {step_minutes} minutes, found {}",
                    self.step_minutes
                ),
            ));
        }
        let mut len = None;
        let mut columns = [BTreeMap::new(), BTreeMap::new(), BTreeMap::new()];
        for (kind, map, slot) in [
            (SensorKind::Flow, self.flows, 0),
            (SensorKind::Pressure, self.pressures, 1),
            (SensorKind::Level, self.levels, 2),
        ] {
            for (id, values) in map {
                let here = field(&format!("{}.{id}", kind_name(kind)));
                match kinds.get(&id) {
                    Some(k) if *k == kind => {}
                    Some(k) => {
                        return Err(ApiError::body(
                            here,
                            format!("sensor {id} is a {} sensor of the model", kind_name(*k)),
                        ));
                    }
                    None => {
                        return Err(ApiError::body(
                            here,
                            format!("unknown sensor {id}: the model knows {}", known(kinds)),
                        ));
                    }
                }
                if values.len() > MAX_STEPS {
                    return Err(ApiError::body(
                        here,
                        format!("{} values: at most {MAX_STEPS} per request", values.len()),
                    ));
                }
                match len {
                    None => len = Some(values.len()),
                    Some(n) if n != values.len() => {
                        return Err(ApiError::body(
                            here,
                            format!("{} values, but other columns have {n}", values.len()),
                        ));
                    }
                    Some(_) => {}
                }
                columns[slot].insert(
                    id,
                    values
                        .into_iter()
                        .map(|v| v.unwrap_or(f64::NAN))
                        .collect::<Vec<f64>>(),
                );
            }
        }
        let len = len.filter(|n| *n > 0).ok_or_else(|| {
            ApiError::body(
                field("pressures"),
                "no reading: send at least one sensor column with values",
            )
        })?;
        let [flows, pressures, levels] = columns;
        Ok(Readings {
            start,
            step_minutes,
            len,
            flows,
            pressures,
            levels,
        })
    }
}

fn known(kinds: &SensorKinds) -> String {
    let mut ids: Vec<&str> = kinds.keys().map(String::as_str).collect();
    ids.sort_unstable();
    ids.join(", ")
}

/// Reads one SCADA table holding every kind of sensor and puts it on the model's grid.
pub fn from_csv(text: &str, kinds: &SensorKinds, step_minutes: i64) -> Result<Readings, ApiError> {
    let table = SensorTable::parse(text, Path::new("<request body>"))
        .map_err(|e| ApiError::body("body", e.to_string()))?;
    if table.timestamps.is_empty() {
        return Err(ApiError::body("body", "no reading after the header"));
    }
    if table.timestamps.len() > MAX_STEPS {
        return Err(ApiError::body(
            "body",
            format!(
                "{} rows: at most {MAX_STEPS} per request",
                table.timestamps.len()
            ),
        ));
    }
    let mut split: [SensorTable; 3] = std::array::from_fn(|_| SensorTable {
        timestamps: table.timestamps.clone(),
        sensors: Vec::new(),
        values: Vec::new(),
        notes: table.notes.clone(),
    });
    for (id, values) in table.sensors.iter().zip(&table.values) {
        let slot = match kinds.get(id) {
            Some(SensorKind::Flow) => 0,
            Some(SensorKind::Pressure) => 1,
            Some(SensorKind::Level) => 2,
            None => {
                return Err(ApiError::body(
                    format!("body.{id}"),
                    format!("unknown sensor {id}: the model knows {}", known(kinds)),
                ));
            }
        };
        split[slot].sensors.push(id.clone());
        split[slot].values.push(values.clone());
    }
    let (Some(first), Some(last)) = (table.timestamps.iter().min(), table.timestamps.iter().max())
    else {
        return Err(ApiError::body("body", "no reading after the header"));
    };
    let [flows, pressures, levels] = split;
    let readings = Readings::align(&flows, &pressures, &levels, *first, *last)
        .map_err(|e| ApiError::body("body", e.to_string()))?;
    if readings.step_minutes != step_minutes {
        return Err(ApiError::body(
            "body",
            format!(
                "readings every {} minutes; the model was trained on {step_minutes} minutes",
                readings.step_minutes
            ),
        ));
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> SensorKinds {
        [
            ("pin1", SensorKind::Flow),
            ("n1", SensorKind::Pressure),
            ("T1", SensorKind::Level),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    #[test]
    fn json_readings_are_checked_against_the_model() {
        let body: ReadingsBody = serde_json::from_str(
            r#"{"start":"2019-02-01 00:00:00","step_minutes":5,"flows":{"pin1":[1.0,null]},"pressures":{"n1":[30.0,30.1]}}"#,
        )
        .unwrap();
        let r = body.clone().into_readings(&kinds(), 5, "readings").unwrap();
        assert_eq!(r.len, 2);
        assert!(r.flows["pin1"][1].is_nan());
        let wrong_step = body
            .clone()
            .into_readings(&kinds(), 10, "readings")
            .unwrap_err();
        assert!(
            matches!(wrong_step, ApiError::InvalidBody { ref field, .. } if field == "readings.step_minutes")
        );
        let mut unknown = body;
        unknown
            .pressures
            .insert("n999".into(), vec![1.0.into(), 2.0.into()]);
        let error = unknown.into_readings(&kinds(), 5, "").unwrap_err();
        assert!(
            matches!(error, ApiError::InvalidBody { ref field, .. } if field == "pressures.n999"),
            "{error:?}"
        );
    }

    #[test]
    fn one_csv_table_is_split_by_sensor_kind() {
        let text = "Timestamp;pin1;n1;T1\n2019-02-01 00:00:00;1,5;30,2;3,0\n2019-02-01 00:05:00;1,6;30,1;3,1\n";
        let r = from_csv(text, &kinds(), 5).unwrap();
        assert_eq!(
            (r.len, r.flows["pin1"][1], r.levels["T1"][0]),
            (2, 1.6, 3.0)
        );
        let error = from_csv("Timestamp;zz\n2019-02-01 00:00:00;1\n", &kinds(), 5).unwrap_err();
        assert!(error.to_string().contains("unknown sensor zz"));
        let error = from_csv("Time;n1\n", &kinds(), 5).unwrap_err();
        assert!(error.to_string().contains("<request body>:1:1"), "{error}");
    }
}
