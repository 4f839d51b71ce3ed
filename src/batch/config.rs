//! The batch config (TOML, or JSON with the same shape): where outputs go,
//! default figure options, the datasets and the figures. Everything is
//! validated before any work starts; errors name the file, the line and
//! the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::lines::Lines;
use crate::error::{Error, Result};
use crate::figure::{FigureOptions, Kind};
use crate::io::{Format, ReadOptions};
use crate::render::encode::ImageFormat;

/// `[output]`
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Output directory, relative to the config file.
    #[serde(default = "default_dir")]
    pub dir: PathBuf,
    /// Figure formats written per figure (`png`, `svg`, `pdf`); default `[png]`.
    #[serde(default = "default_formats")]
    pub formats: Vec<ImageFormat>,
    /// Overrides every figure's dpi when set.
    pub dpi: Option<f64>,
    /// File name pattern; `{dataset}`, `{figure}`, `{kind}`, `{ext}`.
    #[serde(default = "default_naming")]
    pub naming: String,
}

fn default_dir() -> PathBuf {
    PathBuf::from("out")
}
fn default_formats() -> Vec<ImageFormat> {
    vec![ImageFormat::Png]
}
fn default_naming() -> String {
    "{dataset}/{figure}.{ext}".into()
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: default_dir(),
            formats: default_formats(),
            dpi: None,
            naming: default_naming(),
        }
    }
}

/// `[[dataset]]`
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// Name used in output paths; default: the file stem (required to be
    /// absent when `path` is a glob, which names each file by its stem).
    pub name: Option<String>,
    /// A file, or a glob (`cohort/*.parquet`), relative to the config.
    pub path: String,
    /// Name of the row-label column (see [`ReadOptions::index_col`]).
    pub index_col: Option<String>,
    /// Input format, overriding the extension (see [`ReadOptions::format`]).
    pub format: Option<Format>,
    /// Flip rows and columns on read (see [`ReadOptions::transpose`]).
    #[serde(default)]
    pub transpose: bool,
    /// HDF5: the 2-D dataset and its name datasets; AnnData: a layer.
    pub dataset: Option<String>,
    /// HDF5: path of the 1-D dataset of row names.
    pub row_names: Option<String>,
    /// HDF5: path of the 1-D dataset of column names.
    pub col_names: Option<String>,
    /// AnnData: read `layers/NAME` instead of `X`.
    pub layer: Option<String>,
    /// Colour strips for clustermaps of this dataset (`TABLE:COLUMN`).
    #[serde(default)]
    pub col_colors: Vec<String>,
    /// Row colour strips, as `col_colors` (`TABLE:COLUMN` each).
    #[serde(default)]
    pub row_colors: Vec<String>,
}

/// A parsed, validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    /// Directory relative paths are resolved against.
    pub base: PathBuf,
    /// The `[output]` section (defaults when absent).
    pub output: OutputConfig,
    /// The `[[dataset]]` entries, as written (globs not yet expanded).
    pub datasets: Vec<DatasetConfig>,
    /// The `[[figure]]` entries, in file order.
    pub figures: Vec<FigureConfig>,
    /// Where each key stands, for messages about what is found later
    /// (a dataset's file, its name).
    pub lines: Lines,
}

/// `[[figure]]`: a name, a kind, the datasets it applies to, and options
/// (the `[defaults]` overlaid by the figure's own keys).
#[derive(Debug, Clone)]
pub struct FigureConfig {
    /// Figure name, unique in the config; letters, digits, `-`, `_`, `.`
    /// (used in output paths).
    pub name: String,
    /// `heatmap`, `clustermap` or `corrmap`.
    pub kind: Kind,
    /// Dataset names; empty = all.
    pub datasets: Vec<String>,
    /// `row_order_from`: the figure whose row order (and row tree) this
    /// one takes.
    pub row_order_from: Option<OrderFrom>,
    /// `col_order_from`: the figure whose column order (and tree) this
    /// one takes.
    pub col_order_from: Option<OrderFrom>,
    /// `heatmaps` of a `heatmap_list`: the heatmaps after the main one,
    /// left to right (empty for other kinds).
    pub heatmaps: Vec<ListEntry>,
    /// The validated options (defaults overlaid by the figure's keys).
    pub options: FigureOptions,
    /// The options as written (defaults merged), kept for the manifest.
    pub raw: toml::Table,
}

