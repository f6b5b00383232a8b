//! Breaks: steps where the readings stop being one continuous record, so that nothing may be
//! compared across them.
//!
//! Two kinds: a *declared* change of data source (the caller knows it, e.g. the join between two
//! files: L-Town's simulated 2018 and real 2019 files meet at 2019-01-01 00:00 and the tank level
//! jumps by 0.40 m there), and a *gap* at least a reference window long (one day) in which a whole
//! kind of sensor is silent (the reference the detector compares with would be stale). At a break
//! no rate of change is computed across it (the tank balance), and the detector's windows restart:
//! alarms resume once a full window of new data exists (a day for steps, two for levels).

use chrono::NaiveDateTime;
use leak_data::Readings;

use crate::detector::DetectorParams;

/// Sorted, distinct step indices of the breaks of `readings` (never 0: the start is no break).
pub fn find(
    readings: &Readings,
    declared: &[NaiveDateTime],
    params: &DetectorParams,
) -> Vec<usize> {
    let mut out: Vec<usize> = declared
        .iter()
        .filter(|&&t| t > readings.start)
        .filter_map(|&t| {
            // A change between two grid steps takes effect at the next step.
            let i = readings.index_of(t)?;
            Some(if readings.time(i) < t { i + 1 } else { i })
        })
        .filter(|&i| i > 0 && i < readings.len)
        .collect();
    let silent = |map: &std::collections::BTreeMap<String, Vec<f64>>, t: usize| {
        !map.is_empty() && map.values().all(|c| !c[t].is_finite())
    };
    let mut run = 0usize;
    for t in 0..readings.len {
        let dark = silent(&readings.pressures, t)
            || silent(&readings.flows, t)
            || silent(&readings.levels, t);
        if dark {
            run += 1;
        } else {
            if run >= params.reference_steps && t > 0 {
                out.push(t);
            }
            run = 0;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn declared_changes_and_long_gaps_are_breaks() {
        let start = prevoir_core::dates::parse_timestamp("2019-01-01 00:00").unwrap();
        let n = 100;
        let mut pressure = vec![1.0; n];
        // A 30-step silence (longer than the 20-step reference) and a 5-step one.
        for v in pressure.iter_mut().take(60).skip(30) {
            *v = f64::NAN;
        }
        for v in pressure.iter_mut().take(85).skip(80) {
            *v = f64::NAN;
        }
        let readings = Readings {
            start,
            step_minutes: 5,
            len: n,
            flows: BTreeMap::from([("q".to_string(), vec![1.0; n])]),
            pressures: BTreeMap::from([("n1".to_string(), pressure)]),
            levels: BTreeMap::new(),
        };
        let params = DetectorParams {
            reference_steps: 20,
            ..DetectorParams::default()
        };
        let at = |m: i64| start + chrono::Duration::minutes(m);
        let found = find(&readings, &[at(0), at(50), at(52), at(-10)], &params);
        // 50 min = step 10; 52 min falls between steps 10 and 11 → 11; the start and times
        // before it are no breaks; the long gap ends at 60, the short one is no break.
        assert_eq!(found, vec![10, 11, 60]);
    }
}
