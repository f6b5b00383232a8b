//! The network as a graph: nodes, links, supply areas, and pipe-path distances (the metric of
//! BattLeDIM: shortest path along pipes between pipe midpoints, in metres).
//!
//! Areas are derived from the topology, not typed in: pumps always separate areas; a PRV separates
//! the zone behind it when that zone holds no reservoir or tank. A zone holding a reservoir is a
//! supply area (`A`), a zone holding a tank a tank-fed area (`C`), a zone behind a PRV a
//! pressure-reduced area (`B`); further ones get a number (`A2`, …).

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use crate::inp::InpNetwork;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Junction,
    Reservoir,
    Tank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    Pipe,
    Pump,
    Valve,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub elevation_m: f64,
    pub base_demand: f64,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub id: String,
    pub kind: LinkKind,
    pub from: usize,
    pub to: usize,
    /// Pipe length; 0 for pumps and valves.
    pub length_m: f64,
    pub diameter_mm: f64,
    pub roughness: f64,
}

/// How an area is fed, which decides how its water balance is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AreaKind {
    /// Fed by reservoirs through metered inlet pipes.
    Supply,
    /// Behind a pressure-reducing valve, no meter of its own: its water is in its parent's balance.
    PressureReduced,
    /// Fed by a tank (filled by a pump): inflow = pump flow − tank section · dLevel/dt.
    TankFed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub name: String,
    pub kind: AreaKind,
    /// The supply area whose meters include this area's water (for `PressureReduced`).
    pub parent: Option<String>,
    pub junctions: usize,
    /// Tank feeding the area (`TankFed`).
    pub tank: Option<String>,
    /// Tank section (m²) for the level → volume conversion.
    pub tank_area_m2: Option<f64>,
    /// Pumps bringing water in (into the tank) or out (from a supply area into a tank area).
    pub pumps_in: Vec<String>,
    pub pumps_out: Vec<String>,
    /// Pipes connected to a reservoir (the inlet meters of a supply area).
    pub inlet_pipes: Vec<String>,
}

/// A network graph with areas and all-pairs pipe-path distances between nodes.
#[derive(Debug, Clone)]
pub struct Network {
    pub title: String,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    pub areas: Vec<Area>,
    /// Area index of each node.
    pub node_area: Vec<usize>,
    node_index: HashMap<String, usize>,
    link_index: HashMap<String, usize>,
    /// `distance[a * n + b]`: shortest path in metres between nodes `a` and `b`.
    distance: Vec<f32>,
}