fn config_err(path: &Path, text: &str, key: Option<&str>, msg: impl std::fmt::Display) -> Error {
    let line = key.and_then(|k| find_key_line(text, k));
    Error::config(path, line, key, msg.to_string())
}

/// `row_order_from = "FIGURE"` (that figure of the same dataset) or
/// `"DATASET/FIGURE"` (that figure of another dataset, rows matched by
/// label): the figure an axis order comes from. The named figure's job
/// runs first in its dataset; a figure of another dataset, or one a
/// resumed, sharded or `--only` run does not run, is analysed again from
/// its input, so the order is the same whichever jobs run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrderFrom {
    /// The dataset (`None`: the following figure's own).
    pub dataset: Option<String>,
    /// The figure's name.
    pub figure: String,
}

impl std::fmt::Display for OrderFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.dataset {
            Some(d) => write!(f, "{d}/{}", self.figure),
            None => write!(f, "{}", self.figure),
        }
    }
}

/// One heatmap of a `heatmap_list` after the main one (an entry of its
/// `heatmaps`): the dataset it draws, rows matched to the main one's by
/// label, and its own options.
#[derive(Debug, Clone)]
pub struct ListEntry {
    /// The dataset (`None`: the figure's own).
    pub dataset: Option<String>,
    /// Its options (only [`LIST_ENTRY_KEYS`] given; the rest defaults).
    pub options: FigureOptions,
    /// The entry as written, for the manifest.
    pub raw: toml::Table,
}

/// The keys an entry of `heatmaps` may hold besides `dataset`: what each
/// heatmap of a list has of its own (ComplexHeatmap's per-heatmap
/// `col`, `name`, `column_title`, `cluster_columns`).
pub const LIST_ENTRY_KEYS: [&str; 12] = [
    "cmap",
    "center",
    "vmin",
    "vmax",
    "robust",
    "na_color",
    "title",
    "cbar_label",
    "col_cluster",
    "z_score",
    "standard_scale",
    "xticklabels",
];

/// The keys of a `[[figure]]` naming the figure an axis order comes from.
pub const ORDER_FROM_KEYS: [&str; 2] = ["row_order_from", "col_order_from"];

impl FigureConfig {
    /// The figure `row_order_from` (`key` = `"row_order_from"`) or
    /// `col_order_from` names.
    pub fn order_from(&self, key: &str) -> Option<&OrderFrom> {
        if key == ORDER_FROM_KEYS[0] {
            self.row_order_from.as_ref()
        } else {
            self.col_order_from.as_ref()
        }
    }
}

/// A config error at key `key` of the i-th `[[figure]]`.
fn figure_err(
    path: &Path,
    text: &str,
    lines: &Lines,
    i: usize,
    key: Option<&str>,
    msg: impl std::fmt::Display,
) -> Error {
    match key.and_then(|k| lines.figure(i, k)) {
        Some(line) => Error::config(path, Some(line), key, msg.to_string()),
        None => config_err(path, text, key, msg),
    }
}

/// Where a `[[figure]]` stands: for messages naming its file and line.
struct Where<'a> {
    path: &'a Path,
    text: &'a str,
    lines: &'a Lines,
    i: usize,
}

