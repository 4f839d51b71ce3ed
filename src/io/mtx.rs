//! Matrix Market coordinate files (`.mtx`, `.mtx.gz`), alone or as Cell
//! Ranger's feature-barcode folder, read as `scanpy.read_10x_mtx` reads it:
//!
//! * the folder holds `matrix.mtx.gz`, `features.tsv.gz` and
//!   `barcodes.tsv.gz` (Cell Ranger ≥ 3), or `matrix.mtx`, `genes.tsv` and
//!   `barcodes.tsv` (Cell Ranger 2, "legacy"); a prefix before the names
//!   (`patientA_matrix.mtx.gz`) is read when the matrix file is given;
//!   either compression is accepted for each file;
//! * the matrix holds features x barcodes; it is read as barcodes x
//!   features (cells x genes, scanpy's orientation; `transpose` gives genes
//!   x cells);
//! * the genes are named by their symbol (second column of features.tsv),
//!   made unique as anndata's `make_index_unique` does (the second `A`
//!   becomes `A-1`, the next `A-2`, skipping names already taken);
//! * a Cell Ranger 3 folder keeps only the `Gene Expression` features
//!   (scanpy's `gex_only=True`); Cell Ranger 2 has no feature types;
//! * repeated entries are summed (scipy's `tocsr`); values keep `f64`
//!   (scanpy's default `dtype="float32"` rounds non-integer values; counts
//!   are the same).
//!
//! A `.mtx` with no Cell Ranger files beside it is read as stored, rows
//! and columns numbered from 0. Reference: the Matrix Market exchange
//! format (NIST, "The Matrix Market Exchange Formats: Initial Design",
//! 1996) — header `%%MatrixMarket matrix coordinate <field> <symmetry>`,
//! `%` comments, a size line `rows cols entries`, one `i j [value]` entry
//! per line, 1-based. Fields `integer`, `real`, `double`, `pattern`;
//! symmetries `general`, `symmetric`.
//!
//! The file is decompressed while it is parsed and each entry goes
//! straight into the dense matrix: memory is the matrix plus one line.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::compress::{self, Compression};
use super::text::Records;
use super::Described;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

const FMT: &str = "mtx";

/// The Cell Ranger matrix file in `dir`: `matrix.mtx.gz` or `matrix.mtx`.
pub(crate) fn find_matrix(dir: &Path) -> Option<PathBuf> {
    ["matrix.mtx.gz", "matrix.mtx"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// The files of one Cell Ranger matrix.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    pub matrix: PathBuf,
    /// `features.tsv[.gz]` or, Cell Ranger 2, `genes.tsv[.gz]`.
    pub features: Option<PathBuf>,
    pub barcodes: Option<PathBuf>,
    /// Cell Ranger 2 (`genes.tsv`): no feature types.
    pub legacy: bool,
}

/// The matrix and companion files of `path` (a folder or a matrix file).
///
/// Errors: a folder without a matrix, or a matrix without one of its two
/// companions (naming what is there).
pub(crate) fn files(path: &Path) -> Result<Files> {
    let (dir, matrix, prefix) = if path.is_dir() {
        let m = find_matrix(path).ok_or_else(|| {
            Error::format(
                path,
                FMT,
                format!(
                    "no matrix.mtx.gz or matrix.mtx in this folder (it holds: {})",
                    listing(path)
                ),
            )
        })?;
        (path.to_path_buf(), m, String::new())
    } else {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let prefix = name
            .find("matrix.mtx")
            .map(|i| name[..i].to_string())
            .unwrap_or_default();
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        (dir, path.to_path_buf(), prefix)
    };
    let find = |names: &[&str]| -> Option<PathBuf> {
        names
            .iter()
            .flat_map(|n| [format!("{prefix}{n}.gz"), format!("{prefix}{n}")])
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    };
    let legacy_genes = find(&["genes.tsv"]);
    let features = find(&["features.tsv"]).or(legacy_genes.clone());
    let barcodes = find(&["barcodes.tsv"]);
    let legacy = features.is_some() && features == legacy_genes;
    if path.is_dir() && (features.is_none() || barcodes.is_none()) {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "a Cell Ranger folder needs {}; it holds: {}",
                match (features.is_none(), barcodes.is_none()) {
                    (true, true) => "features.tsv.gz (or genes.tsv) and barcodes.tsv.gz",
                    (true, false) => "features.tsv.gz (or Cell Ranger 2's genes.tsv)",
                    _ => "barcodes.tsv.gz",
                },
                listing(path)
            ),
        ));
    }
    if features.is_some() != barcodes.is_some() {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "{} is beside the matrix but not {}; a Cell Ranger matrix needs both (or neither, for a plain Matrix Market file)",
                if features.is_some() { "features.tsv" } else { "barcodes.tsv" },
                if features.is_some() { "barcodes.tsv.gz" } else { "features.tsv.gz" },
            ),
        ));
    }
    Ok(Files {
        matrix,
        features,
        barcodes,
        legacy,
    })
}

