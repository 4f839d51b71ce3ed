//! The `heatmill` command's arguments (clap derive); the figure flags are
//! generated from the library's option table by `flags.rs`.

use std::path::PathBuf;

use clap::{ArgMatches, Args, Command as ClapCommand, FromArgMatches, Parser, Subcommand};

use heatmill::cluster::{Dtype, Method, Metric};
use heatmill::figure::Kind;
use heatmill::io::{Format, ReadOptions};
use heatmill::prep::Axis;
use heatmill::stats::CorrMethod;

use crate::flags;

#[derive(Parser)]
#[command(
    name = "heatmill",
    version,
    about = "Fast, scipy-exact expression heatmaps in batch"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run every job of a batch config (TOML or JSON).
    Run {
        /// The config file.
        config: PathBuf,
        /// Output directory (default: [output].dir, relative to the config).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        par: ParArgs,
        /// Run only shard K of N (datasets dealt round-robin), e.g. 2/4.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(usize, usize)>,
        /// Number of shards when the shard comes from --array-index or a
        /// Slurm array task (SLURM_ARRAY_TASK_ID, _MIN, _STEP).
        #[arg(long)]
        shards: Option<usize>,
        /// Array task index (default: from Slurm's SLURM_ARRAY_TASK_ID,
        /// _MIN, _STEP); shard = index mod N + 1.
        #[arg(long)]
        array_index: Option<usize>,
        /// Redo jobs even when their outputs are up to date.
        #[arg(long)]
        force: bool,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// List the jobs and their outputs instead of running them.
        #[arg(long)]
        dry_run: bool,
        /// Run only the figures of one dataset, or one figure of one dataset
        /// (DATASET/FIGURE): one job of a Snakemake or Nextflow workflow.
        /// Writes manifest.only-DATASET[@FIGURE].json.
        #[arg(long, value_name = "DATASET[/FIGURE]")]
        only: Option<String>,
    },
    /// List every job of a config and its output paths (stable order).
    Plan {
        /// The config file.
        config: PathBuf,
        /// Output directory (default: [output].dir, relative to the config).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format: tsv (id, input, outputs per line), json (one
        /// object per job), snakemake (output patterns, wildcards, inputs
        /// and jobs for a Snakefile).
        #[arg(long, value_parser = ["tsv", "json", "snakemake"], default_value = "tsv")]
        format: String,
        /// Print JSON (the same as --format json).
        #[arg(long)]
        json: bool,
    },
    /// Join shard manifests into one manifest.json.
    MergeManifests {
        /// Shard manifests to join.
        #[arg(required = true)]
        manifests: Vec<PathBuf>,
        /// Where to write the merged manifest (default: manifest.json next
        /// to the first input).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// A heatmap (sns.heatmap).
    Heatmap(FigureCmd<0>),
    /// A clustered heatmap with dendrograms and colour strips (sns.clustermap).
    Clustermap(FigureCmd<1>),
    /// A correlation heatmap of rows (genes): sns.heatmap(df.T.corr()).
    Corrmap(FigureCmd<2>),
    /// A dot plot of groups x genes (scanpy's pl.dotplot): colour = mean in group, size = share of cells expressing; needs --groupby.
    Dotplot(FigureCmd<3>),
    /// Shape, labels, dtypes and format of an input.
    Inspect {
        /// The input matrix file.
        input: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Correlation matrix of rows (or columns) as .npy (numpy corrcoef).
    Corr {
        /// The input matrix file.
        input: PathBuf,
        /// The n x n matrix (.npy).
        #[arg(short, long)]
        output: PathBuf,
        /// Correlation method.
        #[arg(long, default_value = "pearson")]
        method: CorrMethod,
        /// Correlate the rows or the columns.
        #[arg(long, default_value = "rows")]
        axis: Axis,
        /// Missing values: refuse (name the first) or pairwise (pandas .corr()).
        #[arg(long, default_value = "refuse")]
        missing: heatmill::options::Missing,
        /// Storage of the output: f64, or f32 (f64 accumulation, half the
        /// memory and file size; not with --missing pairwise).
        #[arg(long, alias = "precision", default_value = "f64")]
        dtype: Dtype,
        #[command(flatten)]
        read: ReadArgs,
        #[command(flatten)]
        prep: PrepFlags,
        #[command(flatten)]
        par: ThreadArgs,
        /// Print the time of each stage as JSON on stderr.
        #[arg(long)]
        timings: bool,
    },
    /// Hierarchical clustering (scipy linkage matrix Z) as .npy.
    Linkage {
        /// The input matrix file.
        input: PathBuf,
        /// Z, (n - 1) x 4 float64 (.npy).
        #[arg(short, long)]
        output: PathBuf,
        /// Linkage method (scipy linkage).
        #[arg(long, default_value = "average")]
        method: Method,
        /// Distance between observations (scipy pdist).
        #[arg(long, default_value = "euclidean")]
        metric: Metric,
        /// Cluster the rows or the columns.
        #[arg(long, default_value = "rows")]
        axis: Axis,
        /// Write the leaf order (`index<TAB>label`, scipy leaves_list) here.
        #[arg(long)]
        order: Option<PathBuf>,
        /// Write the tree as Newick here.
        #[arg(long)]
        newick: Option<PathBuf>,
        /// Reorder leaves optimally (scipy optimal_leaf_ordering).
        #[arg(long)]
        optimal_ordering: bool,
        /// Store distances as f64 (scipy's numbers) or f32 (half the memory;
        /// heights to ~7 digits).
        #[arg(long, alias = "dtype", default_value = "f64")]
        precision: Dtype,
        /// Cut the tree into at most K clusters (scipy fcluster maxclust), K >= 1.
        #[arg(
            long,
            alias = "maxclust",
            conflicts_with = "cut_height",
            requires = "clusters",
            value_parser = clap::value_parser!(u64).range(1..)
        )]
        cut: Option<u64>,
        /// Cut the tree at height H (scipy fcluster criterion='distance'), a finite number.
        #[arg(long, requires = "clusters", value_parser = finite, allow_hyphen_values = true)]
        cut_height: Option<f64>,
        /// Where to write the clusters (`label<TAB>cluster`); needs --cut or --cut-height.
        #[arg(long)]
        clusters: Option<PathBuf>,
        #[command(flatten)]
        read: ReadArgs,
        #[command(flatten)]
        prep: PrepFlags,
        #[command(flatten)]
        par: ThreadArgs,
        /// Print the time of each stage as JSON on stderr.
        #[arg(long)]
        timings: bool,
    },
}