/// The `[[figure]]` table `f` (the i-th), checked and merged over
/// `defaults`; `figures` are those read before it (names must be unique).
fn figure_config(
    w: &Where,
    f: toml::Value,
    defaults: &toml::Table,
    output: &OutputConfig,
    figures: &[FigureConfig],
) -> Result<FigureConfig> {
    let (path, text, spans, i) = (w.path, w.text, w.lines, w.i);
    let toml::Value::Table(mut t) = f else {
        return Err(config_err(
            path,
            text,
            Some("figure"),
            "each [[figure]] must be a table",
        ));
    };
    let name = match t.remove("name") {
        Some(toml::Value::String(s)) if valid_name(&s) => s,
        Some(_) => {
            return Err(figure_err(
                path,
                text,
                spans,
                i,
                Some("name"),
                "figure names use letters, digits, '-', '_' and '.'",
            ))
        }
        None => {
            return Err(Error::config(
                path,
                spans.figure_start(i),
                Some("name"),
                format!("[[figure]] number {} has no name", i + 1),
            ))
        }
    };
    let kind: Kind = match t.remove("kind") {
        Some(toml::Value::String(s)) => s
            .parse()
            .map_err(|e: String| figure_err(path, text, spans, i, Some("kind"), e))?,
        _ => {
            return Err(figure_err(
                path,
                text,
                spans,
                i,
                Some("kind"),
                format!("figure '{name}' needs kind = heatmap|clustermap|corrmap|dotplot"),
            ))
        }
    };
    let datasets: Vec<String> = match t.remove("datasets") {
        Some(v) => de(path, text, v, &format!("figure '{name}'"))?,
        None => vec![],
    };
    let mut from = [None, None];
    for (slot, key) in from.iter_mut().zip(ORDER_FROM_KEYS) {
        let Some(v) = t.remove(key) else { continue };
        let err = |msg: String| figure_err(path, text, spans, i, Some(key), msg);
        let toml::Value::String(v) = v else {
            return Err(err(format!(
                "figure '{name}': {key} expects the name of a figure, \"FIGURE\" (of the same dataset) or \"DATASET/FIGURE\""
            )));
        };
        let (dataset, figure) = match v.split_once('/') {
            Some((d, f)) => (Some(d.to_string()), f.to_string()),
            None => (None, v.clone()),
        };
        if !valid_name(&figure) || dataset.as_deref().is_some_and(|d| !valid_name(d)) {
            return Err(err(format!(
                "figure '{name}': {key} = \"{v}\" is not a figure name: write \"FIGURE\" or \"DATASET/FIGURE\""
            )));
        }
        if !matches!(kind, Kind::Heatmap | Kind::Clustermap) {
            return Err(err(format!(
                "figure '{name}': {key} applies to heatmap and clustermap figures, not to {}",
                kind.name()
            )));
        }
        *slot = Some(OrderFrom { dataset, figure });
    }
    let [row_order_from, col_order_from] = from;
    let heatmaps = list_entries(w, &name, kind, t.remove("heatmaps"))?;
    let mut merged = defaults.clone();
    for (k, v) in &t {
        merged.insert(k.clone(), v.clone());
    }
    let mut options = FigureOptions::from_table(kind, defaults, &t).map_err(|e| {
        match e.key.as_deref() {
            // A key from [defaults] is reported there, at its line.
            Some(k) if !t.contains_key(k) => Error::config(
                path,
                spans.defaults(k),
                Some(k),
                format!(
                    "in [defaults] (for figure '{name}'): {}",
                    crate::error::config_words(&e.message)
                ),
            ),
            k => figure_err(
                path,
                text,
                spans,
                i,
                k,
                format!(
                    "figure '{name}': {}",
                    crate::error::config_words(&e.message)
                ),
            ),
        }
    })?;
    if let Some(dpi) = output.dpi {
        options.dpi = dpi;
        options.validate_for(kind).map_err(|e| {
            Error::config(
                path,
                spans.output("dpi"),
                Some("dpi"),
                format!(
                    "in [output]: {}",
                    crate::error::config_words(&e.to_string())
                ),
            )
        })?;
    }
    if figures.iter().any(|f: &FigureConfig| f.name == name) {
        return Err(figure_err(
            path,
            text,
            spans,
            i,
            Some("name"),
            format!("figure name '{name}' is used twice; give each [[figure]] its own name"),
        ));
    }
    // The axis taken from another figure is not also given, split or
    // grouped here.
    for (key, given) in [
        (
            "row_order_from",
            [
                ("row_order", options.row_order.is_some()),
                ("row_linkage", options.row_linkage.is_some()),
                ("row_split", options.row_split.is_some()),
                ("kmeans_rows", options.kmeans_rows.is_some()),
                ("groupby", options.groupby.is_some()),
            ],
        ),
        (
            "col_order_from",
            [
                ("col_order", options.col_order.is_some()),
                ("col_linkage", options.col_linkage.is_some()),
                ("col_split", options.col_split.is_some()),
                ("genes", !options.genes.is_empty()),
                ("groupby", false),
            ],
        ),
    ] {
        let on = if key == "row_order_from" {
            row_order_from.is_some()
        } else {
            col_order_from.is_some()
        };
        if let Some((k, _)) = given.iter().find(|(_, g)| *g).filter(|_| on) {
            return Err(figure_err(
                path,
                text,
                spans,
                i,
                Some(key),
                format!(
                    "figure '{name}': {key} takes the order from another figure, so {k} does not apply with it: leave one out"
                ),
            ));
        }
    }
    Ok(FigureConfig {
        name,
        kind,
        datasets,
        row_order_from,
        col_order_from,
        heatmaps,
        options,
        raw: merged,
    })
}

