//! The network as the model carries it: node coordinates and areas, links with their lengths. It
//! lets a served model answer pipe-path distances between candidate pipes (BattLeDIM's metric)
//! without the `.inp` file, and gives a web page what it needs to draw the network.

use leak_data::network::{LinkKind, Network, NodeKind, PipeGraph};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A node: junction, reservoir or tank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoNode {
    pub id: String,
    pub kind: NodeKind,
    pub x: f64,
    pub y: f64,
    pub area: String,
}

/// A link: pipe, pump or valve, between two nodes (indices into `Geometry::nodes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoLink {
    pub id: String,
    pub kind: LinkKind,
    pub from: usize,
    pub to: usize,
    pub length_m: f64,
    pub diameter_mm: f64,
}

/// Nodes and links of the network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    pub nodes: Vec<GeoNode>,
    pub links: Vec<GeoLink>,
}

impl Geometry {
    pub fn from_network(net: &Network) -> Self {
        Self {
            nodes: net
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| GeoNode {
                    id: n.id.clone(),
                    kind: n.kind,
                    x: if n.x.is_finite() { n.x } else { 0.0 },
                    y: if n.y.is_finite() { n.y } else { 0.0 },
                    area: net.areas[net.node_area[i]].name.clone(),
                })
                .collect(),
            links: net
                .links
                .iter()
                .map(|l| GeoLink {
                    id: l.id.clone(),
                    kind: l.kind,
                    from: l.from,
                    to: l.to,
                    length_m: l.length_m,
                    diameter_mm: l.diameter_mm,
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Index of a link by id.
    pub fn link(&self, id: &str) -> Option<usize> {
        self.links.iter().position(|l| l.id == id)
    }

    /// Pipe-path distance (m) from the midpoint of link `a` to the midpoint of every link (0 for
    /// `a` itself), along pipes, pumps and valves as in `leak_data::Network::link_distance`.
    pub fn distances_from_link(&self, a: usize) -> Vec<f64> {
        let graph = PipeGraph::new(
            self.nodes.len(),
            self.links.iter().map(|l| (l.from, l.to, l.length_m)),
        );
        let start = &self.links[a];
        let half = start.length_m / 2.0;
        let best = graph.distances_from(&[(start.from, half), (start.to, half)]);
        self.links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i == a {
                    0.0
                } else {
                    best[l.from].min(best[l.to]) + l.length_m / 2.0
                }
            })
            .collect()
    }

    /// Pipe-path distances from pipe `from` to each of `to` (ids); `None` for unknown pipes.
    pub fn pipe_distances(&self, from: &str, to: &[&str]) -> Vec<Option<f64>> {
        let Some(a) = self.link(from) else {
            return vec![None; to.len()];
        };
        let d = self.distances_from_link(a);
        let index: HashMap<&str, usize> = self
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();
        to.iter()
            .map(|id| index.get(id).map(|&i| d[i]).filter(|v| v.is_finite()))
            .collect()
    }

    /// Junction count (for summaries).
    pub fn junctions(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Junction)
            .count()
    }

    /// Pipe count (for summaries).
    pub fn pipes(&self) -> usize {
        self.links
            .iter()
            .filter(|l| l.kind == LinkKind::Pipe)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_the_network_metric() {
        let inp = leak_data::InpNetwork::parse(
            "[JUNCTIONS]\nj1 10 1\nj2 10 1\nj3 10 1\nj4 10 1\n[RESERVOIRS]\nr1 50\n\
[PIPES]\np0 r1 j1 100 200 130 0 Open\np1 j1 j2 200 150 130 0 Open\n\
p2 j2 j3 300 150 130 0 Open\np3 j1 j4 50 150 130 0 Open\np4 j4 j3 1000 150 130 0 Open\n\
[COORDINATES]\nr1 0 0\nj1 1 0\nj2 2 0\nj3 3 0\nj4 1 1\n",
            std::path::Path::new("t.inp"),
        )
        .unwrap();
        let net = Network::from_inp(&inp);
        let g = Geometry::from_network(&net);
        for a in 0..net.links.len() {
            let d = g.distances_from_link(a);
            for (b, db) in d.iter().enumerate() {
                let expected = net.link_distance(a, b);
                assert!((db - expected).abs() < 1e-3, "{a}->{b}: {db} vs {expected}");
            }
        }
        // p1 → p2: 100 + 150 = 250; p3 → p2: 25 + 200 + 150 = 375 (not through p4).
        let d = g.pipe_distances("p1", &["p2", "p1", "nope"]);
        assert_eq!(d, vec![Some(250.0), Some(0.0), None]);
        assert_eq!(g.pipe_distances("p3", &["p2"]), vec![Some(375.0)]);
    }
}
