//! Parity with scipy / numpy / pandas / seaborn on the committed fixtures
//! (made by `scripts/make_fixtures.py`; no Python needed here).

mod common;

use common::{close, index, input, load};
use heatmill::cluster::{self, cut, olo, Condensed, Linkage, Method, Metric};
use heatmill::matrix::Matrix;
use heatmill::prep;
use heatmill::stats;

fn s<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("missing {k} in {v}"))
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
        let leaves: Vec<usize> = load(s(case, "leaves"))
            .data
            .iter()
            .map(|&v| v as usize)
            .collect();
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
        let z =
            cluster::linkage(&x.data, x.shape[0], x.shape[1], method, Metric::Euclidean).unwrap();
        let want: Vec<usize> = load(s(case, "file"))
            .data
            .iter()
            .map(|&v| v as usize)
            .collect();
        let got = match s(case, "criterion") {
            "maxclust" => cut::cut_into(&z, case["t"].as_u64().unwrap() as usize),
            _ => cut::cut_at_height(&z, case["t"].as_f64().unwrap()),
        };
        assert_eq!(got, want, "{case}");
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
        let want: Vec<usize> = load(s(case, "leaves"))
            .data
            .iter()
            .map(|&v| v as usize)
            .collect();
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