/// The `heatmaps` of figure `name`: required (at least one) for a
/// `heatmap_list`, refused for other kinds; each entry a table of
/// `dataset` and [`LIST_ENTRY_KEYS`].
fn list_entries(
    w: &Where,
    name: &str,
    kind: Kind,
    v: Option<toml::Value>,
) -> Result<Vec<ListEntry>> {
    let err = |msg: String| figure_err(w.path, w.text, w.lines, w.i, Some("heatmaps"), msg);
    let list = kind == Kind::HeatmapList;
    let entries = match v {
        None if list => {
            return Err(Error::config(
                w.path,
                w.lines.figure(w.i, "kind").or(w.lines.figure_start(w.i)),
                Some("heatmaps"),
                format!(
                    "figure '{name}': a heatmap_list needs the heatmaps after the main one: [[figure.heatmaps]] tables with dataset = \"NAME\" (and their own cmap, title, …)"
                ),
            ))
        }
        None => return Ok(vec![]),
        Some(_) if !list => {
            return Err(err(format!(
                "figure '{name}': heatmaps applies to kind = \"heatmap_list\" figures, not to {}",
                kind.name()
            )))
        }
        Some(toml::Value::Array(a)) if !a.is_empty() => a,
        Some(_) => {
            return Err(err(format!(
                "figure '{name}': heatmaps expects one or more tables ([[figure.heatmaps]] with dataset = \"NAME\")"
            )))
        }
    };
    let mut out = Vec::new();
    for (j, e) in entries.into_iter().enumerate() {
        let toml::Value::Table(mut t) = e else {
            return Err(err(format!(
                "figure '{name}': heatmaps entry {} is not a table",
                j + 1
            )));
        };
        let raw = t.clone();
        let dataset = match t.remove("dataset") {
            None => None,
            Some(toml::Value::String(d)) => Some(d),
            Some(_) => {
                return Err(err(format!(
                    "figure '{name}': heatmaps entry {}: dataset expects a dataset's name",
                    j + 1
                )))
            }
        };
        if let Some(k) = t.keys().find(|k| !LIST_ENTRY_KEYS.contains(&k.as_str())) {
            return Err(err(format!(
                "figure '{name}': heatmaps entry {}: '{k}' is not a key of one heatmap of a list (dataset, {}); the figure's own keys set the main heatmap and the whole figure",
                j + 1,
                LIST_ENTRY_KEYS.join(", ")
            )));
        }
        let options = FigureOptions::from_table(kind, &toml::Table::new(), &t).map_err(|e| {
            err(format!(
                "figure '{name}': heatmaps entry {}: {}",
                j + 1,
                crate::error::config_words(&e.message)
            ))
        })?;
        out.push(ListEntry {
            dataset,
            options,
            raw,
        });
    }
    Ok(out)
}

/// `v` as `T`, or a config error naming the key at fault, in plain words.
fn de<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    v: toml::Value,
    what: &str,
) -> Result<T> {
    let table = v.as_table().cloned();
    v.try_into().map_err(|e: toml::de::Error| {
        let msg = e.message().to_string();
        let key = key_from_message(&msg).or_else(|| table.as_ref().and_then(|t| culprit::<T>(t)));
        config_err(
            path,
            text,
            key.as_deref(),
            format!("in {what}: {}", crate::error::plain_words(&msg)),
        )
    })
}

