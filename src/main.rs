//! The `heatmill` command: argument parsing and exit codes only; all work
//! is done by the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use heatmill::analysis;
use heatmill::batch;
use heatmill::cluster::{cut, Method, Metric, Precision};
use heatmill::figure::{self, FigureOptions, Kind};
use heatmill::io::{self, npy, text, Format, ReadOptions};
use heatmill::output;
use heatmill::prep::{Axis, Prep};
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
        config: PathBuf,
        /// Output directory (default: [output].dir, relative to the config).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: SLURM_CPUS_PER_TASK, else all cores).
        #[arg(long, alias = "jobs")]
        threads: Option<usize>,
        /// Run only shard K of N (datasets dealt round-robin), e.g. 2/4.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(usize, usize)>,
        /// Number of shards when the shard index comes from --array-index
        /// or SLURM_ARRAY_TASK_ID.
        #[arg(long)]
        shards: Option<usize>,
        /// Array task index (default: SLURM_ARRAY_TASK_ID); shard = index mod N + 1.
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
        /// Memory budget, e.g. 8G: datasets that need more fail with a
        /// message, the others queue for it.
        #[arg(long, value_parser = heatmill::batch::run::parse_bytes)]
        max_memory: Option<u64>,
    },
    /// List every job of a config and its output paths (stable order).
    Plan {
        config: PathBuf,
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
    Heatmap(FigureCmd),
    /// A clustered heatmap with dendrograms and colour strips (sns.clustermap).
    Clustermap(FigureCmd),
    /// A correlation heatmap of rows (genes).
    Corrmap(FigureCmd),
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
        /// Storage of the output: f64, or f32 (f64 accumulation, half the
        /// memory and file size; not with --missing pairwise).
        #[arg(long, default_value = "f64")]
        dtype: Dtype,
        #[command(flatten)]
        read: ReadArgs,
        #[command(flatten)]
        prep: PrepArgs,
        /// Print the time of each stage as JSON on stderr.
        #[arg(long)]
        timings: bool,
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
        /// Store distances as f64 (scipy's numbers) or f32 (half the memory;
        /// heights to ~7 digits).
        #[arg(long, default_value = "f64")]
        precision: Precision,
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
        /// Print the time of each stage as JSON on stderr.
        #[arg(long)]
        timings: bool,
    },
}

#[derive(Args)]
struct FigureCmd {
    input: PathBuf,
    /// Output figure (.png).
    #[arg(short, long)]
    output: PathBuf,
    /// Write leaf orders, linkages and clusters into this directory.
    #[arg(long)]
    export_dir: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    fig: FigureArgs,
    /// Print the time of each stage as JSON on stderr.
    #[arg(long)]
    timings: bool,
}

