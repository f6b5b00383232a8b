//! Where is the leak: candidate pipes ranked by how well their expected pressure signature explains
//! the residual drops of the area's sensors.
//!
//! A pipe's signature is how much each sensor's *residual* moves per m³/h leaking at the pipe's
//! midpoint. It starts from the network's hydraulics linearised around a typical operating point
//! (`leak_data::hydraulics`): the pressure drop at each sensor for water leaving at the pipe's
//! ends; the model then removes what its regression already expects (the drop of the other
//! sensors it reads and the effect of the extra inflow). When the hydraulics cannot be solved, the
//! raw sensitivity falls back to a pipe-path-distance decay (`−exp(−d/300 m)`). Ranking: weighted least squares with a
//! non-negative leak size; the fitted size is a pressure-based flow estimate.

use leak_data::InpNetwork;
use leak_data::hydraulics::{Scenario, Solver};
use leak_data::network::{LinkKind, Network, NodeKind};
use serde::{Deserialize, Serialize};

use crate::geometry::Geometry;

/// A pipe that could leak, with what the model needs to rank it without the network file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub pipe: String,
    pub area: String,
    pub length_m: f64,
    pub midpoint: (f64, f64),
    /// Residual change (m) of each model sensor per m³/h leaking here (before the model is fitted:
    /// the raw pressure sensitivity).
    pub signature: Vec<f64>,
    /// Index of the balance whose inflow includes this pipe's water.
    pub balance: Option<usize>,
    /// Pipe-path distance (m) from the pipe's midpoint to each model sensor.
    pub sensor_distance_m: Vec<f64>,
}

/// How signatures were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureMethod {
    HydraulicSensitivity,
    GraphDistance,
}

/// Which candidate an alarm names first.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Localisation {
    /// The pipe whose signature fits the deviations best.
    #[default]
    BestFit,
    /// The pipe with the most likely leak within `radius_m` of pipe around it: candidates are
    /// weighted by their Gaussian likelihood `exp(−RSS/2)` (the deviations are in sds) and the one
    /// whose `radius_m` neighbourhood holds the most weight is named (ties: the smallest expected
    /// distance). With the BattLeDIM radius (300 m) this maximises the chance of a true positive.
    MostLikelyWithin { radius_m: f64 },
}

/// One ranked candidate of an alarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedPipe {
    pub pipe: String,
    /// Share of the sensors' weighted deviation explained by a leak here (0–1).
    pub fit: f64,
    /// Leak size (m³/h) that best explains the pressure drops with this pipe.
    pub pressure_flow_m3h: f64,
    /// Pipe-path distance (m, midpoint to midpoint, BattLeDIM's metric) from the best candidate
    /// (straight-line only for a model saved without its network geometry).
    pub distance_from_best_m: f64,
    pub nearest_sensor: String,
    /// Pipe-path distance (m) to that sensor.
    pub nearest_sensor_distance_m: f64,
}

