//! A small steady-state hydraulic solver (Todini–Pilati global gradient algorithm, Hazen–Williams
//! head losses, demand-driven, flows in m³/h), enough to (1) simulate the sample network and
//! (2) linearise a network around an operating point: how much each pressure sensor drops per
//! m³/h of water leaving at each node (the sensitivity matrix used to localise leaks).
//!
//! Simplifications, stated once: reservoirs and tanks are fixed heads (a tank's head is its
//! elevation plus the level of the scenario); an active PRV holds its downstream node at
//! `elevation + setting` (it is never closed: PRVs feeding one zone must hold consistent heads, or
//! water circulates between them); a pump is a known flow leaving its suction node; other valves
//! are open pipes of 1 m. The dense Cholesky solve is fine up to a few thousand junctions.

// Time-step and matrix loops index several parallel arrays at once, as their formulas do.
#![allow(clippy::needless_range_loop)]

use crate::linalg::Cholesky;
use crate::network::{LinkKind, Network, NodeKind};

/// Hazen–Williams exponent.
const N: f64 = 1.852;

/// Inputs of one steady state.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Consumer demand per node (m³/h), indexed like `Network::nodes` (ignored at fixed heads).
    pub demand: Vec<f64>,
    /// Level (m) of each tank, by node index; the initial level of the file when absent.
    pub tank_level: Vec<(usize, f64)>,
    /// Flow (m³/h) of each pump, by link index (0 = off).
    pub pump_flow: Vec<(usize, f64)>,
    /// Leaks as emitters: `(node, coefficient)`, outflow = coefficient · √pressure (m³/h).
    pub emitters: Vec<(usize, f64)>,
    /// PRV settings (m) by link index; from the file when absent.
    pub prv_setting: Vec<(usize, f64)>,
}

impl Scenario {
    /// Base demands of the network times `multiplier`, no pump, no leak.
    pub fn base(net: &Network, multiplier: f64) -> Self {
        Self {
            demand: net
                .nodes
                .iter()
                .map(|n| n.base_demand * multiplier)
                .collect(),
            tank_level: Vec::new(),
            pump_flow: Vec::new(),
            emitters: Vec::new(),
            prv_setting: Vec::new(),
        }
    }
}

/// A solved steady state.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Hydraulic head per node (m).
    pub head: Vec<f64>,
    /// Pressure head per node (m): head − elevation.
    pub pressure: Vec<f64>,
    /// Flow per link (m³/h, positive from `from` to `to`).
    pub flow: Vec<f64>,
    /// Outflow of each emitter (m³/h), in `Scenario::emitters` order.
    pub emitter_flow: Vec<f64>,
    pub iterations: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum HydraulicsError {
    #[error(
        "the head-loss matrix is singular: a part of the network has no fixed head (reservoir, tank or PRV)"
    )]
    Singular,
    #[error("no convergence after {0} iterations")]
    NoConvergence(usize),
}

/// The solver, with what it precomputed about the network.
pub struct Solver<'a> {
    net: &'a Network,
    /// Resistance per link (m per (m³/h)^1.852); `None` for links that are not head-loss links.
    resistance: Vec<Option<f64>>,
    /// PRVs: `(link, setting from the file)`.
    prvs: Vec<(usize, f64)>,
    /// Unknown-head node → row, or `None` for a fixed head.
    row: Vec<Option<usize>>,
    unknowns: usize,
}

impl<'a> Solver<'a> {
    /// `prv_settings`: setting (m) per valve id, from the `.inp` file.
    pub fn new(net: &'a Network, prv_settings: &[(String, f64)]) -> Self {
        let mut resistance = vec![None; net.links.len()];
        let mut prvs = Vec::new();
        for (i, l) in net.links.iter().enumerate() {
            match l.kind {
                LinkKind::Pipe => {
                    resistance[i] = Some(hazen_williams(l.length_m, l.diameter_mm, l.roughness))
                }
                LinkKind::Valve => match prv_settings.iter().find(|(id, _)| *id == l.id) {
                    Some((_, s)) => prvs.push((i, *s)),
                    None => {
                        resistance[i] = Some(hazen_williams(1.0, l.diameter_mm.max(1.0), 130.0))
                    }
                },
                LinkKind::Pump => {}
            }
        }
        let mut fixed = vec![false; net.nodes.len()];
        for (i, n) in net.nodes.iter().enumerate() {
            fixed[i] = n.kind != NodeKind::Junction;
        }
        for &(l, _) in &prvs {
            fixed[net.links[l].to] = true;
        }
        let mut row = vec![None; net.nodes.len()];
        let mut unknowns = 0;
        for i in 0..net.nodes.len() {
            if !fixed[i] {
                row[i] = Some(unknowns);
                unknowns += 1;
            }
        }
        Self {
            net,
            resistance,
            prvs,
            row,
            unknowns,
        }
    }

