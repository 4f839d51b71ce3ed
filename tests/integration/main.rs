//! heatmill's integration tests: one test binary (like ripgrep's
//! `tests/tests.rs`), one module per area.
//!
//! - `architecture`: the module import rules of `ARCHITECTURE.md` hold in
//!   `src/`.
//! - `batch`: `heatmill run` over many datasets × figures: failures
//!   isolated, resumable after a kill, deterministic, shardable with
//!   identical bytes, memory budgets.
//! - `cli`: the `heatmill` binary end to end: the outputs scipy would give,
//!   every input format giving identical bytes, clean failures.
//! - `edges`: trust at the edges: labels verbatim, pandas indexes, Cell
//!   Ranger 2 genomes, missing annotation values, parser errors.
//! - `figures`: golden images, layout where seaborn puts it, masks, tick
//!   labels seaborn would keep, big-matrix aggregation, determinism.
//! - `formats`: every input layout (CSV, TSV, Parquet, Arrow, HDF5,
//!   AnnData, 10x) reads to the same matrix and output; damaged files fail
//!   cleanly.
//! - `heatmap_list`: heatmaps side by side sharing rows, ordered by the
//!   main one, rows matched by label; bad entries refused.
//! - `layout`: no element of a figure overlaps another or leaves the
//!   figure, over a grid of sizes and label lengths; colour-bar placement.
//! - `grouped`: grouped single-cell figures (`groupby`, `reduce`, `genes`)
//!   against scanpy's numbers, their errors.
//! - `options`: the one option table end to end: each listed option
//!   changes its figure, the others are refused, the config reference is
//!   generated from it, exit codes follow the error class.
//! - `order_from`: `row_order_from`/`col_order_from`, one figure drawn in
//!   another's order: as given by file, shared trees, shards, refusals.
//! - `parity`: scipy / numpy / pandas / seaborn on the committed fixtures
//!   in `tests/fixtures/` (made by `scripts/make_fixtures.py`).
//! - `reference`: property tests: the fast algorithms against naive
//!   references on random inputs.
//! - `splits`: `row_split`/`col_split`: each slice's order against a
//!   naive reference, the gaps in pixels, the refusals; `kmeans_rows`.
//! - `vector_text`: PDF and SVG text is text (poppler extracts it, a
//!   headless Chromium finds it in the embedded font), fallback fonts,
//!   the missing-glyph warning.
//! - `util`: helpers shared by the modules (the binary, scratch
//!   directories, fixture loaders, a seeded random generator).
//!
//! Run them all with `cargo test --test integration`, one module with
//! `cargo test --test integration parity::`, one test with
//! `cargo test --test integration parity::pdist_matches_scipy -- --exact`.
//! `HEATMILL_BLESS=1 cargo test --test integration figures::` re-blesses
//! the golden images (`options::` the option table in `configs/README.md`).

mod util;

mod architecture;
mod batch;
mod cli;
mod edges;
mod figures;
mod formats;
mod grouped;
mod heatmap_list;
mod layout;
mod numerics;
mod options;
mod order_from;
mod parity;
mod reference;
mod splits;
mod vector_text;