/// The key of `table` that makes deserialising it as `T` fail: the one
/// whose removal makes the error go away or become "missing field `key`".
fn culprit<T: serde::de::DeserializeOwned>(table: &toml::Table) -> Option<String> {
    for k in table.keys() {
        let mut t = table.clone();
        t.remove(k);
        match toml::Value::Table(t).try_into::<T>() {
            Ok(_) => return Some(k.clone()),
            Err(e) if e.message().contains(&format!("missing field `{k}`")) => {
                return Some(k.clone())
            }
            Err(_) => {}
        }
    }
    None
}

/// The 1-based line where `key` is assigned, or its `[key]` /
/// `[[key]]` section starts (first occurrence).
fn find_key_line(text: &str, key: &str) -> Option<usize> {
    let bare = key.rsplit('.').next().unwrap_or(key);
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            if t == format!("[{bare}]") || t == format!("[[{bare}]]") {
                return true;
            }
            t.strip_prefix(bare)
                .or_else(|| t.strip_prefix(&format!("\"{bare}\"")))
                .is_some_and(|rest| {
                    rest.trim_start().starts_with('=') || rest.trim_start().starts_with(':')
                })
        })
        .map(|i| i + 1)
}

/// True for a bare TOML key (letters, digits, `_`, `-`).
fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// True for a `.json` config (else TOML).
fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// The key serde complained about, from its message.
fn key_from_message(msg: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `", "duplicate key `"] {
        if let Some(rest) = msg.split(marker).nth(1) {
            return rest.split('`').next().map(|s| s.to_string());
        }
    }
    None
}

