//! Property tests: every fast linkage algorithm agrees with the naive
//! O(n³) reference on random inputs (continuous, so no ties), and GEMM
//! distances agree with direct sums.

use heatmill::cluster::{self, primitive::primitive, Method, Metric};

use crate::util::{close, Rng};

fn random(rng: &mut Rng, n: usize, d: usize) -> Vec<f64> {
    (0..n * d).map(|_| rng.normal()).collect()
}

#[test]
fn fast_algorithms_agree_with_naive_reference() {
    let mut rng = Rng(7);
    for trial in 0..40 {
        let n = 2 + (rng.next_u64() % 60) as usize;
        let d = 1 + (rng.next_u64() % 6) as usize;
        let x = random(&mut rng, n, d);
        let dist = cluster::pdist(&x, n, d, Metric::Euclidean);
        for method in Method::ALL {
            let fast = cluster::linkage_condensed(dist.clone(), method).unwrap();
            let slow = primitive(dist.clone(), method);
            let (a, b) = (fast.to_scipy(), slow.to_scipy());
            for (r, (p, q)) in a.chunks(4).zip(b.chunks(4)).enumerate() {
                assert_eq!(
                    (p[0], p[1], p[3]),
                    (q[0], q[1], q[3]),
                    "trial {trial} n={n} {method} merge {r}"
                );
                assert!(
                    close(p[2], q[2], 1e-12, 1e-14),
                    "trial {trial} {method} height {r}"
                );
            }
            assert_eq!(
                fast.leaves(),
                slow.leaves(),
                "trial {trial} {method} leaves"
            );
        }
    }
}

#[test]
fn gemm_distances_agree_with_direct_sums() {
    let mut rng = Rng(11);
    // Several 64-row blocks and 512-column GEMM chunks of the kernel.
    let (n, d) = (1200, 13);
    let mut x = random(&mut rng, n, d);
    // Near-duplicate and exact duplicate rows: the cancellation trap, in
    // the first chunk and across chunk and block boundaries.
    for (a, b, eps) in [
        (2, 5, 0.0),
        (3, 7, 1e-9),
        (70, 1100, 0.0),
        (600, 1199, 1e-9),
    ] {
        for k in 0..d {
            x[b * d + k] = x[a * d + k] + eps;
        }
    }
    let e = cluster::distance::pdist_with::<f64>(&x, n, d, Metric::Euclidean, false);
    let c = cluster::distance::pdist_with::<f64>(&x, n, d, Metric::Correlation, false);
    let direct = cluster::distance::pdist_with::<f64>(&x, n, d, Metric::Correlation, true);
    for (a, b) in c.as_slice().iter().zip(direct.as_slice()) {
        assert!(close(*a, *b, 1e-9, 1e-14));
    }
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (&x[i * d..(i + 1) * d], &x[j * d..(j + 1) * d]);
            let direct: f64 = a
                .iter()
                .zip(b)
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f64>()
                .sqrt();
            assert!(
                close(e.get(i, j), direct, 1e-12, 0.0),
                "euclidean {i},{j}: {} vs {direct}",
                e.get(i, j)
            );
            let r = heatmill::stats::pearson::pearson_pair(a, b);
            assert!(
                close(c.get(i, j), 1.0 - r, 1e-9, 1e-14),
                "correlation {i},{j}"
            );
        }
    }
    assert_eq!(e.get(2, 5), 0.0);
    assert_eq!(e.get(70, 1100), 0.0);
}

#[test]
fn huge_values_give_infinite_gemm_distances_not_zero() {
    // Squared norms overflow: inf - inf must not become a distance of 0
    // (scipy gives inf, and linkage then refuses the matrix).
    let mut rng = Rng(5);
    let (n, d) = (200, 10);
    let mut x = random(&mut rng, n, d);
    x[3 * d..4 * d].iter_mut().for_each(|v| *v = 1e155);
    x[7 * d..8 * d].iter_mut().for_each(|v| *v = 3e155);
    let gemm = cluster::distance::pdist_with::<f64>(&x, n, d, Metric::Euclidean, false);
    let direct = cluster::distance::pdist_with::<f64>(&x, n, d, Metric::Euclidean, true);
    assert_eq!(gemm.get(3, 7), f64::INFINITY);
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (gemm.get(i, j), direct.get(i, j));
            assert!(a == b || close(a, b, 1e-12, 0.0), "({i}, {j}): {a} vs {b}");
        }
    }
    let err = cluster::linkage_condensed(gemm, Method::Average).unwrap_err();
    assert!(err.to_string().contains("finite"), "{err}");
}

