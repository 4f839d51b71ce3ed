//! The `heatmill` command: argument parsing and exit codes only; all work
//! is done by the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use heatmill::analysis;
use heatmill::cluster::{cut, Method, Metric};
use heatmill::io::{self, npy, text, Format, ReadOptions};
use heatmill::prep::{Axis, Prep};
use heatmill::stats::CorrMethod;
use heatmill::Error;

#[derive(Parser)]
#[command(
    name = "heatmill",
    version,
    about = "Fast, scipy-exact expression heatmaps in batch"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Shape, labels, dtypes and format of an input.
    Inspect {
        input: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Correlation matrix of rows (or columns) as .npy.
    Corr {
        input: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value = "pearson")]
        method: CorrMethod,
        #[arg(long, default_value = "rows")]
        axis: Axis,
        /// `refuse` (default: error on NaN) or `pairwise` (pandas .corr()).
        #[arg(long, default_value = "refuse")]
        missing: Missing,
        #[command(flatten)]
        read: ReadArgs,
        #[command(flatten)]
        prep: PrepArgs,
    },
    /// Hierarchical clustering (scipy linkage layout) as .npy.
    Linkage {
        input: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value = "average")]
        method: Method,
        #[arg(long, default_value = "euclidean")]
        metric: Metric,
        #[arg(long, default_value = "rows")]
        axis: Axis,
        /// Write the leaf order (`index<TAB>label`) here.
        #[arg(long)]
        order: Option<PathBuf>,
        /// Write the tree as Newick here.
        #[arg(long)]
        newick: Option<PathBuf>,
        /// Reorder leaves optimally (scipy's optimal_leaf_ordering).
        #[arg(long)]
        optimal_ordering: bool,
        /// Cut the tree into at most K clusters (scipy fcluster maxclust).
        #[arg(long, conflicts_with = "cut_height")]
        cut: Option<usize>,
        /// Cut the tree at height H (scipy fcluster distance).
        #[arg(long)]
        cut_height: Option<f64>,
        /// Where to write the clusters (`label<TAB>cluster`); required with --cut.
        #[arg(long)]
        clusters: Option<PathBuf>,
        #[command(flatten)]
        read: ReadArgs,
        #[command(flatten)]
        prep: PrepArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Missing {
    Refuse,
    Pairwise,
}

#[derive(Args)]
struct ReadArgs {
    /// Column holding the row labels (default: the first text column).
    #[arg(long)]
    index_col: Option<String>,
    /// Input format, when the extension doesn't say (csv, tsv, parquet).
    #[arg(long, value_parser = Format::parse)]
    format: Option<Format>,
    /// Swap rows and columns after reading.
    #[arg(long)]
    transpose: bool,
}

impl ReadArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            index_col: self.index_col.clone(),
            format: self.format,
            transpose: self.transpose,
        }
    }
}

#[derive(Args)]
struct PrepArgs {
    /// z-score rows or cols (seaborn z_score, ddof=1).
    #[arg(long)]
    z_score: Option<Axis>,
    /// Scale rows or cols to [0, 1] (seaborn standard_scale).
    #[arg(long)]
    standard_scale: Option<Axis>,
    #[arg(long)]
    log1p: bool,
    #[arg(long)]
    log2p1: bool,
    /// Keep the N rows of highest variance (order preserved).
    #[arg(long)]
    top_variable: Option<usize>,
}

impl PrepArgs {
    fn prep(&self) -> Prep {
        Prep {
            log1p: self.log1p,
            log2p1: self.log2p1,
            top_variable: self.top_variable,
            z_score: self.z_score,
            standard_scale: self.standard_scale,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heatmill: error: {e}");
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Inspect { input, read, json } => {
            let info = io::inspect(&input, &read.options())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&info).unwrap_or_default()
                );
            } else {
                println!("file:          {}", info.path);
                println!("format:        {}", info.format);
                println!("shape:         {} rows x {} columns", info.rows, info.cols);
                println!(
                    "row labels:    column '{}' (first: {})",
                    info.label_column,
                    info.first_rows.join(", ")
                );
                println!("column labels: {}", info.first_cols.join(", "));
                println!("dtypes:        {}", info.dtypes.join(", "));
                println!("missing cells: {}", info.missing);
                if !info.duplicate_row_labels.is_empty() {
                    println!(
                        "duplicate row labels: {}",
                        info.duplicate_row_labels.join(", ")
                    );
                }
            }
            Ok(())
        }
        Command::Corr {
            input,
            output,
            method,
            axis,
            missing,
            read,
            prep,
        } => {
            let source = input.display().to_string();
            let m = prep
                .prep()
                .apply(io::read_matrix(&input, &read.options())?)?;
            let pairwise = matches!(missing, Missing::Pairwise);
            let (r, labels) = analysis::correlate_axis(&m, axis, method, pairwise, &source)?;
            npy::write_f64(&output, &[labels.len(), labels.len()], &r)
        }
        Command::Linkage {
            input,
            output,
            method,
            metric,
            axis,
            order,
            newick,
            optimal_ordering,
            cut: cut_k,
            cut_height,
            clusters,
            read,
            prep,
        } => {
            if (cut_k.is_some() || cut_height.is_some()) && clusters.is_none() {
                return Err(Error::Invalid(
                    "--cut/--cut-height need --clusters FILE to write the assignment to".into(),
                ));
            }
            let source = input.display().to_string();
            let m = prep
                .prep()
                .apply(io::read_matrix(&input, &read.options())?)?;
            let c = analysis::cluster_axis(&m, axis, method, metric, optimal_ordering, &source)?;
            if !c.dropped.is_empty() {
                eprintln!(
                    "heatmill: warning: dropped {} {axis} without variance (undefined {metric} distance): {}",
                    c.dropped.len(),
                    c.dropped.join(", ")
                );
            }
            let z = &c.linkage;
            npy::write_f64(&output, &[z.n().saturating_sub(1), 4], &z.to_scipy())?;
            if let Some(p) = order {
                text::write_text(&p, &text::order_tsv(&z.leaves(), &c.labels))?;
            }
            if let Some(p) = newick {
                text::write_text(&p, &z.to_newick(&c.labels))?;
            }
            if let Some(p) = clusters {
                let assignment = match (cut_k, cut_height) {
                    (Some(k), _) => cut::cut_into(z, k),
                    (None, Some(h)) => cut::cut_at_height(z, h),
                    _ => {
                        return Err(Error::Invalid(
                            "--clusters needs --cut K or --cut-height H".into(),
                        ))
                    }
                };
                text::write_text(&p, &text::clusters_tsv(&assignment, &c.labels))?;
            }
            Ok(())
        }
    }
}
