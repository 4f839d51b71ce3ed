//! The linkage matrix Z (scipy's `linkage` result) in scipy's layout, the relabelling step every
//! algorithm shares, and the leaf order (`leaves_list`).

/// One merge: clusters `a < b` joined at `height` into a cluster of `size`
/// leaves. Ids below `n` are leaves; merge `k` creates cluster `n + k`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The first cluster merged (the smaller id, scipy's `Z[k, 0]`).
    pub a: usize,
    /// The second cluster merged (the larger id, `Z[k, 1]`).
    pub b: usize,
    /// The distance at which they merge (`Z[k, 2]`), in the metric's units.
    pub height: f64,
    /// Leaves in the new cluster (`Z[k, 3]`).
    pub size: usize,
}

/// A full hierarchy over `n` leaves: `n - 1` steps, exactly the rows of
/// scipy's `Z` matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Linkage {
    n: usize,
    steps: Vec<Step>,
}

impl Linkage {
    /// Builds a linkage from steps already in scipy's form.
    pub fn from_steps(n: usize, steps: Vec<Step>) -> Self {
        debug_assert_eq!(steps.len(), n.saturating_sub(1));
        Linkage { n, steps }
    }

    /// Builds from merges expressed as *positions* (any id of a member),
    /// the way NN-chain and MST record them: stable-sort by height (numpy
    /// `argsort(kind="mergesort")`), then relabel with a union–find exactly
    /// as scipy's `label()` does.
    pub fn from_unlabelled(n: usize, mut merges: Vec<(usize, usize, f64)>, sort: bool) -> Self {
        if sort {
            // `sort_by` is stable, like mergesort. NaN never reaches here.
            merges.sort_by(|x, y| x.2.partial_cmp(&y.2).unwrap_or(std::cmp::Ordering::Equal));
        }
        let mut uf = UnionFind::new(n);
        let steps = merges
            .into_iter()
            .map(|(x, y, h)| {
                let (rx, ry) = (uf.find(x), uf.find(y));
                let (a, b) = if rx < ry { (rx, ry) } else { (ry, rx) };
                let size = uf.merge(rx, ry);
                Step {
                    a,
                    b,
                    height: h,
                    size,
                }
            })
            .collect();
        Linkage { n, steps }
    }

    /// Number of leaves.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The `n − 1` merges in order: row `k` is scipy's `Z[k]`.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The merges, mutable (optimal leaf ordering swaps children in place).
    pub(crate) fn steps_mut(&mut self) -> &mut [Step] {
        &mut self.steps
    }

    /// The `(n-1) × 4` matrix scipy returns, row-major.
    pub fn to_scipy(&self) -> Vec<f64> {
        self.steps
            .iter()
            .flat_map(|s| [s.a as f64, s.b as f64, s.height, s.size as f64])
            .collect()
    }

    /// Reads scipy's `Z` back (row-major, `(n-1) × 4`).
    pub fn from_scipy(z: &[f64]) -> Option<Self> {
        if !z.len().is_multiple_of(4) {
            return None;
        }
        let n = z.len() / 4 + 1;
        let steps = z
            .chunks_exact(4)
            .map(|r| Step {
                a: r[0] as usize,
                b: r[1] as usize,
                height: r[2],
                size: r[3] as usize,
            })
            .collect();
        Some(Linkage { n, steps })
    }

    /// A linkage matrix from outside (`np.save(..., linkage(X))`, `heatmill
    /// linkage -o Z.npy`), `(n − 1) × 4` row-major, checked as scipy's
    /// `is_valid_linkage` checks it: whole non-negative cluster ids, each
    /// formed before it is used and used once, finite non-negative
    /// heights, and counts that add up.
    ///
    /// Errors: what is wrong, and in which row of Z.
    pub fn from_scipy_checked(z: &[f64]) -> Result<Self, String> {
        if z.is_empty() || !z.len().is_multiple_of(4) {
            return Err(format!(
                "{} values is not an (n − 1) × 4 linkage matrix",
                z.len()
            ));
        }
        let n = z.len() / 4 + 1;
        let mut size = vec![1usize; n];
        let mut used = vec![false; 2 * n - 1];
        for (i, r) in z.chunks_exact(4).enumerate() {
            for &id in &r[..2] {
                if !(id >= 0.0 && id.fract() == 0.0 && (id as usize) < n + i) {
                    return Err(format!(
                        "row {i} joins cluster {id}, which does not exist yet (ids below {} are)",
                        n + i
                    ));
                }
                if std::mem::replace(&mut used[id as usize], true) {
                    return Err(format!("row {i} uses cluster {id} a second time"));
                }
            }
            if !(r[2].is_finite() && r[2] >= 0.0) {
                return Err(format!("row {i} has height {}", r[2]));
            }
            let count = size[r[0] as usize] + size[r[1] as usize];
            if r[3] != count as f64 {
                return Err(format!(
                    "row {i} says {} members, its two clusters hold {count}",
                    r[3]
                ));
            }
            size.push(count);
        }
        Linkage::from_scipy(z).ok_or_else(|| "not a linkage matrix".to_string())
    }

