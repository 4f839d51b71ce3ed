//! Parity with scipy / numpy / pandas / seaborn on the committed fixtures
//! (made by `scripts/make_fixtures.py`; no Python needed here).

use heatmill::cluster::{self, fcluster, olo, Condensed, Criterion, Linkage, Method, Metric};
use heatmill::matrix::Matrix;
use heatmill::prep;
use heatmill::stats;

use crate::util::{close, index, input, load};

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("missing {k} in {v}"))
}

/// An integer fixture (leaf orders, cluster ids) as indices.
fn indices(file: &str) -> Vec<usize> {
    load(file).data.iter().map(|&v| v as usize).collect()
}

fn assert_linkage_eq(ours: &Linkage, want: &[f64], what: &str) {
    let z = ours.to_scipy();
    assert_eq!(z.len(), want.len(), "{what}: shape");
    for (r, (a, b)) in z.chunks(4).zip(want.chunks(4)).enumerate() {
        assert_eq!(
            (a[0], a[1], a[3]),
            (b[0], b[1], b[3]),
            "{what}: merge {r} ids/size: ours {a:?} scipy {b:?}"
        );
        assert!(
            close(a[2], b[2], 1e-9, 1e-12),
            "{what}: merge {r} height {} vs {}",
            a[2],
            b[2]
        );
    }
}