#[test]
fn parallel_nn_chain_equals_generic_at_scale() {
    // Above 3000 live clusters the chain's scans and updates run on two
    // threads; the tree must not change. The generic algorithm (a global
    // minimum every step) is the independent check here.
    let mut rng = Rng(99);
    let (n, d) = (3600, 6);
    let x = random(&mut rng, n, d);
    let dist = cluster::pdist(&x, n, d, Metric::Euclidean);
    for method in [Method::Ward, Method::Average, Method::Complete] {
        let chain = cluster::nn_chain::nn_chain(dist.clone(), method);
        let generic = cluster::generic::generic(&mut dist.clone(), method);
        let (a, b) = (chain.to_scipy(), generic.to_scipy());
        for (r, (p, q)) in a.chunks(4).zip(b.chunks(4)).enumerate() {
            assert_eq!((p[0], p[1], p[3]), (q[0], q[1], q[3]), "{method} merge {r}");
            assert!(close(p[2], q[2], 1e-12, 1e-14), "{method} height {r}");
        }
    }
}

#[test]
fn vector_ward_equals_stored_matrix_ward() {
    let mut rng = Rng(77);
    for &(n, d) in &[(50, 3), (400, 7), (2500, 4), (3000, 50)] {
        let x = random(&mut rng, n, d);
        let stored = cluster::linkage(&x, n, d, Method::Ward, Metric::Euclidean).unwrap();
        let vector = cluster::ward_vector::ward_vector(&x, n, d);
        let (a, b) = (stored.to_scipy(), vector.to_scipy());
        for (r, (p, q)) in a.chunks(4).zip(b.chunks(4)).enumerate() {
            assert_eq!((p[0], p[1], p[3]), (q[0], q[1], q[3]), "n={n} merge {r}");
            assert!(
                close(p[2], q[2], 1e-9, 1e-12),
                "n={n} height {r}: {} vs {}",
                p[2],
                q[2]
            );
        }
        assert_eq!(stored.leaves(), vector.leaves());
    }
}

/// Every internal node of a tree as (sorted leaf set, height): the tree
/// itself, independent of the order in which equal-height steps are listed.
fn clusters(z: &cluster::Linkage) -> std::collections::BTreeMap<Vec<usize>, f64> {
    let n = z.n();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut out = std::collections::BTreeMap::new();
    for s in z.steps() {
        let mut m = [members[s.a].clone(), members[s.b].clone()].concat();
        m.sort_unstable();
        out.insert(m.clone(), s.height);
        members.push(m);
    }
    out
}

#[test]
fn f32_distances_give_the_same_trees_to_seven_digits() {
    // Continuous data: no two candidate distances agree to 7 digits, so the
    // f32 matrix must give the f64 tree, every method, both storage paths
    // (direct sums at this size, GEMM forced).
    let mut rng = Rng(23);
    let (n, d) = (400, 5);
    let x = random(&mut rng, n, d);
    for direct in [true, false] {
        let d64 = cluster::distance::pdist_with::<f64>(&x, n, d, Metric::Euclidean, direct);
        let d32 = cluster::distance::pdist_with::<f32>(&x, n, d, Metric::Euclidean, direct);
        for (a, b) in d64.as_slice().iter().zip(d32.as_slice()) {
            assert_eq!(*a as f32, *b, "each distance is the f64 one rounded once");
        }
        for method in Method::ALL {
            let z64 = cluster::linkage_condensed(d64.clone(), method).unwrap();
            let z32 = cluster::linkage_condensed(d32.clone(), method).unwrap();
            let (c64, c32) = (clusters(&z64), clusters(&z32));
            assert_eq!(
                c64.keys().collect::<Vec<_>>(),
                c32.keys().collect::<Vec<_>>(),
                "{method} (direct {direct}): same clusters"
            );
            for (k, h) in &c64 {
                assert!(
                    close(*h, c32[k], 2e-6, 1e-9),
                    "{method}: height {h} vs {}",
                    c32[k]
                );
            }
            if method.is_reducible() {
                assert_eq!(z64.leaves(), z32.leaves(), "{method}: leaf order");
            }
        }
    }
}

#[test]
fn f32_storage_refuses_what_it_cannot_hold() {
    // 1e20-sized values: squared euclidean 1e41 overflows f32; ward on
    // distances of 1e37 overflows f32 when squared in the update.
    let x = vec![0.0, 0.0, 1e20, 0.0, 0.0, 2e20];
    let d32 = cluster::distance::pdist_as::<f32>(&x, 3, 2, Metric::Sqeuclidean);
    let err = cluster::linkage_condensed(d32, Method::Average).unwrap_err();
    assert!(err.to_string().contains("--precision f64"), "{err}");
    let x = vec![0.0, 1e37, 3e37, 3.3e38];
    let d32 = cluster::distance::pdist_as::<f32>(&x, 4, 1, Metric::Euclidean);
    let d64 = cluster::distance::pdist_as::<f64>(&x, 4, 1, Metric::Euclidean);
    assert!(cluster::linkage_condensed(d64, Method::Ward).is_ok());
    for method in Method::ALL {
        // Whatever overflows must be an error, never a panic or inf heights.
        if let Ok(z) = cluster::linkage_condensed(d32.clone(), method) {
            assert!(z.steps().iter().all(|s| s.height.is_finite()), "{method}");
        }
    }
    let err = cluster::linkage_condensed(d32, Method::Ward).unwrap_err();
    assert!(err.to_string().contains("--precision f64"), "{err}");
    // The same in f64, a few hundred orders of magnitude up.
    let x = vec![0.0, 1e200, 3e200, 3.3e307];
    let d64 = cluster::distance::pdist_as::<f64>(&x, 4, 1, Metric::Euclidean);
    for method in Method::ALL {
        if let Ok(z) = cluster::linkage_condensed(d64.clone(), method) {
            assert!(z.steps().iter().all(|s| s.height.is_finite()), "{method}");
        }
    }
    assert!(cluster::linkage_condensed(d64, Method::Ward).is_err());
}

