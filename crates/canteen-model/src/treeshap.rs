//! Fast exact TreeSHAP for the boosted trees: each forecast's contributions, the path-dependent
//! Shapley values of Lundberg, Erion & Lee (2018, "Consistent individualized feature attribution
//! for tree ensembles"), the ones `shap` and LightGBM compute.
//!
//! Why not forust's own `predict_contributions(Shapley)`: it computes the same values, but in
//! `f32`, allocating a path list at every node, which costs milliseconds per forecast. Here the
//! trees are compiled once into flat arrays, in `f64`, and each tree's leaves get lookup tables
//! ([`leaf_tables`]) so that a row costs a few table reads per leaf; trees too deep for tables use
//! the paper's Algorithm 2 (polynomial time, one reused path buffer), which is also the reference
//! the tables are tested against. The result matches forust's to float precision (see the tests)
//! and adds up exactly: the bias (the expected prediction) plus the contributions equals the
//! prediction.

use forust_ml::GradientBooster;

mod leaf_tables;

use leaf_tables::LeafTables;

/// A node of a compiled tree. Leaves have no children.
#[derive(Debug, Clone, Copy)]
struct Node {
    feature: usize,
    threshold: f64,
    left: u32,
    right: u32,
    /// Where missing values go: `left`, `right` or a third branch.
    missing: u32,
    is_leaf: bool,
    value: f64,
    /// Training weight (hessian sum) reaching the node: the "cover" of TreeSHAP.
    cover: f64,
}

impl Node {
    fn has_missing_branch(&self) -> bool {
        self.missing != self.left && self.missing != self.right
    }

    fn next(&self, x: f64) -> u32 {
        if x.is_nan() {
            self.missing
        } else if x < self.threshold {
            self.left
        } else {
            self.right
        }
    }
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// The children of an internal node, with their share of its cover. Shares are taken over
    /// the children's total so that they sum to one even when stored covers drift in `f32`.
    fn children(&self, node: &Node) -> ([u32; 3], [f64; 3], usize) {
        let mut ids = [node.left, node.right, 0];
        let mut n = 2;
        if node.has_missing_branch() {
            ids[2] = node.missing;
            n = 3;
        }
        let total: f64 = ids[..n].iter().map(|&c| self.nodes[c as usize].cover).sum();
        let mut shares = [0.0; 3];
        for i in 0..n {
            shares[i] = if total > 0.0 {
                self.nodes[ids[i] as usize].cover / total
            } else {
                1.0 / n as f64
            };
        }
        (ids, shares, n)
    }

    fn expected_value(&self, index: u32) -> f64 {
        let node = &self.nodes[index as usize];
        if node.is_leaf {
            return node.value;
        }
        let (ids, shares, n) = self.children(node);
        (0..n)
            .map(|i| shares[i] * self.expected_value(ids[i]))
            .sum()
    }

    fn predict(&self, row: &[f64]) -> f64 {
        let mut node = &self.nodes[0];
        while !node.is_leaf {
            node = &self.nodes[node.next(row[node.feature]) as usize];
        }
        node.value
    }

    fn depth(&self, index: u32) -> usize {
        let node = &self.nodes[index as usize];
        if node.is_leaf {
            return 0;
        }
        let (ids, _, n) = self.children(node);
        1 + (0..n).map(|i| self.depth(ids[i])).max().unwrap_or(0)
    }
}

/// One element of the path of unique features followed from the root.
#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: usize,
    zero_fraction: f64,
    one_fraction: f64,
    weight: f64,
}

/// A boosted ensemble compiled for fast prediction and contributions.
#[derive(Debug, Clone)]
pub struct CompiledTrees {
    base_score: f64,
    /// base score + Σ trees' expected values: the bias of every explanation.
    expected: f64,
    trees: Vec<Tree>,
    /// Each tree's lookup tables ([`leaf_tables`]); `None` for a tree too deep to tabulate.
    tables: Vec<Option<LeafTables>>,
    max_depth: usize,
}

/// Marks the root's pseudo-feature on the path; never a real column.
const ROOT_FEATURE: usize = usize::MAX;

impl CompiledTrees {
    pub fn from_booster(booster: &GradientBooster) -> Self {
        let trees: Vec<Tree> = booster
            .trees
            .iter()
            .map(|tree| Tree {
                nodes: tree
                    .nodes
                    .iter()
                    .map(|n| Node {
                        feature: n.split_feature,
                        threshold: n.split_value,
                        left: n.left_child as u32,
                        right: n.right_child as u32,
                        missing: n.missing_node as u32,
                        is_leaf: n.is_leaf,
                        value: f64::from(n.weight_value),
                        cover: f64::from(n.hessian_sum),
                    })
                    .collect(),
            })
            .filter(|t| !t.nodes.is_empty())
            .collect();
        Self::new(booster.base_score, trees)
    }