/// Figure options; every one maps to a key of the batch config.
#[derive(Args)]
struct FigureArgs {
    /// Colour map (matplotlib/seaborn name; _r reverses).
    #[arg(long)]
    cmap: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    center: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    vmin: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    vmax: Option<f64>,
    /// Colour range from the 2nd and 98th percentiles.
    #[arg(long)]
    robust: bool,
    /// Write each cell's value.
    #[arg(long)]
    annot: bool,
    /// Python format for --annot (default .2g).
    #[arg(long)]
    fmt: Option<String>,
    /// Cell border width in points.
    #[arg(long)]
    linewidths: Option<f64>,
    #[arg(long)]
    linecolor: Option<String>,
    #[arg(long)]
    square: bool,
    /// upper | upper-k0 | lower | lower-k0 | file:PATH
    #[arg(long)]
    mask: Option<heatmill::figure::options::MaskSpec>,
    /// mean | max | absmax, for cells smaller than a pixel.
    #[arg(long)]
    aggregate: Option<heatmill::render::body::Aggregate>,
    /// auto | all | none | N
    #[arg(long)]
    xticklabels: Option<heatmill::figure::options::TickLabels>,
    /// auto | all | none | N
    #[arg(long)]
    yticklabels: Option<heatmill::figure::options::TickLabels>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    xlabel: Option<String>,
    #[arg(long)]
    ylabel: Option<String>,
    #[arg(long)]
    cbar_label: Option<String>,
    #[arg(long)]
    no_cbar: bool,
    #[arg(long)]
    cbar_shrink: Option<f64>,
    /// Figure size in inches, W,H.
    #[arg(long, value_parser = parse_pair)]
    figsize: Option<(f64, f64)>,
    #[arg(long)]
    dpi: Option<f64>,
    /// ln(1 + x) before anything else.
    #[arg(long)]
    log1p: bool,
    /// log2(1 + x) before anything else.
    #[arg(long)]
    log2p1: bool,
    /// Keep the N rows of highest variance (order preserved).
    #[arg(long)]
    top_variable: Option<usize>,
    /// refuse | pairwise: missing values in correlations (corrmap).
    #[arg(long)]
    missing: Option<heatmill::figure::options::Missing>,
    /// Linkage method (clustermap; corrmap --cluster).
    #[arg(long)]
    method: Option<Method>,
    #[arg(long)]
    metric: Option<Metric>,
    #[arg(long)]
    z_score: Option<Axis>,
    #[arg(long)]
    standard_scale: Option<Axis>,
    #[arg(long)]
    no_row_cluster: bool,
    #[arg(long)]
    no_col_cluster: bool,
    #[arg(long)]
    optimal_ordering: bool,
    /// Distance storage for clustering: f64 (scipy's numbers) or f32 (half
    /// the memory; heights to ~7 digits).
    #[arg(long)]
    precision: Option<Precision>,
    /// One ratio, or ROW,COL.
    #[arg(long, value_parser = parse_ratio)]
    dendrogram_ratio: Option<(f64, f64)>,
    #[arg(long)]
    colors_ratio: Option<f64>,
    /// TABLE:COLUMN colour strip for columns (repeatable).
    #[arg(long)]
    col_colors: Vec<String>,
    /// TABLE:COLUMN colour strip for rows (repeatable).
    #[arg(long)]
    row_colors: Vec<String>,
    /// Category colours, NAME=#rrggbb,NAME=#rrggbb.
    #[arg(long)]
    palette: Option<String>,
    #[arg(long)]
    cut_rows: Option<usize>,
    #[arg(long)]
    cut_cols: Option<usize>,
    /// pearson | spearman (corrmap).
    #[arg(long)]
    corr_method: Option<CorrMethod>,
    /// Order the correlation map by clustering.
    #[arg(long)]
    cluster: bool,
    /// rows | one-minus-r
    #[arg(long)]
    cluster_distance: Option<heatmill::figure::options::ClusterDistance>,
}

fn parse_pair(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("expected W,H, got '{s}'"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<f64>()
            .map_err(|_| format!("'{v}' is not a number"))
    };
    Ok((p(a)?, p(b)?))
}

fn parse_ratio(s: &str) -> Result<(f64, f64), String> {
    if s.contains(',') {
        parse_pair(s)
    } else {
        let v = s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("'{s}' is not a number"))?;
        Ok((v, v))
    }
}