fn listing(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// The header of a Matrix Market file.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// `integer`, `real`, `double` or `pattern`.
    pub field: String,
    /// `general` or `symmetric`.
    pub symmetry: String,
    /// Stored rows, columns, entries (the size line).
    pub shape: (usize, usize),
    pub entries: u64,
    /// 1-based line of the size line.
    pub size_line: usize,
}

/// A column of a headerless table under the name scanpy gives it.
pub(crate) type NamedColumn = (String, Vec<String>);

/// Annotation columns of a Cell Ranger folder: `gene_ids` and, Cell
/// Ranger 3+, `feature_types` (scanpy's `var` columns), keyed by the
/// unique gene names; every feature, Gene Expression or not.
pub(crate) fn features_table(path: &Path) -> Result<(Vec<String>, Vec<NamedColumn>)> {
    let f = files(path)?;
    let Some(features) = &f.features else {
        return Err(Error::format(
            path,
            FMT,
            "no features.tsv.gz (or genes.tsv) beside the matrix: nothing to annotate",
        ));
    };
    let rows = read_tsv(features)?;
    let names = unique_names(rows.iter().map(|r| symbol(r)).collect());
    let mut cols = vec![(
        "gene_ids".to_string(),
        rows.iter().map(|r| r[0].clone()).collect(),
    )];
    if !f.legacy {
        cols.push((
            "feature_types".to_string(),
            rows.iter()
                .map(|r| r.get(2).cloned().unwrap_or_default())
                .collect(),
        ));
    }
    Ok((names, cols))
}

fn symbol(r: &[String]) -> String {
    r.get(1).unwrap_or(&r[0]).clone()
}

/// anndata's `make_index_unique(index, join="-")`: the first of equal
/// names stays, later ones get `-1`, `-2`, … (per name, counting on), a
/// candidate already in the index is skipped.
pub(crate) fn unique_names(names: Vec<String>) -> Vec<String> {
    use std::collections::{HashMap, HashSet};
    let mut taken: HashSet<String> = names.iter().cloned().collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut counter: HashMap<String, usize> = HashMap::new();
    names
        .into_iter()
        .map(|v| {
            if seen.insert(v.clone()) {
                return v;
            }
            loop {
                let c = counter.entry(v.clone()).or_insert(0);
                *c += 1;
                let candidate = format!("{v}-{c}");
                if taken.insert(candidate.clone()) {
                    return candidate;
                }
            }
        })
        .collect()
}

/// A headerless TSV (features.tsv, barcodes.tsv): its rows of fields.
fn read_tsv(path: &Path) -> Result<Vec<Vec<String>>> {
    let mut rec = Records::open(path, FMT, b'\t')?;
    let mut rows = vec![];
    while rec.next_record()? {
        rows.push(rec.fields());
    }
    Ok(rows)
}

