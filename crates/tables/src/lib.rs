//! Feature matrices as polars DataFrames and Parquet files, so that anyone can fit another
//! library on exactly the rows and columns Prévoir learns from.
//!
//! This crate is the only one that depends on polars; the serving path never does.

use chrono::NaiveDate;
use polars::prelude::*;
use std::path::Path;

use prevoir_core::atomic::write_atomic;

/// Why a table could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("building the table: {0}")]
    Polars(#[from] PolarsError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("row {row} has {found} feature values, expected {expected}")]
    Width {
        row: usize,
        found: usize,
        expected: usize,
    },
}

/// One canteen-day of the exported matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub date: NaiveDate,
    pub canteen: String,
    pub horizon_days: u32,
    pub actual: Option<u32>,
    pub agents_forecast: Option<u32>,
    /// The canteen's usual level (column `usual_level_meals`): the target is `actual / usual_level_meals`.
    pub reference_meals: f64,
    /// Whether the model trains on this row (closures and unforeseeable strike days excluded).
    pub training_eligible: bool,
    pub values: Vec<f64>,
}

/// Builds the DataFrame: identification columns, the target, then one column per feature
/// (NaN = unknown).
pub fn feature_frame(feature_names: &[&str], rows: &[ExportRow]) -> Result<DataFrame, TableError> {
    for (i, row) in rows.iter().enumerate() {
        if row.values.len() != feature_names.len() {
            return Err(TableError::Width {
                row: i,
                found: row.values.len(),
                expected: feature_names.len(),
            });
        }
    }
    let dates: Vec<NaiveDate> = rows.iter().map(|r| r.date).collect();
    let target: Vec<Option<f64>> = rows
        .iter()
        .map(|r| r.actual.map(|a| f64::from(a) / r.reference_meals))
        .collect();
    let mut columns: Vec<Column> = vec![
        Column::new("date".into(), dates),
        Column::new(
            "canteen".into(),
            rows.iter().map(|r| r.canteen.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "horizon_days".into(),
            rows.iter().map(|r| r.horizon_days).collect::<Vec<_>>(),
        ),
        Column::new(
            "actual".into(),
            rows.iter().map(|r| r.actual).collect::<Vec<_>>(),
        ),
        Column::new(
            "agents_forecast".into(),
            rows.iter().map(|r| r.agents_forecast).collect::<Vec<_>>(),
        ),
        Column::new(
            "usual_level_meals".into(),
            rows.iter().map(|r| r.reference_meals).collect::<Vec<_>>(),
        ),
        Column::new("target_ratio".into(), target),
        Column::new(
            "training_eligible".into(),
            rows.iter().map(|r| r.training_eligible).collect::<Vec<_>>(),
        ),
    ];
    for (j, name) in feature_names.iter().enumerate() {
        columns.push(Column::new(
            (*name).into(),
            rows.iter().map(|r| r.values[j]).collect::<Vec<f64>>(),
        ));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes `frame` to `path` as Parquet (zstd), atomically.
pub fn write_parquet(frame: &mut DataFrame, path: &Path) -> Result<(), TableError> {
    let mut buffer = Vec::new();
    ParquetWriter::new(&mut buffer)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(frame)?;
    write_atomic(path, &buffer).map_err(|source| TableError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads a Parquet file back (used by tests and by `bench`).
pub fn read_parquet(path: &Path) -> Result<DataFrame, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(ParquetReader::new(file).finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parquet_round_trip_keeps_columns_and_nulls() {
        let rows = vec![
            ExportRow {
                date: "2017-09-04".parse().unwrap(),
                canteen: "EMILE PEHANT ".into(),
                horizon_days: 28,
                actual: Some(90),
                agents_forecast: None,
                reference_meals: 100.0,
                training_eligible: true,
                values: vec![0.0, f64::NAN],
            },
            ExportRow {
                date: "2017-09-05".parse().unwrap(),
                canteen: "B".into(),
                horizon_days: 28,
                actual: None,
                agents_forecast: Some(12),
                reference_meals: 10.0,
                training_eligible: false,
                values: vec![1.0, 2.5],
            },
        ];
        let mut frame = feature_frame(&["weekday", "trend"], &rows).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.parquet");
        write_parquet(&mut frame, &path).unwrap();
        let back = read_parquet(&path).unwrap();
        assert_eq!(back.shape(), (2, 10));
        let names: Vec<String> = back
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(&names[..3], ["date", "canteen", "horizon_days"]);
        assert_eq!(
            back.column("target_ratio").unwrap().f64().unwrap().get(0),
            Some(0.9)
        );
        assert_eq!(back.column("actual").unwrap().null_count(), 1);
        assert_eq!(
            back.column("canteen").unwrap().str().unwrap().get(0),
            Some("EMILE PEHANT ")
        );
        assert!(
            back.column("trend")
                .unwrap()
                .f64()
                .unwrap()
                .get(0)
                .unwrap()
                .is_nan()
        );
    }

    #[test]
    fn refuses_ragged_rows() {
        let row = ExportRow {
            date: "2017-09-04".parse().unwrap(),
            canteen: "A".into(),
            horizon_days: 1,
            actual: None,
            agents_forecast: None,
            reference_meals: 1.0,
            training_eligible: false,
            values: vec![1.0],
        };
        assert!(matches!(
            feature_frame(&["a", "b"], &[row]),
            Err(TableError::Width { .. })
        ));
    }
}