    fn new(base_score: f64, trees: Vec<Tree>) -> Self {
        let expected = base_score + trees.iter().map(|t| t.expected_value(0)).sum::<f64>();
        let max_depth = trees.iter().map(|t| t.depth(0)).max().unwrap_or(0);
        let tables = trees.iter().map(LeafTables::build).collect();
        Self {
            base_score,
            expected,
            trees,
            tables,
            max_depth,
        }
    }

    pub fn predict(&self, row: &[f64]) -> f64 {
        self.base_score + self.trees.iter().map(|t| t.predict(row)).sum::<f64>()
    }

    /// The expected prediction: the bias of every explanation.
    pub fn expected_value(&self) -> f64 {
        self.expected
    }

    /// Exact Shapley contributions of each of `row`'s features; the bias is
    /// [`CompiledTrees::expected_value`]. `phi` must have `row.len()` elements and is overwritten.
    pub fn contributions(&self, row: &[f64], phi: &mut [f64]) {
        phi.iter_mut().for_each(|p| *p = 0.0);
        let nodes = self.trees.iter().map(|t| t.nodes.len()).max().unwrap_or(0);
        let mut directions = vec![0; nodes];
        let mut path = Vec::new();
        for (tree, tables) in self.trees.iter().zip(&self.tables) {
            match tables {
                Some(tables) => {
                    tables.add_contributions(tree, row, phi, &mut directions[..tree.nodes.len()])
                }
                None => self.recurse_tree(tree, row, phi, &mut path),
            }
        }
    }

    /// Algorithm 2 of Lundberg et al. on one tree: the reference, and the fallback for trees too
    /// deep to tabulate.
    fn recurse_tree(&self, tree: &Tree, row: &[f64], phi: &mut [f64], path: &mut Vec<PathElement>) {
        // Each level of the recursion keeps its own copy of the path, one after the other.
        let depth = self.max_depth + 2;
        path.resize(depth * (depth + 1) / 2, PathElement::default());
        recurse(tree, row, phi, 0, 0, path, 0, 1.0, 1.0, ROOT_FEATURE);
    }
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    row: &[f64],
    phi: &mut [f64],
    node_index: u32,
    mut unique_depth: usize,
    path: &mut [PathElement],
    parent_start: usize,
    parent_zero_fraction: f64,
    parent_one_fraction: f64,
    parent_feature: usize,
) {
    // This level's path starts right after the parent's and begins as a copy of it (the layout
    // of the reference implementation: level k starts k + 1 elements after level k − 1).
    let start = parent_start + unique_depth + 1;
    path.copy_within(parent_start..parent_start + unique_depth + 1, start);
    extend(
        &mut path[start..],
        unique_depth,
        parent_zero_fraction,
        parent_one_fraction,
        parent_feature,
    );
    let node = tree.nodes[node_index as usize];
    if node.is_leaf {
        let here = &path[start..];
        for i in 1..=unique_depth {
            let w = unwound_sum(here, unique_depth, i);
            let el = here[i];
            phi[el.feature] += w * (el.one_fraction - el.zero_fraction) * node.value;
        }
        return;
    }
    let hot = node.next(row[node.feature]);
    let (ids, shares, n) = tree.children(&node);
    let mut incoming_zero = 1.0;
    let mut incoming_one = 1.0;
    // A feature already on the path is unwound, so that it is counted once.
    if let Some(k) = (0..=unique_depth).find(|&k| path[start + k].feature == node.feature) {
        incoming_zero = path[start + k].zero_fraction;
        incoming_one = path[start + k].one_fraction;
        unwind(&mut path[start..], unique_depth, k);
        unique_depth -= 1;
    }
    for i in 0..n {
        let one = if ids[i] == hot { incoming_one } else { 0.0 };
        recurse(
            tree,
            row,
            phi,
            ids[i],
            unique_depth + 1,
            path,
            start,
            shares[i] * incoming_zero,
            one,
            node.feature,
        );
    }
}

fn extend(
    path: &mut [PathElement],
    unique_depth: usize,
    zero_fraction: f64,
    one_fraction: f64,
    feature: usize,
) {
    path[unique_depth] = PathElement {
        feature,
        zero_fraction,
        one_fraction,
        weight: if unique_depth == 0 { 1.0 } else { 0.0 },
    };
    let d = (unique_depth + 1) as f64;
    for i in (0..unique_depth).rev() {
        path[i + 1].weight += one_fraction * path[i].weight * (i + 1) as f64 / d;
        path[i].weight = zero_fraction * path[i].weight * (unique_depth - i) as f64 / d;
    }
}

