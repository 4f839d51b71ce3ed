//! Every input layout holds the same matrix: CSV, TSV, Parquet, Arrow
//! (plain, LZ4, ZSTD), plain HDF5, AnnData (dense, CSR, CSC) and 10x, from
//! `scripts/make_format_samples.py`. They must read to identical matrices,
//! give byte-identical `corr`/`linkage` outputs, stream the top-N selection
//! exactly as the full read + prep would, and fail cleanly when damaged.
//! Larger files are generated here with the arrow-ipc and hdf5-pure writers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

// Shared with benches/io.rs, hence outside tests/integration/.
#[path = "../support/h5ad.rs"]
mod h5ad;

use heatmill::io::{self, ReadOptions};
use heatmill::matrix::Matrix;
use heatmill::prep::Prep;

use crate::util::{self, run, samples, scratch, stderr};

/// `data-samples/formats/`: one matrix in every layout
/// (`scripts/make_format_samples.py`).
fn formats() -> PathBuf {
    samples().join("formats")
}

/// (file, extra read arguments) for every layout of the sample matrix,
/// oriented genes x samples like the CSV.
fn layouts() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("counts.csv", vec![]),
        ("counts.tsv", vec![]),
        ("counts.parquet", vec![]),
        ("counts.arrow", vec![]),
        ("counts_lz4.arrow", vec![]),
        ("counts_zstd.arrow", vec![]),
        (
            "counts.h5",
            vec!["--row-names", "genes", "--col-names", "samples"],
        ),
        ("counts_dense.h5ad", vec!["--transpose"]),
        ("counts_csr.h5ad", vec!["--transpose"]),
        ("counts_csc.h5ad", vec!["--transpose"]),
        ("counts_10x.h5", vec!["--transpose"]),
        // #19: as they come from sequencers, labs and repositories.
        ("counts.tsv.gz", vec![]),
        ("counts_10x_mtx", vec!["--transpose"]),
        ("counts.gct", vec![]),
        ("GSE000000_series_matrix.txt.gz", vec![]),
        ("counts.loom", vec!["--transpose"]),
        ("counts.xlsx", vec![]),
    ]
}

fn options(args: &[&str]) -> ReadOptions {
    let mut o = ReadOptions::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--transpose" => o.transpose = true,
            "--row-names" => o.row_names = it.next().map(|s| s.to_string()),
            "--col-names" => o.col_names = it.next().map(|s| s.to_string()),
            other => panic!("unexpected {other}"),
        }
    }
    o
}