/// Reads the matrix: barcodes x features for a Cell Ranger folder (only
/// Gene Expression features on Cell Ranger 3+), as stored for a lone
/// `.mtx`; then `transpose`.
///
/// Errors ([`Error::Format`], naming the file and the line): a header that
/// is not `%%MatrixMarket matrix coordinate …`, a bad size line, an entry
/// outside the size, a value that is not a number, fewer or more entries
/// than the size line announces, features/barcodes files whose length
/// differs from the matrix's.
pub(crate) fn read(path: &Path, transpose: bool) -> Result<(Matrix, Described)> {
    let f = files(path)?;
    let (features, barcodes) = match (&f.features, &f.barcodes) {
        (Some(fe), Some(b)) => (Some(read_tsv(fe)?), Some(read_tsv(b)?)),
        _ => (None, None),
    };
    let (mut lines, compression) = MtxLines::open(&f.matrix)?;
    let h = header(&mut lines)?;
    let (m_rows, m_cols) = h.shape;
    // Logical orientation: (row, column) of stored entry (i, j).
    let tenx = features.is_some();
    let (row_labels, col_keep, col_labels) = if let (Some(fe), Some(bc)) = (&features, &barcodes) {
        let fname = file_name(f.features.as_deref().unwrap_or(path));
        let bname = file_name(f.barcodes.as_deref().unwrap_or(path));
        if fe.len() != m_rows {
            return Err(Error::format(
                &f.matrix,
                FMT,
                format!(
                    "the size line (line {}) says {m_rows} features (rows) but {fname} has {} lines; the files are from different runs?",
                    h.size_line,
                    fe.len()
                ),
            ));
        }
        if bc.len() != m_cols {
            return Err(Error::format(
                &f.matrix,
                FMT,
                format!(
                    "the size line (line {}) says {m_cols} barcodes (columns) but {bname} has {} lines; the files are from different runs?",
                    h.size_line,
                    bc.len()
                ),
            ));
        }
        let names = unique_names(fe.iter().map(|r| symbol(r)).collect());
        let keep: Vec<bool> = fe
            .iter()
            .map(|r| f.legacy || r.get(2).map(String::as_str) == Some("Gene Expression"))
            .collect();
        let mut map = vec![usize::MAX; m_rows];
        let mut labels = vec![];
        for (i, n) in names.into_iter().enumerate() {
            if keep[i] {
                map[i] = labels.len();
                labels.push(n);
            }
        }
        (
            bc.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
            map,
            labels,
        )
    } else {
        (
            (0..m_rows).map(|i| i.to_string()).collect(),
            (0..m_cols).collect(),
            (0..m_cols).map(|j| j.to_string()).collect(),
        )
    };
    let (nr, nc) = (row_labels.len(), col_labels.len());
    let mut values = crate::mem::zeroed(nr * nc);
    let pattern = h.field == "pattern";
    let symmetric = h.symmetry == "symmetric";
    let mut count = 0u64;
    let mut last_line = h.size_line;
    while let Some((ln, line)) = lines.next()? {
        let mut it = line.split_ascii_whitespace();
        let Some(first) = it.next() else { continue };
        if first.starts_with('%') {
            continue;
        }
        count += 1;
        if count > h.entries {
            return Err(Error::format(
                &f.matrix,
                FMT,
                format!(
                    "line {ln}: entry {count}, but the size line (line {}) announces {} entries; the file holds more entries than its header says (fix the size line)",
                    h.size_line, h.entries
                ),
            ));
        }
        let bad = |what: String| {
            Error::format(&f.matrix, FMT, format!("line {ln} (entry {count}): {what}"))
        };
        let idx = |s: Option<&str>, n: usize, what: &str| -> Result<usize> {
            let s = s.ok_or_else(|| {
                bad(format!(
                    "no {what} index; an entry is 'row column{}'",
                    if pattern { "" } else { " value" }
                ))
            })?;
            match s.parse::<usize>() {
                Ok(k) if k >= 1 && k <= n => Ok(k - 1),
                Ok(k) => Err(bad(format!(
                    "{what} {k} is outside 1..{n} (the size line, line {}, says {m_rows} x {m_cols})",
                    h.size_line
                ))),
                Err(_) => Err(bad(format!("{what} index '{s}' is not a whole number"))),
            }
        };
        let i = idx(Some(first), m_rows, "row")?;
        let j = idx(it.next(), m_cols, "column")?;
        let v = if pattern {
            1.0
        } else {
            let s = it
                .next()
                .ok_or_else(|| bad("no value after the row and column".into()))?;
            s.parse::<f64>()
                .map_err(|_| bad(format!("value '{s}' is not a number")))?
        };
        let mut put = |i: usize, j: usize| {
            let (r, c) = if tenx {
                (j, col_keep[i])
            } else {
                (i, col_keep[j])
            };
            if c != usize::MAX {
                values[r * nc + c] += v;
            }
        };
        put(i, j);
        if symmetric && i != j {
            put(j, i);
        }
        last_line = ln;
    }
    if count < h.entries {
        return Err(Error::format(
            &f.matrix,
            FMT,
            format!(
                "the size line (line {}) announces {} entries but the file ends after {count} (last entry on line {last_line}); the file is truncated or its size line is wrong",
                h.size_line, h.entries
            ),
        ));
    }
    let m = Matrix::new(row_labels, col_labels, values)?;
    let kept = m.ncols();
    let info = Described {
        layout: if tenx {
            format!(
                "10x Genomics Matrix Market ({}: features x barcodes, read as barcodes x features{})",
                if f.legacy { "Cell Ranger 2, genes.tsv" } else { "Cell Ranger 3+, features.tsv" },
                if !f.legacy && kept < m_rows {
                    format!("; {kept} of {m_rows} features are Gene Expression, the others left out as scanpy's gex_only does")
                } else {
                    String::new()
                }
            )
        } else {
            "Matrix Market coordinate matrix (as stored)".into()
        },
        label_column: if tenx {
            format!(
                "barcodes: {}, features: {} (symbols made unique)",
                file_name(f.barcodes.as_deref().unwrap_or(path)),
                file_name(f.features.as_deref().unwrap_or(path))
            )
        } else {
            "numbered (no barcodes/features files beside the matrix)".into()
        },
        storage: format!(
            "{} ({} compression), coordinate {} {}, {} entries",
            file_name(&f.matrix),
            compression.name(),
            h.field,
            h.symmetry,
            h.entries
        ),
        nnz: Some(h.entries),
        dtypes: vec![if h.field == "integer" || pattern {
            "i64"
        } else {
            "f64"
        }
        .into()],
        access:
            "streamed: decompressed while parsed, each entry placed into the dense matrix as read"
                .into(),
        side_data: if tenx {
            vec![format!(
                "feature columns (for colour strips, FOLDER:COLUMN): gene_ids{}",
                if f.legacy { "" } else { ", feature_types" }
            )]
        } else {
            vec![]
        },
    };
    Ok((if transpose { m.transposed() } else { m }, info))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Lines of a (possibly compressed) file, one reused buffer.
struct MtxLines {
    r: Box<dyn BufRead + Send>,
    path: PathBuf,
    compression: Compression,
    buf: String,
    raw: Vec<u8>,
    line: usize,
}

impl MtxLines {
    fn open(path: &Path) -> Result<(MtxLines, Compression)> {
        let (r, c) = compress::open(path)?;
        Ok((
            MtxLines {
                r,
                path: path.to_path_buf(),
                compression: c,
                buf: String::new(),
                raw: Vec::new(),
                line: 0,
            },
            c,
        ))
    }

    /// The next line and its 1-based number.
    fn next(&mut self) -> Result<Option<(usize, &str)>> {
        self.raw.clear();
        let n = self
            .r
            .read_until(b'\n', &mut self.raw)
            .map_err(|e| compress::read_error(&self.path, FMT, self.compression, self.line, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        self.buf.clear();
        self.buf.push_str(&String::from_utf8_lossy(&self.raw));
        Ok(Some((self.line, self.buf.as_str())))
    }
}

/// Reads the header line, comments and the size line.
fn header(lines: &mut MtxLines) -> Result<Header> {
    let path = lines.path.clone();
    let bad = |msg: String| Error::format(&path, FMT, msg);
    let first = lines
        .next()?
        .ok_or_else(|| bad("the file is empty".into()))?
        .1
        .to_string();
    let words: Vec<String> = first
        .split_ascii_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.first().map(String::as_str) != Some("%%matrixmarket") {
        return Err(bad(format!(
            "line 1 is '{}', not a Matrix Market header ('%%MatrixMarket matrix coordinate integer general')",
            first.trim_end()
        )));
    }
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if w(1) != "matrix" || w(2) != "coordinate" {
        return Err(bad(format!(
            "line 1: a '{} {}' Matrix Market file; only 'matrix coordinate' (sparse) files are read",
            w(1),
            w(2)
        )));
    }
    let field = w(3).to_string();
    if !matches!(field.as_str(), "integer" | "real" | "double" | "pattern") {
        return Err(bad(format!(
            "line 1: field '{field}' is not read (integer, real, double or pattern are)"
        )));
    }
    let symmetry = w(4).to_string();
    if !matches!(symmetry.as_str(), "general" | "symmetric") {
        return Err(bad(format!(
            "line 1: symmetry '{symmetry}' is not read (general or symmetric are)"
        )));
    }
    loop {
        let Some((ln, l)) = lines.next()? else {
            return Err(bad(
                "no size line ('rows columns entries') after the header".into(),
            ));
        };
        let t = l.trim();
        if t.is_empty() || t.starts_with('%') {
            continue;
        }
        let nums: Vec<Option<u64>> = t.split_ascii_whitespace().map(|x| x.parse().ok()).collect();
        return match nums.as_slice() {
            [Some(r), Some(c), Some(e)] => Ok(Header {
                field,
                symmetry,
                shape: (*r as usize, *c as usize),
                entries: *e,
                size_line: ln,
            }),
            _ => Err(bad(format!(
                "line {ln}: '{t}' is not a size line (three whole numbers: rows columns entries)"
            ))),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_unique_as_anndata_does() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            unique_names(v(&["a", "a", "b", "a"])),
            v(&["a", "a-1", "b", "a-2"])
        );
        // 'a-1' is taken: the repeat of 'a' counts on to 'a-2'.
        assert_eq!(unique_names(v(&["a", "a-1", "a"])), v(&["a", "a-1", "a-2"]));
    }
}
