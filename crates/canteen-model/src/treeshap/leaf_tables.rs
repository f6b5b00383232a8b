//! TreeSHAP by table lookup: each leaf's share of every path feature's contribution, precomputed
//! once per model for every combination of "the row satisfies this feature's conditions on the
//! path or not" (the idea of Fast TreeSHAP v2, Yang 2021, in a division-free form).
//!
//! For a leaf of value `v` whose path from the root tests the distinct features `P` (k of them),
//! path-dependent TreeSHAP gives feature `i ∈ P`
//!
//! ```text
//! φᵢ = v · (oᵢ − zᵢ) · Σ_{S ⊆ P∖{i}} w(|S|, k) · Π_{j∈S} oⱼ · Π_{j∈P∖S∖{i}} zⱼ,   w(s, k) = s! (k−1−s)! / k!
//! ```
//!
//! where `zⱼ` is the share of the training cover that follows the path at the nodes testing `j`
//! and `oⱼ` is 1 when the row follows the path at all of them, else 0. With `T` the set of
//! features whose `oⱼ = 1`, only subsets `S ⊆ T` count, and the sum factors into two tables
//! indexed by `T` (a bit mask over the path's features), of which only `inside` is stored (the
//! other is k products, cheaper to redo than to fetch):
//!
//! ```text
//! outside(T) = Π_{j∈P∖T} zⱼ
//! inside(T)  = Σ_{S ⊆ T} w(|S|, k) · Π_{j∈T∖S} zⱼ
//! φᵢ = v · (1 − zᵢ) · outside(T) · inside(T∖{i})    if i ∈ T
//! φᵢ = −v · outside(T) · inside(T)                  if i ∉ T
//! ```
//!
//! A row then costs one decision per internal node, one mask and k products per leaf and one
//! lookup per path feature, instead of Algorithm 2's extend/unwind arithmetic at every node: several times faster
//! on the canteen models (depth 5). Tables grow as 2^k per leaf, so trees with a path of more than
//! [`MAX_PATH_FEATURES`] distinct features keep the recursive algorithm.

use super::Tree;

/// The largest number of distinct features on a leaf's path for which tables are built (2^12
/// entries for that leaf).
pub const MAX_PATH_FEATURES: usize = 12;

/// A tree's leaves with their lookup tables.
#[derive(Debug, Clone)]
pub(super) struct LeafTables {
    leaves: Vec<Leaf>,
    edges: Vec<Edge>,
    features: Vec<PathFeature>,
    /// `inside(T)` of every leaf, 2^k per leaf.
    inside: Vec<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Leaf {
    value: f64,
    /// Distinct features on the path.
    k: usize,
    edges_start: usize,
    edges_len: usize,
    features_start: usize,
    inside_start: usize,
}

/// One step of a leaf's path: the row follows it when the node sends it to `child`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    node: u32,
    child: u32,
    /// The tested feature's position among the leaf's distinct path features.
    position: u8,
}

#[derive(Debug, Clone, Copy)]
struct PathFeature {
    feature: usize,
    /// zⱼ: the share of the cover following the path at the nodes testing this feature.
    zero_fraction: f64,
}

impl LeafTables {
    /// The tables of `tree`, or `None` when a path has more than [`MAX_PATH_FEATURES`] distinct
    /// features.
    pub(super) fn build(tree: &Tree) -> Option<Self> {
        let mut tables = LeafTables {
            leaves: Vec::new(),
            edges: Vec::new(),
            features: Vec::new(),
            inside: Vec::new(),
        };
        let mut path = Vec::new();
        let mut distinct = Vec::new();
        tables
            .collect(tree, 0, &mut path, &mut distinct)
            .then_some(tables)
    }

    /// Walks the tree depth first, recording each leaf's path; false when a path is too long.
    fn collect(
        &mut self,
        tree: &Tree,
        index: u32,
        path: &mut Vec<Edge>,
        distinct: &mut Vec<PathFeature>,
    ) -> bool {
        let node = tree.nodes[index as usize];
        if node.is_leaf {
            if distinct.len() > MAX_PATH_FEATURES {
                return false;
            }
            self.add_leaf(node.value, path, distinct);
            return true;
        }
        let (ids, shares, n) = tree.children(&node);
        for i in 0..n {
            let known = distinct.iter().position(|f| f.feature == node.feature);
            let saved = known.map(|p| distinct[p].zero_fraction);
            let position = match known {
                Some(p) => {
                    distinct[p].zero_fraction *= shares[i];
                    p
                }
                None => {
                    distinct.push(PathFeature {
                        feature: node.feature,
                        zero_fraction: shares[i],
                    });
                    distinct.len() - 1
                }
            };
            path.push(Edge {
                node: index,
                child: ids[i],
                // Checked against MAX_PATH_FEATURES (< 256) at the leaf before any use.
                position: position.min(u8::MAX as usize) as u8,
            });
            let fits = self.collect(tree, ids[i], path, distinct);
            path.pop();
            match (known, saved) {
                (Some(p), Some(zero_fraction)) => distinct[p].zero_fraction = zero_fraction,
                _ => {
                    distinct.pop();
                }
            }
            if !fits {
                return false;
            }
        }
        true
    }

