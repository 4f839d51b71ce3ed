//! Input hot paths: an Arrow IPC file of 20 000 x 1 000 f64 (uncompressed:
//! memory map + one copy into the matrix; LZ4: decode + copy), and the
//! streamed top-2000-variable selection from an AnnData-layout CSR file of
//! 2 000 cells x 20 000 genes read as genes x cells. The files are written
//! once into the target directory with the arrow-ipc and hdf5-pure writers.
//!
//! `cargo bench --bench io`; scripts/bench_io.sh compares with `cat`,
//! pyarrow and anndata on the same kind of files.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../tests/support/h5ad.rs"]
mod h5ad;

use heatmill::io::{self, ReadOptions};
use heatmill::prep::Prep;

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join("heatmill-bench-io");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn value(i: usize, j: usize) -> f64 {
    (((i * 2654435761 + j * 40503) % 10007) as f64) / 101.0 - 40.0
}

fn write_arrow(path: &PathBuf, comp: Option<arrow_ipc::CompressionType>) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
    use arrow_schema::{DataType, Field, Schema};
    if path.exists() {
        return;
    }
    let (n, d) = (20_000, 1_000);
    let mut fields = vec![Field::new("gene", DataType::Utf8, false)];
    fields.extend((0..d).map(|j| Field::new(format!("s{j}"), DataType::Float64, false)));
    let schema = Arc::new(Schema::new(fields));
    let mut cols: Vec<ArrayRef> = vec![Arc::new(
        (0..n)
            .map(|i| Some(format!("g{i}")))
            .collect::<StringArray>(),
    )];
    for j in 0..d {
        cols.push(Arc::new(
            (0..n).map(|i| value(i, j)).collect::<Float64Array>(),
        ));
    }
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let opts = IpcWriteOptions::default()
        .try_with_compression(comp)
        .unwrap();
    let tmp = path.with_extension("tmp");
    let mut w =
        FileWriter::try_new_with_options(std::fs::File::create(&tmp).unwrap(), &schema, opts)
            .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    std::fs::rename(tmp, path).unwrap();
}

fn write_csr(path: &PathBuf) {
    if path.exists() {
        return;
    }
    let obs: Vec<String> = (0..2_000).map(|i| format!("c{i}")).collect();
    let var: Vec<String> = (0..20_000).map(|j| format!("g{j}")).collect();
    let b = h5ad::csr_builder(&obs, &var, 1 << 16, |i, j| {
        if (i * 31 + j * 7) % 10 == 0 {
            value(i, j).abs()
        } else {
            0.0
        }
    });
    b.write(path).unwrap();
}

fn arrow(c: &mut Criterion) {
    let dir = scratch();
    let mut g = c.benchmark_group("read_arrow_20000x1000");
    g.sample_size(10);
    for (name, comp) in [
        ("uncompressed", None),
        ("lz4", Some(arrow_ipc::CompressionType::LZ4_FRAME)),
    ] {
        let path = dir.join(format!("{name}.arrow"));
        write_arrow(&path, comp);
        g.bench_function(name, |b| {
            b.iter(|| io::read_matrix(&path, &ReadOptions::default()).unwrap())
        });
    }
    g.finish();
}

fn h5ad_top(c: &mut Criterion) {
    let path = scratch().join("cells_2000x20000_csr.h5ad");
    write_csr(&path);
    let mut g = c.benchmark_group("h5ad_csr_2000x20000");
    g.sample_size(10);
    let o = ReadOptions {
        transpose: true,
        ..Default::default()
    };
    let p = Prep {
        log1p: true,
        top_variable: Some(2000),
        ..Default::default()
    };
    g.bench_function("top2000_genes_streamed", |b| {
        b.iter(|| io::read_prepped(&path, &o, &p).unwrap())
    });
    g.bench_function("full_read", |b| {
        b.iter(|| io::read_matrix(&path, &o).unwrap())
    });
    g.finish();
}

criterion_group!(benches, arrow, h5ad_top);
criterion_main!(benches);