impl Network {
    /// Builds the graph, the areas and the distance matrix (≈ 0.1 s for L-Town).
    pub fn from_inp(inp: &InpNetwork) -> Self {
        let mut nodes = Vec::new();
        let coord = |id: &str| {
            inp.coordinates
                .get(id)
                .copied()
                .unwrap_or((f64::NAN, f64::NAN))
        };
        for j in &inp.junctions {
            let (x, y) = coord(&j.id);
            nodes.push(Node {
                id: j.id.clone(),
                kind: NodeKind::Junction,
                elevation_m: j.elevation_m,
                base_demand: j.base_demand,
                x,
                y,
            });
        }
        for r in &inp.reservoirs {
            let (x, y) = coord(&r.id);
            nodes.push(Node {
                id: r.id.clone(),
                kind: NodeKind::Reservoir,
                elevation_m: r.head_m,
                base_demand: 0.0,
                x,
                y,
            });
        }
        for t in &inp.tanks {
            let (x, y) = coord(&t.id);
            nodes.push(Node {
                id: t.id.clone(),
                kind: NodeKind::Tank,
                elevation_m: t.elevation_m,
                base_demand: 0.0,
                x,
                y,
            });
        }
        let node_index: HashMap<String, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect();
        let idx = |id: &str| node_index.get(id).copied().unwrap_or(0);
        let mut links = Vec::new();
        for p in inp.pipes.iter().filter(|p| p.open) {
            links.push(Link {
                id: p.id.clone(),
                kind: LinkKind::Pipe,
                from: idx(&p.from),
                to: idx(&p.to),
                length_m: p.length_m,
                diameter_mm: p.diameter_mm,
                roughness: p.roughness,
            });
        }
        for p in &inp.pumps {
            links.push(Link {
                id: p.id.clone(),
                kind: LinkKind::Pump,
                from: idx(&p.from),
                to: idx(&p.to),
                length_m: 0.0,
                diameter_mm: 0.0,
                roughness: 0.0,
            });
        }
        for v in &inp.valves {
            links.push(Link {
                id: v.id.clone(),
                kind: LinkKind::Valve,
                from: idx(&v.from),
                to: idx(&v.to),
                length_m: 0.0,
                diameter_mm: v.diameter_mm,
                roughness: 0.0,
            });
        }
        let link_index = links
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.clone(), i))
            .collect();
        let mut net = Network {
            title: inp.title.clone(),
            nodes,
            links,
            areas: Vec::new(),
            node_area: Vec::new(),
            node_index,
            link_index,
            distance: Vec::new(),
        };
        net.derive_areas(inp);
        net.compute_distances();
        net
    }

    pub fn node(&self, id: &str) -> Option<usize> {
        self.node_index.get(id).copied()
    }

    pub fn link(&self, id: &str) -> Option<usize> {
        self.link_index.get(id).copied()
    }

    /// Pipe-path distance (m) between nodes.
    pub fn node_distance(&self, a: usize, b: usize) -> f64 {
        self.distance[a * self.nodes.len() + b] as f64
    }

    /// Pipe-path distance (m) from the midpoint of link `l` to node `n`.
    pub fn link_node_distance(&self, l: usize, n: usize) -> f64 {
        let link = &self.links[l];
        let half = link.length_m / 2.0;
        half + self
            .node_distance(link.from, n)
            .min(self.node_distance(link.to, n))
    }

    /// Pipe-path distance (m) between the midpoints of two links (0 for the same link): the
    /// BattLeDIM location error.
    pub fn link_distance(&self, a: usize, b: usize) -> f64 {
        if a == b {
            return 0.0;
        }
        let (la, lb) = (&self.links[a], &self.links[b]);
        let mut best = f64::INFINITY;
        for ea in [la.from, la.to] {
            for eb in [lb.from, lb.to] {
                best = best.min(self.node_distance(ea, eb));
            }
        }
        la.length_m / 2.0 + best + lb.length_m / 2.0
    }

    /// Area of a link: that of its first junction end.
    pub fn link_area(&self, l: usize) -> usize {
        let link = &self.links[l];
        if self.nodes[link.from].kind == NodeKind::Junction {
            self.node_area[link.from]
        } else {
            self.node_area[link.to]
        }
    }

    /// Midpoint coordinates of a link.
    pub fn link_midpoint(&self, l: usize) -> (f64, f64) {
        let link = &self.links[l];
        let (a, b) = (&self.nodes[link.from], &self.nodes[link.to]);
        ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0)
    }

    pub fn total_pipe_length_m(&self) -> f64 {
        self.links
            .iter()
            .filter(|l| l.kind == LinkKind::Pipe)
            .map(|l| l.length_m)
            .sum()
    }

    /// The links as a [`PipeGraph`].
    pub fn pipe_graph(&self) -> PipeGraph {
        PipeGraph::new(
            self.nodes.len(),
            self.links.iter().map(|l| (l.from, l.to, l.length_m)),
        )
    }

    fn compute_distances(&mut self) {
        let n = self.nodes.len();
        let graph = self.pipe_graph();
        let mut distance = vec![f32::INFINITY; n * n];
        for source in 0..n {
            let best = graph.distances_from(&[(source, 0.0)]);
            for (target, d) in best.iter().enumerate() {
                distance[source * n + target] = *d as f32;
            }
        }
        self.distance = distance;
    }

    fn derive_areas(&mut self, inp: &InpNetwork) {
        let n = self.nodes.len();
        let is_source = |i: usize| self.nodes[i].kind != NodeKind::Junction;
        // A PRV cuts off a zone when, without it, the downstream side holds no reservoir or tank
        // and fewer junctions than the upstream side.
        let mut zone_valves = Vec::new();
        for (i, l) in self.links.iter().enumerate() {
            if l.kind != LinkKind::Valve {
                continue;
            }
            let is_prv = inp.valves.iter().any(|v| v.id == l.id && v.kind == "PRV");
            if !is_prv {
                continue;
            }
            // Connectivity with every valve but this one.
            let mut uf = UnionFind::new(n);
            for (k, m) in self.links.iter().enumerate() {
                if m.kind == LinkKind::Pump || k == i {
                    continue;
                }
                uf.union(m.from, m.to);
            }
            let down = uf.find(l.to);
            let separated = uf.find(l.from) != down;
            let up = uf.find(l.from);
            let has_source = (0..n).any(|j| uf.find(j) == down && is_source(j));
            let count = |root: usize, uf: &mut UnionFind| {
                (0..n)
                    .filter(|&j| !is_source(j) && uf.find(j) == root)
                    .count()
            };
            let smaller = count(down, &mut uf) < count(up, &mut uf);
            if separated && !has_source && smaller {
                zone_valves.push(i);
            }
        }
        let mut uf = UnionFind::new(n);
        for (i, l) in self.links.iter().enumerate() {
            if l.kind == LinkKind::Pump || zone_valves.contains(&i) {
                continue;
            }
            uf.union(l.from, l.to);
        }
        let mut roots: Vec<usize> = Vec::new();
        for i in 0..n {
            let r = uf.find(i);
            if !roots.contains(&r) {
                roots.push(r);
            }
        }
        let kind_of = |root: usize, uf: &mut UnionFind| {
            let members: Vec<usize> = (0..n).filter(|&j| uf.find(j) == root).collect();
            if members
                .iter()
                .any(|&j| self.nodes[j].kind == NodeKind::Reservoir)
            {
                AreaKind::Supply
            } else if members
                .iter()
                .any(|&j| self.nodes[j].kind == NodeKind::Tank)
            {
                AreaKind::TankFed
            } else {
                AreaKind::PressureReduced
            }
        };
        let mut areas: Vec<(usize, AreaKind)> =
            roots.iter().map(|&r| (r, kind_of(r, &mut uf))).collect();
        // Supply first, then pressure-reduced, then tank-fed; larger first within a kind.
        let size = |r: usize, uf: &mut UnionFind| (0..n).filter(|&j| uf.find(j) == r).count();
        let mut keyed: Vec<(u8, usize, usize, AreaKind)> = areas
            .drain(..)
            .map(|(r, k)| {
                let order = match k {
                    AreaKind::Supply => 0,
                    AreaKind::PressureReduced => 1,
                    AreaKind::TankFed => 2,
                };
                (order, usize::MAX - size(r, &mut uf), r, k)
            })
            .collect();
        keyed.sort();
        let mut counts = [0usize; 3];
        let mut node_area = vec![0usize; n];
        let mut out = Vec::new();
        for (order, _, root, kind) in keyed {
            counts[order as usize] += 1;
            let letter = ["A", "B", "C"][order as usize];
            let name = if counts[order as usize] == 1 {
                letter.to_owned()
            } else {
                format!("{letter}{}", counts[order as usize])
            };
            let members: Vec<usize> = (0..n).filter(|&j| uf.find(j) == root).collect();
            let index = out.len();
            for &m in &members {
                node_area[m] = index;
            }
            let tank = members
                .iter()
                .find(|&&j| self.nodes[j].kind == NodeKind::Tank)
                .map(|&j| self.nodes[j].id.clone());
            let tank_area_m2 = tank
                .as_ref()
                .and_then(|t| inp.tanks.iter().find(|x| &x.id == t))
                .map(|t| t.area_m2());
            out.push(Area {
                name,
                kind,
                parent: None,
                junctions: members
                    .iter()
                    .filter(|&&j| self.nodes[j].kind == NodeKind::Junction)
                    .count(),
                tank: if kind == AreaKind::TankFed {
                    tank
                } else {
                    None
                },
                tank_area_m2: if kind == AreaKind::TankFed {
                    tank_area_m2
                } else {
                    None
                },
                pumps_in: Vec::new(),
                pumps_out: Vec::new(),
                inlet_pipes: Vec::new(),
            });
        }
        for l in &self.links {
            match l.kind {
                LinkKind::Pump => {
                    let (a, b) = (node_area[l.from], node_area[l.to]);
                    if a != b {
                        out[a].pumps_out.push(l.id.clone());
                        out[b].pumps_in.push(l.id.clone());
                    }
                }
                LinkKind::Pipe => {
                    let (a, b) = (&self.nodes[l.from], &self.nodes[l.to]);
                    if a.kind == NodeKind::Reservoir || b.kind == NodeKind::Reservoir {
                        out[node_area[l.from]].inlet_pipes.push(l.id.clone());
                    }
                }
                LinkKind::Valve => {}
            }
        }
        for &v in &zone_valves {
            let l = &self.links[v];
            let (up, down) = (node_area[l.from], node_area[l.to]);
            out[down].parent = Some(out[up].name.clone());
        }
        self.areas = out;
        self.node_area = node_area;
    }
}

