//! The jobs that write numbers instead of a figure: `heatmill linkage`
//! (scipy's `linkage` of one axis, with its leaf order, Newick tree and
//! `fcluster` cut) and `heatmill corr` (numpy's `corrcoef` / pandas'
//! `.corr()`). Same reader, preparation, analysis and export files as the
//! figures (`super::exports`), every file written atomically.

use std::path::PathBuf;

use crate::analysis::{self, ClusterSpec};
use crate::cluster::fcluster::{fcluster, Criterion};
use crate::error::{hint, Error, Result};
use crate::io::{self, npy, ReadOptions};
use crate::prep::{Axis, Prep};
use crate::stats::CorrMethod;
use crate::timings::Timings;

use super::exports;

/// `heatmill linkage`: the linkage of one axis of one input.
#[derive(Debug, Clone)]
pub struct LinkageJob {
    /// The input matrix file and how to read it.
    pub input: PathBuf,
    /// Reader options.
    pub read: ReadOptions,
    /// Preparation (log, top-N, z-score, standard scale).
    pub prep: Prep,
    /// Observations are the rows or the columns.
    pub axis: Axis,
    /// Method, metric, optimal ordering, distance storage.
    pub spec: ClusterSpec,
    /// Z as `(n − 1) × 4` float64 `.npy`.
    pub output: PathBuf,
    /// Leaf order as `index<TAB>label`.
    pub order: Option<PathBuf>,
    /// The tree as Newick.
    pub newick: Option<PathBuf>,
    /// The `fcluster` cut and where to write it (`label<TAB>cluster`).
    pub clusters: Option<(Criterion, PathBuf)>,
    /// Worker threads (`None`: Slurm's CPUs, else every core).
    pub threads: Option<usize>,
}

/// Runs a [`LinkageJob`]; returns the warnings and the stage times.
///
/// Errors: input errors (missing file, NaN, fewer than 2 observations),
/// a method/metric pair scipy refuses (exit 2); a file that cannot be
/// written (exit 1).
pub fn run_linkage(job: &LinkageJob) -> Result<(Vec<String>, Timings)> {
    let is_npy = job
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !is_npy {
        return Err(Error::Usage(format!(
            "{}: heatmill linkage writes scipy's linkage matrix Z as .npy (np.load reads it); name the output Z.npy (--order and --clusters write text)",
            job.output.display()
        )));
    }
    with_input(
        &job.input,
        &job.read,
        &job.prep,
        job.threads,
        |m, source, mut t| {
            let c = analysis::cluster_axis(&m, job.axis, job.spec, source, &mut t)?;
            let mut warnings = vec![];
            if !c.dropped.is_empty() {
                warnings.push(format!(
                    "dropped {} {} {} (undefined {} distance): {}",
                    c.dropped.len(),
                    job.axis,
                    analysis::undefined_rows(job.spec.metric).map_or("", |r| r.describe()),
                    job.spec.metric,
                    c.dropped.join(", ")
                ));
            }
            let z = &c.linkage;
            let mut files = vec![(job.output.clone(), exports::linkage("", z).1)];
            if let Some(p) = &job.order {
                files.push((p.clone(), exports::order("", z, &c.labels, &c.positions).1));
            }
            if let Some(p) = &job.newick {
                files.push((p.clone(), exports::newick("", z, &c.labels).1));
            }
            if let Some((criterion, p)) = &job.clusters {
                let ids = fcluster(z, *criterion);
                files.push((p.clone(), exports::clusters("", &ids, &c.labels).1));
            }
            t.time("write", || -> Result<()> {
                for (p, bytes) in &files {
                    io::write_atomic(p, bytes)?;
                }
                Ok(())
            })?;
            Ok((warnings, t))
        },
    )
}

/// The labels of a `.npy` output's rows, beside it: `R.npy` →
/// `R.labels.tsv` (a header `index<TAB>label`, then each row's input position and label), so the matrix says which rows
/// (after `top_variable`, dropped rows) it holds.
pub fn labels_path(output: &std::path::Path) -> PathBuf {
    output.with_extension("labels.tsv")
}

