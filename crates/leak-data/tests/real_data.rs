//! Parsers on the real BattLeDIM files. Runs when `PREVOIR_OPEN_DATA` names the open-data
//! directory (fails loudly if the files are missing there); skipped with a notice otherwise.

use leak_data::hydraulics::{Scenario, Solver};
use leak_data::{InpNetwork, Network, SensorTable, labels};
use std::path::{Path, PathBuf};

/// The real L-Town directory under `PREVOIR_OPEN_DATA` (unset → notice and skip; set but
/// missing → panic).
fn ltown(test: &str) -> Option<PathBuf> {
    prevoir_core::open_data::locate(&workspace_root(), "ltown", "L-TOWN.inp", test)
}

/// Relative `PREVOIR_OPEN_DATA` values are read from there, as CI sets them (`../shared/data`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn ltown_network_has_the_documented_areas() {
    let Some(dir) = ltown("ltown_network_has_the_documented_areas") else {
        return;
    };
    let inp = InpNetwork::read(&dir.join("L-TOWN.inp")).unwrap();
    assert_eq!(inp.junctions.len(), 782);
    assert_eq!(inp.pipes.len(), 905);
    assert_eq!(inp.flow_units, "CMH");
    let net = Network::from_inp(&inp);
    let areas: Vec<(&str, usize)> = net
        .areas
        .iter()
        .map(|a| (a.name.as_str(), a.junctions))
        .collect();
    assert_eq!(areas, vec![("A", 659), ("B", 31), ("C", 92)]);
    let a = &net.areas[0];
    let mut inlets = a.inlet_pipes.clone();
    inlets.sort();
    assert_eq!(inlets, vec!["p227", "p235"]);
    assert_eq!(a.pumps_out, vec!["PUMP_1"]);
    assert!((net.areas[2].tank_area_m2.unwrap() - 201.06).abs() < 0.01);
    assert!(
        (net.total_pipe_length_m() / 1000.0 - 42.6).abs() < 1.0,
        "{}",
        net.total_pipe_length_m()
    );
    // The hydraulic solver converges at the mean demand and a leak lowers pressures nearby.
    let settings: Vec<(String, f64)> = inp
        .valves
        .iter()
        .map(|v| (v.id.clone(), v.setting))
        .collect();
    let solver = Solver::new(&net, &settings);
    let t1 = net.node("T1").unwrap();
    let mut scenario = Scenario::base(&net, 0.7);
    scenario.tank_level.push((t1, 3.0));
    let solution = solver.solve(&scenario).unwrap();
    let n506 = net.node("n506").unwrap();
    assert!(
        solution.pressure[n506] > 20.0 && solution.pressure[n506] < 80.0,
        "{}",
        solution.pressure[n506]
    );
    let s = solver.pressure_sensitivity(&scenario, &[n506]).unwrap();
    assert!(s[0][n506] < 0.0);
}

#[test]
fn ltown_scada_files_parse_with_both_decimal_marks() {
    let Some(dir) = ltown("ltown_scada_files_parse_with_both_decimal_marks") else {
        return;
    };
    let real = SensorTable::read(&dir.join("2019_SCADA_Flows.csv")).unwrap();
    assert!(real.notes.decimal_comma);
    assert_eq!(real.sensors, vec!["p227", "p235", "PUMP_1"]);
    assert_eq!(real.step_minutes(), Some(5));
    let sim = SensorTable::read_all(&[
        dir.join("sim/2018_SCADA_Pressures.csv"),
        dir.join("sim/2019_SCADA_Pressures.csv"),
    ])
    .unwrap();
    assert_eq!(sim.sensors.len(), 33);
    assert_eq!(sim.timestamps.len(), 105_120 + 52_128);
    assert!(sim.notes.gaps.is_empty());
    assert_eq!(sim.notes.duplicate_timestamps, 0);
    // The simulated 2018 file hands over to the 2019 one at midnight: a change of source.
    assert_eq!(
        sim.notes.joins,
        vec![prevoir_core::dates::parse_timestamp("2019-01-01 00:00").unwrap()]
    );
    let labels = labels::read_labels(&dir.join("leak_labels.csv")).unwrap();
    assert_eq!(labels.len(), 24);
}

#[test]
fn bwdf_district_inflows_parse_in_cubic_metres_per_hour() {
    let Some(dir) = prevoir_core::open_data::locate(
        &workspace_root(),
        "bwdf",
        "inflow_dma_hourly.csv",
        "bwdf_district_inflows_parse_in_cubic_metres_per_hour",
    ) else {
        return;
    };
    let path = dir.join("inflow_dma_hourly.csv");
    let t = leak_data::bwdf::read_dma_inflows(&path).unwrap();
    assert_eq!(t.sensors.len(), 10);
    assert_eq!(t.sensors[0], "DMA 1");
    assert_eq!(t.step_minutes(), Some(60));
    assert_eq!(
        t.timestamps.first().copied(),
        prevoir_core::dates::parse_timestamp("2021-01-01 00:00")
    );
    // DMA 3 reads 3.7 L/s at the first hour: 13.32 m³/h.
    assert!((t.values[2][0] - 13.32).abs() < 1e-9);
    assert!(t.notes.missing_values > 0, "the file has gaps (NaN)");
}
