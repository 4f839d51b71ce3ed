//! The `heatmill` command: argument declarations, one call into the
//! library per subcommand, and the exit code from the error's class
//! (`heatmill::error::Class`: usage, config, input → 2; failed jobs,
//! unwritable outputs, bugs → 1). The figure flags come from the library's
//! option table (`flags.rs`).

mod flags;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, Command as ClapCommand, FromArgMatches, Parser, Subcommand};

use heatmill::analysis::ClusterSpec;
use heatmill::batch::{self, run::SingleJob};
use heatmill::cluster::Criterion;
use heatmill::cluster::{Dtype, Method, Metric};
use heatmill::figure::Kind;
use heatmill::io::{self, Format, ReadOptions};
use heatmill::pipeline::matrix_jobs;
use heatmill::prep::Axis;
use heatmill::stats::CorrMethod;
use heatmill::timings::Timings;
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
        /// Array task index (default: from Slurm); shard = index mod N + 1.
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
    },
    /// List every job of a config and its output paths (stable order).
    Plan {
        /// The config file.
        config: PathBuf,
        /// Output directory (default: [output].dir, relative to the config).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print JSON.
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
        missing: heatmill::figure::options::Missing,
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
        /// Cut the tree into at most K clusters (scipy fcluster maxclust).
        #[arg(
            long,
            alias = "maxclust",
            conflicts_with = "cut_height",
            requires = "clusters"
        )]
        cut: Option<usize>,
        /// Cut the tree at height H (scipy fcluster criterion='distance').
        #[arg(long, requires = "clusters")]
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

/// A figure subcommand; `K` is the kind (0 heatmap, 1 clustermap, 2 corrmap).
#[derive(Args)]
struct FigureCmd<const K: u8> {
    /// The input matrix file (CSV, TSV, Parquet, Arrow, HDF5/h5ad/10x).
    input: PathBuf,
    /// Output figure (.png, .svg or .pdf).
    #[arg(short, long)]
    output: PathBuf,
    /// Write leaf orders, linkages and clusters into this directory.
    #[arg(long)]
    export_dir: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    fig: FigureFlags<K>,
    #[command(flatten)]
    par: ParArgs,
    /// Print the time of each stage as JSON on stderr.
    #[arg(long)]
    timings: bool,
}

const fn kind_of(k: u8) -> Kind {
    match k {
        0 => Kind::Heatmap,
        1 => Kind::Clustermap,
        _ => Kind::Corrmap,
    }
}

/// The figure flags of kind `K`, from the library's option table.
#[derive(Clone)]
struct FigureFlags<const K: u8>(ArgMatches);

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
struct PrepFlags(ArgMatches);

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
struct ThreadArgs {
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else every core).
    #[arg(long, alias = "jobs")]
    threads: Option<usize>,
}

#[derive(Args)]
struct ParArgs {
    /// Worker threads (default: SLURM_CPUS_PER_TASK, else every core).
    #[arg(long, alias = "jobs")]
    threads: Option<usize>,
    /// Memory budget with a unit, e.g. 8G or 16GiB: jobs that need more
    /// fail with a message, others queue for it; ward clusters vectors
    /// instead of storing distances past it.
    #[arg(long, value_parser = heatmill::batch::run::parse_bytes)]
    max_memory: Option<u64>,
}

#[derive(Args)]
struct ReadArgs {
    /// Column holding the row labels (default: the first text column).
    #[arg(long)]
    index_col: Option<String>,
    /// Input format, when the extension doesn't say (csv, tsv, parquet, arrow, hdf5).
    #[arg(long, value_parser = Format::parse)]
    format: Option<Format>,
    /// Swap rows and columns after reading (AnnData/10x: genes x cells).
    #[arg(long)]
    transpose: bool,
    /// HDF5: path of the 2-D dataset (default: the only one).
    #[arg(long)]
    dataset: Option<String>,
    /// HDF5: path of the dataset of row names.
    #[arg(long)]
    row_names: Option<String>,
    /// HDF5: path of the dataset of column names.
    #[arg(long)]
    col_names: Option<String>,
    /// AnnData: read layers/NAME instead of X.
    #[arg(long)]
    layer: Option<String>,
}