fn write_labels(output: &std::path::Path, labels: &[String], positions: &[usize]) -> Result<()> {
    io::write_atomic(
        &labels_path(output),
        crate::io::tsv::labels_tsv(labels, positions).as_bytes(),
    )
}

/// Reads `input` prepared by `prep` on a pool of `threads`, then runs `f`
/// on the matrix, the input's name and the stage timings.
fn with_input<R: Send>(
    input: &std::path::Path,
    read: &ReadOptions,
    prep: &Prep,
    threads: Option<usize>,
    f: impl FnOnce(crate::matrix::Matrix, &str, Timings) -> Result<R> + Send,
) -> Result<R> {
    let threads = crate::env::threads(threads)?;
    crate::env::with_threads(threads, || {
        let source = input.display().to_string();
        let mut t = Timings::default();
        let m = t.time("read", || io::read_prepped(input, read, prep))?;
        f(m, &source, t)
    })?
}

/// `heatmill corr`: the correlation matrix of one axis of one input.
#[derive(Debug, Clone)]
pub struct CorrJob {
    /// The input matrix file.
    pub input: PathBuf,
    /// Reader options.
    pub read: ReadOptions,
    /// Preparation (log, top-N, z-score, standard scale).
    pub prep: Prep,
    /// Correlate the rows or the columns.
    pub axis: Axis,
    /// Pearson or Spearman.
    pub method: CorrMethod,
    /// Pairwise-complete observations (pandas `.corr()`) instead of
    /// refusing missing values.
    pub pairwise: bool,
    /// Store `f32` (half the memory and file; each value the `f64` result
    /// rounded once) instead of `f64`.
    pub f32: bool,
    /// The `n × n` matrix: `.npy` (row-major, with its row labels beside
    /// it in [`labels_path`]), or a labelled text matrix for `.csv`/`.tsv`.
    pub output: PathBuf,
    /// Worker threads (`None`: Slurm's CPUs, else every core).
    pub threads: Option<usize>,
}

/// Runs a [`CorrJob`]; returns the stage times.
///
/// Errors: missing values without `pairwise` (exit 2, naming the cell);
/// `f32` with `pairwise` ([`Error::Usage`]); input errors; a file that
/// cannot be written (exit 1).
pub fn run_corr(job: &CorrJob) -> Result<Timings> {
    if job.pairwise && job.f32 {
        return Err(Error::Usage(format!(
            "f32 storage is not available with pairwise-complete correlations; use {}",
            hint("dtype", "f64")
        )));
    }
    let text_sep = match job
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Some(','),
        Some("tsv") | Some("txt") => Some('\t'),
        _ => None,
    };
    with_input(
        &job.input,
        &job.read,
        &job.prep,
        job.threads,
        |m, source, mut t| {
            let positions = match job.axis {
                Axis::Rows => m.row_positions(),
                Axis::Cols => m.col_positions(),
            };
            if job.f32 {
                let (r, labels) =
                    analysis::correlate_axis_f32(&m, job.axis, job.method, source, &mut t)?;
                t.time("write", || {
                    npy::write_f32(&job.output, &[labels.len(), labels.len()], &r)?;
                    write_labels(&job.output, &labels, &positions)
                })?;
                return Ok(t);
            }
            let (r, labels) =
                analysis::correlate_axis(&m, job.axis, job.method, job.pairwise, source, &mut t)?;
            t.time("write", || match text_sep {
                // A text output carries its own labels.
                Some(sep) => io::write_atomic(
                    &job.output,
                    crate::io::tsv::labelled_matrix(&labels, &r, sep).as_bytes(),
                ),
                None => {
                    npy::write_f64(&job.output, &[labels.len(), labels.len()], &r)?;
                    write_labels(&job.output, &labels, &positions)
                }
            })?;
            Ok(t)
        },
    )
}