impl FigureArgs {
    /// Options = defaults overridden by the flags given.
    fn options(&self) -> Result<FigureOptions, Error> {
        let mut o = FigureOptions::default();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = &self.$f { o.$f = v.clone().into(); } )* };
        }
        set!(
            fmt,
            linewidths,
            linecolor,
            xticklabels,
            yticklabels,
            figsize,
            dpi,
            cbar_shrink,
            dendrogram_ratio,
            colors_ratio
        );
        o.cmap = self.cmap.clone();
        o.center = self.center;
        o.vmin = self.vmin;
        o.vmax = self.vmax;
        o.robust = self.robust;
        o.annot = self.annot;
        o.square = self.square.then_some(true);
        o.mask = self.mask.clone();
        if let Some(a) = self.aggregate {
            o.aggregate = a;
        }
        o.title = self.title.clone();
        o.xlabel = self.xlabel.clone();
        o.ylabel = self.ylabel.clone();
        o.cbar_label = self.cbar_label.clone();
        o.cbar = !self.no_cbar;
        o.log1p = self.log1p;
        o.log2p1 = self.log2p1;
        o.top_variable = self.top_variable;
        if let Some(m) = self.missing {
            o.missing = m;
        }
        o.method = self.method;
        o.metric = self.metric;
        o.z_score = self.z_score;
        o.standard_scale = self.standard_scale;
        o.row_cluster = !self.no_row_cluster;
        o.col_cluster = !self.no_col_cluster;
        o.optimal_ordering = self.optimal_ordering;
        if let Some(p) = self.precision {
            o.precision = p;
        }
        o.col_colors = self.col_colors.clone();
        o.row_colors = self.row_colors.clone();
        if let Some(p) = &self.palette {
            for item in p.split(',').filter(|s| !s.is_empty()) {
                let (k, v) = item.split_once('=').ok_or_else(|| {
                    Error::Invalid(format!(
                        "--palette expects NAME=#rrggbb pairs, got '{item}'"
                    ))
                })?;
                o.palette.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        o.cut_rows = self.cut_rows;
        o.cut_cols = self.cut_cols;
        o.corr_method = self.corr_method;
        o.cluster = self.cluster;
        if let Some(c) = self.cluster_distance {
            o.cluster_distance = c;
        }
        o.validate()?;
        Ok(o)
    }
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Dtype {
    F64,
    F32,
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
    fn options(&self) -> ReadOptions {
        ReadOptions {
            index_col: self.index_col.clone(),
            format: self.format,
            transpose: self.transpose,
            dataset: self.dataset.clone(),
            row_names: self.row_names.clone(),
            col_names: self.col_names.clone(),
            layer: self.layer.clone(),
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
    heatmill::bigbuf::keep_freed_blocks();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("heatmill: error: {e}");
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}

fn report(enabled: bool, t: &Timings) {
    if enabled {
        eprintln!("timings: {}", t.to_json());
    }
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("expected K/N, got '{s}'"))?;
    let (k, n): (usize, usize) = (
        k.trim()
            .parse()
            .map_err(|_| format!("bad shard index '{k}'"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("bad shard count '{n}'"))?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard must be K/N with 1 <= K <= N, got '{s}'"));
    }
    Ok((k, n))
}

fn print_plan(plan: &batch::Plan, json: bool) {
    if json {
        let jobs: Vec<_> = plan
            .jobs
            .iter()
            .map(|j| {
                serde_json::json!({
                    "id": j.id,
                    "dataset": plan.datasets[j.dataset].name,
                    "input": plan.datasets[j.dataset].path,
                    "figure": plan.figures[j.figure].name,
                    "kind": plan.figures[j.figure].kind.name(),
                    "outputs": j.outputs,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&jobs).unwrap_or_default()
        );
    } else {
        for j in &plan.jobs {
            let outs: Vec<String> = j.outputs.iter().map(|p| p.display().to_string()).collect();
            println!(
                "{}\t{}\t{}",
                j.id,
                plan.datasets[j.dataset].path.display(),
                outs.join(",")
            );
        }
    }
}

fn figure(kind: Kind, c: FigureCmd) -> Result<(), Error> {
    let opts = c.fig.options()?;
    let source = c.input.display().to_string();
    let mut t = Timings::default();
    let sel = figure::selection(&opts);
    let (m, selected) = t.time("read", || {
        io::read_selected(&c.input, &c.read.options(), sel.as_ref())
    })?;
    let cache = figure::Cache::default();
    let fig = figure::build_with(
        kind,
        &m,
        &opts,
        selected,
        &source,
        std::path::Path::new("."),
        &cache,
        &mut t,
    )?;
    for w in &fig.warnings {
        eprintln!("heatmill: warning: {w}");
    }
    let bytes = t.time("encode", || output::encode(&fig, &c.output, opts.dpi))?;
    t.time("write", || io::write_atomic(&c.output, &bytes))?;
    if let Some(dir) = &c.export_dir {
        for (name, data) in &fig.exports {
            io::write_atomic(&dir.join(name), data)?;
        }
    }
    report(c.timings, &t);
    Ok(())
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            config,
            out,
            threads,
            shard,
            shards,
            array_index,
            force,
            quiet,
            dry_run,
            max_memory,
        } => {
            let cfg = batch::Config::load(&config)?;
            let shard = match (shard, shards) {
                (Some(s), _) => Some(s),
                (None, Some(n)) if n > 0 => {
                    let idx = array_index
                        .or_else(|| {
                            std::env::var("SLURM_ARRAY_TASK_ID")
                                .ok()
                                .and_then(|v| v.parse().ok())
                        })
                        .ok_or_else(|| {
                            Error::Invalid(
                                "--shards needs --array-index or SLURM_ARRAY_TASK_ID".into(),
                            )
                        })?;
                    Some((idx % n + 1, n))
                }
                (None, Some(_)) => {
                    return Err(Error::Invalid("--shards must be at least 1".into()))
                }
                (None, None) => None,
            };
            if dry_run {
                let plan = batch::Plan::new(&cfg, out.as_deref())?;
                print_plan(&plan, false);
                return Ok(());
            }
            let opts = batch::RunOptions {
                out,
                threads: threads.unwrap_or(0),
                shard,
                force,
                quiet,
                max_memory,
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
            if !s.failed.is_empty() {
                for (id, msg) in &s.failed {
                    eprintln!("heatmill: failed: {id}: {msg}");
                }
                return Err(Error::Io {
                    path: s.manifest.clone(),
                    source: std::io::Error::other(format!("{} job(s) failed", s.failed.len())),
                });
            }
            Ok(())
        }
        Command::Plan { config, out, json } => {
            let cfg = batch::Config::load(&config)?;
            let plan = batch::Plan::new(&cfg, out.as_deref())?;
            print_plan(&plan, json);
            Ok(())
        }
        Command::MergeManifests { manifests, output } => {
            let mut parts = Vec::new();
            for p in &manifests {
                parts.push(batch::Manifest::load(p)?.ok_or_else(|| {
                    Error::io(
                        p,
                        std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                    )
                })?);
            }
            let merged = batch::Manifest::merge(&parts);
            let out = output.unwrap_or_else(|| {
                manifests[0]
                    .parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join("manifest.json")
            });
            merged.save(&out)?;
            eprintln!(
                "heatmill: merged {} manifests ({} jobs) into {}",
                parts.len(),
                merged.jobs.len(),
                out.display()
            );
            Ok(())
        }
        Command::Heatmap(c) => figure(Kind::Heatmap, c),
        Command::Clustermap(c) => figure(Kind::Clustermap, c),
        Command::Corrmap(c) => figure(Kind::Corrmap, c),
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
                println!("layout:        {}", info.layout);
                println!("shape:         {} rows x {} columns", info.rows, info.cols);
                println!("storage:       {}", info.storage);
                println!("access:        {}", info.access);
                match info.stored_nonzeros {
                    Some(nnz) => println!(
                        "sparsity:      {:.1}% zeros ({nnz} stored entries)",
                        100.0 * info.sparsity
                    ),
                    None => println!("sparsity:      {:.1}% zeros", 100.0 * info.sparsity),
                }
                println!(
                    "row labels:    {} (first: {})",
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
            dtype,
            read,
            prep,
            timings,
        } => {
            let source = input.display().to_string();
            let pairwise = matches!(missing, Missing::Pairwise);
            if pairwise && dtype == Dtype::F32 {
                return Err(Error::Invalid(
                    "--dtype f32 is not available with --missing pairwise; use the default f64"
                        .into(),
                ));
            }
            let mut t = Timings::default();
            let m = t.time("read", || {
                io::read_prepped(&input, &read.options(), &prep.prep())
            })?;
            if dtype == Dtype::F32 {
                let (r, labels) = analysis::correlate_axis_f32(&m, axis, method, &source, &mut t)?;
                t.time("write", || {
                    npy::write_f32(&output, &[labels.len(), labels.len()], &r)
                })?;
            } else {
                let (r, labels) =
                    analysis::correlate_axis(&m, axis, method, pairwise, &source, &mut t)?;
                t.time("write", || {
                    npy::write_f64(&output, &[labels.len(), labels.len()], &r)
                })?;
            }
            report(timings, &t);
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
            cut: cut_k,
            cut_height,
            clusters,
            read,
            prep,
            timings,
        } => {
            if (cut_k.is_some() || cut_height.is_some()) && clusters.is_none() {
                return Err(Error::Invalid(
                    "--cut/--cut-height need --clusters FILE to write the assignment to".into(),
                ));
            }
            let source = input.display().to_string();
            let mut t = Timings::default();
            let m = t.time("read", || {
                io::read_prepped(&input, &read.options(), &prep.prep())
            })?;
            let spec = analysis::ClusterSpec {
                method,
                metric,
                optimal_ordering,
                precision,
            };
            let c = analysis::cluster_axis(&m, axis, spec, &source, &mut t)?;
            if !c.dropped.is_empty() {
                eprintln!(
                    "heatmill: warning: dropped {} {axis} without variance (undefined {metric} distance): {}",
                    c.dropped.len(),
                    c.dropped.join(", ")
                );
            }
            let z = &c.linkage;
            let wt = std::time::Instant::now();
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
            t.add("write", wt.elapsed().as_secs_f64());
            report(timings, &t);
            Ok(())
        }
    }
}