    /// Leaf order left to right, scipy's `leaves_list` (seaborn's
    /// `reordered_ind`): pre-order, first child `Z[i,0]` on the left.
    /// Iterative, so chain-shaped trees of any depth work (scipy's
    /// recursive `dendrogram` dies past ~1000 levels).
    pub fn leaves(&self) -> Vec<usize> {
        let n = self.n;
        if n == 0 {
            return vec![];
        }
        if n == 1 {
            return vec![0];
        }
        let mut out = Vec::with_capacity(n);
        let mut stack = vec![2 * n - 2];
        while let Some(node) = stack.pop() {
            if node < n {
                out.push(node);
            } else {
                let s = &self.steps[node - n];
                stack.push(s.b);
                stack.push(s.a);
            }
        }
        out
    }

    /// Largest merge height below each internal node (scipy's
    /// `get_max_dist_for_each_cluster`), which equals the height itself
    /// for monotone methods.
    pub fn max_heights(&self) -> Vec<f64> {
        let n = self.n;
        let mut md = vec![0.0; self.steps.len()];
        for (k, s) in self.steps.iter().enumerate() {
            let mut m = s.height;
            for c in [s.a, s.b] {
                if c >= n && md[c - n] > m {
                    m = md[c - n];
                }
            }
            md[k] = m;
        }
        md
    }

    /// Newick text of the tree (leaf labels escaped, branch lengths =
    /// height differences, as `scipy.cluster.hierarchy.to_tree` implies).
    pub fn to_newick(&self, labels: &[String]) -> String {
        let n = self.n;
        if n == 1 {
            return format!("{};", newick_label(&labels[0]));
        }
        let height = |id: usize| {
            if id < n {
                0.0
            } else {
                self.steps[id - n].height
            }
        };
        // Iterative post-order build of the strings.
        let mut text: Vec<Option<String>> = vec![None; self.steps.len()];
        for k in 0..self.steps.len() {
            let s = self.steps[k];
            let parts: Vec<String> = [s.a, s.b]
                .iter()
                .map(|&c| {
                    let body = if c < n {
                        newick_label(&labels[c])
                    } else {
                        text[c - n].take().unwrap_or_default()
                    };
                    format!("{}:{}", body, fmt_len(s.height - height(c)))
                })
                .collect();
            text[k] = Some(format!("({},{})", parts[0], parts[1]));
        }
        format!("{};", text.pop().flatten().unwrap_or_default())
    }
}

fn fmt_len(v: f64) -> String {
    let v = if v < 0.0 { 0.0 } else { v };
    format!("{v}")
}

fn newick_label(s: &str) -> String {
    if s.chars().any(|c| "()[]':;, \t".contains(c)) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// Union–find with scipy's labelling: the merged cluster gets the next id
/// `n, n+1, ...` and path compression on `find`.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
    next: usize,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        let total = 2 * n.max(1) - 1;
        UnionFind {
            parent: (0..total).collect(),
            size: (0..total).map(|i| if i < n { 1 } else { 0 }).collect(),
            next: n,
        }
    }

    fn merge(&mut self, x: usize, y: usize) -> usize {
        let id = self.next;
        self.parent[x] = id;
        self.parent[y] = id;
        let size = self.size[x] + self.size[y];
        self.size[id] = size;
        self.next += 1;
        size
    }

    fn find(&mut self, mut x: usize) -> usize {
        let mut root = x;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        while self.parent[x] != root {
            let next = self.parent[x];
            self.parent[x] = root;
            x = next;
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_linkages_are_checked_as_scipy_checks_them() {
        let ok = [0.0, 1.0, 0.5, 2.0, 2.0, 3.0, 1.5, 3.0];
        assert_eq!(
            Linkage::from_scipy_checked(&ok).unwrap().leaves(),
            vec![2, 0, 1]
        );
        let bad = |z: &[f64], want: &str| {
            let e = Linkage::from_scipy_checked(z).unwrap_err();
            assert!(e.contains(want), "{e}");
        };
        bad(&[0.0, 1.0, 0.5], "not an (n − 1) × 4");
        bad(
            &[0.0, 4.0, 0.5, 2.0, 2.0, 3.0, 1.5, 3.0],
            "does not exist yet",
        );
        bad(&[0.0, 1.0, 0.5, 2.0, 0.0, 3.0, 1.5, 3.0], "a second time");
        bad(&[0.0, 1.0, f64::NAN, 2.0, 2.0, 3.0, 1.5, 3.0], "height");
        bad(&[0.0, 1.0, 0.5, 2.0, 2.0, 3.0, 1.5, 4.0], "members");
    }

    #[test]
    fn chain_tree_of_depth_100k_has_no_recursion_limit() {
        let n = 100_000;
        // Each step adds one leaf to the growing cluster.
        let merges = (1..n).map(|i| (0, i, i as f64)).collect();
        let l = Linkage::from_unlabelled(n, merges, true);
        let leaves = l.leaves();
        assert_eq!(leaves.len(), n);
        // The newest leaf has the lower id, so it stands left of the cluster.
        assert_eq!(leaves[0], n - 1);
        assert_eq!(&leaves[n - 2..], &[0, 1]);
        assert_eq!(l.steps().last().unwrap().size, n);
    }

    #[test]
    fn newick_of_three_leaves() {
        let l = Linkage::from_unlabelled(3, vec![(0, 1, 1.0), (1, 2, 3.0)], true);
        let labels = vec!["a".into(), "b c".into(), "d".into()];
        assert_eq!(l.to_newick(&labels), "(d:3,(a:1,'b c':1):2);");
    }
}