fn same_bits(a: &Matrix, b: &Matrix) -> bool {
    a.row_labels() == b.row_labels()
        && a.col_labels() == b.col_labels()
        && a.values().len() == b.values().len()
        && a.values()
            .iter()
            .zip(b.values())
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(util::fixtures().join("formats/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_layout_reads_the_same_matrix() {
    let e = expected();
    let values: Vec<f64> = e["values"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    let strings = |k: &str| -> Vec<String> {
        e[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let want = Matrix::new(strings("genes"), strings("samples"), values).unwrap();
    for (file, args) in layouts() {
        let m = io::read_matrix(&formats().join(file), &options(&args))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(same_bits(&m, &want), "{file} differs from expected.json");
    }
}

#[test]
fn corr_and_linkage_are_byte_identical_across_layouts() {
    let dir = scratch("bytes");
    let mut first: Option<Vec<Vec<u8>>> = None;
    for (k, (file, args)) in layouts().into_iter().enumerate() {
        let input = formats().join(file);
        let outs = [
            (
                "corr",
                vec!["corr".to_string(), "--method".into(), "spearman".into()],
            ),
            (
                "link",
                vec![
                    "linkage".to_string(),
                    "--method".into(),
                    "ward".into(),
                    "--order".into(),
                    dir.join(format!("order{k}.tsv")).display().to_string(),
                ],
            ),
            (
                "top",
                vec![
                    "corr".to_string(),
                    "--log1p".into(),
                    "--top-variable".into(),
                    "12".into(),
                ],
            ),
        ];
        let mut bytes = Vec::new();
        for (name, cmd) in outs {
            let out = dir.join(format!("{name}{k}.npy"));
            let mut a: Vec<String> = cmd.clone();
            a.push(input.display().to_string());
            a.extend(args.iter().map(|s| s.to_string()));
            a.push("-o".into());
            a.push(out.display().to_string());
            let refs: Vec<&str> = a.iter().map(String::as_str).collect();
            let o = run(&refs);
            assert!(o.status.success(), "{file} {name}: {}", stderr(&o));
            bytes.push(std::fs::read(&out).unwrap());
        }
        // The leaf order file names rows by label: labels must agree too.
        bytes.push(std::fs::read(dir.join(format!("order{k}.tsv"))).unwrap());
        match &first {
            None => first = Some(bytes),
            Some(f) => assert!(f == &bytes, "{file} gives different bytes than counts.csv"),
        }
    }
}

/// Streaming selection (log1p then top-N while reading) equals reading the
/// whole matrix and applying prep, in both orientations of every store.
#[test]
fn streamed_top_variable_equals_prep_on_the_full_matrix() {
    for (file, args) in layouts() {
        let path = formats().join(file);
        for transpose_flip in [false, true] {
            let mut o = options(&args);
            o.transpose ^= transpose_flip;
            for (log1p, top) in [(false, 7), (true, 12), (true, 1), (false, 500)] {
                let p = Prep {
                    log1p,
                    top_variable: Some(top),
                    ..Default::default()
                };
                let full = p.apply(io::read_matrix(&path, &o).unwrap()).unwrap();
                let streamed = io::read_prepped(&path, &o, &p).unwrap();
                assert!(
                    same_bits(&full, &streamed),
                    "{file} flip={transpose_flip} log1p={log1p} top={top}"
                );
            }
        }
    }
}

#[test]
fn anndata_layers_and_obs_var_annotations() {
    let path = formats().join("counts_csr.h5ad");
    let x = io::read_matrix(&path, &ReadOptions::default()).unwrap();
    let o = ReadOptions {
        layer: Some("doubled".into()),
        ..Default::default()
    };
    let d = io::read_matrix(&path, &o).unwrap();
    assert_eq!(d.row_labels(), x.row_labels());
    assert!(d
        .values()
        .iter()
        .zip(x.values())
        .all(|(a, b)| *a == 2.0 * b));
    let o = ReadOptions {
        layer: Some("nope".into()),
        ..Default::default()
    };
    let e = io::read_matrix(&path, &o).unwrap_err().to_string();
    assert!(
        e.contains("no layer 'nope'") && e.contains("doubled"),
        "{e}"
    );

    let e_json = expected();
    let spec = format!("{}:obs/group", path.display());
    let (p, c) = io::annotations::parse_spec(&spec);
    let a = io::annotations::read(&p, c.as_deref()).unwrap();
    assert_eq!(a.name, "group");
    assert_eq!(a.categories, vec!["Normal", "Tumor"]); // pandas' sorted categories
    for (s, g) in e_json["samples"]
        .as_array()
        .unwrap()
        .iter()
        .zip(e_json["obs"]["group"].as_array().unwrap())
    {
        assert_eq!(a.values[s.as_str().unwrap()].as_deref(), g.as_str());
    }
    // A bare column name is looked up in obs, then var.
    let a = io::annotations::read(&path, Some("chrom")).unwrap();
    assert_eq!(a.values["Gene_1"].as_deref(), Some("chr1"));
    assert_eq!(a.values["Gene_4"].as_deref(), Some("chr4"));
    let a = io::annotations::read(&path, Some("obs/depth")).unwrap();
    assert_eq!(a.values.len(), 16);
    let e = io::annotations::read(&path, Some("obs/nothing")).unwrap_err();
    assert!(e.to_string().contains("nothing"), "{e}");
}

#[test]
fn clustermap_with_h5ad_colour_strips() {
    let dir = scratch("strips");
    let h5ad = formats().join("counts_csr.h5ad");
    let out = dir.join("cm.png");
    let obs = format!("{}:obs/group", h5ad.display());
    let var = format!("{}:var/chrom", h5ad.display());
    let o = run(&[
        "clustermap",
        h5ad.to_str().unwrap(),
        "--transpose",
        "--log1p",
        "--col-colors",
        &obs,
        "--row-colors",
        &var,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(&out).unwrap().len() > 10_000);
    let warn = stderr(&o);
    assert!(!warn.contains("unmatched"), "{warn}");
}

#[test]
fn old_anndata_layout_is_refused_with_what_to_do() {
    let old = util::fixtures().join("formats/old_layout.h5ad");
    let o = run(&["inspect", old.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("unsupported layout") && e.contains("old_layout.h5ad"),
        "{e}"
    );
    assert!(e.contains("write_h5ad"), "{e}");
}

#[test]
fn inspect_reports_layout_storage_and_sparsity() {
    let o = run(&[
        "inspect",
        "--json",
        formats().join("counts_csc.h5ad").to_str().unwrap(),
        "--transpose",
    ]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["layout"].as_str().unwrap().contains("csc_matrix"));
    assert_eq!(j["rows"], 40);
    assert_eq!(j["cols"], 16);
    let nnz = j["stored_nonzeros"].as_u64().unwrap();
    let sparsity = j["sparsity"].as_f64().unwrap();
    assert_eq!(nnz as f64, ((1.0 - sparsity) * 640.0).round());
    let o = run(&[
        "inspect",
        "--json",
        formats().join("counts.arrow").to_str().unwrap(),
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["access"].as_str().unwrap().contains("zero-copy"));
    let o = run(&[
        "inspect",
        "--json",
        formats().join("counts_lz4.arrow").to_str().unwrap(),
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["storage"].as_str().unwrap().contains("lz4"));
    let o = run(&[
        "inspect",
        "--json",
        formats().join("counts.parquet").to_str().unwrap(),
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let st = j["storage"].as_str().unwrap();
    assert!(
        st.contains("1 row group(s)") && st.contains("snappy"),
        "{st}"
    );
    let o = run(&[
        "inspect",
        "--json",
        formats().join("counts.h5").to_str().unwrap(),
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["storage"].as_str().unwrap().contains("gzip"), "{j}");
}

/// Truncated and overwritten copies of every binary layout: exit code 2,
/// one line naming the file and the format, never a panic.
#[test]
fn damaged_files_fail_cleanly() {
    let dir = scratch("damaged");
    let cases = [
        ("counts.parquet", "parquet"),
        ("counts.arrow", "arrow"),
        ("counts_lz4.arrow", "arrow"),
        ("counts.h5", "hdf5"),
        ("counts_csr.h5ad", "h5"),
        ("counts_10x.h5", "hdf5"),
    ];
    for (file, fmt) in cases {
        let bytes = std::fs::read(formats().join(file)).unwrap();
        let ext = Path::new(file).extension().unwrap().to_str().unwrap();
        let n = bytes.len();
        let mut variants: Vec<(String, Vec<u8>)> = vec![
            ("half".into(), bytes[..n / 2].to_vec()),
            ("head".into(), bytes[..64.min(n)].to_vec()),
            ("empty".into(), vec![]),
        ];
        // Overwrite the middle of the file with garbage.
        let mut junk = bytes.clone();
        for (i, b) in junk[n / 3..n / 3 + 200].iter_mut().enumerate() {
            *b = (i * 37 % 251) as u8;
        }
        variants.push(("junk".into(), junk));
        let intact = dir.join("intact.npy");
        let o = run(&[
            "corr",
            formats().join(file).to_str().unwrap(),
            "--transpose",
            "-o",
            intact.to_str().unwrap(),
        ]);
        assert!(o.status.success());
        for (what, data) in variants {
            let p = dir.join(format!("{what}_{}", file.replace('.', "_")) + "." + ext);
            std::fs::write(&p, &data).unwrap();
            let out = dir.join("out.npy");
            let _ = std::fs::remove_file(&out);
            let o = run(&[
                "corr",
                p.to_str().unwrap(),
                "--transpose",
                "-o",
                out.to_str().unwrap(),
            ]);
            let e = stderr(&o);
            if o.status.success() {
                // Garbage that landed in unused bytes may still read; the
                // result must then be the intact matrix's.
                assert_eq!(what, "junk", "{file} {what} was accepted");
                assert_eq!(
                    std::fs::read(&out).unwrap(),
                    std::fs::read(&intact).unwrap()
                );
                continue;
            }
            assert_eq!(o.status.code(), Some(2), "{file} {what}: {e}");
            assert!(!e.contains("panicked"), "{file} {what}: {e}");
            assert_eq!(e.trim_end().lines().count(), 1, "{file} {what}: {e}");
            assert!(e.contains(p.file_name().unwrap().to_str().unwrap()), "{e}");
            assert!(e.contains(fmt), "{file} {what}: {e}");
            assert!(!out.exists(), "{file} {what}: partial output");
        }
    }
}

/// A larger Arrow file written here in several LZ4 batches with nulls and
/// mixed numeric types, read against the matrix it was written from.
#[test]
fn generated_arrow_files_with_batches_nulls_and_types() {
    use arrow_array::{Float32Array, Float64Array, Int32Array, RecordBatch, StringArray};
    use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
    use arrow_schema::{DataType, Field, Schema};

    let (n, batch) = (5000usize, 1700usize);
    let value = |i: usize, j: usize| ((i * 31 + j * 17) % 97) as f64 / 4.0;
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Float64, true),
        Field::new("gene", DataType::Utf8, false),
        Field::new("b", DataType::Float32, false),
        Field::new("c", DataType::Int32, false),
    ]));
    let dir = scratch("arrow");
    for (name, comp) in [
        ("plain.arrow", None),
        ("lz4.arrow", Some(arrow_ipc::CompressionType::LZ4_FRAME)),
        ("zstd.feather", Some(arrow_ipc::CompressionType::ZSTD)),
    ] {
        let path = dir.join(name);
        let opts = IpcWriteOptions::default()
            .try_with_compression(comp)
            .unwrap();
        let f = std::fs::File::create(&path).unwrap();
        let mut w = FileWriter::try_new_with_options(f, &schema, opts).unwrap();
        for start in (0..n).step_by(batch) {
            let rows = start..(start + batch).min(n);
            let a: Float64Array = rows
                .clone()
                .map(|i| (i % 101 != 3).then(|| value(i, 0)))
                .collect();
            let g: StringArray = rows.clone().map(|i| Some(format!("g{i}"))).collect();
            let b: Float32Array = rows.clone().map(|i| value(i, 1) as f32).collect();
            let c: Int32Array = rows.clone().map(|i| (i % 13) as i32 - 6).collect();
            let rb = RecordBatch::try_new(
                schema.clone(),
                vec![Arc::new(a), Arc::new(g), Arc::new(b), Arc::new(c)],
            )
            .unwrap();
            w.write(&rb).unwrap();
        }
        w.finish().unwrap();
        let m = io::read_matrix(&path, &ReadOptions::default()).unwrap();
        assert_eq!((m.nrows(), m.ncols()), (n, 3), "{name}");
        assert_eq!(m.col_labels(), ["a", "b", "c"]);
        for i in [0, 3, 1699, 1700, 2021, 4999] {
            assert_eq!(m.row_labels()[i], format!("g{i}"));
            let r = m.row(i);
            if i % 101 == 3 {
                assert!(r[0].is_nan());
            } else {
                assert_eq!(r[0], value(i, 0));
            }
            assert_eq!(r[1], value(i, 1) as f32 as f64);
            assert_eq!(r[2], ((i % 13) as i32 - 6) as f64);
        }
    }
}

/// An AnnData-layout CSR file and a plain chunked dataset written with
/// hdf5-pure, larger than the samples, read against their dense matrix.
#[test]
fn generated_hdf5_csr_and_chunked_dense() {
    let (n_obs, n_var) = (1200usize, 700usize);
    let dense: Vec<f64> = (0..n_obs * n_var)
        .map(|k| {
            let (i, j) = (k / n_var, k % n_var);
            if (i * 7 + j * 3) % 5 < 3 {
                0.0
            } else {
                ((i + 2 * j) % 23) as f64
            }
        })
        .collect();
    let obs: Vec<String> = (0..n_obs).map(|i| format!("cell{i}")).collect();
    let var: Vec<String> = (0..n_var).map(|j| format!("gene{j}")).collect();
    let mut b = h5ad::csr_builder(&obs, &var, 4096, |i, j| dense[i * n_var + j]);
    b.create_dataset("dense")
        .with_f64_data(&dense)
        .with_shape(&[n_obs as u64, n_var as u64])
        .with_chunks(&[64, 100])
        .with_deflate(1);
    let dir = scratch("h5");
    let path = dir.join("big.h5ad");
    b.write(&path).unwrap();

    let want = Matrix::new(obs.clone(), var.clone(), dense.clone()).unwrap();
    let m = io::read_matrix(&path, &ReadOptions::default()).unwrap();
    assert!(same_bits(&m, &want));
    let t = io::read_matrix(
        &path,
        &ReadOptions {
            transpose: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(same_bits(&t, &want.transposed()));
    // The plain dataset inside the same file, named explicitly.
    let d = io::read_matrix(
        &path,
        &ReadOptions {
            dataset: Some("dense".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(d.values(), want.values());
    // Top genes of the transposed (genes x cells) view, streamed from CSR.
    let p = Prep {
        log2p1: true,
        top_variable: Some(40),
        ..Default::default()
    };
    let o = ReadOptions {
        transpose: true,
        ..Default::default()
    };
    let streamed = io::read_prepped(&path, &o, &p).unwrap();
    let full = p.apply(want.transposed()).unwrap();
    assert!(same_bits(&streamed, &full));
}

/// Parquet with many row groups and nulls, streamed by row slices for the
/// top-N selection (both orientations), against the whole-file reader.
#[test]
fn parquet_row_groups_stream_to_the_same_selection() {
    use polars::prelude::*;
    let (n, d) = (3000usize, 24usize);
    let mut cols: Vec<Column> = vec![Column::new(
        "gene".into(),
        (0..n).map(|i| format!("g{i}")).collect::<Vec<_>>(),
    )];
    for j in 0..d {
        let v: Vec<Option<f64>> = (0..n)
            .map(|i| {
                ((i * 7 + j) % 97 != 0)
                    .then(|| ((i * 31 + j * 17) % 101) as f64 * (1.0 + (i % 7) as f64))
            })
            .collect();
        cols.push(Column::new(format!("s{j}").into(), v));
    }
    let mut df = DataFrame::new(n, cols).unwrap();
    let path = scratch("pq").join("groups.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(700))
        .finish(&mut df)
        .unwrap();
    for transpose in [false, true] {
        let o = ReadOptions {
            transpose,
            ..Default::default()
        };
        for (log1p, top) in [(false, 100), (true, 9)] {
            let p = Prep {
                log1p,
                top_variable: Some(top),
                ..Default::default()
            };
            let full = p.apply(io::read_matrix(&path, &o).unwrap()).unwrap();
            let (streamed, applied) = io::read_selected(
                &path,
                &o,
                Some(&io::Selection {
                    transform: p.value_transform(),
                    top,
                }),
            )
            .unwrap();
            assert!(applied);
            assert!(
                same_bits(&full, &streamed),
                "transpose={transpose} top={top}"
            );
        }
    }
}

/// Every cell of a wide, multi-row-group Parquet file lands at its row and
/// column: more columns than one fill group, rows not a multiple of a fill
/// block, `f64` columns with nulls (several chunks), `f32` and `i64` ones.
#[test]
fn parquet_columns_of_every_type_land_in_their_cells() {
    use polars::prelude::*;
    let (n, d) = (2500usize, 40usize);
    let value = |i: usize, j: usize| ((i * 131 + j * 71) % 1009) as f64 / 8.0 - 60.0;
    let missing = |i: usize, j: usize| (i * 13 + j * 5).is_multiple_of(89);
    let mut cols: Vec<Column> = vec![Column::new(
        "gene".into(),
        (0..n).map(|i| format!("g{i}")).collect::<Vec<_>>(),
    )];
    for j in 0..d {
        let name = format!("s{j}").into();
        cols.push(match j % 3 {
            0 => Column::new(
                name,
                (0..n)
                    .map(|i| (!missing(i, j)).then(|| value(i, j)))
                    .collect::<Vec<_>>(),
            ),
            1 => Column::new(name, (0..n).map(|i| value(i, j) as f32).collect::<Vec<_>>()),
            _ => Column::new(name, (0..n).map(|i| value(i, j) as i64).collect::<Vec<_>>()),
        });
    }
    let mut df = DataFrame::new(n, cols).unwrap();
    let path = scratch("pq-wide").join("wide.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(600))
        .finish(&mut df)
        .unwrap();
    let m = io::read_matrix(&path, &ReadOptions::default()).unwrap();
    assert_eq!((m.nrows(), m.ncols()), (n, d));
    for i in 0..n {
        assert_eq!(m.row_labels()[i], format!("g{i}"));
        for (j, &got) in m.row(i).iter().enumerate() {
            let want = match j % 3 {
                0 if missing(i, j) => f64::NAN,
                0 => value(i, j),
                1 => value(i, j) as f32 as f64,
                _ => value(i, j) as i64 as f64,
            };
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "row {i} column {j}: {got} != {want}"
            );
        }
    }
}

/// The matrix of `counts.parquet` (genes x samples), the reference every
/// #19 format is compared with bit for bit.
fn parquet_matrix() -> Matrix {
    io::read_matrix(&formats().join("counts.parquet"), &ReadOptions::default()).unwrap()
}

/// Compressed tables (gzip, bzip2, zstd, and gzip under a plain `.tsv`
/// name: told by magic bytes), GCT 1.3, and a Cell Ranger 2 folder read
/// to the Parquet's matrix, bit for bit, labels included.
#[test]
fn new_inputs_read_the_parquet_matrix_bit_for_bit() {
    let want = parquet_matrix();
    let fix = util::fixtures().join("formats");
    let t = ReadOptions {
        transpose: true,
        ..Default::default()
    };
    let cases: Vec<(PathBuf, ReadOptions)> = vec![
        (formats().join("counts.tsv.gz"), ReadOptions::default()),
        (fix.join("counts.csv.bz2"), ReadOptions::default()),
        (fix.join("counts.tsv.zst"), ReadOptions::default()),
        (fix.join("gzipped_named.tsv"), ReadOptions::default()),
        (formats().join("counts_10x_mtx"), t.clone()),
        (formats().join("counts_10x_mtx/matrix.mtx.gz"), t.clone()),
        (fix.join("tenx_v2"), t.clone()),
        (formats().join("counts.gct"), ReadOptions::default()),
        (fix.join("counts_13.gct"), ReadOptions::default()),
        (
            formats().join("GSE000000_series_matrix.txt.gz"),
            ReadOptions::default(),
        ),
        (formats().join("counts.loom"), t.clone()),
        (formats().join("counts.xlsx"), ReadOptions::default()),
        (
            formats().join("counts.xlsx"),
            ReadOptions {
                dataset: Some("counts".into()),
                index_col: Some("gene".into()),
                ..Default::default()
            },
        ),
    ];
    for (path, o) in cases {
        let m = io::read_matrix(&path, &o).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            same_bits(&m, &want),
            "{} differs from counts.parquet",
            path.display()
        );
    }
}

/// A Cell Ranger 3 folder with repeated gene symbols and an antibody
/// feature reads as scanpy.read_10x_mtx reads it: symbols made unique the
/// anndata way, Gene Expression only, barcodes x genes.
#[test]
fn tenx_folder_names_and_features_as_scanpy() {
    let fix = util::fixtures().join("formats");
    let text = std::fs::read_to_string(fix.join("expected_10x.json")).unwrap();
    let e: serde_json::Value = serde_json::from_str(&text).unwrap();
    let strings = |k: &str| -> Vec<String> {
        e[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let values: Vec<f64> = e["X"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    let want = Matrix::new(strings("obs_names"), strings("var_names"), values).unwrap();
    let m = io::read_matrix(&fix.join("tenx_dups"), &ReadOptions::default()).unwrap();
    assert!(same_bits(&m, &want), "{:?}", m.col_labels());
    // features.tsv columns are annotations keyed by the unique names.
    let a = io::annotations::read(&fix.join("tenx_dups"), Some("gene_ids")).unwrap();
    for (n, id) in strings("var_names").iter().zip(strings("gene_ids")) {
        assert_eq!(a.values[n].as_deref(), Some(id.as_str()));
    }
    let spec = format!("{}:feature_types", fix.join("tenx_dups").display());
    let (p, c) = io::annotations::parse_spec(&spec);
    let a = io::annotations::read(&p, c.as_deref()).unwrap();
    assert_eq!(
        a.values["CD3_TotalSeqB"].as_deref(),
        Some("Antibody Capture")
    );
}

/// GCT 1.3 row and column metadata, GEO sample characteristics and loom
/// attributes are annotation columns for colour strips.
#[test]
fn metadata_of_new_formats_are_annotations() {
    let e = expected();
    let samples: Vec<&str> = e["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let groups: Vec<&str> = e["obs"]["group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let gct13 = util::fixtures().join("formats/counts_13.gct");
    let geo = formats().join("GSE000000_series_matrix.txt.gz");
    let loom = formats().join("counts.loom");
    for spec in [
        format!("{}:group", gct13.display()),
        format!("{}:group", geo.display()),
        format!("{}:col_attrs/group", loom.display()),
        format!("{}:group", loom.display()),
    ] {
        let (p, c) = io::annotations::parse_spec(&spec);
        let a = io::annotations::read(&p, c.as_deref()).unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert_eq!(a.name, "group", "{spec}");
        for (s, g) in samples.iter().zip(&groups) {
            assert_eq!(a.values[*s].as_deref(), Some(*g), "{spec} {s}");
        }
    }
    let a = io::annotations::read(&gct13, Some("chrom")).unwrap();
    assert_eq!(a.values["Gene_1"].as_deref(), Some("chr1"));
    assert_eq!(a.values["Gene_6"].as_deref(), Some("chr2"));
    let a = io::annotations::read(&loom, Some("row_attrs/chrom")).unwrap();
    assert_eq!(a.values["Gene_4"].as_deref(), Some("chr4"));
    let a = io::annotations::read(&geo, Some("batch")).unwrap();
    assert_eq!(a.values["S04"].as_deref(), Some("b1"));
    let a = io::annotations::read(&formats().join("counts.gct"), None).unwrap();
    assert_eq!(a.name, "Description");
    let err = io::annotations::read(&geo, Some("nope"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no sample annotation 'nope'") && err.contains("group"),
        "{err}"
    );
    // A clustermap with a GEO strip: every sample matched.
    let dir = scratch("geo-strip");
    let out = dir.join("cm.png");
    let o = run(&[
        "clustermap",
        geo.to_str().unwrap(),
        "--log1p",
        "--col-colors",
        &format!("{}:group", geo.display()),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("unmatched"), "{}", stderr(&o));
}

#[test]
fn inspect_describes_the_new_formats() {
    for (file, fmt, layout) in [
        ("counts.tsv.gz", "tsv", "wide table"),
        ("counts_10x_mtx", "mtx", "Cell Ranger 3+"),
        ("counts.gct", "gct", "GCT 1.2"),
        ("GSE000000_series_matrix.txt.gz", "geo", "GEO series matrix"),
        ("counts.loom", "loom", "loom /matrix"),
        ("counts.xlsx", "xlsx", "sheet 'counts'"),
    ] {
        let o = run(&["inspect", "--json", formats().join(file).to_str().unwrap()]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["format"], fmt, "{file}");
        assert!(
            j["layout"].as_str().unwrap().contains(layout),
            "{file}: {j}"
        );
    }
    let o = run(&[
        "inspect",
        "--json",
        formats().join("counts.tsv.gz").to_str().unwrap(),
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["storage"].as_str().unwrap().contains("gzip"), "{j}");
    assert!(
        j["access"]
            .as_str()
            .unwrap()
            .contains("decompressed while parsed"),
        "{j}"
    );
}

/// Writes `text` (gzip-compressed when `name` ends in .gz) into `dir`.
fn write_text(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::io::Write;
    let p = dir.join(name);
    if name.ends_with(".gz") {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        std::fs::write(&p, e.finish().unwrap()).unwrap();
    } else {
        std::fs::write(&p, text).unwrap();
    }
    p
}

fn gunzip(p: &Path) -> String {
    use std::io::Read;
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// The CLI refuses `input` with exit code 2 and one line holding every
/// `want` (the file, the line or entry, what is wrong).
fn refused(input: &Path, want: &[&str]) {
    let out = input.with_extension("npy");
    let o = run(&["corr", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    for w in want {
        assert!(e.contains(w), "missing '{w}' in: {e}");
    }
}

/// Bad files of each new format: the message names the file, the line or
/// entry, and what is wrong; exit code 2.
#[test]
fn bad_new_inputs_are_refused_naming_file_line_and_cause() {
    let dir = scratch("bad-inputs");
    // MTX: one entry fewer, and one more, than the size line announces.
    let mtx = gunzip(&formats().join("counts_10x_mtx/matrix.mtx.gz"));
    let lines: Vec<&str> = mtx.lines().collect();
    let size_line = lines.iter().position(|l| !l.starts_with('%')).unwrap() + 1;
    let entries: usize = lines[size_line - 1]
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    for (name, text) in [
        ("short", lines[..lines.len() - 1].join("\n") + "\n"),
        ("long", format!("{mtx}1 1 5\n")),
    ] {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in ["features.tsv.gz", "barcodes.tsv.gz"] {
            std::fs::copy(formats().join("counts_10x_mtx").join(f), d.join(f)).unwrap();
        }
        write_text(&d, "matrix.mtx.gz", &text);
        let size = format!("size line (line {size_line}) announces {entries} entries");
        let at = if name == "short" {
            format!(
                "ends after {} (last entry on line {})",
                entries - 1,
                lines.len() - 1
            )
        } else {
            format!("line {}: entry {}", lines.len() + 1, entries + 1)
        };
        refused(&d, &["matrix.mtx.gz", &size, &at]);
    }
    // GCT: the dimensions line disagrees with the rows, and with the header.
    let gct = std::fs::read_to_string(formats().join("counts.gct")).unwrap();
    let p = write_text(&dir, "rows.gct", &gct.replacen("40\t16", "41\t16", 1));
    refused(
        &p,
        &[
            "rows.gct",
            "dimensions line (line 2) says 41 rows",
            "has 40 (lines 4–43)",
        ],
    );
    let p = write_text(&dir, "cols.gct", &gct.replacen("40\t16", "40\t15", 1));
    refused(
        &p,
        &[
            "cols.gct",
            "line 2) says 15 columns",
            "header (line 3) names 16 samples",
        ],
    );
    // GEO: no begin marker; no end marker (a truncated download).
    let geo = gunzip(&formats().join("GSE000000_series_matrix.txt.gz"));
    let p = write_text(
        &dir,
        "GSE1_series_matrix.txt.gz",
        &geo.replace("!series_matrix_table_begin\n", ""),
    );
    refused(
        &p,
        &[
            "GSE1_series_matrix.txt.gz",
            "no '!series_matrix_table_begin' line",
        ],
    );
    let p = write_text(
        &dir,
        "GSE2_series_matrix.txt.gz",
        &geo.replace("!series_matrix_table_end\n", ""),
    );
    refused(
        &p,
        &[
            "GSE2_series_matrix.txt.gz",
            "begins on line 10",
            "no '!series_matrix_table_end' line",
            "last row on line 51",
        ],
    );
    // A compressed table with text in a value cell, and a truncated gzip.
    let tsv = std::fs::read_to_string(formats().join("counts.tsv")).unwrap();
    let bad: Vec<String> = tsv
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 5 {
                l.replacen('\t', "\toops", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    let bad = bad.join("\n");
    let p = write_text(&dir, "text.tsv.gz", &bad);
    refused(&p, &["text.tsv.gz", "'oops", "line 6"]);
    let bytes = std::fs::read(formats().join("counts.tsv.gz")).unwrap();
    let p = dir.join("cut.tsv.gz");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    refused(&p, &["cut.tsv.gz", "gzip stream is damaged or truncated"]);
    // A workbook whose header cells are merged (openpyxl), and a missing sheet.
    let merged = util::fixtures().join("formats/merged_header.xlsx");
    refused(
        &merged,
        &[
            "merged_header.xlsx",
            "sheet 'counts'",
            "header cells B1:C1 are merged",
            "unmerge",
        ],
    );
    let o = ReadOptions {
        dataset: Some("Sheet9".into()),
        ..Default::default()
    };
    let e = io::read_matrix(&formats().join("counts.xlsx"), &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no sheet 'Sheet9' (sheets: counts)"), "{e}");
}

/// A Cell Ranger folder is a dataset of a batch run (hashed file by file
/// for the manifest), with its features.tsv columns and a GEO file's
/// characteristics as strips; a dry run plans it again.
#[test]
fn batch_run_takes_a_cell_ranger_folder_and_new_annotation_sources() {
    let dir = scratch("batch-inputs");
    let f = formats();
    let config = format!(
        r#"[output]
dir = "{out}"
formats = ["png"]

[[dataset]]
path = "{tenx}"
transpose = true
row_colors = ["{tenx}:feature_types"]
col_colors = ["{geo}:group"]

[[figure]]
name = "cm"
kind = "clustermap"
log1p = true
"#,
        out = dir.join("out").display(),
        tenx = f.join("counts_10x_mtx").display(),
        geo = f.join("GSE000000_series_matrix.txt.gz").display(),
    );
    let cfg = dir.join("run.toml");
    std::fs::write(&cfg, config).unwrap();
    let o = run(&["run", cfg.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("out/counts_10x_mtx/cm.png").exists());
    let o = run(&["run", cfg.to_str().unwrap(), "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
}
