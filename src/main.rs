//! The `heatmill` command: one call into the library per subcommand, and
//! the exit code from the error's class (`heatmill::error::Class`: usage,
//! config, input → 2; failed jobs, unwritable outputs, bugs → 1). The
//! arguments are declared in `cli.rs`; the figure flags come from the
//! library's option table (`flags.rs`).

mod cli;
mod flags;

use std::process::ExitCode;

use clap::Parser;

use cli::{kind_of, Cli, Command, FigureCmd};
use heatmill::analysis::ClusterSpec;
use heatmill::batch::{self, run::SingleJob};
use heatmill::cluster::{Criterion, Dtype};
use heatmill::io;
use heatmill::pipeline::matrix_jobs;
use heatmill::timings::Timings;
use heatmill::Error;

/// mimalloc keeps freed memory for reuse; with glibc's allocator every
/// new buffer of a run (scan blocks, candidate lists, the reader's
/// columns) was a fresh page the kernel had to clear, 14 000 page faults
/// in a 20 000-row ward tree, a third of its time (README, Speed).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(Cli::parse_from(flags::normalise(std::env::args_os()))) {
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
            only,
        } => {
            let cfg = batch::Config::load(&config)?;
            let shard = heatmill::env::shard(shard, shards, array_index)?;
            if only.is_some() && shard.is_some() {
                return Err(Error::Usage(
                    "--only and --shard/--shards both choose datasets; use one".into(),
                ));
            }
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
                only,
                progress: None,
            };
            // SIGTERM (a Slurm time limit, `scancel`, Nextflow) and SIGINT
            // stop the run between jobs instead of killing it mid-write.
            heatmill::env::catch_stop_signals()?;
            let s = batch::run(&cfg, &opts)?;
            // Warnings are the user's to see, not only the manifest's.
            for (id, w) in &s.warnings {
                eprintln!("heatmill: warning: {id}: {w}");
            }
            if !quiet || s.stopped.is_some() {
                eprintln!(
                    "heatmill: {} done{}, {} up to date, {} failed{}; manifest: {}",
                    s.ok,
                    match s
                        .warnings
                        .iter()
                        .map(|(id, _)| id)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len()
                    {
                        0 => String::new(),
                        n => format!(" ({n} with warnings)"),
                    },
                    s.skipped,
                    s.failed.len(),
                    if s.stopped.is_some() {
                        format!(", {} not started", s.not_started)
                    } else {
                        String::new()
                    },
                    s.manifest.display()
                );
            }
            // Each failure is on its progress line; quiet runs list them here.
            if quiet {
                for (id, msg) in &s.failed {
                    eprintln!("heatmill: failed: {id}: {msg}");
                }
            }
            if let Some(signal) = s.stopped {
                return Err(Error::Stopped {
                    signal,
                    not_started: s.not_started,
                    manifest: s.manifest,
                });
            }
            if !s.failed.is_empty() {
                return Err(Error::JobsFailed {
                    failed: s.failed.len(),
                    manifest: s.manifest,
                });
            }
            Ok(())
        }
        Command::Plan {
            config,
            out,
            format,
            json,
        } => {
            let cfg = batch::Config::load(&config)?;
            let plan = batch::Plan::new(&cfg, out.as_deref())?;
            if format == "snakemake" {
                let exts: Vec<&str> = cfg.output.formats.iter().map(|f| f.ext()).collect();
                print!("{}", plan.snakemake(&cfg.output.naming, &exts));
            } else {
                print!("{}", plan.describe(json || format == "json"));
            }
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
        Command::Dotplot(c) => figure(c),
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
                pairwise: missing == heatmill::options::Missing::Pairwise,
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
                (Some(k), _) => Some(Criterion::MaxClust(k as usize)),
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