impl Config {
    /// A job's error message in a config user's words: every option the
    /// message names in the command line's form, `key (--flag)` or
    /// `key = value (--flag value)`, is named by where it stands instead —
    /// `key (FILE line N)`, the line of the `figure`-th `[[figure]]`'s key
    /// or of `[defaults]` — or as the bare key when the config does not set
    /// it (a default).
    pub fn in_config_words(&self, figure: usize, msg: &str) -> String {
        let file = self
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut s = msg.to_string();
        for spec in crate::options::OPTIONS {
            let flag = format!("({}", crate::error::flag_of(spec.key));
            if !s.contains(&flag) {
                continue;
            }
            let line = self
                .lines
                .figure(figure, spec.key)
                .or_else(|| self.lines.defaults(spec.key));
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            while let Some(at) = rest.find(&flag) {
                let after = &rest[at + flag.len()..];
                // Only the whole flag: `(--row-split` is not `(--row`.
                let end = match after.chars().next() {
                    Some(')') => Some(0),
                    Some(' ') => after.find(')'),
                    _ => None,
                };
                let Some(end) = end else {
                    out.push_str(&rest[..at + flag.len()]);
                    rest = after;
                    continue;
                };
                let head = rest[..at].trim_end_matches(' ');
                out.push_str(head);
                if let Some(l) = line {
                    out.push_str(&format!(" ({file} line {l})"));
                }
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            s = out;
        }
        s
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        Self::parse(path, &text)
    }

    /// A config from its text, as if read from `path` (JSON when `path`
    /// ends in `.json`, else TOML): relative paths in it are read from
    /// `path`'s directory, and messages name `path`. For configs built in
    /// memory (a Python dict), e.g. `<dict>.json` in the working directory.
    ///
    /// Errors: as [`Config::load`], without the read.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let text = text.to_string();
        let root: toml::Table = if is_json(path) {
            serde_json::from_str(&text).map_err(|e| {
                // serde_json ends its message with the place; say it once,
                // with the key assigned on that line when there is one.
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg);
                let key = text.lines().nth(e.line().saturating_sub(1)).and_then(|l| {
                    let before = &l[..e.column().min(l.len())];
                    let (k, _) = before.rsplit_once("\":")?;
                    let k = k.rsplit('"').next()?;
                    valid_key(k).then(|| k.to_string())
                });
                Error::config(
                    path,
                    Some(e.line()),
                    key.as_deref(),
                    format!("{} (column {})", crate::error::plain_words(msg), e.column()),
                )
            })?
        } else {
            toml::from_str(&text).map_err(|e| {
                let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
                // The key assigned on that line, if one is.
                let key = line.and_then(|l| {
                    let s = text.lines().nth(l - 1)?;
                    let (k, _) = s.split_once('=')?;
                    let k = k.trim().trim_matches('"');
                    valid_key(k).then(|| k.to_string())
                });
                Error::config(
                    path,
                    line,
                    key.as_deref(),
                    crate::error::plain_words(e.message().trim()),
                )
            })?
        };
        let base = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
        Self::from_table(path, &base, &text, root)
    }

    fn from_table(path: &Path, base: &Path, text: &str, mut root: toml::Table) -> Result<Config> {
        for key in root.keys() {
            if !["output", "defaults", "dataset", "figure"].contains(&key.as_str()) {
                return Err(config_err(
                    path,
                    text,
                    Some(key),
                    "unknown section (expected [output], [defaults], [[dataset]], [[figure]])",
                ));
            }
        }
        let output: OutputConfig = match root.remove("output") {
            Some(v) => de(path, text, v, "[output]")?,
            None => OutputConfig::default(),
        };
        let defaults: toml::Table = match root.remove("defaults") {
            Some(toml::Value::Table(t)) => t,
            Some(_) => return Err(config_err(path, text, Some("defaults"), "must be a table")),
            None => toml::Table::new(),
        };
        let lines = Lines::parse(text, is_json(path));
        let datasets: Vec<DatasetConfig> = match root.remove("dataset") {
            Some(toml::Value::Array(a)) => a
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    de(path, text, v, "[[dataset]]").map_err(|e| match e {
                        // The key's line in this [[dataset]]; a missing key
                        // at the table's start.
                        Error::Config {
                            path,
                            key,
                            message,
                            line,
                        } => {
                            let at = key.as_deref().and_then(|k| lines.dataset(i, k));
                            Error::Config {
                                line: at.or(lines.dataset_start(i)).or(line),
                                path,
                                key,
                                message,
                            }
                        }
                        e => e,
                    })
                })
                .collect::<Result<Vec<DatasetConfig>>>()?,
            Some(_) => {
                return Err(config_err(
                    path,
                    text,
                    Some("dataset"),
                    "use [[dataset]] (an array of tables)",
                ))
            }
            None => vec![],
        };
        if datasets.is_empty() {
            return Err(Error::config(path, None, None, "no [[dataset]] given"));
        }
        let mut figures = Vec::new();
        let figs = match root.remove("figure") {
            Some(toml::Value::Array(a)) => a,
            Some(_) => {
                return Err(config_err(
                    path,
                    text,
                    Some("figure"),
                    "use [[figure]] (an array of tables)",
                ))
            }
            None => vec![],
        };
        if figs.is_empty() {
            return Err(Error::config(path, None, None, "no [[figure]] given"));
        }
        for (i, f) in figs.into_iter().enumerate() {
            let fig = figure_config(
                &Where {
                    path,
                    text,
                    lines: &lines,
                    i,
                },
                f,
                &defaults,
                &output,
                &figures,
            )?;
            figures.push(fig);
        }
        if !output.naming.contains("{dataset}")
            || !output.naming.contains("{figure}")
            || !output.naming.ends_with(".{ext}")
        {
            return Err(config_err(
                path,
                text,
                Some("naming"),
                "the naming pattern must contain {dataset} and {figure} and end with .{ext}, so every output path is unique",
            ));
        }
        if output.formats.is_empty() {
            return Err(config_err(
                path,
                text,
                Some("formats"),
                "list at least one format",
            ));
        }
        let names: Vec<&str> = datasets.iter().filter_map(|d| d.name.as_deref()).collect();
        for (i, f) in figures.iter().enumerate() {
            for d in &f.datasets {
                if !names.contains(&d.as_str()) && !datasets.iter().any(|ds| ds.name.is_none()) {
                    return Err(Error::config(
                        path,
                        lines.figure(i, "datasets"),
                        Some("datasets"),
                        format!("figure '{}' names unknown dataset '{d}'", f.name),
                    ));
                }
            }
        }
        check_order_from(path, &lines, &figures)?;
        Ok(Config {
            path: path.to_path_buf(),
            base: base.to_path_buf(),
            output,
            datasets,
            figures,
            lines,
        })
    }
}

