//! Property tests: every fast linkage algorithm agrees with the naive
//! O(n³) reference on random inputs (continuous, so no ties), and GEMM
//! distances agree with direct sums.

mod common;

use common::{close, Rng};
use heatmill::cluster::{self, primitive::primitive, Method, Metric};

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
        let generic = cluster::generic::generic(dist.clone(), method);
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