/// Nodes and links as a weighted graph for pipe-path distances: each node's neighbours with the
/// length of the link between them, both ways (pumps and valves are 0 m long).
#[derive(Debug, Clone)]
pub struct PipeGraph {
    adjacency: Vec<Vec<(usize, f64)>>,
}

impl PipeGraph {
    /// `links`: `(from node, to node, length in m)`, node indices below `node_count`.
    pub fn new(node_count: usize, links: impl IntoIterator<Item = (usize, usize, f64)>) -> Self {
        let mut adjacency: Vec<Vec<(usize, f64)>> = vec![Vec::new(); node_count];
        for (from, to, length_m) in links {
            adjacency[from].push((to, length_m));
            adjacency[to].push((from, length_m));
        }
        Self { adjacency }
    }

    /// Shortest pipe-path distance (m) to every node from the nearest of `sources`, each a node
    /// and the distance already travelled to reach it (Dijkstra); infinite where unreachable.
    pub fn distances_from(&self, sources: &[(usize, f64)]) -> Vec<f64> {
        let mut best = vec![f64::INFINITY; self.adjacency.len()];
        let mut heap = BinaryHeap::new();
        for &(node, cost) in sources {
            if cost < best[node] {
                best[node] = cost;
                heap.push(State { cost, node });
            }
        }
        while let Some(State { cost, node }) = heap.pop() {
            if cost > best[node] {
                continue;
            }
            for &(next, len) in &self.adjacency[node] {
                let c = cost + len;
                if c < best[next] {
                    best[next] = c;
                    heap.push(State {
                        cost: c,
                        node: next,
                    });
                }
            }
        }
        best
    }
}

