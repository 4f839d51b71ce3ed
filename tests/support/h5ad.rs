//! Writes AnnData-layout files (X as CSR, obs/var indexes) with hdf5-pure,
//! for the format tests and the input benchmark: larger than the shipped
//! samples, made without Python.

use hdf5_pure::{AttrValue, FileBuilder};

/// A builder holding `X` = the CSR matrix of `value(i, j)` over `obs` x
/// `var` (zeros not stored; `f32` data, gzip chunks of `chunk` entries)
/// and the obs/var indexes. Callers may add datasets, then write it.
pub fn csr_builder(
    obs: &[String],
    var: &[String],
    chunk: u64,
    value: impl Fn(usize, usize) -> f64,
) -> FileBuilder {
    let (mut data, mut indices, mut indptr) = (Vec::new(), Vec::new(), vec![0i64]);
    for i in 0..obs.len() {
        for j in 0..var.len() {
            let v = value(i, j);
            if v != 0.0 {
                data.push(v as f32);
                indices.push(j as i32);
            }
        }
        indptr.push(data.len() as i64);
    }
    let mut b = FileBuilder::new();
    b.set_attr("encoding-type", AttrValue::String("anndata".into()));
    let mut x = b.create_group("X");
    x.set_attr("encoding-type", AttrValue::String("csr_matrix".into()));
    x.set_attr(
        "shape",
        AttrValue::I64Array(vec![obs.len() as i64, var.len() as i64]),
    );
    x.create_dataset("data")
        .with_f32_data(&data)
        .with_chunks(&[chunk])
        .with_deflate(4);
    x.create_dataset("indices")
        .with_i32_data(&indices)
        .with_chunks(&[chunk])
        .with_deflate(4);
    x.create_dataset("indptr").with_i64_data(&indptr);
    b.add_group(x.finish());
    for (frame, names) in [("obs", obs), ("var", var)] {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut g = b.create_group(frame);
        g.set_attr("encoding-type", AttrValue::String("dataframe".into()));
        g.set_attr("_index", AttrValue::String("_index".into()));
        g.create_dataset("_index").with_vlen_strings(&refs);
        b.add_group(g.finish());
    }
    b
}