/// A figure subcommand; `K` is the kind (0 heatmap, 1 clustermap, 2 corrmap, 3 dotplot).
#[derive(Args)]
pub struct FigureCmd<const K: u8> {
    /// The input matrix: CSV/TSV (gzip, bzip2, zstd too), Parquet, Arrow, HDF5/h5ad/10x .h5, loom, a Cell Ranger matrix folder or .mtx, GCT, a GEO series matrix, .xlsx.
    pub input: PathBuf,
    /// Output figure (.png, .svg or .pdf).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Write leaf orders, linkages and clusters into this directory.
    #[arg(long)]
    pub export_dir: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub fig: FigureFlags<K>,
    #[command(flatten)]
    pub par: ParArgs,
    /// Print the time of each stage as JSON on stderr.
    #[arg(long)]
    pub timings: bool,
}

pub const fn kind_of(k: u8) -> Kind {
    match k {
        0 => Kind::Heatmap,
        1 => Kind::Clustermap,
        2 => Kind::Corrmap,
        _ => Kind::Dotplot,
    }
}

/// The figure flags of kind `K`, from the library's option table.
#[derive(Clone)]
pub struct FigureFlags<const K: u8>(pub ArgMatches);

impl<const K: u8> FromArgMatches for FigureFlags<K> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(FigureFlags(m.clone()))
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        self.0 = m.clone();
        Ok(())
    }
}

impl<const K: u8> Args for FigureFlags<K> {
    fn augment_args(cmd: ClapCommand) -> ClapCommand {
        flags::figure_args(cmd, kind_of(K))
    }
    fn augment_args_for_update(cmd: ClapCommand) -> ClapCommand {
        flags::figure_args(cmd, kind_of(K))
    }
}

/// The preparation flags of `linkage` and `corr`, from the option table.
#[derive(Clone)]
pub struct PrepFlags(pub ArgMatches);

impl FromArgMatches for PrepFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(PrepFlags(m.clone()))
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        self.0 = m.clone();
        Ok(())
    }
}

impl Args for PrepFlags {
    fn augment_args(cmd: ClapCommand) -> ClapCommand {
        flags::prep_args(cmd)
    }
    fn augment_args_for_update(cmd: ClapCommand) -> ClapCommand {
        flags::prep_args(cmd)
    }
}

#[derive(Args)]
pub struct ThreadArgs {
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else every core).
    #[arg(long, alias = "jobs")]
    pub threads: Option<usize>,
}

#[derive(Args)]
pub struct ParArgs {
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else every core).
    #[arg(long, alias = "jobs")]
    pub threads: Option<usize>,
    /// Memory budget with a unit, e.g. 8G or 16GiB: jobs that need more
    /// fail with a message, others queue for it; ward clusters vectors
    /// instead of storing distances past it.
    #[arg(long, value_parser = heatmill::batch::run::parse_bytes)]
    pub max_memory: Option<u64>,
}

#[derive(Args)]
pub struct ReadArgs {
    /// Column holding the row labels (default: the first text column).
    #[arg(long)]
    pub index_col: Option<String>,
    /// Input format, when the name and first bytes don't say (csv, tsv,
    /// parquet, arrow, hdf5, mtx, gct, geo, loom, xlsx).
    #[arg(long, value_parser = Format::parse)]
    pub format: Option<Format>,
    /// Swap rows and columns after reading (AnnData/10x/loom: genes x cells).
    #[arg(long)]
    pub transpose: bool,
    /// HDF5: path of the 2-D dataset (default: the only one), or the genome
    /// of a Cell Ranger 2 file with several (e.g. mm10); xlsx: the sheet.
    #[arg(long)]
    pub dataset: Option<String>,
    /// HDF5: path of the dataset of row names.
    #[arg(long)]
    pub row_names: Option<String>,
    /// HDF5: path of the dataset of column names.
    #[arg(long)]
    pub col_names: Option<String>,
    /// AnnData: read layers/NAME instead of X; loom: /layers/NAME.
    #[arg(long)]
    pub layer: Option<String>,
}

impl ReadArgs {
    pub fn options(self) -> ReadOptions {
        ReadOptions {
            index_col: self.index_col,
            format: self.format,
            transpose: self.transpose,
            dataset: self.dataset,
            row_names: self.row_names,
            col_names: self.col_names,
            layer: self.layer,
        }
    }
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("expected K/N, got '{s}'"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("bad shard index '{k}'"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("bad shard count '{n}'"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard must be K/N with 1 <= K <= N, got '{s}'"));
    }
    Ok((k, n))
}

/// A finite number (clap value parser).
pub fn finite(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("expects a finite number, got '{s}'"))
}
