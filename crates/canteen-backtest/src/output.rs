//! The backtest's files: `predictions.csv` (exactly
//! `date,canteen,horizon_days,actual,agents_forecast,forecast,order_quantity`, empty cells for
//! unknown values) and `metrics.json`. Metrics can be recomputed from `predictions.csv` alone with
//! [`metrics_from_predictions`], which is how anyone can check them.

use chrono::NaiveDate;
use std::path::Path;

use canteen_model::metrics::{Metrics, Scored};
use prevoir_core::atomic::write_atomic;

use crate::BacktestError;
use crate::run::{BacktestMetrics, PredictionRow};

pub const PREDICTIONS_HEADER: [&str; 7] = [
    "date",
    "canteen",
    "horizon_days",
    "actual",
    "agents_forecast",
    "forecast",
    "order_quantity",
];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BacktestError + '_ {
    move |source| BacktestError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Serialises predictions as CSV text.
pub fn predictions_csv(rows: &[PredictionRow]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(PREDICTIONS_HEADER);
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        let _ = writer.write_record([
            r.date.to_string(),
            r.canteen.clone(),
            r.horizon_days.to_string(),
            opt(r.actual),
            opt(r.agents_forecast),
            format!("{:.2}", r.forecast),
            r.order_quantity.to_string(),
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Writes `predictions.csv` and `metrics.json` into `dir`.
pub fn write(
    dir: &Path,
    rows: &[PredictionRow],
    metrics: &BacktestMetrics,
) -> Result<(), BacktestError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let predictions = dir.join("predictions.csv");
    write_atomic(&predictions, predictions_csv(rows).as_bytes()).map_err(io(&predictions))?;
    let metrics_path = dir.join("metrics.json");
    let json = serde_json::to_vec_pretty(metrics).map_err(|e| BacktestError::Predictions {
        path: metrics_path.display().to_string(),
        message: e.to_string(),
    })?;
    write_atomic(&metrics_path, &json).map_err(io(&metrics_path))?;
    Ok(())
}

/// Reads a `predictions.csv` back.
pub fn read_predictions(path: &Path) -> Result<Vec<PredictionRow>, BacktestError> {
    let fail = |line: u64, message: String| BacktestError::Predictions {
        path: format!("{}:{line}", path.display()),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(0, e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(1, e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header != PREDICTIONS_HEADER {
        return Err(fail(
            1,
            format!(
                "expected header {}, found {}",
                PREDICTIONS_HEADER.join(","),
                header.join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| fail(line, e.to_string()))?;
        let field = |j: usize| record.get(j).unwrap_or("");
        let int = |j: usize| -> Result<Option<u32>, BacktestError> {
            let text = field(j);
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| {
                fail(
                    line,
                    format!("column {}: expected an integer, found {text:?}", j + 1),
                )
            })
        };
        rows.push(PredictionRow {
            date: field(0).parse::<NaiveDate>().map_err(|_| {
                fail(
                    line,
                    format!("column 1: expected a date YYYY-MM-DD, found {:?}", field(0)),
                )
            })?,
            canteen: field(1).to_owned(),
            horizon_days: int(2)?.unwrap_or(0),
            actual: int(3)?,
            agents_forecast: int(4)?,
            forecast: field(5).parse().map_err(|_| {
                fail(
                    line,
                    format!("column 6: expected a number, found {:?}", field(5)),
                )
            })?,
            order_quantity: int(6)?.unwrap_or(0),
        });
    }
    Ok(rows)
}

/// The model's and the agents' metrics on the rows where actual and agents' forecast are known.
pub fn metrics_from_predictions(rows: &[PredictionRow], spare_meals: f64) -> (Metrics, Metrics) {
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for r in rows {
        if let (Some(actual), Some(agents)) = (r.actual, r.agents_forecast) {
            ours.push(Scored {
                date: r.date,
                actual: f64::from(actual),
                quantity: f64::from(r.order_quantity),
            });
            theirs.push(Scored {
                date: r.date,
                actual: f64::from(actual),
                quantity: f64::from(agents),
            });
        }
    }
    (
        Metrics::compute(&ours, spare_meals),
        Metrics::compute(&theirs, spare_meals),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_keeps_empty_cells_and_exact_header() {
        let rows = vec![
            PredictionRow {
                date: "2017-09-04".parse().unwrap(),
                canteen: "EMILE PEHANT ".into(),
                horizon_days: 28,
                actual: None,
                agents_forecast: Some(120),
                forecast: 111.25,
                order_quantity: 118,
            },
            PredictionRow {
                date: "2017-09-05".parse().unwrap(),
                canteen: "A, B".into(),
                horizon_days: 28,
                actual: Some(100),
                agents_forecast: None,
                forecast: 99.0,
                order_quantity: 105,
            },
        ];
        let text = predictions_csv(&rows);
        assert!(text.starts_with(
            "date,canteen,horizon_days,actual,agents_forecast,forecast,order_quantity\n"
        ));
        assert!(text.contains("2017-09-04,EMILE PEHANT ,28,,120,111.25,118\n"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("predictions.csv");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_predictions(&path).unwrap(), rows);
    }

    #[test]
    fn bad_rows_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("predictions.csv");
        std::fs::write(&path, "date,canteen,horizon_days,actual,agents_forecast,forecast,order_quantity\n2017-09-04,A,28,x,,1,2\n").unwrap();
        let message = read_predictions(&path).unwrap_err().to_string();
        assert!(
            message.ends_with("predictions.csv:2: column 4: expected an integer, found \"x\""),
            "{message}"
        );
    }
}