impl ReadArgs {
    fn options(self) -> ReadOptions {
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

fn main() -> ExitCode {
    heatmill::mem::keep_freed_blocks();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heatmill: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn report(enabled: bool, t: &Timings) {
    if enabled {
        eprintln!("timings: {}", t.to_json());
    }
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("heatmill: warning: {w}");
    }
}

fn figure<const K: u8>(c: FigureCmd<K>) -> Result<(), Error> {
    let job = SingleJob {
        input: c.input,
        read: c.read.options(),
        kind: kind_of(K),
        options: flags::figure_options(&c.fig.0, kind_of(K))?,
        output: c.output,
        export_dir: c.export_dir,
        threads: c.par.threads,
        max_memory: c.par.max_memory,
    };
    let (files, t) = batch::run::run_single(&job)?;
    warn(&files.warnings);
    report(c.timings, &t);
    Ok(())
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            config,
            out,
            par,
            shard,
            shards,
            array_index,
            force,
            quiet,
            dry_run,
        } => {
            let cfg = batch::Config::load(&config)?;
            let shard = heatmill::env::shard(shard, shards, array_index)?;
            if dry_run {
                print!(
                    "{}",
                    batch::Plan::new(&cfg, out.as_deref())?.describe(false)
                );
                return Ok(());
            }
            let opts = batch::RunOptions {
                out,
                threads: par.threads,
                shard,
                force,
                quiet,
                max_memory: par.max_memory,
            };
            let s = batch::run(&cfg, &opts)?;
            if !quiet {
                eprintln!(
                    "heatmill: {} done, {} up to date, {} failed; manifest: {}",
                    s.ok,
                    s.skipped,
                    s.failed.len(),
                    s.manifest.display()
                );
            }
            for (id, msg) in &s.failed {
                eprintln!("heatmill: failed: {id}: {msg}");
            }
            if !s.failed.is_empty() {
                return Err(Error::JobsFailed {
                    failed: s.failed.len(),
                    manifest: s.manifest,
                });
            }
            Ok(())
        }
        Command::Plan { config, out, json } => {
            let cfg = batch::Config::load(&config)?;
            print!("{}", batch::Plan::new(&cfg, out.as_deref())?.describe(json));
            Ok(())
        }
        Command::MergeManifests { manifests, output } => {
            let (out, parts, jobs) = batch::Manifest::merge_files(&manifests, output.as_deref())?;
            eprintln!(
                "heatmill: merged {parts} manifests ({jobs} jobs) into {}",
                out.display()
            );
            Ok(())
        }
        Command::Heatmap(c) => figure(c),
        Command::Clustermap(c) => figure(c),
        Command::Corrmap(c) => figure(c),
        Command::Inspect { input, read, json } => {
            let info = io::inspect(&input, &read.options())?;
            if json {
                let text = serde_json::to_string_pretty(&info)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                println!("{text}");
            } else {
                print!("{}", info.to_text());
            }
            Ok(())
        }
        Command::Corr {
            input,
            output,
            method,
            axis,
            missing,
            dtype,
            read,
            prep,
            par,
            timings,
        } => {
            let job = matrix_jobs::CorrJob {
                input,
                read: read.options(),
                prep: flags::prep(&prep.0)?,
                axis,
                method,
                pairwise: missing == heatmill::figure::options::Missing::Pairwise,
                f32: dtype == Dtype::F32,
                output,
                threads: par.threads,
            };
            report(timings, &matrix_jobs::run_corr(&job)?);
            Ok(())
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
            precision,
            cut,
            cut_height,
            clusters,
            read,
            prep,
            par,
            timings,
        } => {
            let criterion = match (cut, cut_height) {
                (Some(k), _) => Some(Criterion::MaxClust(k)),
                (None, Some(h)) => Some(Criterion::Distance(h)),
                (None, None) => None,
            };
            let clusters = match (criterion, clusters) {
                (Some(c), Some(p)) => Some((c, p)),
                (None, Some(_)) => {
                    return Err(Error::Usage(
                        "--clusters needs --cut K or --cut-height H".into(),
                    ))
                }
                _ => None,
            };
            let job = matrix_jobs::LinkageJob {
                input,
                read: read.options(),
                prep: flags::prep(&prep.0)?,
                axis,
                spec: ClusterSpec {
                    method,
                    metric,
                    optimal_ordering,
                    precision,
                    max_condensed: None,
                },
                output,
                order,
                newick,
                clusters,
                threads: par.threads,
            };
            let (warnings, t) = matrix_jobs::run_linkage(&job)?;
            warn(&warnings);
            report(timings, &t);
            Ok(())
        }
    }
}
