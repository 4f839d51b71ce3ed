//! Hot paths of the numeric core. Sizes follow the issue: Pearson on
//! 5 000 × 200 and 20 000 × 50; ward and average linkage (distances
//! included) at n = 2 000, 5 000, 10 000 on 50 columns.
//!
//! `cargo bench --bench core`; scripts/bench_core.py runs the same sizes
//! against numpy, scipy and fastcluster in one go.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use heatmill::cluster::{self, Method, Metric};
use heatmill::stats;

fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n * d)
        .map(|_| {
            s = s.wrapping_add(0x9E3779B97F4A7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect()
}

fn pearson(c: &mut Criterion) {
    let mut g = c.benchmark_group("pearson");
    g.sample_size(10);
    for (n, d) in [(5000, 200), (20000, 50)] {
        let x = data(n, d, 1);
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}x{d}")),
            &x,
            |b, x| b.iter(|| stats::pearson(x, n, d)),
        );
    }
    g.finish();
}

fn linkage(c: &mut Criterion) {
    let mut g = c.benchmark_group("linkage");
    g.sample_size(10);
    for n in [2000, 5000, 10000] {
        let d = 50;
        let x = data(n, d, 2);
        for method in [Method::Ward, Method::Average] {
            g.bench_with_input(BenchmarkId::new(method.name(), n), &x, |b, x| {
                b.iter(|| cluster::linkage(x, n, d, method, Metric::Euclidean).unwrap())
            });
        }
    }
    g.finish();
}

fn distances(c: &mut Criterion) {
    let mut g = c.benchmark_group("pdist");
    g.sample_size(10);
    let (n, d) = (10000, 50);
    let x = data(n, d, 3);
    g.bench_function("euclidean_10000x50", |b| {
        b.iter(|| cluster::pdist(&x, n, d, Metric::Euclidean))
    });
    g.finish();
}

/// The machine's f64 GEMM rate through faer (lower triangle of A·Aᵀ, the
/// shape Pearson uses), to state Pearson's fraction of it: a triangular
/// n × n × d product is n²·d flops.
fn gemm_peak(c: &mut Criterion) {
    use faer::linalg::matmul::triangular::{matmul, BlockStructure};
    use faer::{Accum, Mat, MatRef, Par};
    let mut g = c.benchmark_group("gemm");
    g.sample_size(10);
    let (n, d) = (20000, 500);
    let x = data(n, d, 4);
    let a = MatRef::from_row_major_slice(&x, n, d);
    let mut out = Mat::<f64>::zeros(n, n);
    let par = Par::rayon(rayon::current_num_threads());
    g.bench_function("syrk_lower_20000x500", |b| {
        b.iter(|| {
            matmul(
                out.as_mut(),
                BlockStructure::TriangularLower,
                Accum::Replace,
                a,
                BlockStructure::Rectangular,
                a.transpose(),
                BlockStructure::Rectangular,
                1.0,
                par,
            )
        })
    });
    g.bench_function("pearson_20000x500", |b| b.iter(|| stats::pearson(&x, n, d)));
    // Pearson with f32 output (f64 products, rounded once): same GEMM,
    // half the bytes stored.
    g.bench_function("pearson_f32_out_20000x500", |b| {
        b.iter(|| stats::f32_store::correlate_f32(&x, n, d, stats::CorrMethod::Pearson))
    });
    // The f32 GEMM rate, for reference (Pearson accumulates in f64); the
    // f64 output goes first so the two never sit in memory together.
    drop(out);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let a32 = MatRef::from_row_major_slice(&x32, n, d);
    let mut out32 = Mat::<f32>::zeros(n, n);
    g.bench_function("syrk_lower_f32_20000x500", |b| {
        b.iter(|| {
            matmul(
                out32.as_mut(),
                BlockStructure::TriangularLower,
                Accum::Replace,
                a32,
                BlockStructure::Rectangular,
                a32.transpose(),
                BlockStructure::Rectangular,
                1.0f32,
                par,
            )
        })
    });
    g.finish();
}

/// Ward on vectors (O(n·d) memory), the fallback when the condensed
/// matrix would not fit; compare with `linkage/ward/5000`.
fn ward_vector(c: &mut Criterion) {
    let mut g = c.benchmark_group("ward_vector");
    g.sample_size(10);
    let (n, d) = (5000, 50);
    let x = data(n, d, 2);
    g.bench_function("5000x50", |b| {
        b.iter(|| cluster::ward_vector::ward_vector(&x, n, d))
    });
    g.finish();
}

/// Certified ward over centroids (what ward on vectors runs from 2 000
/// rows on), on the tutorial's recipe (uniform noise, two shifted
/// blocks); compare with `linkage/ward/*` (distances + stored-matrix chain).
fn ward_certified(c: &mut Criterion) {
    let mut g = c.benchmark_group("ward_certified");
    g.sample_size(10);
    for &n in &[5000usize, 20_000] {
        let d = 50;
        let mut x = data(n, d, 3);
        for (i, row) in x.chunks_mut(d).enumerate() {
            let (lo, hi) = if i < n / 3 {
                (0, d / 2)
            } else if i < 2 * n / 3 {
                (d / 2, d)
            } else {
                (0, 0)
            };
            row[lo..hi].iter_mut().for_each(|v| *v += 2.5);
        }
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}x{d}")),
            &n,
            |b, &n| b.iter(|| cluster::ward_rnn::ward_certified(&x, n, d).expect("certifies")),
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    pearson,
    linkage,
    distances,
    gemm_peak,
    ward_vector,
    ward_certified
);
criterion_main!(benches);