/// The certified ward's tree, checked against the exact chain; `false`
/// when it declined.
fn certified_matches_exact(x: &[f64], n: usize, d: usize, what: &str) -> bool {
    let Some(fast) = cluster::ward_rnn::ward_certified(x, n, d) else {
        return false;
    };
    let exact = cluster::linkage(x, n, d, Method::Ward, Metric::Euclidean).unwrap();
    for (r, (p, q)) in exact.steps().iter().zip(fast.steps()).enumerate() {
        assert_eq!((p.a, p.b, p.size), (q.a, q.b, q.size), "{what}: step {r}");
        assert!(
            close(p.height, q.height, 1e-12, 0.0),
            "{what}: height {r}: {} vs {} (rel {:e})",
            p.height,
            q.height,
            (p.height - q.height).abs() / p.height
        );
    }
    assert_eq!(exact.leaves(), fast.leaves(), "{what}: leaves");
    true
}

#[test]
fn certified_ward_on_adversarial_inputs_is_exact_or_declines() {
    let mut rng = Rng(2024);
    // Near-ties: a 50 × 50 integer grid (every nearest distance tied)
    // plus noise of growing size. Tied data must be refused; with noise
    // the tree must be the exact one whenever it is returned.
    let (n, d) = (2500, 2);
    let grid: Vec<f64> = (0..n)
        .flat_map(|i| [(i / 50) as f64, (i % 50) as f64])
        .collect();
    let mut certified = vec![];
    for eps in [0.0, 1e-15, 1e-13, 1e-11, 1e-9, 1e-7, 1e-5, 1e-3] {
        let x: Vec<f64> = grid.iter().map(|v| v + eps * rng.uniform()).collect();
        if certified_matches_exact(&x, n, d, &format!("grid + {eps:e}")) {
            certified.push(eps);
        }
    }
    eprintln!("grid + noise certified at {certified:?}");
    assert!(
        !certified.contains(&0.0) && !certified.contains(&1e-15),
        "{certified:?}"
    );
    // Clusters of very different sizes: two tight blobs of 1 200 and 300
    // singletons spread around them (big clusters as cheap as singletons
    // from much nearer).
    let mut x = vec![];
    for i in 0..2700 {
        let (c, s) = match i {
            0..1200 => (1.0, 1e-2),
            1200..2400 => (-1.0, 1e-2),
            _ => (0.0, 1.5),
        };
        x.push(c + s * rng.normal());
        x.push(s * rng.normal());
    }
    let blobs = certified_matches_exact(&x, 2700, 2, "blobs and singletons");
    // A deep tree: points on a geometric progression (depth ~ n).
    let x: Vec<f64> = (0..2500).map(|i| 1.003f64.powi(i)).collect();
    let line = certified_matches_exact(&x, 2500, 1, "geometric line");
    eprintln!("blobs certified: {blobs}, geometric line certified: {line}");
    // A large offset: 1e8 + U(0, 1) in three columns.
    let x: Vec<f64> = (0..3000 * 3).map(|_| 1e8 + rng.uniform()).collect();
    assert!(
        certified_matches_exact(&x, 3000, 3, "offset 1e8"),
        "continuous data certifies"
    );
    // High dimension.
    let x = random(&mut rng, 2000, 400);
    assert!(
        certified_matches_exact(&x, 2000, 400, "d = 400"),
        "continuous data certifies"
    );
}

#[test]
fn certified_ward_gives_up_quickly_on_mass_duplicates() {
    // 4 000 identical rows: every one of them survives the f32 screen of
    // the others; the scan must give up (bounded memory), not grow.
    let mut rng = Rng(8);
    let (n, d) = (5000, 20);
    let x: Vec<f64> = (0..n * d)
        .map(|k| if k < 4000 * d { 0.25 } else { rng.normal() })
        .collect();
    assert!(cluster::ward_rnn::ward_certified(&x, n, d).is_none());
}