/// `row_order_from`/`col_order_from` name a figure of the config that
/// has such an order (a heatmap or clustermap whose axis is not split or
/// grouped), and no figure follows itself through a chain; refused at
/// the key's line.
fn check_order_from(path: &Path, lines: &Lines, figures: &[FigureConfig]) -> Result<()> {
    let index = |n: &str| figures.iter().position(|f| f.name == n);
    for (i, f) in figures.iter().enumerate() {
        for key in ORDER_FROM_KEYS {
            let Some(from) = f.order_from(key) else {
                continue;
            };
            let err = |msg: String| Error::config(path, lines.figure(i, key), Some(key), msg);
            let Some(j) = index(&from.figure) else {
                let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
                return Err(err(format!(
                    "figure '{}': {key} names figure '{}', which the config does not have (figures: {})",
                    f.name,
                    from.figure,
                    names.join(", ")
                )));
            };
            let leader = &figures[j];
            let rows = key == "row_order_from";
            let o = &leader.options;
            let why = if !matches!(leader.kind, Kind::Heatmap | Kind::Clustermap) {
                Some(format!("a {}", leader.kind.name()))
            } else if rows && o.row_split.is_some() {
                Some("split by row_split".into())
            } else if rows && o.kmeans_rows.is_some() {
                Some("split by kmeans_rows".into())
            } else if o.groupby.is_some() || !o.genes.is_empty() {
                Some("a grouped figure (groupby, genes)".into())
            } else if !rows && o.col_split.is_some() {
                Some("split by col_split".into())
            } else {
                None
            };
            if let Some(why) = why {
                return Err(err(format!(
                    "figure '{}': {key} names figure '{}', which is {why}: name a heatmap or clustermap whose {} are one block",
                    f.name,
                    leader.name,
                    if rows { "rows" } else { "columns" }
                )));
            }
            // A chain back to `f` (through rows or columns) is a cycle.
            let mut chain = vec![f.name.as_str()];
            let mut seen = vec![false; figures.len()];
            if reaches(figures, j, i, &mut chain, &mut seen) {
                return Err(err(format!(
                    "figure '{}': {key} makes a cycle ({}): one figure of the chain must compute its own order",
                    f.name,
                    chain.join(" -> ")
                )));
            }
        }
    }
    Ok(())
}

/// True when figure `at` takes an order from `target`, directly or
/// through other figures (by `row_order_from` or `col_order_from`);
/// `chain` then ends with the figures on the way.
fn reaches<'a>(
    figures: &'a [FigureConfig],
    at: usize,
    target: usize,
    chain: &mut Vec<&'a str>,
    seen: &mut [bool],
) -> bool {
    chain.push(&figures[at].name);
    if at == target {
        return true;
    }
    if !seen[at] {
        seen[at] = true;
        for key in ORDER_FROM_KEYS {
            let next = figures[at]
                .order_from(key)
                .and_then(|n| figures.iter().position(|f| f.name == n.figure));
            if let Some(next) = next {
                if reaches(figures, next, target, chain, seen) {
                    return true;
                }
            }
        }
    }
    chain.pop();
    false
}

/// Names that are safe as path components on every platform.
pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

impl DatasetConfig {
    /// A dataset of one file read with `read` (no name, no strips): how a
    /// single-figure command's input enters the batch plan.
    pub fn from_read(path: &Path, read: &ReadOptions) -> DatasetConfig {
        DatasetConfig {
            name: None,
            path: path.display().to_string(),
            index_col: read.index_col.clone(),
            format: read.format,
            transpose: read.transpose,
            dataset: read.dataset.clone(),
            row_names: read.row_names.clone(),
            col_names: read.col_names.clone(),
            layer: read.layer.clone(),
            col_colors: vec![],
            row_colors: vec![],
        }
    }