/// Builds the candidates of every pipe of the network for `sensors` (node ids, in model order).
/// `balance_areas` lists the groups of areas measured by one balance (e.g. `["A", "B"]`).
pub fn candidates(
    inp: &InpNetwork,
    net: &Network,
    sensors: &[String],
    balance_areas: &[Vec<String>],
    demand_multiplier: f64,
    tank_levels: &[(String, f64)],
) -> (Vec<Candidate>, SignatureMethod) {
    let sensor_nodes: Vec<Option<usize>> = sensors.iter().map(|s| net.node(s)).collect();
    let settings: Vec<(String, f64)> = inp
        .valves
        .iter()
        .filter(|v| v.kind == "PRV")
        .map(|v| (v.id.clone(), v.setting))
        .collect();
    let solver = Solver::new(net, &settings);
    let mut scenario = Scenario::base(net, demand_multiplier);
    for (tank, level) in tank_levels {
        if let Some(i) = net.node(tank) {
            scenario.tank_level.push((i, *level));
        }
    }
    let present: Vec<usize> = sensor_nodes.iter().flatten().copied().collect();
    let sensitivity = solver.pressure_sensitivity(&scenario, &present).ok();
    let method = if sensitivity.is_some() {
        SignatureMethod::HydraulicSensitivity
    } else {
        SignatureMethod::GraphDistance
    };
    // Raw node sensitivity per sensor (m per m³/h leaving at the node); the model turns it into
    // a residual signature (see `LeakModel`), which depends on its regression weights.
    let nn = net.nodes.len();
    let m = sensors.len();
    let mut node_signature = vec![vec![0.0; m]; nn];
    match &sensitivity {
        Some(s) => {
            let mut k = 0;
            for (i, node) in sensor_nodes.iter().enumerate() {
                if node.is_some() {
                    for n in 0..nn {
                        node_signature[n][i] = s[k][n];
                    }
                    k += 1;
                }
            }
        }
        None => {
            for (n, signature) in node_signature.iter_mut().enumerate() {
                for (i, node) in sensor_nodes.iter().enumerate() {
                    if let Some(sn) = node {
                        let same_area = net.node_area[*sn] == net.node_area[n];
                        signature[i] = if same_area {
                            -(-net.node_distance(n, *sn) / 300.0).exp()
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (l, link) in net.links.iter().enumerate() {
        if link.kind != LinkKind::Pipe {
            continue;
        }
        let ends: Vec<usize> = [link.from, link.to]
            .into_iter()
            .filter(|&e| net.nodes[e].kind == NodeKind::Junction)
            .collect();
        if ends.is_empty() {
            continue;
        }
        let signature: Vec<f64> = (0..m)
            .map(|i| ends.iter().map(|&e| node_signature[e][i]).sum::<f64>() / ends.len() as f64)
            .collect();
        let sensor_distance_m = sensor_nodes
            .iter()
            .map(|node| {
                node.map(|sn| net.link_node_distance(l, sn))
                    .unwrap_or(f64::INFINITY)
            })
            .collect();
        let area = net.areas[net.link_area(l)].name.clone();
        out.push(Candidate {
            balance: balance_areas.iter().position(|g| g.contains(&area)),
            pipe: link.id.clone(),
            area,
            length_m: link.length_m,
            midpoint: net.link_midpoint(l),
            signature,
            sensor_distance_m,
        });
    }
    (out, method)
}

#[allow(clippy::too_many_arguments)]
/// Ranks the candidates of `area` for the observed `deviation` (m, per model sensor; `NaN` for a
/// sensor that did not report) with noise `sd` per sensor. Returns the best `top`, with their
/// pipe-path distance from the best one measured on `geometry`.
pub fn rank(
    candidates: &[Candidate],
    sensors: &[String],
    area: &str,
    deviation: &[f64],
    sd: &[f64],
    top: usize,
    geometry: &Geometry,
    localisation: Localisation,
) -> Vec<RankedPipe> {
    let used: Vec<usize> = (0..sensors.len())
        .filter(|&i| deviation[i].is_finite() && sd[i] > 0.0)
        .collect();
    let x: Vec<f64> = used.iter().map(|&i| deviation[i] / sd[i]).collect();
    let xx: f64 = x.iter().map(|v| v * v).sum::<f64>().max(1e-12);
    let mut scored: Vec<(f64, f64, usize)> = Vec::new();
    for (c, cand) in candidates.iter().enumerate() {
        if cand.area != area {
            continue;
        }
        let g: Vec<f64> = used.iter().map(|&i| cand.signature[i] / sd[i]).collect();
        let gg: f64 = g.iter().map(|v| v * v).sum();
        let gx: f64 = g.iter().zip(&x).map(|(a, b)| a * b).sum();
        let q = if gg > 1e-18 { (gx / gg).max(0.0) } else { 0.0 };
        let residual: f64 = g.iter().zip(&x).map(|(a, b)| (b - q * a).powi(2)).sum();
        scored.push((residual, q, c));
    }
    // Best fit first; ties (e.g. an area with one sensor) broken by distance to the most deviating sensor.
    let worst_sensor = used
        .iter()
        .copied()
        .min_by(|&a, &b| (deviation[a] / sd[a]).total_cmp(&(deviation[b] / sd[b])));
    scored.sort_by(|a, b| {
        let da = worst_sensor.map_or(0.0, |s| candidates[a.2].sensor_distance_m[s]);
        let db = worst_sensor.map_or(0.0, |s| candidates[b.2].sensor_distance_m[s]);
        (a.0 * 1e6)
            .round()
            .total_cmp(&(b.0 * 1e6).round())
            .then(da.total_cmp(&db))
            .then(a.2.cmp(&b.2))
    });
    if let Localisation::MostLikelyWithin { radius_m } = localisation
        && !geometry.is_empty()
        && scored.len() > 1
    {
        let pool = scored.len().min(30);
        let best_rss = scored[0].0;
        let weight: Vec<f64> = scored[..pool]
            .iter()
            .map(|s| (-(s.0 - best_rss) / 2.0).exp())
            .collect();
        let links: Vec<Option<usize>> = scored[..pool]
            .iter()
            .map(|s| geometry.link(&candidates[s.2].pipe))
            .collect();
        let mut pick = (0usize, f64::NEG_INFINITY, f64::INFINITY);
        for (i, li) in links.iter().enumerate() {
            let Some(li) = li else { continue };
            let d = geometry.distances_from_link(*li);
            let (mut mass, mut expected) = (0.0, 0.0);
            for (j, lj) in links.iter().enumerate() {
                let dij = lj.map_or(f64::INFINITY, |l| d[l]);
                if dij <= radius_m {
                    mass += weight[j];
                }
                expected += weight[j] * dij.min(1e7);
            }
            if mass > pick.1 + 1e-12 || ((mass - pick.1).abs() <= 1e-12 && expected < pick.2) {
                pick = (i, mass, expected);
            }
        }
        let chosen = scored.remove(pick.0);
        scored.insert(0, chosen);
    }
    let best = scored.first().map(|s| candidates[s.2].midpoint);
    scored.truncate(top);
    let path: Vec<Option<f64>> = match scored.first() {
        Some(first) if !geometry.is_empty() => {
            let ids: Vec<&str> = scored
                .iter()
                .map(|s| candidates[s.2].pipe.as_str())
                .collect();
            geometry.pipe_distances(&candidates[first.2].pipe, &ids)
        }
        _ => vec![None; scored.len()],
    };
    scored
        .into_iter()
        .zip(path)
        .map(|((residual, q, c), path)| {
            let cand = &candidates[c];
            let (nearest, d) = cand
                .sensor_distance_m
                .iter()
                .enumerate()
                .filter(|(_, d)| d.is_finite())
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, d)| (sensors[i].clone(), *d))
                .unwrap_or_default();
            let (bx, by) = best.unwrap_or(cand.midpoint);
            RankedPipe {
                pipe: cand.pipe.clone(),
                fit: (1.0 - residual / xx).clamp(0.0, 1.0),
                pressure_flow_m3h: q,
                distance_from_best_m: path.unwrap_or_else(|| {
                    ((cand.midpoint.0 - bx).powi(2) + (cand.midpoint.1 - by).powi(2)).sqrt()
                }),
                nearest_sensor: nearest,
                nearest_sensor_distance_m: d,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(pipe: &str, signature: Vec<f64>, x: f64) -> Candidate {
        Candidate {
            pipe: pipe.into(),
            area: "A".into(),
            balance: Some(0),
            length_m: 10.0,
            midpoint: (x, 0.0),
            signature,
            sensor_distance_m: vec![100.0, 200.0, 300.0],
        }
    }

    #[test]
    fn the_most_likely_neighbourhood_beats_a_lone_best_fit() {
        // A line of pipes q1…q5 (100 m each) and a far pipe z (2 km away). One sensor: every
        // candidate explains the drop about as well, z marginally best; four of the line's pipes
        // together hold more likelihood within 300 m than z alone.
        let inp = leak_data::InpNetwork::parse(
            "[JUNCTIONS]\nj0 0 1\nj1 0 1\nj2 0 1\nj3 0 1\nj4 0 1\nj5 0 1\nj6 0 1\nj7 0 1\n\
[RESERVOIRS]\nr 50\n[PIPES]\nin r j0 10 300 130 0 Open\nq1 j0 j1 100 150 130 0 Open\n\
q2 j1 j2 100 150 130 0 Open\nq3 j2 j3 100 150 130 0 Open\nq4 j3 j4 100 150 130 0 Open\n\
q5 j4 j5 100 150 130 0 Open\nlong j5 j6 2000 150 130 0 Open\nz j6 j7 100 150 130 0 Open\n\
[COORDINATES]\nr 0 0\nj0 1 0\nj1 2 0\nj2 3 0\nj3 4 0\nj4 5 0\nj5 6 0\nj6 7 0\nj7 8 0\n",
            std::path::Path::new("line.inp"),
        )
        .unwrap();
        let geometry = Geometry::from_network(&Network::from_inp(&inp));
        let sensors = ["n1".to_string()];
        let line = |pipe: &str, g: f64| Candidate {
            pipe: pipe.into(),
            area: "A".into(),
            balance: Some(0),
            length_m: 100.0,
            midpoint: (0.0, 0.0),
            signature: vec![g],
            sensor_distance_m: vec![100.0],
        };
        // Deviation −1 sd; each signature's non-negative fit leaves a residual of (1 − fit).
        let candidates = vec![
            line("q1", -0.9),
            line("q2", -0.9),
            line("q3", -0.9),
            line("q4", -0.9),
            line("q5", -0.2),
            line("z", -1.0),
        ];
        // Two sensors so that a scaled signature cannot fit both: the second reads nothing.
        let mut cands = candidates.clone();
        for (c, second) in cands.iter_mut().zip([0.3, 0.3, 0.3, 0.3, 0.9, 0.25]) {
            c.signature.push(second);
        }
        let sensors2 = vec![sensors[0].clone(), "n2".into()];
        let deviation = [-1.0, 0.0];
        let sd = [0.5, 0.5];
        let ranked = |localisation| {
            rank(
                &cands,
                &sensors2,
                "A",
                &deviation,
                &sd,
                6,
                &geometry,
                localisation,
            )
        };
        let best_fit = ranked(Localisation::BestFit);
        assert_eq!(best_fit[0].pipe, "z");
        let likely = ranked(Localisation::MostLikelyWithin { radius_m: 300.0 });
        assert!(
            ["q2", "q3"].contains(&likely[0].pipe.as_str()),
            "{likely:?}"
        );
        // Distances are measured along pipes from the named pipe.
        let z = likely.iter().find(|r| r.pipe == "z").unwrap();
        assert!(z.distance_from_best_m > 2000.0, "{z:?}");
    }

    #[test]
    fn the_pipe_whose_signature_matches_wins_and_sizes_the_leak() {
        let sensors = vec!["n1".to_string(), "n2".into(), "n3".into()];
        let candidates = vec![
            cand("near-n1", vec![-0.010, -0.002, 0.001], 0.0),
            cand("near-n2", vec![-0.002, -0.010, 0.001], 100.0),
            cand("near-n3", vec![0.001, -0.002, -0.010], 300.0),
        ];
        // A 20 m³/h leak near n2, with a little noise.
        let deviation = vec![-0.041, -0.199, 0.022];
        let ranked = rank(
            &candidates,
            &sensors,
            "A",
            &deviation,
            &[0.01, 0.01, 0.01],
            2,
            &Geometry::default(),
            Localisation::BestFit,
        );
        assert_eq!(ranked[0].pipe, "near-n2");
        assert!(
            (ranked[0].pressure_flow_m3h - 20.0).abs() < 1.0,
            "{}",
            ranked[0].pressure_flow_m3h
        );
        assert!(ranked[0].fit > 0.95);
        assert_eq!(ranked[1].distance_from_best_m, 100.0);
        assert_eq!(ranked.len(), 2);
        // Other areas are not candidates.
        assert!(
            rank(
                &candidates,
                &sensors,
                "C",
                &deviation,
                &[0.01; 3],
                3,
                &Geometry::default(),
                Localisation::BestFit
            )
            .is_empty()
        );
    }
}