#[test]
fn pdist_matches_scipy() {
    let idx = index();
    let mut checked = 0;
    for case in idx["distances"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let metric: Metric = s(case, "metric").parse().unwrap();
        let want = load(s(case, "file")).data;
        let got = cluster::pdist(&x.data, x.shape[0], x.shape[1], metric);
        for (k, (a, b)) in got.as_slice().iter().zip(&want).enumerate() {
            assert!(close(*a, *b, 1e-12, 1e-13), "{case}: entry {k}: {a} vs {b}");
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} distance cases");
}

#[test]
fn linkage_matches_scipy_on_every_fixture() {
    let idx = index();
    let mut checked = 0;
    for case in idx["linkage"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let method: Method = s(case, "method").parse().unwrap();
        let metric: Metric = s(case, "metric").parse().unwrap();
        let want = load(s(case, "z")).data;
        let leaves = indices(s(case, "leaves"));
        let z = cluster::linkage(&x.data, x.shape[0], x.shape[1], method, metric).unwrap();
        let what = format!("{} {method} {metric}", s(case, "input"));
        assert_linkage_eq(&z, &want, &what);
        assert_eq!(z.leaves(), leaves, "{what}: leaves_list");
        checked += 1;
    }
    assert!(checked >= 300, "only {checked} linkage cases");
}

#[test]
fn linkage_from_scipy_distances_is_identical() {
    // Same algorithms fed scipy's own pdist: isolates linkage from distance
    // rounding, so ties in the fixtures test the tie rule itself.
    let idx = index();
    for d in idx["distances"].as_array().unwrap() {
        let dist = load(s(d, "file"));
        let n = ((1.0 + (1.0 + 8.0 * dist.data.len() as f64).sqrt()) / 2.0).round() as usize;
        for case in idx["linkage"].as_array().unwrap() {
            if s(case, "input") != s(d, "input") || s(case, "metric") != s(d, "metric") {
                continue;
            }
            let method: Method = s(case, "method").parse().unwrap();
            let c = Condensed::from_vec(n, dist.data.clone()).unwrap();
            let z = cluster::linkage_condensed(c, method).unwrap();
            let what = format!(
                "{} {method} {} (scipy distances)",
                s(case, "input"),
                s(case, "metric")
            );
            assert_linkage_eq(&z, &load(s(case, "z")).data, &what);
        }
    }
}

#[test]
fn fcluster_matches_scipy() {
    let idx = index();
    for case in idx["fcluster"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let method: Method = s(case, "method").parse().unwrap();
        // fcluster on scipy's own Z: a `distance` cutoff is one of scipy's
        // heights, which ours match to ~1e-15, not always to the bit.
        let scipy_z = load(&format!(
            "linkage/Z_{}_{}_euclidean.npy",
            s(case, "input"),
            s(case, "method")
        ));
        let z = Linkage::from_scipy(&scipy_z.data).expect("a valid scipy linkage");
        let want = indices(s(case, "file"));
        let criterion = match s(case, "criterion") {
            "maxclust" => Criterion::MaxClust(case["t"].as_u64().unwrap() as usize),
            _ => Criterion::Distance(case["t"].as_f64().unwrap()),
        };
        assert_eq!(fcluster(&z, criterion), want, "{case}");
        // maxclust depends only on the order of heights: our own tree
        // gives scipy's clusters too.
        if let Criterion::MaxClust(_) = criterion {
            let ours = cluster::linkage(&x.data, x.shape[0], x.shape[1], method, Metric::Euclidean)
                .unwrap();
            assert_eq!(fcluster(&ours, criterion), want, "own tree: {case}");
        }
    }
}

#[test]
fn optimal_leaf_ordering_matches_scipy() {
    let idx = index();
    for case in idx["olo"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let (n, d) = (x.shape[0], x.shape[1]);
        let method: Method = s(case, "method").parse().unwrap();
        let dist = cluster::pdist(&x.data, n, d, Metric::Euclidean);
        let z = cluster::linkage_condensed(dist.clone(), method).unwrap();
        let o = olo::optimal_leaf_ordering(&z, &dist);
        let want = indices(s(case, "leaves"));
        assert_eq!(o.leaves(), want, "{case}");
        assert_linkage_eq(&o, &load(s(case, "zolo")).data, &format!("{case}"));
    }
}

#[test]
fn correlation_matches_numpy_and_pandas() {
    let idx = index();
    for case in idx["corr"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let (n, d) = (x.shape[0], x.shape[1]);
        let method: stats::CorrMethod = s(case, "method").parse().unwrap();
        let got = stats::correlate(&x.data, n, d, method, false);
        let want = load(s(case, "file")).data;
        for (k, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(close(*a, *b, 0.0, 1e-12), "{case}: entry {k}: {a} vs {b}");
        }
    }
    for case in idx["pairwise"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let (n, d) = (x.shape[0], x.shape[1]);
        let method: stats::CorrMethod = s(case, "method").parse().unwrap();
        let got = stats::correlate(&x.data, n, d, method, true);
        let want = load(s(case, "file")).data;
        for (k, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(close(*a, *b, 0.0, 1e-12), "{case}: entry {k}: {a} vs {b}");
        }
    }
}

#[test]
fn z_score_and_standard_scale_match_seaborn() {
    let idx = index();
    for case in idx["prep"].as_array().unwrap() {
        let x = input(s(case, "input"));
        let mut m = Matrix::from_values(x.shape[0], x.shape[1], x.data.clone()).unwrap();
        let axis: prep::Axis = s(case, "axis").parse().unwrap();
        match s(case, "op") {
            "zscore" => prep::z_score(&mut m, axis),
            _ => prep::standard_scale(&mut m, axis),
        }
        let want = load(s(case, "file")).data;
        for (k, (a, b)) in m.values().iter().zip(&want).enumerate() {
            assert!(close(*a, *b, 1e-12, 1e-13), "{case}: entry {k}: {a} vs {b}");
        }
    }
}

#[test]
fn certified_ward_is_scipys_tree_or_refuses() {
    // The fast ward (rounds over centroids) runs from 2 000 rows on; here
    // it is held to scipy on every fixture: either the same tree (merges,
    // order, leaves; heights to rounding) or a refusal, never a different
    // tree. Continuous data must certify; exact ties must be refused.
    let idx = index();
    let mut certified = vec![];
    for case in idx["linkage"].as_array().unwrap() {
        if s(case, "method") != "ward" || s(case, "metric") != "euclidean" {
            continue;
        }
        let name = s(case, "input");
        let x = input(name);
        let (n, d) = (x.shape[0], x.shape[1]);
        let want = load(s(case, "z")).data;
        let leaves = indices(s(case, "leaves"));
        if let Some(z) = cluster::ward_rnn::ward_certified(&x.data, n, d) {
            assert_linkage_eq(&z, &want, &format!("{name} certified ward"));
            assert_eq!(z.leaves(), leaves, "{name}: leaves_list");
            certified.push(name.to_string());
        }
    }
    certified.sort();
    for must in [
        "clustered_100x20",
        "gauss_200x10",
        "gauss_60x8",
        "seed_30x12",
    ] {
        assert!(
            certified.iter().any(|c| c == must),
            "{must} not certified: {certified:?}"
        );
    }
    for tied in ["dups_30x6", "ties_int_40x4", "binary_50x8"] {
        assert!(
            !certified.iter().any(|c| c == tied),
            "{tied} certified despite ties"
        );
    }
}

#[test]
fn ward_on_2400_rows_is_scipys_tree() {
    // Large enough that clustering an axis takes the certified fast ward
    // (scripts/make_ward_fixture.py: scipy's tree of the tutorial's recipe).
    let x = load("ward_large/X.npy");
    let want = load("ward_large/Z.npy").data;
    let leaves = indices("ward_large/leaves.npy");
    let (n, d) = (x.shape[0], x.shape[1]);
    assert!(n >= cluster::ward_rnn::MIN_ROWS);
    let fast = cluster::ward_rnn::ward_certified(&x.data, n, d).expect("certifies");
    assert_linkage_eq(&fast, &want, "ward_large certified");
    assert_eq!(fast.leaves(), leaves, "ward_large: leaves_list");
    let m = Matrix::from_values(n, d, x.data.clone()).unwrap();
    let mut t = heatmill::timings::Timings::default();
    let spec = heatmill::analysis::ClusterSpec::new(Method::Ward, Metric::Euclidean);
    let c = heatmill::analysis::cluster_axis(&m, prep::Axis::Rows, spec, "X.npy", &mut t).unwrap();
    assert_eq!(c.linkage, fast, "the pipeline takes the certified path");
    // and the exact chain agrees too
    let exact = cluster::linkage(&x.data, n, d, Method::Ward, Metric::Euclidean).unwrap();
    assert_linkage_eq(&exact, &want, "ward_large exact chain");
}

#[test]
fn ward_with_duplicate_rows_falls_back_to_the_exact_chain() {
    // Duplicated rows tie at distance 0: the fast ward refuses, and the
    // pipeline's result is the stored-matrix chain's, bit for bit.
    let x = load("ward_large/X.npy");
    let (n, d) = (x.shape[0], x.shape[1]);
    let mut v = x.data.clone();
    for (src, dst) in [(5, 1500), (5, 2000), (900, 901)] {
        let row = v[src * d..(src + 1) * d].to_vec();
        v[dst * d..(dst + 1) * d].copy_from_slice(&row);
    }
    assert!(cluster::ward_rnn::ward_certified(&v, n, d).is_none());
    let m = Matrix::from_values(n, d, v.clone()).unwrap();
    let mut t = heatmill::timings::Timings::default();
    let spec = heatmill::analysis::ClusterSpec::new(Method::Ward, Metric::Euclidean);
    let c = heatmill::analysis::cluster_axis(&m, prep::Axis::Rows, spec, "dups", &mut t).unwrap();
    let exact = cluster::linkage(&v, n, d, Method::Ward, Metric::Euclidean).unwrap();
    assert_eq!(c.linkage, exact);
}

/// k-means (`kmeans_rows`): scikit-learn's `KMeans(algorithm="lloyd",
/// n_init=1)` from the same given centres (scripts/make_kmeans_fixture.py):
/// the same labels, iterations and, to rounding, centres and inertia.
#[test]
fn kmeans_lloyd_matches_scikit_learn_from_a_given_initialisation() {
    use heatmill::cluster::kmeans::lloyd;
    let x = load("kmeans/X.npy");
    let init = load("kmeans/init.npy");
    let (n, d) = (x.shape[0], x.shape[1]);
    let got = lloyd(&x.data, n, d, &init.data, 300, 1e-4);
    let labels: Vec<usize> = load("kmeans/labels.npy")
        .data
        .iter()
        .map(|&v| v as usize)
        .collect();
    assert_eq!(got.labels, labels);
    let meta = load("kmeans/meta.npy").data;
    assert_eq!(got.n_iter, meta[1] as usize);
    assert!(
        close(got.inertia, meta[0], 1e-12, 0.0),
        "{} {}",
        got.inertia,
        meta[0]
    );
    for (a, b) in got.centers.iter().zip(&load("kmeans/centers.npy").data) {
        assert!(close(*a, *b, 1e-12, 1e-12), "{a} {b}");
    }
}