fn unwind(path: &mut [PathElement], unique_depth: usize, index: usize) {
    let one_fraction = path[index].one_fraction;
    let zero_fraction = path[index].zero_fraction;
    let mut next_one_portion = path[unique_depth].weight;
    let d = (unique_depth + 1) as f64;
    for i in (0..unique_depth).rev() {
        if one_fraction != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next_one_portion * d / ((i + 1) as f64 * one_fraction);
            next_one_portion = tmp - path[i].weight * zero_fraction * (unique_depth - i) as f64 / d;
        } else {
            path[i].weight = path[i].weight * d / (zero_fraction * (unique_depth - i) as f64);
        }
    }
    for i in index..unique_depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_sum(path: &[PathElement], unique_depth: usize, index: usize) -> f64 {
    let one_fraction = path[index].one_fraction;
    let zero_fraction = path[index].zero_fraction;
    let mut next_one_portion = path[unique_depth].weight;
    let d = (unique_depth + 1) as f64;
    let mut total = 0.0;
    for i in (0..unique_depth).rev() {
        if one_fraction != 0.0 {
            let tmp = next_one_portion * d / ((i + 1) as f64 * one_fraction);
            total += tmp;
            next_one_portion = path[i].weight - tmp * zero_fraction * (unique_depth - i) as f64 / d;
        } else if zero_fraction != 0.0 {
            total += path[i].weight / zero_fraction / ((unique_depth - i) as f64 / d);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gbm::{ColumnMajor, GbmParams, GbmRegressor};
    use forust_ml::gradientbooster::ContributionsMethod;

    fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
        let rows: Vec<Vec<f64>> = (0..600)
            .map(|i| {
                vec![
                    (i % 17) as f64,
                    ((i * 7) % 13) as f64,
                    if i % 11 == 0 {
                        f64::NAN
                    } else {
                        ((i * 3) % 5) as f64
                    },
                    (i % 2) as f64,
                ]
            })
            .collect();
        let y = rows
            .iter()
            .map(|r| {
                r[0] * 0.3
                    + if r[1] > 6.0 { 2.0 } else { 0.0 }
                    + if r[2].is_nan() { -1.0 } else { r[2] * r[3] }
            })
            .collect();
        (rows, y)
    }

    /// Boosted trees fitted on [`data`], their rows and their compiled form.
    fn fitted(
        iterations: usize,
        max_depth: usize,
        learning_rate: f32,
    ) -> (Vec<Vec<f64>>, ColumnMajor, GbmRegressor) {
        let (rows, y) = data();
        let x = ColumnMajor::from_rows(rows.iter().map(Vec::as_slice), 4);
        let params = GbmParams {
            iterations,
            max_depth,
            min_leaf_weight: 1.0,
            learning_rate,
            ..GbmParams::default()
        };
        let model = params.fit(&x, &y, &vec![1.0; y.len()]).unwrap();
        (rows, x, model)
    }

    fn split(
        feature: usize,
        threshold: f64,
        left: u32,
        right: u32,
        missing: u32,
        cover: f64,
    ) -> Node {
        Node {
            feature,
            threshold,
            left,
            right,
            missing,
            is_leaf: false,
            value: 0.0,
            cover,
        }
    }

    fn leaf(value: f64, cover: f64) -> Node {
        Node {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
            missing: 0,
            is_leaf: true,
            value,
            cover,
        }
    }

    #[test]
    fn matches_forust_and_adds_up() {
        let (rows, x, model) = fitted(60, 4, 0.2);
        let booster = model.booster();
        let compiled = CompiledTrees::from_booster(booster);
        let reference = booster.predict_contributions(
            &forust_ml::Matrix::new(&x.data, x.rows, x.cols),
            ContributionsMethod::Shapley,
            false,
        );
        let predictions = booster.predict(&forust_ml::Matrix::new(&x.data, x.rows, x.cols), false);
        let mut phi = vec![0.0; 4];
        for (i, row) in rows.iter().enumerate() {
            let prediction = compiled.predict(row);
            assert!(
                (prediction - predictions[i]).abs() < 1e-9,
                "prediction {prediction} vs {}",
                predictions[i]
            );
            compiled.contributions(row, &mut phi);
            let total = compiled.expected_value() + phi.iter().sum::<f64>();
            assert!(
                (total - prediction).abs() < 1e-9,
                "row {i}: {total} vs {prediction}"
            );
            for j in 0..4 {
                let theirs = reference[i * 5 + j];
                assert!(
                    (phi[j] - theirs).abs() < 1e-3 * (1.0 + theirs.abs()),
                    "row {i} feature {j}: {} vs {theirs}",
                    phi[j]
                );
            }
        }
    }

    #[test]
    fn a_stump_gives_its_split_feature_everything() {
        // One tree: x0 < 1 → 0 (cover 3), else 10 (cover 1); expected 2.5.
        let compiled = CompiledTrees::new(
            0.0,
            vec![Tree {
                nodes: vec![split(0, 1.0, 1, 2, 1, 4.0), leaf(0.0, 3.0), leaf(10.0, 1.0)],
            }],
        );
        assert_eq!(compiled.expected_value(), 2.5);
        let mut phi = vec![0.0; 2];
        compiled.contributions(&[5.0, 7.0], &mut phi);
        assert_eq!(phi, vec![7.5, 0.0]);
        compiled.contributions(&[0.0, 7.0], &mut phi);
        assert_eq!(phi, vec![-2.5, 0.0]);
    }

    /// Contributions by Algorithm 2 alone, tree by tree.
    fn recursive(compiled: &CompiledTrees, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; row.len()];
        let mut path = Vec::new();
        for tree in &compiled.trees {
            compiled.recurse_tree(tree, row, &mut phi, &mut path);
        }
        phi
    }

    fn assert_close(fast: &[f64], reference: &[f64], what: &str) {
        for (j, (a, b)) in fast.iter().zip(reference).enumerate() {
            assert!(
                (a - b).abs() < 1e-10 * (1.0 + b.abs()),
                "{what}, feature {j}: tables {a} vs recursion {b}"
            );
        }
    }

    #[test]
    fn tables_agree_with_the_recursion_on_a_fitted_model() {
        let (rows, _, model) = fitted(40, 6, 0.3);
        let compiled = CompiledTrees::from_booster(model.booster());
        assert!(compiled.tables.iter().all(Option::is_some));
        // Deep trees test the same feature twice on a path: those leaves merge them.
        let mut phi = vec![0.0; 4];
        for (i, row) in rows.iter().enumerate() {
            compiled.contributions(row, &mut phi);
            assert_close(&phi, &recursive(&compiled, row), &format!("row {i}"));
        }
    }

    /// x0 < 2 ? (x1 < 5 ? (x0 < 1 ? 1 : 2) : 3) : 4, missing x0 at the root on a third branch
    /// (leaf 5), missing x1 going right: a path testing x0 twice, and a three-way node.
    fn twice_and_three_way() -> CompiledTrees {
        CompiledTrees::new(
            0.5,
            vec![Tree {
                nodes: vec![
                    split(0, 2.0, 1, 2, 3, 20.0),
                    split(1, 5.0, 4, 5, 5, 12.0),
                    leaf(4.0, 5.0),
                    leaf(5.0, 3.0),
                    split(0, 1.0, 6, 7, 6, 7.0),
                    leaf(3.0, 5.0),
                    leaf(1.0, 4.0),
                    leaf(2.0, 3.0),
                ],
            }],
        )
    }

    #[test]
    fn tables_agree_with_the_recursion_on_repeated_features_and_missing_branches() {
        let compiled = twice_and_three_way();
        assert!(compiled.tables[0].is_some());
        let values = [f64::NAN, 0.0, 1.5, 3.0, 7.0];
        let mut phi = vec![0.0; 3];
        for &a in &values {
            for &b in &values {
                let row = [a, b, 9.0];
                compiled.contributions(&row, &mut phi);
                assert_close(&phi, &recursive(&compiled, &row), &format!("row {row:?}"));
                let total = compiled.expected_value() + phi.iter().sum::<f64>();
                assert!((total - compiled.predict(&row)).abs() < 1e-12, "{row:?}");
                assert_eq!(phi[2], 0.0, "x2 is never tested");
            }
        }
    }

    #[test]
    fn a_path_too_long_for_tables_falls_back_to_the_recursion() {
        // A chain: node 2i tests x_i < 0.5 (leaf 2i + 1 of value i, cover 1) else node 2i + 2.
        let n = leaf_tables::MAX_PATH_FEATURES + 1;
        let mut nodes = Vec::new();
        for i in 0..n {
            let (leaf_at, next) = ((2 * i + 1) as u32, (2 * i + 2) as u32);
            nodes.push(split(i, 0.5, leaf_at, next, leaf_at, (n - i) as f64 + 1.0));
            nodes.push(leaf(i as f64, 1.0));
        }
        nodes.push(leaf(n as f64, 1.0));
        let compiled = CompiledTrees::new(0.0, vec![Tree { nodes }]);
        assert!(compiled.tables[0].is_none());
        let row: Vec<f64> = (0..n).map(|i| if i < 9 { 1.0 } else { 0.0 }).collect();
        let mut phi = vec![0.0; n];
        compiled.contributions(&row, &mut phi);
        assert_eq!(compiled.predict(&row), 9.0);
        let total = compiled.expected_value() + phi.iter().sum::<f64>();
        assert!((total - 9.0).abs() < 1e-9, "{total}");
    }
}