    fn fixed_heads(&self, scenario: &Scenario) -> Vec<f64> {
        let net = self.net;
        let mut head: Vec<f64> = net.nodes.iter().map(|n| n.elevation_m).collect();
        for (i, n) in net.nodes.iter().enumerate() {
            if n.kind == NodeKind::Tank {
                head[i] = n.elevation_m
                    + scenario
                        .tank_level
                        .iter()
                        .find(|(t, _)| *t == i)
                        .map(|x| x.1)
                        .unwrap_or(0.0);
            }
        }
        for &(l, setting) in &self.prvs {
            let s = scenario
                .prv_setting
                .iter()
                .find(|(v, _)| *v == l)
                .map(|x| x.1)
                .unwrap_or(setting);
            let down = net.links[l].to;
            head[down] = net.nodes[down].elevation_m + s;
        }
        head
    }

    /// Solves one steady state.
    pub fn solve(&self, scenario: &Scenario) -> Result<Solution, HydraulicsError> {
        let (solution, _) = self.solve_with_matrix(scenario)?;
        Ok(solution)
    }

    fn solve_with_matrix(
        &self,
        scenario: &Scenario,
    ) -> Result<(Solution, Cholesky), HydraulicsError> {
        let net = self.net;
        let nn = net.nodes.len();
        let m = self.unknowns;
        let mut head = self.fixed_heads(scenario);
        let fixed_head = head.clone();
        // Start unknown heads at the highest fixed head minus a little, flows at 1 m³/h.
        let start = fixed_head
            .iter()
            .enumerate()
            .filter(|(i, _)| self.row[*i].is_none())
            .map(|x| *x.1)
            .fold(f64::MIN, f64::max);
        for i in 0..nn {
            if self.row[i].is_some() {
                head[i] = start;
            }
        }
        let mut flow = vec![1.0; net.links.len()];
        let mut extra = vec![0.0; nn]; // PRV through-flows and pump flows as demands
        let mut emitter_flow = vec![0.0; scenario.emitters.len()];
        let max_iterations = 100;
        for iteration in 1..=max_iterations {
            // Demands of PRV upstream nodes = flow delivered into the PRV downstream zone.
            extra.iter_mut().for_each(|x| *x = 0.0);
            for &(l, q) in &scenario.pump_flow {
                extra[net.links[l].from] += q;
            }
            for &(l, _) in &self.prvs {
                let link = &net.links[l];
                let down = link.to;
                let mut out = scenario.demand[down];
                for (j, other) in net.links.iter().enumerate() {
                    if self.resistance[j].is_none() {
                        continue;
                    }
                    if other.from == down {
                        out += flow[j];
                    } else if other.to == down {
                        out -= flow[j];
                    }
                }
                extra[link.from] += out.max(0.0);
                flow[l] = out.max(0.0);
            }
            let mut a = vec![0.0; m * m];
            let mut f = vec![0.0; m];
            for i in 0..nn {
                if let Some(r) = self.row[i] {
                    f[r] -= scenario.demand[i] + extra[i];
                }
            }
            for (k, &(node, c)) in scenario.emitters.iter().enumerate() {
                if let Some(r) = self.row[node] {
                    let p = (head[node] - net.nodes[node].elevation_m).max(1e-3);
                    let q0 = c * p.sqrt();
                    let g = 0.5 * c / p.sqrt();
                    a[r * m + r] += g;
                    f[r] += -q0 + g * head[node];
                    emitter_flow[k] = q0;
                }
            }
            let mut p_link = vec![0.0; net.links.len()];
            for (j, link) in net.links.iter().enumerate() {
                let Some(res) = self.resistance[j] else {
                    continue;
                };
                let q = flow[j].abs().max(1e-3);
                let p = 1.0 / (N * res * q.powf(N - 1.0));
                p_link[j] = p;
                let carried = (1.0 - 1.0 / N) * flow[j];
                let (u, v) = (link.from, link.to);
                match (self.row[u], self.row[v]) {
                    (Some(ru), Some(rv)) => {
                        a[ru * m + ru] += p;
                        a[rv * m + rv] += p;
                        a[ru * m + rv] -= p;
                        a[rv * m + ru] -= p;
                        f[ru] -= carried;
                        f[rv] += carried;
                    }
                    (Some(ru), None) => {
                        a[ru * m + ru] += p;
                        f[ru] += p * head[v] - carried;
                    }
                    (None, Some(rv)) => {
                        a[rv * m + rv] += p;
                        f[rv] += p * head[u] + carried;
                    }
                    (None, None) => {}
                }
            }
            let chol = Cholesky::factor(a, m).ok_or(HydraulicsError::Singular)?;
            let h = chol.solve(&f).ok_or(HydraulicsError::Singular)?;
            for i in 0..nn {
                if let Some(r) = self.row[i] {
                    head[i] = h[r];
                }
            }
            let mut change = 0.0;
            let mut total = 0.0;
            for (j, link) in net.links.iter().enumerate() {
                if self.resistance[j].is_none() {
                    continue;
                }
                let new = flow[j] * (1.0 - 1.0 / N) + p_link[j] * (head[link.from] - head[link.to]);
                change += (new - flow[j]).abs();
                total += new.abs();
                flow[j] = new;
            }
            if iteration > 2 && change <= 1e-6 * total.max(1.0) + 1e-9 {
                let pressure = (0..nn)
                    .map(|i| head[i] - net.nodes[i].elevation_m)
                    .collect();
                for (k, &(node, c)) in scenario.emitters.iter().enumerate() {
                    emitter_flow[k] =
                        c * (head[node] - net.nodes[node].elevation_m).max(0.0).sqrt();
                }
                return Ok((
                    Solution {
                        head,
                        pressure,
                        flow,
                        emitter_flow,
                        iterations: iteration,
                    },
                    chol,
                ));
            }
        }
        Err(HydraulicsError::NoConvergence(max_iterations))
    }

