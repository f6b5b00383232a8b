//! District inflows of the Battle of Water Demand Forecasting (BWDF 2024): ten real district
//! metered areas, hourly, `;`-separated, `DD/MM/YYYY HH:mm` local time, litres per second, `NaN`
//! for a missing reading. No leak labels: they tell how real consumption varies at night, which is
//! what a night-flow detector's false alarms are made of. Read into a [`SensorTable`] in m³/h.

use chrono::{NaiveDateTime, NaiveTime};
use prevoir_core::dates::{DateFormat, parse_date};
use prevoir_core::{DataError, Location};
use std::path::Path;

use crate::scada::SensorTable;

/// Reads `inflow_dma_hourly.csv`: one column per district (`DMA 1 (L/s)` → `DMA 1`), in m³/h.
pub fn read_dma_inflows(path: &Path) -> Result<SensorTable, DataError> {
    let decoded = prevoir_core::text::read_text(path)?;
    parse_dma_inflows(&decoded.text, path)
}

/// Parses the BWDF inflow text; `origin` names it in errors.
pub fn parse_dma_inflows(text: &str, origin: &Path) -> Result<SensorTable, DataError> {
    let mut scada = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut cells = line.split(';');
        let first = cells.next().unwrap_or_default();
        if i == 0 {
            scada.push_str("Timestamp");
            for c in cells {
                scada.push(';');
                scada.push_str(c.split(" (").next().unwrap_or(c).trim());
            }
            scada.push('\n');
            continue;
        }
        let time = parse_local_time(first).ok_or_else(|| {
            DataError::schema(
                Location::new(origin, i as u64 + 1, Some(1)),
                "a time DD/MM/YYYY HH:mm",
                first,
            )
        })?;
        scada.push_str(&time.format("%Y-%m-%d %H:%M:%S").to_string());
        for (c, cell) in cells.enumerate() {
            scada.push(';');
            let cell = cell.trim();
            if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
                scada.push_str("NaN");
            } else {
                let litres: f64 = cell.replace(',', ".").parse().map_err(|_| {
                    DataError::schema(
                        Location::new(origin, i as u64 + 1, Some(c as u64 + 2)),
                        "a flow in L/s",
                        cell,
                    )
                })?;
                scada.push_str(&format!("{}", litres * 3.6));
            }
        }
        scada.push('\n');
    }
    SensorTable::parse(&scada, origin)
}

fn parse_local_time(text: &str) -> Option<NaiveDateTime> {
    let (date, time) = text.trim().split_once(' ')?;
    let date = parse_date(date, DateFormat::DayFirst)?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_litres_per_second_as_cubic_metres_per_hour() {
        let t = parse_dma_inflows(
            "Date-time CET-CEST (DD/MM/YYYY HH:mm);DMA 1 (L/s);DMA 2 (L/s)\n\
01/01/2021 00:00;NaN;3.7\n01/01/2021 01:00;2.5;3.5625\n",
            Path::new("inflow.csv"),
        )
        .unwrap();
        assert_eq!(t.sensors, vec!["DMA 1", "DMA 2"]);
        assert!(t.values[0][0].is_nan());
        assert!((t.values[0][1] - 9.0).abs() < 1e-9);
        assert!((t.values[1][0] - 13.32).abs() < 1e-9);
        assert_eq!(t.step_minutes(), Some(60));
        let e = parse_dma_inflows("h;DMA 1 (L/s)\n2021-01-01;1\n", Path::new("x.csv")).unwrap_err();
        assert!(e.to_string().contains("x.csv:2:1"), "{e}");
    }
}