/// A heap entry of [`PipeGraph::distances_from`]: the cheapest node pops first.
#[derive(Clone, Copy, PartialEq)]
struct State {
    cost: f64,
    node: usize,
}

impl Eq for State {}

impl Ord for State {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| self.node.cmp(&other.node))
    }
}

impl PartialOrd for State {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// R1 → p1 → PRV V1 → main loop (n1..n4); PRV V2 → zone n5; pump n2 → T1 → p6 → n6.
    const NET: &str = "[JUNCTIONS]\n n0 10 0\n n1 10 1\n n2 10 1\n n3 10 1\n n4 10 1\n n5 5 1\n n6 20 1\n\
[RESERVOIRS]\n R1 80\n[TANKS]\n T1 40 2 0 4 10 0\n\
[PIPES]\n p1 R1 n0 10 200 130\n p2 n1 n2 100 150 130\n p3 n2 n3 200 150 130\n p4 n3 n4 100 150 130\n p5 n4 n1 200 150 130\n p6 T1 n6 50 100 130\n\
[PUMPS]\n PU n2 T1 HEAD 1\n[VALVES]\n V1 n0 n1 200 PRV 50 0\n V2 n4 n5 100 PRV 30 0\n";

    #[test]
    fn areas_and_distances() {
        let inp = InpNetwork::parse(NET, Path::new("t.inp")).unwrap();
        let net = Network::from_inp(&inp);
        let names: Vec<&str> = net.areas.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["A", "B", "C"]);
        let a = &net.areas[0];
        assert_eq!(a.kind, AreaKind::Supply);
        assert_eq!(a.inlet_pipes, vec!["p1"]);
        assert_eq!(a.pumps_out, vec!["PU"]);
        assert_eq!(net.areas[1].parent.as_deref(), Some("A"));
        let c = &net.areas[2];
        assert_eq!(c.tank.as_deref(), Some("T1"));
        assert_eq!(c.pumps_in, vec!["PU"]);
        assert!((c.tank_area_m2.unwrap() - 78.54).abs() < 0.01);
        // n1 → n3: min(100+200, 100+200) = 300 m around the loop.
        assert_eq!(
            net.node_distance(net.node("n1").unwrap(), net.node("n3").unwrap()),
            300.0
        );
        // Midpoint of p2 to midpoint of p4: 50 + min paths between ends + 50.
        let (p2, p4) = (net.link("p2").unwrap(), net.link("p4").unwrap());
        assert_eq!(net.link_distance(p2, p4), 50.0 + 200.0 + 50.0);
        assert_eq!(net.link_distance(p2, p2), 0.0);
        assert_eq!(net.link_area(net.link("p6").unwrap()), 2);
    }
}