    /// How to read this dataset's file.
    pub fn read_options(&self) -> ReadOptions {
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

/// Serialisable summary of the options of a figure (for hashing).
pub(crate) fn canonical(t: &toml::Table) -> String {
    // BTreeMap order makes the text independent of key order in the file.
    let sorted: BTreeMap<&String, &toml::Value> = t.iter().collect();
    serde_json::to_string(&sorted).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        let root: toml::Table = toml::from_str(text).unwrap();
        Config::from_table(Path::new("c.toml"), Path::new("."), text, root)
    }

    #[test]
    fn job_errors_name_the_config_line_not_the_flag() {
        let c = parse(
            "[defaults]\ncbar = false\n\n[[dataset]]\npath = \"x.csv\"\n\n\
             [[figure]]\nname = \"m\"\nkind = \"heatmap\"\ncmap = \"magma\"\n\
             cbar_pos = [0.1, 0.1, 0.1, 0.1]\n",
        )
        .unwrap();
        assert_eq!(
            c.in_config_words(0, "cmap = \"x\" (--cmap x) is unknown; see vmin (--vmin)"),
            "cmap = \"x\" (c.toml line 10) is unknown; see vmin"
        );
        // The whole flag only: `(--cbar-pos)` is not `(--cbar`; `[defaults]` keys by their line.
        assert_eq!(
            c.in_config_words(0, "cbar_pos (--cbar-pos) with cbar (--cbar)"),
            "cbar_pos (c.toml line 11) with cbar (c.toml line 2)"
        );
        assert_eq!(c.in_config_words(0, "no option here"), "no option here");
    }

    #[test]
    fn json_configs_read_floats_exactly() {
        // serde_json's default float parser can be one ulp off; a JSON
        // config's vmin must be the number written (float_roundtrip).
        let v: f64 = serde_json::from_str("1.6956099283382053").unwrap();
        assert_eq!(v.to_bits(), 1.6956099283382053f64.to_bits());
        let t: toml::Table = serde_json::from_str(r#"{"vmin": 0.30000000000000004}"#).unwrap();
        assert_eq!(
            t["vmin"].as_float().unwrap().to_bits(),
            0.30000000000000004f64.to_bits()
        );
    }

    #[test]
    fn unknown_keys_are_reported_with_line() {
        let text = "[[dataset]]\npath = \"a.csv\"\n\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\ncmapp = \"viridis\"\n";
        let e = parse(text).unwrap_err().to_string();
        assert!(e.contains("line 7") && e.contains("cmapp"), "{e}");
        let text = "[[dataset]]\npath = \"a.csv\"\nnme = \"x\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\n";
        let e = parse(text).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("nme"), "{e}");
    }

    #[test]
    fn bad_values_are_rejected_before_work() {
        let text = "[[dataset]]\npath = \"a.csv\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\ncmap = \"nope\"\n";
        assert!(parse(text)
            .unwrap_err()
            .to_string()
            .contains("unknown colour map"));
        let text = "[[dataset]]\npath = \"a.csv\"\n[[figure]]\nname = \"h\"\nkind = \"pie\"\n";
        assert!(parse(text).unwrap_err().to_string().contains("kind"));
        let text = "[defaults]\nmethod = \"ward\"\nmetric = \"cosine\"\n[[dataset]]\npath = \"a.csv\"\n[[figure]]\nname = \"h\"\nkind = \"clustermap\"\n";
        assert!(parse(text).unwrap_err().to_string().contains("euclidean"));
    }

    #[test]
    fn defaults_merge_under_figure_keys() {
        let text = "[defaults]\ncmap = \"viridis\"\ndpi = 50\n[[dataset]]\npath = \"a.csv\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\ncmap = \"magma\"\n";
        let c = parse(text).unwrap();
        assert_eq!(c.figures[0].options.cmap.as_deref(), Some("magma"));
        assert_eq!(c.figures[0].options.dpi, 50.0);
        assert_eq!(c.figures[0].options.precision, crate::cluster::Dtype::F64);
        let text = "[defaults]\nprecision = \"f32\"\n[[dataset]]\npath = \"a.csv\"\n[[figure]]\nname = \"c\"\nkind = \"clustermap\"\n";
        assert_eq!(
            parse(text).unwrap().figures[0].options.precision,
            crate::cluster::Dtype::F32
        );
        let text = "[[dataset]]\npath = \"a.csv\"\n[[figure]]\nname = \"c\"\nkind = \"clustermap\"\nprecision = \"f16\"\n";
        assert!(parse(text).is_err());
    }
}