    /// Sensitivity of pressure at each of `sensors` (node indices) to 1 m³/h more outflow at every
    /// node, at the operating point `scenario`: `result[s][node]` in m per m³/h (≤ 0; 0 at fixed
    /// heads and beyond them).
    pub fn pressure_sensitivity(
        &self,
        scenario: &Scenario,
        sensors: &[usize],
    ) -> Result<Vec<Vec<f64>>, HydraulicsError> {
        let (_, chol) = self.solve_with_matrix(scenario)?;
        let nn = self.net.nodes.len();
        let mut out = Vec::with_capacity(sensors.len());
        for &s in sensors {
            let mut row = vec![0.0; nn];
            if let Some(r) = self.row[s] {
                let mut e = vec![0.0; self.unknowns];
                e[r] = 1.0;
                let x = chol.solve(&e).ok_or(HydraulicsError::Singular)?;
                for (i, value) in row.iter_mut().enumerate() {
                    if let Some(ri) = self.row[i] {
                        *value = -x[ri];
                    }
                }
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// Hazen–Williams resistance for flows in m³/h: head loss (m) = r · Q^1.852.
pub fn hazen_williams(length_m: f64, diameter_mm: f64, roughness: f64) -> f64 {
    let d = diameter_mm / 1000.0;
    let r_si = 10.667 * length_m / (roughness.powf(N) * d.powf(4.871));
    r_si / 3600f64.powf(N)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inp::InpNetwork;
    use std::path::Path;

    /// Reservoir at 100 m, two pipes in series to n2 with 10 m³/h demand.
    const SERIES: &str = "[JUNCTIONS]\n n1 0 0\n n2 0 10\n[RESERVOIRS]\n R 100\n\
[PIPES]\n a R n1 1000 100 100\n b n1 n2 1000 100 100\n";

    #[test]
    fn series_pipes_lose_the_hazen_williams_head() {
        let inp = InpNetwork::parse(SERIES, Path::new("s.inp")).unwrap();
        let net = Network::from_inp(&inp);
        let solver = Solver::new(&net, &[]);
        let sol = solver.solve(&Scenario::base(&net, 1.0)).unwrap();
        let r = hazen_williams(1000.0, 100.0, 100.0);
        let loss = r * 10f64.powf(1.852);
        let n2 = net.node("n2").unwrap();
        assert!(
            (sol.head[n2] - (100.0 - 2.0 * loss)).abs() < 1e-4,
            "{} vs {}",
            sol.head[n2],
            100.0 - 2.0 * loss
        );
        assert!((sol.flow[net.link("b").unwrap()] - 10.0).abs() < 1e-6);
        // One more m³/h at n2 lowers its pressure by about dh/dQ of both pipes.
        let s = solver
            .pressure_sensitivity(&Scenario::base(&net, 1.0), &[n2])
            .unwrap();
        let expected = -2.0 * 1.852 * r * 10f64.powf(0.852);
        assert!(
            (s[0][n2] - expected).abs() < 1e-6 * expected.abs().max(1.0),
            "{} vs {expected}",
            s[0][n2]
        );
    }

    #[test]
    fn an_emitter_leaks_by_the_square_root_of_pressure() {
        let inp = InpNetwork::parse(SERIES, Path::new("s.inp")).unwrap();
        let net = Network::from_inp(&inp);
        let solver = Solver::new(&net, &[]);
        let mut scenario = Scenario::base(&net, 0.0);
        let n2 = net.node("n2").unwrap();
        scenario.emitters.push((n2, 1.0));
        let sol = solver.solve(&scenario).unwrap();
        let q = sol.emitter_flow[0];
        assert!((q - sol.pressure[n2].sqrt()).abs() < 1e-6);
        assert!((sol.flow[net.link("a").unwrap()] - q).abs() < 1e-4);
    }
}