    fn add_leaf(&mut self, value: f64, path: &[Edge], distinct: &[PathFeature]) {
        let k = distinct.len();
        let leaf = Leaf {
            value,
            k,
            edges_start: self.edges.len(),
            edges_len: path.len(),
            features_start: self.features.len(),
            inside_start: self.inside.len(),
        };
        self.edges.extend_from_slice(path);
        self.features.extend_from_slice(distinct);
        let weights = shapley_weights(k);
        let mut polynomial = Vec::with_capacity(k + 1);
        for mask in 0..1usize << k {
            // Π_{j∈T} (zⱼ + t): its coefficient of t^s sums Π_{j∈T∖S} zⱼ over the S of size s.
            polynomial.clear();
            polynomial.push(1.0);
            for (_, f) in distinct
                .iter()
                .enumerate()
                .filter(|(p, _)| mask & (1 << p) != 0)
            {
                polynomial.push(0.0);
                for s in (0..polynomial.len()).rev() {
                    let shifted = if s > 0 { polynomial[s - 1] } else { 0.0 };
                    polynomial[s] = polynomial[s] * f.zero_fraction + shifted;
                }
            }
            // inside(T) is only read for T missing at least one feature (|S| ≤ k − 1).
            let inside = polynomial.iter().zip(&weights).map(|(c, w)| c * w).sum();
            self.inside.push(inside);
        }
        self.leaves.push(leaf);
    }

    /// Adds the tree's contributions for `row` to `phi`; `directions` (one slot per node of the
    /// tree) is scratch space.
    pub(super) fn add_contributions(
        &self,
        tree: &Tree,
        row: &[f64],
        phi: &mut [f64],
        directions: &mut [u32],
    ) {
        for (slot, node) in directions.iter_mut().zip(&tree.nodes) {
            if !node.is_leaf {
                *slot = node.next(row[node.feature]);
            }
        }
        for leaf in &self.leaves {
            let mut ones = (1usize << leaf.k) - 1;
            for edge in &self.edges[leaf.edges_start..leaf.edges_start + leaf.edges_len] {
                if directions[edge.node as usize] != edge.child {
                    ones &= !(1 << edge.position);
                }
            }
            let inside = &self.inside[leaf.inside_start..leaf.inside_start + (1 << leaf.k)];
            let features = &self.features[leaf.features_start..leaf.features_start + leaf.k];
            let outside: f64 = features
                .iter()
                .enumerate()
                .filter(|(p, _)| ones & (1 << p) == 0)
                .map(|(_, f)| f.zero_fraction)
                .product();
            let off_path = -outside * inside[ones];
            for (p, f) in features.iter().enumerate() {
                let share = if ones & (1 << p) != 0 {
                    (1.0 - f.zero_fraction) * outside * inside[ones ^ (1 << p)]
                } else {
                    off_path
                };
                phi[f.feature] += leaf.value * share;
            }
        }
    }
}

/// w(s, k) = s! (k−1−s)! / k! for s = 0..k−1, and 0 for s = k (never used).
fn shapley_weights(k: usize) -> Vec<f64> {
    let factorial = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    (0..=k)
        .map(|s| {
            if s < k {
                factorial(s) * factorial(k - 1 - s) / factorial(k)
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_weights_of_a_path_sum_to_one_over_subsets() {
        // Σ_s C(k−1, s) w(s, k) = 1: the weights average over orderings.
        for k in 1..=MAX_PATH_FEATURES {
            let w = shapley_weights(k);
            let binomial =
                |n: usize, s: usize| (0..s).fold(1.0, |b, i| b * (n - i) as f64 / (i + 1) as f64);
            let total: f64 = (0..k).map(|s| binomial(k - 1, s) * w[s]).sum();
            assert!((total - 1.0).abs() < 1e-12, "k {k}: {total}");
        }
    }
}
