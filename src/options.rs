//! Every figure option, declared once (name, type, default, the kinds it
//! applies to, one line of help, seaborn's equivalent) in the
//! `figure_options!` table below. That one declaration gives the
//! [`FigureOptions`] struct (serde, defaults), the CLI flags and their
//! `--help` (the `heatmill` binary reads [`OPTIONS`]), the config keys and
//! their validation ([`FigureOptions::from_table`]), the analysis cache
//! key ([`FigureOptions::analysis_key`]) and the table in
//! `configs/README.md` ([`markdown_table`], checked by a test).

use std::collections::BTreeMap;

use crate::cluster::{Dtype, Method, Metric};
use crate::error::Error;
use crate::prep::Axis;
use crate::render::mesh::Aggregate;
use crate::render::scale::ColorOptions;
use crate::render::scene::TextMode;
use crate::stats::CorrMethod;

/// The three figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `sns.heatmap`: the matrix as given (optionally z-scored, thinned).
    Heatmap,
    /// `sns.clustermap`: rows and/or columns reordered by their
    /// dendrograms, drawn beside the heatmap.
    Clustermap,
    /// The `n × n` correlation matrix of the rows (`numpy.corrcoef`, or
    /// Spearman), optionally clustered.
    Corrmap,
    /// scanpy's `pl.dotplot`: one row per `groupby` group, one column per
    /// gene; a dot's colour is the group's mean, its size the share of
    /// the group's cells expressing the gene.
    Dotplot,
    /// ComplexHeatmap's `HeatmapList` (`ht1 + ht2`): heatmaps of several
    /// datasets side by side sharing their rows, ordered by the first's
    /// row clustering (a batch config's `heatmaps`).
    HeatmapList,
}

impl Kind {
    /// The kind's name (`"heatmap"`, ...), as configs and subcommands write it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Heatmap => "heatmap",
            Kind::Clustermap => "clustermap",
            Kind::Corrmap => "corrmap",
            Kind::Dotplot => "dotplot",
            Kind::HeatmapList => "heatmap_list",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "heatmap" => Ok(Kind::Heatmap),
            "clustermap" => Ok(Kind::Clustermap),
            "corrmap" => Ok(Kind::Corrmap),
            "dotplot" => Ok(Kind::Dotplot),
            "heatmap_list" => Ok(Kind::HeatmapList),
            _ => Err(format!(
                "unknown figure kind '{s}' (expected heatmap, clustermap, corrmap, dotplot or heatmap_list)"
            )),
        }
    }
}

/// Which side of the heatmap the colour bar runs along
/// (matplotlib's `colorbar(location=…)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CbarLocation {
    /// Right of everything on the right (vertical).
    Right,
    /// Left of everything on the left (vertical).
    Left,
    /// Above the heatmap and its column decorations (horizontal).
    Top,
    /// Below the column labels and x label (horizontal).
    Bottom,
}

impl CbarLocation {
    /// Top and bottom bars run horizontally.
    pub fn horizontal(self) -> bool {
        matches!(self, CbarLocation::Top | CbarLocation::Bottom)
    }
}

/// The colour bar's direction (matplotlib's `orientation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CbarOrientation {
    /// Gradient bottom (vmin) to top (vmax), ticks on the right.
    Vertical,
    /// Gradient left (vmin) to right (vmax), ticks below.
    Horizontal,
}

/// Which tick labels to show (seaborn's `xticklabels`/`yticklabels`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TickLabels {
    /// One label per font height, like seaborn's "auto".
    #[default]
    Auto,
    /// Every label (seaborn's `True`).
    All,
    /// No labels (seaborn's `False`).
    None,
    /// Every n-th label, starting with the first.
    Every(usize),
    /// These texts in place of the axis's labels, one per row (column) in
    /// input order, every one shown (seaborn's list-like `xticklabels`);
    /// they follow the rows through clustering (as `clustermap` reorders
    /// a given list by the dendrogram's leaves). Their number must equal
    /// the axis's length.
    Labels(Vec<String>),
    /// `file:PATH`: the labels read from a file, one per line (every line
    /// is one label, the final newline ending the last), then as
    /// [`TickLabels::Labels`]. The pipeline reads the file.
    File(String),
}

impl TickLabels {
    /// The given texts, when labels replace the axis's own.
    pub fn replacements(&self) -> Option<&[String]> {
        match self {
            TickLabels::Labels(v) => Some(v),
            _ => None,
        }
    }
}

impl std::str::FromStr for TickLabels {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(TickLabels::Auto),
            "all" | "true" => Ok(TickLabels::All),
            "none" | "false" => Ok(TickLabels::None),
            _ if s.starts_with("file:") => match &s[5..] {
                "" => Err("tick labels file:PATH needs a path after 'file:'".to_string()),
                p => Ok(TickLabels::File(p.to_string())),
            },
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&k| k > 0)
                .map(TickLabels::Every)
                .ok_or_else(|| {
                    format!(
                        "tick labels must be auto, all, none, a positive number, file:PATH or a list of labels, got '{s}'"
                    )
                }),
        }
    }
}

impl serde::Serialize for TickLabels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            TickLabels::Auto => s.serialize_str("auto"),
            TickLabels::All => s.serialize_str("all"),
            TickLabels::None => s.serialize_str("none"),
            TickLabels::Every(n) => s.serialize_u64(*n as u64),
            TickLabels::Labels(v) => v.serialize(s),
            TickLabels::File(p) => s.serialize_str(&format!("file:{p}")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for TickLabels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            B(bool),
            N(u64),
            S(String),
            L(Vec<String>),
        }
        match Raw::deserialize(d)? {
            Raw::B(true) => Ok(TickLabels::All),
            Raw::B(false) => Ok(TickLabels::None),
            Raw::N(n) if n > 0 => Ok(TickLabels::Every(n as usize)),
            Raw::N(_) => Err(serde::de::Error::custom("tick label step must be positive")),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
            Raw::L(v) => Ok(TickLabels::Labels(v)),
        }
    }
}

/// What `annot` writes in the cells (seaborn's `annot`: `True`, or an
/// array of the data's shape).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "AnnotRepr", into = "AnnotRepr")]
pub enum Annot {
    /// No text (`false`).
    #[default]
    Off,
    /// Each cell's value, formatted with `fmt` (`true`).
    Values,
    /// `file:PATH`: a table with row labels in its first column and
    /// column labels as header, looked up by label (so it follows any
    /// reordering); numbers are formatted with `fmt`, other text written as
    /// is, blank cells get none.
    File(String),
    /// Significance stars of each correlation (corrmap): `*` p < 0.05,
    /// `**` p < 0.01, `***` p < 0.001, from the two-sided t-test of r with
    /// n − 2 degrees of freedom (`scipy.stats.pearsonr`'s p-value).
    Stars,
}

/// How `annot` is written: a boolean, or a text (`file:PATH`, `stars`).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum AnnotRepr {
    Flag(bool),
    Text(String),
}

impl TryFrom<AnnotRepr> for Annot {
    type Error = String;
    fn try_from(r: AnnotRepr) -> std::result::Result<Self, String> {
        match r {
            AnnotRepr::Flag(true) => Ok(Annot::Values),
            AnnotRepr::Flag(false) => Ok(Annot::Off),
            AnnotRepr::Text(s) => match s.as_str() {
                "true" => Ok(Annot::Values),
                "false" => Ok(Annot::Off),
                "stars" => Ok(Annot::Stars),
                _ => match s.strip_prefix("file:") {
                    Some(p) if !p.is_empty() => Ok(Annot::File(p.to_string())),
                    _ => Err(format!(
                        "unknown annot '{s}' (expected true, false, stars or file:PATH)"
                    )),
                },
            },
        }
    }
}

impl From<Annot> for AnnotRepr {
    fn from(a: Annot) -> AnnotRepr {
        match a {
            Annot::Off => AnnotRepr::Flag(false),
            Annot::Values => AnnotRepr::Flag(true),
            Annot::File(p) => AnnotRepr::Text(format!("file:{p}")),
            Annot::Stars => AnnotRepr::Text("stars".into()),
        }
    }
}

impl Annot {
    /// Any text in the cells.
    pub fn is_on(&self) -> bool {
        *self != Annot::Off
    }
}

/// A display mask: cells not drawn (and left out of the colour range).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MaskSpec {
    /// Above the diagonal (numpy `triu(k=1)`, the tutorial's mask).
    Upper,
    /// Above and on the diagonal (`triu(k=0)`, seaborn's gallery).
    UpperK0,
    /// Below the diagonal (`tril(k=-1)`).
    Lower,
    /// Below and on the diagonal.
    LowerK0,
    /// `file:PATH`: a table with the matrix's row labels in its first
    /// column and its column labels as header; non-zero cells are hidden.
    /// Matched by label, so it follows the rows through any reordering.
    File(String),
}

impl std::str::FromStr for MaskSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "upper" => Ok(MaskSpec::Upper),
            "upper-k0" => Ok(MaskSpec::UpperK0),
            "lower" => Ok(MaskSpec::Lower),
            "lower-k0" => Ok(MaskSpec::LowerK0),
            _ => match s.strip_prefix("file:") {
                Some(p) if !p.is_empty() => Ok(MaskSpec::File(p.to_string())),
                _ => Err(format!(
                    "unknown mask '{s}' (expected upper, upper-k0, lower, lower-k0 or file:PATH)"
                )),
            },
        }
    }
}

impl TryFrom<String> for MaskSpec {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse()
    }
}

impl From<MaskSpec> for String {
    fn from(m: MaskSpec) -> String {
        match m {
            MaskSpec::Upper => "upper".into(),
            MaskSpec::UpperK0 => "upper-k0".into(),
            MaskSpec::Lower => "lower".into(),
            MaskSpec::LowerK0 => "lower-k0".into(),
            MaskSpec::File(p) => format!("file:{p}"),
        }
    }
}

impl MaskSpec {
    /// True when the cell at display position (i, j) is hidden by a
    /// geometric mask (file masks hide by label, see `figure::LabelMask`).
    pub fn hides(&self, i: usize, j: usize) -> bool {
        match self {
            MaskSpec::Upper => j > i,
            MaskSpec::UpperK0 => j >= i,
            MaskSpec::Lower => j < i,
            MaskSpec::LowerK0 => j <= i,
            MaskSpec::File(_) => false,
        }
    }
}

/// How a correlation map orders its genes when `cluster` is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClusterDistance {
    /// Rows of the correlation matrix as vectors (what
    /// `sns.clustermap(df.corr())` does).
    #[default]
    Rows,
    /// `1 − r` directly.
    OneMinusR,
}

impl std::str::FromStr for ClusterDistance {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "rows" => Ok(ClusterDistance::Rows),
            "one-minus-r" => Ok(ClusterDistance::OneMinusR),
            _ => Err(format!(
                "unknown cluster distance '{s}' (expected rows or one-minus-r)"
            )),
        }
    }
}

/// What to do with missing values in correlations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Refuse, naming the first missing cell.
    #[default]
    Refuse,
    /// Pairwise-complete observations.
    Pairwise,
}

impl std::str::FromStr for Missing {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "refuse" => Ok(Missing::Refuse),
            "pairwise" => Ok(Missing::Pairwise),
            _ => Err(format!(
                "unknown missing policy '{s}' (expected refuse or pairwise)"
            )),
        }
    }
}

/// How `reduce` turns a group's cells into one value per gene
/// (scanpy's `sc.get.aggregate` functions, as `pl.matrixplot` and
/// `pl.dotplot` use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduce {
    /// The mean over the group's cells (`pl.matrixplot`'s colour).
    Mean,
    /// The median over the group's cells (numpy's: the mean of the two
    /// middle values of an even count).
    Median,
    /// The share of the group's cells whose value is above 0
    /// (`pl.dotplot`'s dot size with `expression_cutoff = 0`).
    FractionNonzero,
}

impl std::str::FromStr for Reduce {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "mean" => Ok(Reduce::Mean),
            "median" => Ok(Reduce::Median),
            "fraction_nonzero" => Ok(Reduce::FractionNonzero),
            _ => Err(format!(
                "unknown reduce '{s}' (expected mean, median or fraction_nonzero)"
            )),
        }
    }
}

/// How an option's value is written on the command line (the config
/// writes the same value in TOML: a number, a string, a boolean, a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A boolean: `--key` / `--no-key` on the command line, `key = true`
    /// or `false` in a config.
    Flag,
    /// A real number.
    Number,
    /// A positive whole number.
    Count,
    /// A word or text (names, formats, enumerations).
    Text,
    /// Two numbers, `W,H` (a TOML array `[W, H]`).
    Pair,
    /// One number for both, or two, `ROW,COL` (seaborn's
    /// `dendrogram_ratio`).
    NumberOrPair,
    /// A boolean or a text: `--key` / `--key=TEXT` / `--no-key` on the
    /// command line; `key = true` or `key = "TEXT"` in a config
    /// (seaborn's `annot`: `True` or an array).
    FlagOrText,
    /// Four numbers, `LEFT,BOTTOM,WIDTH,HEIGHT` (a TOML array): a box in
    /// figure fractions, matplotlib's `add_axes` rectangle (seaborn's
    /// `cbar_pos`).
    Bounds,
    /// A repeatable text (`--row-colors A --row-colors B`; a TOML array).
    List,
    /// A word, a number, a boolean or a list of texts (a TOML array); on
    /// the command line one text (seaborn's `xticklabels`: `True`, an
    /// int, `"auto"` or a list; heatmill's `file:PATH`).
    TextOrList,
    /// `NAME=VALUE` pairs, comma-separated (a TOML table).
    Map,
}

/// Which stage of the pipeline an option feeds. Options of the `Read`
/// and `Analysis` stages shape the numbers a figure is computed from, so
/// they make up the keys under which a dataset's linkages and
/// correlations are shared between its figures ([`FigureOptions::analysis_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Applied to the matrix as it is read (log transform, top-N rows).
    Read,
    /// Shapes the analysed data (scaling, clustering, correlation).
    Analysis,
    /// Only how the analysed data are drawn.
    Draw,
}

/// One figure option: the single declaration from which the CLI flags and
/// their `--help`, the config keys and their validation, the analysis
/// cache key and the table in `configs/README.md` are all derived.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The config key (`snake_case`); the flag is `--key-with-dashes`.
    pub key: &'static str,
    /// The figure kinds it applies to; elsewhere it is refused.
    pub kinds: &'static [Kind],
    /// How its value is written.
    pub value: ValueKind,
    /// The accepted words, when the value is one of a fixed set.
    pub choices: &'static [&'static str],
    /// The pipeline stage it feeds.
    pub stage: Stage,
    /// The default, as documented.
    pub default: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// seaborn's (or scipy's, pandas') equivalent, empty when none.
    pub seaborn: &'static str,
    /// A command-line value that differs from the default (used in the
    /// docs and by the test that every option changes the output).
    pub example: &'static str,
}

impl OptionSpec {
    /// The command-line flag, `--top-variable` for `top_variable`.
    pub fn flag(&self) -> String {
        crate::error::flag_of(self.key)
    }

    /// True when the option applies to figures of `kind`.
    pub fn applies_to(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The kinds it applies to, as words: `clustermap and corrmap`.
    pub fn kinds_text(&self) -> String {
        let names: Vec<&str> = self.kinds.iter().map(|k| k.name()).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => one.to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// Checks a config/CLI value against this option's kind before it is
    /// deserialised, so a wrong value is explained in the user's words
    /// (never serde's "invalid type … tuple of size 2"): booleans, finite
    /// numbers, whole numbers of at least 1, one of the accepted words, two
    /// numbers, a list of texts, a table of texts.
    pub fn check_value(&self, v: &toml::Value) -> std::result::Result<(), String> {
        use toml::Value as V;
        let finite = |v: &V| match v {
            V::Float(f) => f.is_finite(),
            V::Integer(_) => true,
            _ => false,
        };
        let shown = v.to_string();
        let ok = match (self.value, v) {
            (ValueKind::Flag, V::Boolean(_)) => true,
            (ValueKind::Flag, _) => return Err(format!("expects true or false, got {shown}")),
            (ValueKind::Number, x) if finite(x) => true,
            (ValueKind::Number, _) => return Err(format!("expects a finite number, got {shown}")),
            (ValueKind::Count, V::Integer(i)) if *i >= 1 => true,
            (ValueKind::Count, _) => {
                return Err(format!("expects a whole number of at least 1, got {shown}"))
            }
            (ValueKind::Text, V::String(s)) => {
                self.choices.is_empty() || self.choices.contains(&s.as_str())
            }
            (ValueKind::Text, V::Integer(i)) => self.choices.contains(&i.to_string().as_str()),
            (ValueKind::Text, _) => false,
            (ValueKind::Pair, V::Array(a)) => a.len() == 2 && a.iter().all(finite),
            (ValueKind::Pair, _) => false,
            (ValueKind::NumberOrPair, V::Array(a)) => a.len() == 2 && a.iter().all(finite),
            (ValueKind::NumberOrPair, x) => finite(x),
            (ValueKind::FlagOrText, V::Boolean(_) | V::String(_)) => true,
            (ValueKind::FlagOrText, _) => {
                return Err(format!("expects true, false or a text, got {shown}"))
            }
            (ValueKind::Bounds, V::Array(a)) => a.len() == 4 && a.iter().all(finite),
            (ValueKind::Bounds, _) => false,
            (ValueKind::List, V::Array(a)) => a.iter().all(|x| x.is_str()),
            (ValueKind::List, _) => false,
            (ValueKind::TextOrList, V::Array(a)) => a.iter().all(|x| x.is_str()),
            (ValueKind::TextOrList, V::String(_) | V::Boolean(_)) => true,
            (ValueKind::TextOrList, V::Integer(i)) => *i >= 1,
            (ValueKind::TextOrList, _) => false,
            (ValueKind::Map, V::Table(t)) => t.values().all(|x| x.is_str()),
            (ValueKind::Map, _) => false,
        };
        if ok {
            return Ok(());
        }
        Err(match self.value {
            ValueKind::Text if !self.choices.is_empty() => {
                format!("expects one of {}; got {shown}", self.choices.join(", "))
            }
            ValueKind::Text => format!("expects a text, got {shown}"),
            ValueKind::Pair => format!("expects two finite numbers [W, H], got {shown}"),
            ValueKind::Bounds => format!(
                "expects four finite numbers [LEFT, BOTTOM, WIDTH, HEIGHT] (figure fractions), got {shown}"
            ),
            ValueKind::NumberOrPair => {
                format!("expects a finite number or two, [ROW, COL], got {shown}")
            }
            ValueKind::List => {
                format!("expects a list of texts, [\"TABLE:COLUMN\", …], got {shown}")
            }
            ValueKind::Map => {
                format!("expects a table of texts, {{ NAME = \"#rrggbb\" }}, got {shown}")
            }
            ValueKind::TextOrList => format!(
                "expects auto, true, false, a whole number of at least 1, \"file:PATH\" or a list of labels [\"A\", \"B\", …], got {shown}"
            ),
            _ => format!("got {shown}"),
        })
    }

    /// Turns the command-line text(s) of this option into the TOML value
    /// the config would hold (so both go through one deserialisation).
    /// `values` holds every occurrence (only `List` takes more than one).
    pub fn toml_from_cli(&self, values: &[String]) -> std::result::Result<toml::Value, String> {
        use toml::Value as V;
        let one = || values.last().cloned().unwrap_or_default();
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{} expects a finite number, got '{s}'", self.flag()))
        };
        Ok(match self.value {
            ValueKind::Flag => V::Boolean(one() == "true"),
            ValueKind::Number => V::Float(number(&one())?),
            ValueKind::Count => {
                let s = one();
                let n: i64 = s
                    .trim()
                    .parse()
                    .map_err(|_| format!("{} expects a whole number, got '{s}'", self.flag()))?;
                V::Integer(n)
            }
            ValueKind::Text | ValueKind::TextOrList => V::String(one()),
            ValueKind::Pair | ValueKind::NumberOrPair => {
                let s = one();
                match s.split_once(',') {
                    Some((a, b)) => V::Array(vec![V::Float(number(a)?), V::Float(number(b)?)]),
                    None if self.value == ValueKind::NumberOrPair => V::Float(number(&s)?),
                    None => {
                        return Err(format!(
                            "{} expects two numbers W,H, got '{s}'",
                            self.flag()
                        ))
                    }
                }
            }
            ValueKind::FlagOrText => match one().as_str() {
                "true" => V::Boolean(true),
                "false" => V::Boolean(false),
                s => V::String(s.to_string()),
            },
            ValueKind::Bounds => {
                let s = one();
                let v = s.split(',').map(number).collect::<Result<Vec<f64>, _>>()?;
                if v.len() != 4 {
                    return Err(format!(
                        "{} expects four numbers LEFT,BOTTOM,WIDTH,HEIGHT, got '{s}'",
                        self.flag()
                    ));
                }
                V::Array(v.into_iter().map(V::Float).collect())
            }
            ValueKind::List => V::Array(values.iter().cloned().map(V::String).collect()),
            ValueKind::Map => {
                let mut t = toml::Table::new();
                for v in values {
                    for item in v.split(',').filter(|s| !s.trim().is_empty()) {
                        let (k, val) = item.split_once('=').ok_or_else(|| {
                            format!("{} expects NAME=VALUE pairs, got '{item}'", self.flag())
                        })?;
                        t.insert(k.trim().to_string(), V::String(val.trim().to_string()));
                    }
                }
                V::Table(t)
            }
        })
    }
}

/// The lookup of an option by key.
pub fn spec(key: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|s| s.key == key)
}

const ALL: &[Kind] = &[Kind::Heatmap, Kind::Clustermap, Kind::Corrmap];
const HEATMAP: &[Kind] = &[Kind::Heatmap];
/// The options of every kind that also mean something on a dot plot.
const ALL_AND_DOTPLOT: &[Kind] = &[
    Kind::Heatmap,
    Kind::Clustermap,
    Kind::Corrmap,
    Kind::Dotplot,
];
const HEATMAP_DOTPLOT: &[Kind] = &[Kind::Heatmap, Kind::Dotplot];
const DOTPLOT: &[Kind] = &[Kind::Dotplot];
const HEATMAP_CLUSTERMAP: &[Kind] = &[Kind::Heatmap, Kind::Clustermap];
const HEATMAP_CORRMAP: &[Kind] = &[Kind::Heatmap, Kind::Corrmap];
const CLUSTERMAP: &[Kind] = &[Kind::Clustermap];
const CORRMAP: &[Kind] = &[Kind::Corrmap];
// The options a heatmap list (`kind = "heatmap_list"`) takes as well.
const ALL_DOTPLOT_LIST: &[Kind] = &[
    Kind::Heatmap,
    Kind::Clustermap,
    Kind::Corrmap,
    Kind::Dotplot,
    Kind::HeatmapList,
];
const ALL_LIST: &[Kind] = &[
    Kind::Heatmap,
    Kind::Clustermap,
    Kind::Corrmap,
    Kind::HeatmapList,
];
const HEATMAP_CLUSTERMAP_LIST: &[Kind] = &[Kind::Heatmap, Kind::Clustermap, Kind::HeatmapList];
const HEATMAP_CLUSTERMAP_DOTPLOT_LIST: &[Kind] = &[
    Kind::Heatmap,
    Kind::Clustermap,
    Kind::Dotplot,
    Kind::HeatmapList,
];
const CLUSTERMAP_CORRMAP_LIST: &[Kind] = &[Kind::Clustermap, Kind::Corrmap, Kind::HeatmapList];
const CLUSTERMAP_LIST: &[Kind] = &[Kind::Clustermap, Kind::HeatmapList];
const HEATMAP_LIST: &[Kind] = &[Kind::HeatmapList];

/// Declares the figure options once: the [`FigureOptions`] struct (serde,
/// defaults) and the [`OPTIONS`] table come from the same lines.
macro_rules! figure_options {
    ($(
        $(#[$attr:meta])*
        $key:ident : $ty:ty = $default:expr => {
            kinds: $kinds:expr,
            value: $value:ident $(($($choice:literal),*))?,
            stage: $stage:ident,
            default: $ddoc:literal,
            help: $help:literal,
            seaborn: $seaborn:literal,
            example: $example:literal $(,)?
        }
    )*) => {
        /// Options of every figure kind; defaults are seaborn's. Declared
        /// once with their table entry ([`OPTIONS`]); a config key or flag
        /// that is not a field here is refused.
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct FigureOptions {
            $(
                #[doc = $help]
                $(#[$attr])*
                pub $key: $ty,
            )*
        }

        impl Default for FigureOptions {
            fn default() -> Self {
                FigureOptions { $($key: $default,)* }
            }
        }

        /// Every figure option, in the order of `configs/README.md`.
        pub static OPTIONS: &[OptionSpec] = &[
            $(OptionSpec {
                key: stringify!($key),
                kinds: $kinds,
                value: ValueKind::$value,
                choices: &[$($($choice),*)?],
                stage: Stage::$stage,
                default: $ddoc,
                help: $help,
                seaborn: $seaborn,
                example: $example,
            },)*
        ];
    };
}

figure_options! {
    // Colour.
    cmap: Option<String> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Text, stage: Draw,
        default: "`rocket`; `icefire` with `center`; `coolwarm` for corrmap",
        help: "colour map: any matplotlib/seaborn name; `_r` reverses",
        seaborn: "cmap", example: "viridis",
    }
    center: Option<f64> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Number, stage: Draw,
        default: "unset (corrmap: 0)",
        help: "value at the colour map's centre (a diverging map around it)",
        seaborn: "center", example: "0.5",
    }
    vmin: Option<f64> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Number, stage: Draw,
        default: "data minimum",
        help: "low end of the colour range; masked and NaN cells are left out of the range",
        seaborn: "vmin", example: "-1",
    }
    vmax: Option<f64> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Number, stage: Draw,
        default: "data maximum",
        help: "high end of the colour range",
        seaborn: "vmax", example: "0.25",
    }
    robust: bool = false => {
        kinds: ALL_DOTPLOT_LIST, value: Flag, stage: Draw,
        default: "false",
        help: "colour range from the 2nd and 98th percentiles instead of the extremes",
        seaborn: "robust", example: "true",
    }
    // Cells.
    annot: Annot = Annot::Off => {
        kinds: ALL, value: FlagOrText, stage: Draw,
        default: "false",
        help: "text in the cells: true (each cell's value, in fmt), file:PATH (a table by row and column label, as the mask file: numbers written in fmt, other text as is, blank cells none; it follows the rows and columns through reordering), or stars (corrmap: * p<0.05, ** p<0.01, *** p<0.001, two-sided t-test of r with n-2 degrees of freedom, as scipy.stats.pearsonr; not corrected for multiple tests)",
        seaborn: "annot", example: "true",
    }
    na_color: Option<String> = None => {
        kinds: ALL_LIST, value: Text, stage: Draw,
        default: "unset (missing cells are not drawn, as seaborn leaves them)",
        help: "colour of missing (NaN) cells — masked cells stay undrawn — with an \"NA\" entry under the colour bar",
        seaborn: "ax.set_facecolor / ComplexHeatmap na_col", example: "#d3d3d3",
    }
    fmt: String = ".2g".into() => {
        kinds: ALL, value: Text, stage: Draw,
        default: "`.2g`",
        help: "Python format of the cell values written by `annot`",
        seaborn: "fmt", example: ".3f",
    }
    linewidths: f64 = 0.0 => {
        kinds: ALL_LIST, value: Number, stage: Draw,
        default: "0",
        help: "width of the lines between cells, in points (drawn where cells are at least 3 px)",
        seaborn: "linewidths", example: "2",
    }
    linecolor: String = "white".into() => {
        kinds: ALL_LIST, value: Text, stage: Draw,
        default: "`white`",
        help: "colour of the lines between cells (name or #rrggbb)",
        seaborn: "linecolor", example: "black",
    }
    square: Option<bool> = None => {
        kinds: HEATMAP_CORRMAP, value: Flag, stage: Draw,
        default: "false (corrmap: true)",
        help: "square cells",
        seaborn: "square", example: "true",
    }
    mask: Option<MaskSpec> = None => {
        kinds: ALL, value: Text, stage: Draw,
        default: "unset",
        help: "cells not drawn: upper (np.triu(k=1)), upper-k0, lower, lower-k0, or file:PATH (a 0/1 table by row and column label)",
        seaborn: "mask", example: "upper",
    }
    aggregate: Aggregate = Aggregate::Mean => {
        kinds: ALL, value: Text("mean", "max", "absmax"), stage: Draw,
        default: "`mean`",
        help: "how cells smaller than a pixel combine into it",
        seaborn: "", example: "max",
    }
    // Labels.
    xticklabels: TickLabels = TickLabels::Auto => {
        kinds: ALL_LIST, value: TextOrList, stage: Draw,
        default: "`auto`",
        help: "column labels: auto (as many as fit, as seaborn picks), all, none, N (every N-th), a list of labels shown in place of the columns' own (one per column, input order; they follow clustering), or file:PATH (the same, one label per line); a list whose length is not the number of columns is refused",
        seaborn: "xticklabels", example: "none",
    }
    yticklabels: TickLabels = TickLabels::Auto => {
        kinds: ALL_LIST, value: TextOrList, stage: Draw,
        default: "`auto`",
        help: "row labels: auto, all, none, N (every N-th), a list of labels in place of the rows' own (one per row, input order; they follow clustering; mark_rows still names rows by their own labels), or file:PATH (one label per line)",
        seaborn: "yticklabels", example: "none",
    }
    xticklabels_rotation: Option<f64> = None => {
        kinds: ALL, value: Number, stage: Draw,
        default: "unset: seaborn's choice (horizontal, or 90 when horizontal labels would overlap)",
        help: "angle of the column labels in degrees, counter-clockwise (matplotlib's rotation; any finite number, taken into (-180, 180]): 0 horizontal, 90 vertical as seaborn turns them, other angles turned about the label's end at its tick (matplotlib's plt.xticks(rotation=45, ha=\"right\", rotation_mode=\"anchor\"): at 45 the text runs down to the left); the room below the heatmap grows to hold them",
        seaborn: "plt.xticks(rotation=…)", example: "45",
    }
    yticklabels_rotation: Option<f64> = None => {
        kinds: ALL, value: Number, stage: Draw,
        default: "unset: seaborn's choice (horizontal, or 90 when vertical labels fit)",
        help: "angle of the row labels in degrees, counter-clockwise, as xticklabels_rotation: 0 horizontal, 90 vertical, other angles turned about the label's end at its tick, running away from the heatmap; not with mark_rows (marked labels are horizontal)",
        seaborn: "plt.yticks(rotation=…)", example: "30",
    }
    font: Option<String> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Text, stage: Draw,
        default: "DejaVu Sans (embedded)",
        help: "font of all text: a font file (.ttf, .otf, .ttc) or a family installed on the system; characters it lacks come from DejaVu Sans, then the system's fonts",
        seaborn: "rcParams font.family", example: "DejaVu Serif",
    }
    text: TextMode = TextMode::Text => {
        kinds: ALL_DOTPLOT_LIST, value: Text("text", "paths"), stage: Draw,
        default: "`text`",
        help: "PDF/SVG text as text (searchable, editable; the font's used glyphs embedded) or as glyph outlines (paths)",
        seaborn: "rcParams svg.fonttype / pdf.fonttype", example: "paths",
    }
    mark_rows: Vec<String> = Vec::new() => {
        kinds: ALL, value: List, stage: Draw,
        default: "none",
        help: "label only these rows, beside the heatmap, each linked to its row and spread so none overlap (ComplexHeatmap's anno_mark): labels, or file:PATH (one label per line)",
        seaborn: "", example: "Gene_3",
    }
    multiqc: bool = false => {
        kinds: CORRMAP, value: Flag, stage: Draw,
        default: "false",
        help: "also export the correlation matrix as MultiQC's heatmap (corr_mqc.json, up to 500 rows) and heatmill's version (heatmill_mqc_versions.yml) in the figure's data folder",
        seaborn: "", example: "true",
    }
    title: Option<String> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Text, stage: Draw,
        default: "unset",
        help: "figure title",
        seaborn: "ax.set_title", example: "Expression",
    }
    xlabel: Option<String> = None => {
        kinds: ALL_AND_DOTPLOT, value: Text, stage: Draw,
        default: "unset",
        help: "label under the column labels",
        seaborn: "ax.set_xlabel", example: "samples",
    }
    ylabel: Option<String> = None => {
        kinds: ALL_AND_DOTPLOT, value: Text, stage: Draw,
        default: "unset",
        help: "label beside the row labels",
        seaborn: "ax.set_ylabel", example: "genes",
    }
    cbar: bool = true => {
        kinds: ALL_AND_DOTPLOT, value: Flag, stage: Draw,
        default: "true",
        help: "draw the colour bar",
        seaborn: "cbar", example: "false",
    }
    cbar_label: Option<String> = None => {
        kinds: ALL_DOTPLOT_LIST, value: Text, stage: Draw,
        default: "unset (corrmap: `Pearson r`)",
        help: "colour bar label",
        seaborn: "cbar_kws={\"label\": …}", example: "log2 TPM",
    }
    cbar_shrink: f64 = 1.0 => {
        kinds: ALL, value: Number, stage: Draw,
        default: "1.0",
        help: "colour bar length as a fraction of the heatmap side it runs along, in (0, 1]",
        seaborn: "cbar_kws={\"shrink\": …}", example: "0.5",
    }
    cbar_location: Option<CbarLocation> = None => {
        kinds: ALL, value: Text("right", "left", "top", "bottom"), stage: Draw,
        default: "heatmap, corrmap: `right`; clustermap: seaborn's top-left corner",
        help: "colour bar beside the heatmap on this side, as long as that side (times cbar_shrink); top and bottom bars are horizontal",
        seaborn: "cbar_kws={\"location\": …}", example: "bottom",
    }
    cbar_pos: Option<Vec<f64>> = None => {
        kinds: ALL, value: Bounds, stage: Draw,
        default: "unset (clustermap: seaborn's `[0.02, 0.8, 0.05, 0.18]`)",
        help: "colour bar box LEFT,BOTTOM,WIDTH,HEIGHT in figure fractions (matplotlib's add_axes, origin bottom-left); the layout leaves it alone, so it may cover other elements",
        seaborn: "cbar_pos", example: "0.85,0.1,0.03,0.3",
    }
    cbar_orientation: Option<CbarOrientation> = None => {
        kinds: ALL, value: Text("vertical", "horizontal"), stage: Draw,
        default: "from cbar_location (vertical for left/right and the clustermap corner)",
        help: "colour bar direction: vertical (ticks on the right) or horizontal (ticks below)",
        seaborn: "cbar_kws={\"orientation\": …}", example: "horizontal",
    }
    // Canvas.
    figsize: (f64, f64) = (10.0, 8.0) => {
        kinds: ALL_DOTPLOT_LIST, value: Pair, stage: Draw,
        default: "`[10, 8]` (clustermap: `[10, 10]`, seaborn's; dotplot: sized to its dots, scanpy's 0.37 in a cell, at least 2.5 in tall)",
        help: "figure size W,H in inches",
        seaborn: "figsize", example: "6,5",
    }
    dpi: f64 = 100.0 => {
        kinds: ALL_DOTPLOT_LIST, value: Number, stage: Draw,
        default: "100",
        help: "pixels per inch (PNG size; SVG/PDF sizes are in points either way)",
        seaborn: "savefig(dpi=…)", example: "50",
    }
    // Preprocessing, applied first, in this order.
    log1p: bool = false => {
        kinds: ALL_AND_DOTPLOT, value: Flag, stage: Read,
        default: "false",
        help: "ln(1 + x) before anything else",
        seaborn: "np.log1p", example: "true",
    }
    log2p1: bool = false => {
        kinds: ALL_AND_DOTPLOT, value: Flag, stage: Read,
        default: "false",
        help: "log2(1 + x) before anything else",
        seaborn: "np.log2(1 + x)", example: "true",
    }
    top_variable: Option<usize> = None => {
        kinds: ALL, value: Count, stage: Read,
        default: "all rows",
        help: "keep the N rows of highest variance (input order kept; streamed from Arrow/HDF5/Parquet)",
        seaborn: "", example: "5",
    }
    z_score: Option<Axis> = None => {
        kinds: HEATMAP_CLUSTERMAP_LIST, value: Text("rows", "cols", "0", "1"), stage: Analysis,
        default: "unset",
        help: "z-score each row (rows, 0) or column (cols, 1), ddof = 1",
        seaborn: "z_score", example: "rows",
    }
    standard_scale: Option<Axis> = None => {
        kinds: HEATMAP_CLUSTERMAP_DOTPLOT_LIST, value: Text("rows", "cols", "0", "1", "var", "group"), stage: Analysis,
        default: "unset",
        help: "scale each row or column to [0, 1]; scanpy's words too: var = cols (each gene), group = rows (each group of a matrixplot or dotplot)",
        seaborn: "standard_scale", example: "cols",
    }
    missing: Missing = Missing::Refuse => {
        kinds: CORRMAP, value: Text("refuse", "pairwise"), stage: Analysis,
        default: "`refuse`",
        help: "missing values: refuse (name the first), or pairwise-complete correlations",
        seaborn: "DataFrame.corr()", example: "pairwise",
    }
    // Clustering (clustermap; corrmap with `cluster`).
    method: Option<Method> = None => {
        kinds: CLUSTERMAP_CORRMAP_LIST,
        value: Text("single", "complete", "average", "weighted", "centroid", "median", "ward"),
        stage: Analysis,
        default: "`average`",
        help: "linkage method (scipy linkage)",
        seaborn: "method", example: "ward",
    }
    metric: Option<Metric> = None => {
        kinds: CLUSTERMAP_CORRMAP_LIST,
        value: Text("euclidean", "sqeuclidean", "cityblock", "chebyshev", "cosine", "correlation"),
        stage: Analysis,
        default: "`euclidean`",
        help: "distance between observations (scipy pdist)",
        seaborn: "metric", example: "cityblock",
    }
    row_cluster: bool = true => {
        kinds: CLUSTERMAP_LIST, value: Flag, stage: Analysis,
        default: "true",
        help: "cluster the rows and draw their dendrogram",
        seaborn: "row_cluster", example: "false",
    }
    col_cluster: bool = true => {
        kinds: CLUSTERMAP_LIST, value: Flag, stage: Analysis,
        default: "true",
        help: "cluster the columns and draw their dendrogram",
        seaborn: "col_cluster", example: "false",
    }
    row_linkage: Option<String> = None => {
        kinds: CLUSTERMAP, value: Text, stage: Analysis,
        default: "computed",
        help: "use this linkage matrix for the rows instead of clustering them: a .npy of scipy's Z, (rows − 1) × 4 (np.save of scipy's linkage, or heatmill linkage -o)",
        seaborn: "row_linkage", example: "row_Z.npy",
    }
    col_linkage: Option<String> = None => {
        kinds: CLUSTERMAP, value: Text, stage: Analysis,
        default: "computed",
        help: "the columns' linkage matrix, as row_linkage",
        seaborn: "col_linkage", example: "col_Z.npy",
    }
    row_order: Option<String> = None => {
        kinds: HEATMAP_CLUSTERMAP, value: Text, stage: Analysis,
        default: "input order (clustermap: the tree's)",
        help: "draw the rows in this order, not clustered: a file (relative to the config) of row labels, heatmill's order.tsv (header index<TAB>label) or one label per line; every row exactly once, a missing or unknown label refused by name",
        seaborn: "", example: "order.tsv",
    }
    col_order: Option<String> = None => {
        kinds: HEATMAP_CLUSTERMAP, value: Text, stage: Analysis,
        default: "input order (clustermap: the tree's)",
        help: "the columns' order, as row_order",
        seaborn: "", example: "col_order.tsv",
    }
    optimal_ordering: bool = false => {
        kinds: CLUSTERMAP_CORRMAP_LIST, value: Flag, stage: Analysis,
        default: "false",
        help: "reorder leaves optimally (scipy optimal_leaf_ordering)",
        seaborn: "tree_kws / scipy optimal_ordering", example: "true",
    }
    precision: Dtype = Dtype::F64 => {
        kinds: CLUSTERMAP_CORRMAP_LIST, value: Text("f64", "f32"), stage: Analysis,
        default: "`f64`",
        help: "storage of the distances: f64 (scipy's numbers) or f32 (half the memory, heights to ~7 digits)",
        seaborn: "", example: "f32",
    }
    #[serde(deserialize_with = "number_or_pair")]
    dendrogram_ratio: (f64, f64) = (0.2, 0.2) => {
        kinds: CLUSTERMAP_LIST, value: NumberOrPair, stage: Draw,
        default: "0.2",
        help: "share of the figure for each dendrogram: one number, or ROW,COL",
        seaborn: "dendrogram_ratio", example: "0.1",
    }
    heatmap_gap: f64 = 72.0 / 25.4 * 2.0 => {
        kinds: HEATMAP_LIST, value: Number, stage: Draw,
        default: "5.67 (2 mm)",
        help: "space between the heatmaps of a heatmap_list, in points (ComplexHeatmap's ht_gap, 2 mm)",
        seaborn: "ComplexHeatmap ht_gap", example: "20",
    }
    colors_ratio: f64 = 0.03 => {
        kinds: HEATMAP_CLUSTERMAP, value: Number, stage: Draw,
        default: "0.03",
        help: "share of the figure for each colour strip",
        seaborn: "colors_ratio", example: "0.08",
    }
    col_colors: Vec<String> = Vec::new() => {
        kinds: HEATMAP_CLUSTERMAP, value: List, stage: Draw,
        default: "none",
        help: "colour strip above the columns from TABLE:COLUMN (an .h5ad works: cells.h5ad:obs/cell_type); repeatable",
        seaborn: "col_colors", example: "groups.tsv:group",
    }
    row_colors: Vec<String> = Vec::new() => {
        kinds: HEATMAP_CLUSTERMAP, value: List, stage: Draw,
        default: "none",
        help: "colour strip beside the rows from TABLE:COLUMN; repeatable",
        seaborn: "row_colors", example: "groups.tsv:group",
    }
    col_bars: Vec<String> = Vec::new() => {
        kinds: HEATMAP_CLUSTERMAP, value: List, stage: Draw,
        default: "none",
        help: "bar-plot track above the columns from a numeric TABLE:COLUMN (an .h5ad works: cells.h5ad:obs/n_genes), one bar per column at its cell's centre, 0.6 of the cell wide, from a baseline at 0 (negative values downwards), the axis 5 % beyond the data's range and 0, value ticks and the column name right of the track; a missing value draws no bar; a label not in the table draws none and is warned, as row_colors; a value that is not a number is refused naming the table, column and line; drawn above the colour strips, first given outermost; repeatable",
        seaborn: "ComplexHeatmap anno_barplot (top_annotation)", example: "samples.tsv:depth",
    }
    row_bars: Vec<String> = Vec::new() => {
        kinds: HEATMAP_CLUSTERMAP, value: List, stage: Draw,
        default: "none",
        help: "bar-plot track beside the rows, as col_bars, left of the row colour strips with bars growing leftwards (away from the heatmap), value ticks and the column name below the track; repeatable",
        seaborn: "ComplexHeatmap anno_barplot (left_annotation)", example: "gene_stats.tsv:neg_log10_p",
    }
    bars_size: f64 = 28.35 => {
        kinds: HEATMAP_CLUSTERMAP, value: Number, stage: Draw,
        default: "28.35 (1 cm, ComplexHeatmap's annotation size)",
        help: "thickness of each col_bars/row_bars track (from its baseline side to its far side), in points (1/72 inch), more than 0",
        seaborn: "ComplexHeatmap anno_barplot(height/width = unit(1, \"cm\"))", example: "40",
    }
    palette: BTreeMap<String, String> = BTreeMap::new() => {
        kinds: HEATMAP_CLUSTERMAP, value: Map, stage: Draw,
        default: "one palette for all strips: tab10, tab20, then husl, by the number of categories; an h5ad's uns/<column>_colors",
        help: "colours of strip categories, NAME=#rrggbb,NAME=#rrggbb (a numeric column is drawn with viridis and gets a colour bar)",
        seaborn: "palette", example: "A=#000000,B=#ff0000",
    }
    legend: bool = true => {
        kinds: HEATMAP_CLUSTERMAP, value: Flag, stage: Draw,
        default: "true",
        help: "draw the legend of the colour strips",
        seaborn: "", example: "false",
    }
    // Grouped single-cell figures (scanpy's pl.heatmap, pl.matrixplot).
    groupby: Option<String> = None => {
        kinds: HEATMAP_DOTPLOT, value: Text, stage: Analysis,
        default: "unset",
        help: "group the rows (the cells of an .h5ad) by a category column, drawn in its category order (an h5ad categorical's own, else natural) with a group bar and the group names; colours from uns/<column>_colors, else the figure's palette; cells without a group are left out (warned): obs/COLUMN of the input .h5ad, or TABLE:COLUMN as row_colors takes it",
        seaborn: "scanpy pl.heatmap(groupby=…)", example: "groups.tsv:group",
    }
    reduce: Option<Reduce> = None => {
        kinds: HEATMAP, value: Text("mean", "median", "fraction_nonzero"), stage: Analysis,
        default: "unset (one row per cell)",
        help: "with groupby: one row per group, each gene's mean, median or share of cells above 0 over the group's cells (after log1p/log2p1); standard_scale = cols is scanpy's 'var', rows its 'group'",
        seaborn: "scanpy pl.matrixplot / sc.get.aggregate(func=…)", example: "mean",
    }
    genes: Vec<String> = Vec::new() => {
        kinds: HEATMAP_DOTPLOT, value: List, stage: Analysis,
        default: "all columns",
        help: "the columns (the genes of an .h5ad) to draw, in this order: labels, or file:PATH with one gene per line, or `SET<TAB>GENE` lines that also bracket the genes of each set above the columns (scanpy's var_names dict); an unknown gene is refused naming it",
        seaborn: "scanpy var_names", example: "Gene_3",
    }
    // Dot plot (scanpy's pl.dotplot).
    expression_cutoff: f64 = 0.0 => {
        kinds: DOTPLOT, value: Number, stage: Draw,
        default: "0",
        help: "a cell expresses a gene when its value is above this: the dot size is the share of the group's cells that do",
        seaborn: "scanpy pl.dotplot(expression_cutoff=…)", example: "3",
    }
    mean_only_expressed: bool = false => {
        kinds: DOTPLOT, value: Flag, stage: Draw,
        default: "false",
        help: "the dot colour is the mean over the expressing cells only (0 where none)",
        seaborn: "scanpy pl.dotplot(mean_only_expressed=…)", example: "true",
    }
    dot_max: Option<f64> = None => {
        kinds: DOTPLOT, value: Number, stage: Draw,
        default: "the largest share, rounded up to a tenth",
        help: "share of expressing cells, in [0, 1], drawn with the largest dot (larger shares are clipped to it)",
        seaborn: "scanpy pl.dotplot(dot_max=…)", example: "0.5",
    }
    dot_min: Option<f64> = None => {
        kinds: DOTPLOT, value: Number, stage: Draw,
        default: "0",
        help: "share of expressing cells, in [0, 1], drawn with the smallest dot (smaller shares are clipped to it)",
        seaborn: "scanpy pl.dotplot(dot_min=…)", example: "0.2",
    }
    smallest_dot: f64 = 0.0 => {
        kinds: DOTPLOT, value: Number, stage: Draw,
        default: "0",
        help: "area of the dot of dot_min, in points² (matplotlib's scatter s)",
        seaborn: "scanpy pl.dotplot(smallest_dot=…)", example: "20",
    }
    largest_dot: f64 = 200.0 => {
        kinds: DOTPLOT, value: Number, stage: Draw,
        default: "200",
        help: "area of the dot of dot_max, in points²; sizes between go with the share to the power 1.5 (scanpy's size_exponent)",
        seaborn: "scanpy DotPlot.style(largest_dot=…)", example: "80",
    }
    cut_rows: Option<usize> = None => {
        kinds: CLUSTERMAP, value: Count, stage: Draw,
        default: "unset",
        help: "cut the row tree into at most K clusters (scipy fcluster maxclust): a strip and an export",
        seaborn: "fcluster(Z, K, 'maxclust')", example: "3",
    }
    cut_cols: Option<usize> = None => {
        kinds: CLUSTERMAP, value: Count, stage: Draw,
        default: "unset",
        help: "cut the column tree into at most K clusters",
        seaborn: "fcluster(Z, K, 'maxclust')", example: "2",
    }
    // Splits (ComplexHeatmap's row_split / column_split).
    row_split: Option<String> = None => {
        kinds: HEATMAP_CLUSTERMAP, value: Text, stage: Analysis,
        default: "unset",
        help: "split the rows into slices drawn apart (split_gap): by TABLE:COLUMN (each category a slice, titled by it; a clustermap clusters each slice on its own and orders the slices by a complete-linkage tree of their mean vectors, ComplexHeatmap's cluster_row_slices; unclustered: category order), or cut (the slices of cut_rows' clusters, the tree kept whole)",
        seaborn: "ComplexHeatmap row_split", example: "genes.tsv:pathway",
    }
    col_split: Option<String> = None => {
        kinds: HEATMAP_CLUSTERMAP, value: Text, stage: Analysis,
        default: "unset",
        help: "split the columns into slices, as row_split (TABLE:COLUMN, or cut with cut_cols)",
        seaborn: "ComplexHeatmap column_split", example: "groups.tsv:group",
    }
    kmeans_rows: Option<usize> = None => {
        kinds: HEATMAP_CLUSTERMAP, value: Count, stage: Analysis,
        default: "unset",
        help: "split the rows into K k-means clusters (Lloyd from k-means++ seeded by kmeans_seed, as scikit-learn's KMeans; ComplexHeatmap's row_km), drawn apart as row_split slices titled by cluster id: in a clustermap each cluster is clustered on its own and the clusters ordered by a complete-linkage tree of their centres, otherwise by id; membership exported as kmeans.tsv (index, label, cluster)",
        seaborn: "ComplexHeatmap row_km; sklearn KMeans", example: "3",
    }
    kmeans_seed: u64 = 1 => {
        kinds: HEATMAP_CLUSTERMAP, value: Count, stage: Analysis,
        default: "1",
        help: "seed of kmeans_rows' k-means++ start (the same seed, the same clusters, whatever the thread count)",
        seaborn: "sklearn KMeans random_state", example: "7",
    }
    split_gap: f64 = 3.0 => {
        kinds: HEATMAP_CLUSTERMAP, value: Number, stage: Draw,
        default: "3 (about ComplexHeatmap's 1 mm)",
        help: "gap between slices of row_split/col_split, in points (1/72 inch), at least 0",
        seaborn: "ComplexHeatmap row_gap / column_gap", example: "8",
    }
    // Correlation map.
    corr_method: Option<CorrMethod> = None => {
        kinds: CORRMAP, value: Text("pearson", "spearman"), stage: Analysis,
        default: "`pearson`",
        help: "correlation of the rows",
        seaborn: "DataFrame.corr(method=…)", example: "spearman",
    }
    cluster: bool = false => {
        kinds: CORRMAP, value: Flag, stage: Analysis,
        default: "false",
        help: "order the genes by clustering the correlation matrix",
        seaborn: "sns.clustermap(df.corr())", example: "true",
    }
    cluster_distance: ClusterDistance = ClusterDistance::Rows => {
        kinds: CORRMAP, value: Text("rows", "one-minus-r"), stage: Analysis,
        default: "`rows`",
        help: "with cluster: rows of r as vectors (as sns.clustermap(df.corr()) does) or 1 - r",
        seaborn: "", example: "one-minus-r",
    }
}

/// `dendrogram_ratio = 0.15` or `[0.15, 0.2]`, as seaborn takes either.
fn number_or_pair<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<(f64, f64), D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(f64),
        Two(f64, f64),
    }
    Ok(
        match <Raw as serde::Deserialize>::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected a number or a pair [ROW, COL]"))?
        {
            Raw::One(v) => (v, v),
            Raw::Two(a, b) => (a, b),
        },
    )
}

/// An option that could not be taken: its key (when one is to blame) and
/// what was wrong. The CLI reports it with the flag, the batch runner with
/// the config file, line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    /// The config key at fault, if one is.
    pub key: Option<String>,
    /// What was wrong and what to do; names the option as `key (--flag)`.
    pub message: String,
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The option key closest to a misspelled `key`, when one is close
/// (Jaro-Winkler ≥ 0.8, as clap suggests flags).
pub fn closest(key: &str) -> Option<&'static str> {
    OPTIONS
        .iter()
        .map(|s| (strsim::jaro_winkler(key, s.key), s.key))
        .filter(|(d, _)| *d >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

impl OptionError {
    /// The error of option `key`: `message` (from an [`Error`], its text).
    pub fn at(key: &str, message: impl std::fmt::Display) -> OptionError {
        OptionError {
            key: Some(key.to_string()),
            message: message.to_string(),
        }
    }
}

impl From<OptionError> for Error {
    fn from(e: OptionError) -> Error {
        Error::Usage(e.message)
    }
}

impl FigureOptions {
    /// The options of a figure of `kind` from a flat table of config keys
    /// (a `[[figure]]` merged over `[defaults]`, or the CLI's flags turned
    /// into the same table). Refuses unknown keys, keys that do not apply
    /// to `kind` (naming the kinds they apply to), values of the wrong
    /// type, and values out of range.
    ///
    /// `defaults` holds keys that apply only where they can (a config's
    /// `[defaults]`): those that do not apply to `kind` are skipped; an
    /// unknown key is still refused.
    pub fn from_table(
        kind: Kind,
        defaults: &toml::Table,
        table: &toml::Table,
    ) -> std::result::Result<FigureOptions, OptionError> {
        let err = |key: &str, message: String| OptionError {
            key: Some(key.to_string()),
            message,
        };
        let mut merged = toml::Table::new();
        for (k, v) in defaults.iter().chain(table.iter()) {
            let from_defaults = !table.contains_key(k);
            match spec(k) {
                None => {
                    return Err(err(
                        k,
                        format!(
                        "unknown figure option '{k}'{} (the options are listed in configs/README.md)",
                        closest(k).map_or(String::new(), |c| format!("; did you mean '{c}'?"))
                    ),
                    ))
                }
                Some(s) if !s.applies_to(kind) => {
                    if from_defaults {
                        // Not for this kind, but still a value of its kind:
                        // a typo in [defaults] is caught whatever figures use it.
                        s.check_value(v).map_err(|m| {
                            err(k, format!("{} {m}", crate::error::key_and_flag(k)))
                        })?;
                        continue;
                    }
                    return Err(err(
                        k,
                        format!(
                            "{} applies to {} figures, not to {}",
                            crate::error::key_and_flag(k),
                            s.kinds_text(),
                            kind.name()
                        ),
                    ));
                }
                Some(s) => {
                    // A single text where a list is expected is a list of one.
                    let v = match (s.value, v) {
                        (ValueKind::List, toml::Value::String(x)) => {
                            toml::Value::Array(vec![toml::Value::String(x.clone())])
                        }
                        _ => v.clone(),
                    };
                    s.check_value(&v)
                        .map_err(|m| err(k, format!("{} {m}", crate::error::key_and_flag(k))))?;
                    merged.insert(k.clone(), v);
                }
            }
        }
        let opts: FigureOptions = match toml::Value::Table(merged.clone()).try_into() {
            Ok(o) => o,
            Err(e) => {
                // Find the key at fault: deserialise each on its own.
                let e: toml::de::Error = e;
                for (k, v) in &merged {
                    let mut one = toml::Table::new();
                    one.insert(k.clone(), v.clone());
                    if let Err(e1) = toml::Value::Table(one).try_into::<FigureOptions>() {
                        let spec = spec(k);
                        let accepted = spec
                            .filter(|s| !s.choices.is_empty())
                            .map(|s| format!(" (accepted: {})", s.choices.join(", ")))
                            .unwrap_or_default();
                        return Err(err(
                            k,
                            format!(
                                "{}: {}{accepted}",
                                crate::error::key_and_flag(k),
                                crate::error::plain_words(e1.message().trim())
                            ),
                        ));
                    }
                }
                return Err(OptionError {
                    key: None,
                    message: crate::error::plain_words(e.message().trim()),
                });
            }
        };
        let mut opts = opts;
        if kind == Kind::Clustermap && !merged.contains_key("figsize") {
            // sns.clustermap's own default figure is 10 x 10 inches.
            opts.figsize = (10.0, 10.0);
        }
        if kind == Kind::Dotplot && !merged.contains_key("figsize") {
            // scanpy sizes a dot plot to its dots.
            opts.figsize = FigureOptions::AUTO_FIGSIZE;
        }
        opts.validate_for(kind)?;
        Ok(opts)
    }

    /// Checks the values and combinations for a figure of `kind`:
    /// [`validate`](Self::validate), plus the options that only mean
    /// something together (corrmap clustering options need `cluster`).
    pub fn validate_for(&self, kind: Kind) -> std::result::Result<(), OptionError> {
        self.validate()?;
        if self.figsize == Self::AUTO_FIGSIZE && kind != Kind::Dotplot {
            return Err(OptionError::at(
                "figsize",
                format!(
                    "{} must be between 0.5 and 200 inches per side, got 0,0 (only a dotplot sizes itself)",
                    crate::error::key_and_flag("figsize")
                ),
            ));
        }
        if self.annot == Annot::Stars && kind != Kind::Corrmap {
            return Err(OptionError::at(
                "annot",
                format!(
                    "{} = stars marks correlations, so it applies to corrmap figures only; use true or file:PATH here",
                    crate::error::key_and_flag("annot")
                ),
            ));
        }
        if kind == Kind::Corrmap && !self.cluster {
            let d = FigureOptions::default();
            let given: Vec<&str> = [
                ("method", self.method != d.method),
                ("metric", self.metric != d.metric),
                (
                    "optimal_ordering",
                    self.optimal_ordering != d.optimal_ordering,
                ),
                ("precision", self.precision != d.precision),
                (
                    "cluster_distance",
                    self.cluster_distance != d.cluster_distance,
                ),
            ]
            .into_iter()
            .filter_map(|(k, g)| g.then_some(k))
            .collect();
            if let Some(k) = given.first() {
                return Err(OptionError::at(
                    k,
                    format!(
                        "{} orders a correlation map only when it is clustered: add {}",
                        crate::error::key_and_flag(k),
                        crate::error::hint("cluster", "true")
                    ),
                ));
            }
        }
        for (order, others) in [
            (
                "row_order",
                [
                    ("row_linkage", self.row_linkage.is_some()),
                    ("row_split", self.row_split.is_some()),
                    ("cut_rows", self.cut_rows.is_some()),
                    ("kmeans_rows", self.kmeans_rows.is_some()),
                ],
            ),
            (
                "col_order",
                [
                    ("col_linkage", self.col_linkage.is_some()),
                    ("col_split", self.col_split.is_some()),
                    ("cut_cols", self.cut_cols.is_some()),
                    ("kmeans_rows", false),
                ],
            ),
        ] {
            let given = if order == "row_order" {
                self.row_order.is_some()
            } else {
                self.col_order.is_some()
            };
            if let Some((k, _)) = others.iter().find(|(_, on)| *on).filter(|_| given) {
                return Err(OptionError::at(
                    order,
                    format!(
                        "{} gives the order itself, so {} does not apply with it: leave one out",
                        crate::error::key_and_flag(order),
                        crate::error::key_and_flag(k)
                    ),
                ));
            }
        }
        if self.kmeans_rows.is_some() {
            for (k, given) in [
                ("row_split", self.row_split.is_some()),
                ("cut_rows", self.cut_rows.is_some()),
                ("row_linkage", self.row_linkage.is_some()),
            ] {
                if given {
                    return Err(OptionError::at(
                        "kmeans_rows",
                        format!(
                            "{} splits the rows by its own clusters, so {} does not apply with it: leave one out",
                            crate::error::key_and_flag("kmeans_rows"),
                            crate::error::key_and_flag(k)
                        ),
                    ));
                }
            }
        }
        for (k, split, cut, cut_key, linkage, linkage_key) in [
            (
                "row_split",
                &self.row_split,
                self.cut_rows,
                "cut_rows",
                &self.row_linkage,
                "row_linkage",
            ),
            (
                "col_split",
                &self.col_split,
                self.cut_cols,
                "cut_cols",
                &self.col_linkage,
                "col_linkage",
            ),
        ] {
            match split.as_deref() {
                Some("cut") if kind != Kind::Clustermap || cut.is_none() => {
                    return Err(OptionError::at(
                        k,
                        format!(
                            "{} splits at the clusters of {}, which is not given: add {} (clustermap), or split by an annotation with {}",
                            crate::error::hint(k, "cut"),
                            crate::error::key_and_flag(cut_key),
                            crate::error::hint(cut_key, "K"),
                            crate::error::hint(k, "TABLE:COLUMN")
                        ),
                    ));
                }
                Some("") => {
                    return Err(OptionError::at(
                        k,
                        format!(
                            "{} is empty: give TABLE:COLUMN or cut",
                            crate::error::key_and_flag(k)
                        ),
                    ));
                }
                Some(s) if s != "cut" && cut.is_some() => {
                    return Err(OptionError::at(
                        k,
                        format!(
                            "{} splits by an annotation, and {} would cut a tree of the whole axis that is not drawn: leave {} out, or split at the cut with {}",
                            crate::error::key_and_flag(k),
                            crate::error::key_and_flag(cut_key),
                            cut_key,
                            crate::error::hint(k, "cut")
                        ),
                    ));
                }
                Some(s) if s != "cut" && linkage.is_some() && kind == Kind::Clustermap => {
                    return Err(OptionError::at(
                        k,
                        format!(
                            "{} clusters each slice on its own, but {} gives one tree over all of them: leave one out, or split the given tree with {}",
                            crate::error::key_and_flag(k),
                            crate::error::key_and_flag(linkage_key),
                            crate::error::hint(k, "cut")
                        ),
                    ));
                }
                _ => {}
            }
        }
        if kind == Kind::Dotplot && self.groupby.is_none() {
            return Err(OptionError::at(
                "groupby",
                format!(
                    "a dotplot draws one row per group: add {} (a category column of the rows)",
                    crate::error::hint("groupby", "obs/cell_type")
                ),
            ));
        }
        for (k, v) in [("dot_max", self.dot_max), ("dot_min", self.dot_min)] {
            if v.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
                return Err(OptionError::at(
                    k,
                    format!(
                        "{} is a share of cells, in [0, 1]; got {}",
                        crate::error::key_and_flag(k),
                        v.unwrap_or_default()
                    ),
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (self.dot_min, self.dot_max) {
            if lo >= hi {
                return Err(OptionError::at(
                    "dot_max",
                    format!("dot_min ({lo}) must be below dot_max ({hi})"),
                ));
            }
        }
        if !(self.smallest_dot >= 0.0 && self.largest_dot > self.smallest_dot) {
            return Err(OptionError::at(
                "largest_dot",
                format!(
                    "dot areas must be 0 <= smallest_dot < largest_dot (points²); got {} and {}",
                    self.smallest_dot, self.largest_dot
                ),
            ));
        }
        if self.reduce.is_some() && self.groupby.is_none() {
            return Err(OptionError::at(
                "reduce",
                format!(
                    "{} draws one row per group: add {} (a category column of the rows)",
                    crate::error::key_and_flag("reduce"),
                    crate::error::hint("groupby", "obs/cell_type")
                ),
            ));
        }
        if kind == Kind::Clustermap {
            for (k, cut, on) in [
                ("cut_rows", self.cut_rows, self.row_cluster),
                ("cut_cols", self.cut_cols, self.col_cluster),
            ] {
                if cut.is_some() && !on {
                    return Err(OptionError::at(
                        k,
                        format!(
                            "{} cuts a tree, but that axis is not clustered ({} is false)",
                            crate::error::key_and_flag(k),
                            if k == "cut_rows" {
                                "row_cluster"
                            } else {
                                "col_cluster"
                            }
                        ),
                    ));
                }
                if cut == Some(0) {
                    return Err(OptionError::at(
                        k,
                        format!("{} must be at least 1", crate::error::key_and_flag(k)),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The options that shape the analysed numbers (stages `Read` and
    /// `Analysis` of [`OPTIONS`]) as canonical JSON: figures of one dataset
    /// whose keys are equal share their linkages and correlations.
    pub fn analysis_key(&self) -> String {
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut out = serde_json::Map::new();
        for s in OPTIONS.iter().filter(|s| s.stage != Stage::Draw) {
            if let Some(x) = v.get(s.key) {
                out.insert(s.key.to_string(), x.clone());
            }
        }
        serde_json::Value::Object(out).to_string()
    }

    /// The fonts of the figure's text: [`Fonts::with_font`] of `font`, else
    /// DejaVu Sans with the system's fonts as fallbacks.
    ///
    /// Errors: an [`OptionError`] at `font` when the font cannot be found
    /// or read.
    ///
    /// [`Fonts::with_font`]: crate::render::fonts::Fonts::with_font
    pub fn fonts(&self) -> std::result::Result<crate::render::fonts::Fonts, OptionError> {
        match &self.font {
            Some(spec) => {
                crate::render::fonts::Fonts::with_font(spec).map_err(|e| OptionError::at("font", e))
            }
            None => Ok(crate::render::fonts::Fonts::new()),
        }
    }

    /// `na_color` as RGB (`None` when unset).
    ///
    /// Errors: an [`OptionError`] at `na_color` when it is not a colour.
    pub fn na_color(
        &self,
    ) -> std::result::Result<Option<crate::render::colormap::Rgb>, OptionError> {
        self.na_color
            .as_deref()
            .map(|c| {
                crate::render::colormap::parse_color(c).map_err(|e| OptionError::at("na_color", e))
            })
            .transpose()
    }

    /// The colour options of seaborn's `heatmap` (cmap, range, centre).
    pub fn color(&self) -> ColorOptions {
        ColorOptions {
            cmap: self.cmap.clone(),
            vmin: self.vmin,
            vmax: self.vmax,
            center: self.center,
            robust: self.robust,
        }
    }

    /// The `figsize` of a dot plot given none: the figure is sized to its
    /// dots, as scanpy sizes it ([`crate::figure::dotplot::natural_size`]).
    pub const AUTO_FIGSIZE: (f64, f64) = (0.0, 0.0);

    /// Checks values that serde cannot (ranges, combinations).
    ///
    /// Errors: an [`OptionError`] whose key is the option at fault (the
    /// later of a pair: `vmax` for `vmin > vmax`), so a config names its
    /// line and the CLI its flag.
    pub fn validate(&self) -> std::result::Result<(), OptionError> {
        let bad = |k: &str, m: String| Err(OptionError::at(k, m));
        self.na_color()?;
        if self.figsize != Self::AUTO_FIGSIZE
            && !(self.figsize.0 > 0.5
                && self.figsize.1 > 0.5
                && self.figsize.0 <= 200.0
                && self.figsize.1 <= 200.0)
        {
            return bad(
                "figsize",
                format!(
                    "{} must be between 0.5 and 200 inches per side, got {},{}",
                    crate::error::key_and_flag("figsize"),
                    self.figsize.0,
                    self.figsize.1
                ),
            );
        }
        if !(self.dpi >= 10.0 && self.dpi <= 1200.0) {
            return bad(
                "dpi",
                format!(
                    "{} must be between 10 and 1200, got {}",
                    crate::error::key_and_flag("dpi"),
                    self.dpi
                ),
            );
        }
        if (self.figsize.0 * self.dpi) * (self.figsize.1 * self.dpi) > 400e6 {
            return bad(
                "dpi",
                format!(
                    "a {} x {} inch figure at dpi {} would exceed 400 megapixels: lower dpi or figsize",
                    self.figsize.0, self.figsize.1, self.dpi
                ),
            );
        }
        for key in ["xticklabels_rotation", "yticklabels_rotation"] {
            let angle = if key == "xticklabels_rotation" {
                self.xticklabels_rotation
            } else {
                self.yticklabels_rotation
            };
            if let Some(a) = angle.filter(|a| !a.is_finite()) {
                return bad(
                    key,
                    format!(
                        "{} is an angle in degrees and must be a finite number (such as 45 or -30), got {a}",
                        crate::error::key_and_flag(key)
                    ),
                );
            }
        }
        if self.yticklabels_rotation.is_some() && !self.mark_rows.is_empty() {
            return bad(
                "yticklabels_rotation",
                format!(
                    "{} cannot turn marked rows' labels ({} draws them horizontally, beside their links): give one of the two",
                    crate::error::key_and_flag("yticklabels_rotation"),
                    crate::error::key_and_flag("mark_rows")
                ),
            );
        }
        if !(self.cbar_shrink > 0.0 && self.cbar_shrink <= 1.0) {
            return bad(
                "cbar_shrink",
                format!(
                    "{} must be in (0, 1], got {}",
                    crate::error::key_and_flag("cbar_shrink"),
                    self.cbar_shrink
                ),
            );
        }
        if let Some(b) = &self.cbar_pos {
            if b.len() != 4 || !(b[2] > 0.0 && b[3] > 0.0) {
                return bad(
                    "cbar_pos",
                    format!(
                        "{} is LEFT, BOTTOM, WIDTH, HEIGHT in figure fractions with a positive width and height, got {b:?}",
                        crate::error::key_and_flag("cbar_pos")
                    ),
                );
            }
            if self.cbar_location.is_some() {
                return bad(
                    "cbar_pos",
                    format!(
                        "{} and {} both place the colour bar: give one",
                        crate::error::key_and_flag("cbar_pos"),
                        crate::error::key_and_flag("cbar_location")
                    ),
                );
            }
        }
        if let (Some(l), Some(o)) = (self.cbar_location, self.cbar_orientation) {
            if l.horizontal() != (o == CbarOrientation::Horizontal) {
                return bad(
                    "cbar_orientation",
                    format!(
                        "{} {} does not fit {} {} (left and right bars are vertical, top and bottom ones horizontal): drop one",
                        crate::error::key_and_flag("cbar_orientation"),
                        if o == CbarOrientation::Horizontal { "horizontal" } else { "vertical" },
                        crate::error::key_and_flag("cbar_location"),
                        format!("{l:?}").to_lowercase()
                    ),
                );
            }
        }
        if self.linewidths < 0.0 {
            return bad(
                "linewidths",
                format!(
                    "{} must be at least 0, got {}",
                    crate::error::key_and_flag("linewidths"),
                    self.linewidths
                ),
            );
        }
        if self.heatmap_gap < 0.0 {
            return bad(
                "heatmap_gap",
                format!(
                    "{} must be at least 0 points, got {}",
                    crate::error::key_and_flag("heatmap_gap"),
                    self.heatmap_gap
                ),
            );
        }
        let (dr, dc) = self.dendrogram_ratio;
        if !(0.0..0.5).contains(&dr) || !(0.0..0.5).contains(&dc) {
            return bad(
                "dendrogram_ratio",
                format!(
                    "{} must be in [0, 0.5) for each axis, got {dr},{dc}",
                    crate::error::key_and_flag("dendrogram_ratio")
                ),
            );
        }
        if !(0.0..0.2).contains(&self.colors_ratio) {
            return bad(
                "colors_ratio",
                format!(
                    "{} must be in [0, 0.2), got {}",
                    crate::error::key_and_flag("colors_ratio"),
                    self.colors_ratio
                ),
            );
        }
        if !(self.split_gap.is_finite() && self.split_gap >= 0.0) {
            return bad(
                "split_gap",
                format!(
                    "{} is in points and must be at least 0, got {}",
                    crate::error::key_and_flag("split_gap"),
                    self.split_gap
                ),
            );
        }
        if !(self.bars_size.is_finite() && self.bars_size > 0.0) {
            return bad(
                "bars_size",
                format!(
                    "{} is in points and must be more than 0, got {}",
                    crate::error::key_and_flag("bars_size"),
                    self.bars_size
                ),
            );
        }
        if self.log1p && self.log2p1 {
            return bad("log2p1", "log1p and log2p1 are mutually exclusive".into());
        }
        if self.top_variable == Some(0) {
            return bad(
                "top_variable",
                format!(
                    "{} must be at least 1",
                    crate::error::key_and_flag("top_variable")
                ),
            );
        }
        if self.z_score.is_some() && self.standard_scale.is_some() {
            return bad(
                "standard_scale",
                "z_score and standard_scale are mutually exclusive (as in seaborn)".into(),
            );
        }
        if let (Some(a), Some(b)) = (self.vmin, self.vmax) {
            if a > b {
                return bad(
                    "vmax",
                    format!("vmin ({a}) is above vmax ({b}): give vmin <= vmax"),
                );
            }
        }
        crate::render::pyformat::parse(&self.fmt).map_err(|e| {
            OptionError::at(
                "fmt",
                format!(
                    "{} '{}' is not a Python format spec: {e}",
                    crate::error::key_and_flag("fmt"),
                    self.fmt
                ),
            )
        })?;
        if self.font.is_some() {
            self.fonts()?;
        }
        if let Some(c) = &self.cmap {
            crate::render::colormap::Colormap::by_name(c)
                .map_err(|e| OptionError::at("cmap", e))?;
        }
        crate::render::colormap::parse_color(&self.linecolor).map_err(|e| {
            OptionError::at(
                "linecolor",
                format!("{}: {e}", crate::error::key_and_flag("linecolor")),
            )
        })?;
        for c in self.palette.values() {
            crate::render::colormap::parse_color(c).map_err(|e| {
                OptionError::at(
                    "palette",
                    format!("{}: {e}", crate::error::key_and_flag("palette")),
                )
            })?;
        }
        crate::cluster::check_method_metric(
            self.method.unwrap_or(Method::Average),
            self.metric.unwrap_or(Metric::Euclidean),
        )
        .map_err(|e| {
            OptionError::at(
                if self.metric.is_some() {
                    "metric"
                } else {
                    "method"
                },
                e,
            )
        })?;
        Ok(())
    }

    /// The read-stage options (log transform, top-N) as a [`crate::prep::Prep`].
    pub fn read_prep(&self) -> crate::prep::Prep {
        crate::prep::Prep {
            log1p: self.log1p,
            log2p1: self.log2p1,
            top_variable: self.top_variable,
            ..Default::default()
        }
    }

    /// Pixels per point at this dpi.
    pub fn px(&self, pt: f64) -> f64 {
        pt * self.dpi / 72.0
    }
}

/// The figure-option table of `configs/README.md`, generated from
/// [`OPTIONS`] (a test keeps the file equal to it).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| key (flag) | applies to | default | meaning | seaborn |\n| --- | --- | --- | --- | --- |\n",
    );
    for s in OPTIONS {
        let flag = match s.value {
            ValueKind::Flag => format!("`{}` / `--no-{}`", s.flag(), &s.flag()[2..]),
            ValueKind::FlagOrText => {
                format!("`{}[=TEXT]` / `--no-{}`", s.flag(), &s.flag()[2..])
            }
            _ => format!("`{}`", s.flag()),
        };
        let accepted = if s.choices.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                s.choices
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // "all": every kind there is.
        let kinds = if s.kinds.len() == ALL_DOTPLOT_LIST.len() {
            "all".to_string()
        } else {
            s.kinds
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "| `{}` ({flag}) | {kinds} | {} | {}{accepted} | {} |\n",
            s.key,
            s.default,
            s.help.replace('|', "\\|"),
            if s.seaborn.is_empty() {
                "–".to_string()
            } else {
                format!("`{}`", s.seaborn.replace('|', "\\|"))
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_seaborns() {
        let o = FigureOptions::default();
        assert_eq!(o.fmt, ".2g");
        assert_eq!(o.linecolor, "white");
        assert_eq!(o.dendrogram_ratio, (0.2, 0.2));
        assert_eq!(o.colors_ratio, 0.03);
        assert!(o.cbar && o.row_cluster && o.col_cluster);
        assert_eq!(o.xticklabels, TickLabels::Auto);
        o.validate().unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e = serde_json::from_str::<FigureOptions>(r#"{"cmapp": "viridis"}"#).unwrap_err();
        assert!(e.to_string().contains("cmapp"));
        let o: FigureOptions =
            serde_json::from_str(r#"{"xticklabels": true, "yticklabels": 3, "mask": "upper"}"#)
                .unwrap();
        assert_eq!(o.xticklabels, TickLabels::All);
        assert_eq!(o.yticklabels, TickLabels::Every(3));
        assert_eq!(o.mask, Some(MaskSpec::Upper));
    }

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn tick_labels_take_a_list_a_file_or_seaborns_words() {
        let t = table("yticklabels = [\"a\", \"b\"]\nxticklabels = \"file:cols.txt\"");
        let o = FigureOptions::from_table(Kind::Heatmap, &toml::Table::new(), &t).unwrap();
        assert_eq!(
            o.yticklabels,
            TickLabels::Labels(vec!["a".into(), "b".into()])
        );
        assert_eq!(o.xticklabels, TickLabels::File("cols.txt".into()));
        let t = table("yticklabels = 3\nxticklabels = false");
        let o = FigureOptions::from_table(Kind::Heatmap, &toml::Table::new(), &t).unwrap();
        assert_eq!(o.yticklabels, TickLabels::Every(3));
        assert_eq!(o.xticklabels, TickLabels::None);
        for bad in [
            "yticklabels = [1, 2]",
            "yticklabels = 0",
            "yticklabels = \"file:\"",
        ] {
            let e = FigureOptions::from_table(Kind::Heatmap, &toml::Table::new(), &table(bad))
                .unwrap_err();
            assert!(
                e.message.contains("yticklabels (--yticklabels)"),
                "{bad}: {}",
                e.message
            );
        }
    }

    #[test]
    fn the_table_and_the_struct_have_the_same_keys() {
        let v = serde_json::to_value(FigureOptions::default()).unwrap();
        let fields: Vec<&String> = v.as_object().unwrap().keys().collect();
        let keys: Vec<&str> = OPTIONS.iter().map(|s| s.key).collect();
        assert_eq!(fields.len(), keys.len());
        for f in fields {
            assert!(keys.contains(&f.as_str()), "{f} has no table entry");
        }
        for s in OPTIONS {
            assert!(
                !s.kinds.is_empty() && !s.help.is_empty() && !s.example.is_empty(),
                "{}",
                s.key
            );
        }
    }

    #[test]
    fn options_of_other_kinds_are_refused_by_name() {
        let e = FigureOptions::from_table(
            Kind::Heatmap,
            &toml::Table::new(),
            &table("method = \"ward\""),
        )
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("method"));
        assert!(
            e.message.contains(
                "method (--method) applies to clustermap, corrmap and heatmap_list figures, not to heatmap"
            ),
            "{}",
            e.message
        );
        // From [defaults], an option that does not apply is skipped.
        let o = FigureOptions::from_table(
            Kind::Heatmap,
            &table("method = \"ward\""),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(o.method, None);
        let o = FigureOptions::from_table(
            Kind::Clustermap,
            &table("method = \"ward\""),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(o.method, Some(Method::Ward));
        // Unknown keys are refused even from [defaults].
        let e =
            FigureOptions::from_table(Kind::Heatmap, &table("cmapp = \"x\""), &toml::Table::new())
                .unwrap_err();
        assert!(e.message.contains("unknown figure option 'cmapp'"));
        assert!(e.message.contains("did you mean 'cmap'?"), "{}", e.message);
        assert_eq!(closest("methd"), Some("method"));
        assert_eq!(closest("zzzz"), None);
    }

    #[test]
    fn bad_values_name_the_key_and_the_accepted_values() {
        let e = FigureOptions::from_table(
            Kind::Clustermap,
            &toml::Table::new(),
            &table("cmap = \"viridis\"\nmethod = \"wards\""),
        )
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("method"));
        assert!(
            e.message.contains("method (--method)")
                && e.message.contains("expects one of single, complete"),
            "{}",
            e.message
        );
    }

    #[test]
    fn seaborn_spellings_are_accepted() {
        let o = FigureOptions::from_table(
            Kind::Clustermap,
            &toml::Table::new(),
            &table("dendrogram_ratio = 0.15\nz_score = 0\nfigsize = [6, 5]"),
        )
        .unwrap();
        assert_eq!(o.dendrogram_ratio, (0.15, 0.15));
        assert_eq!(o.z_score, Some(Axis::Rows));
        assert_eq!(o.figsize, (6.0, 5.0));
        let o = FigureOptions::from_table(
            Kind::Clustermap,
            &toml::Table::new(),
            &table("dendrogram_ratio = [0.1, 0.3]\nstandard_scale = 1"),
        )
        .unwrap();
        assert_eq!(o.dendrogram_ratio, (0.1, 0.3));
        assert_eq!(o.standard_scale, Some(Axis::Cols));
    }

    #[test]
    fn a_clustermap_is_ten_by_ten_inches_unless_told() {
        let none = toml::Table::new();
        let o = FigureOptions::from_table(Kind::Clustermap, &none, &none).unwrap();
        assert_eq!(o.figsize, (10.0, 10.0));
        let o = FigureOptions::from_table(Kind::Heatmap, &none, &none).unwrap();
        assert_eq!(o.figsize, (10.0, 8.0));
        let o =
            FigureOptions::from_table(Kind::Clustermap, &none, &table("figsize = [6, 4]")).unwrap();
        assert_eq!(o.figsize, (6.0, 4.0));
    }

    #[test]
    fn corrmap_clustering_options_need_cluster() {
        let e = FigureOptions::from_table(
            Kind::Corrmap,
            &toml::Table::new(),
            &table("method = \"ward\""),
        )
        .unwrap_err();
        assert!(
            e.message.contains("cluster = true (--cluster true)"),
            "{}",
            e.message
        );
        FigureOptions::from_table(
            Kind::Corrmap,
            &toml::Table::new(),
            &table("method = \"ward\"\ncluster = true"),
        )
        .unwrap();
    }

    #[test]
    fn the_analysis_key_ignores_drawing_options() {
        let a = FigureOptions::default();
        let mut b = a.clone();
        b.cmap = Some("viridis".into());
        b.figsize = (3.0, 3.0);
        assert_eq!(a.analysis_key(), b.analysis_key());
        b.method = Some(Method::Ward);
        assert_ne!(a.analysis_key(), b.analysis_key());
        let mut c = a.clone();
        c.top_variable = Some(10);
        assert_ne!(a.analysis_key(), c.analysis_key());
    }

    #[test]
    fn cli_values_become_config_values() {
        let s = spec("dendrogram_ratio").unwrap();
        assert_eq!(
            s.toml_from_cli(&["0.1".into()]).unwrap(),
            toml::Value::Float(0.1)
        );
        let s = spec("palette").unwrap();
        let v = s.toml_from_cli(&["A=#000000,B=red".into()]).unwrap();
        assert_eq!(v.as_table().unwrap().len(), 2);
        let s = spec("figsize").unwrap();
        assert!(s
            .toml_from_cli(&["6".into()])
            .unwrap_err()
            .contains("--figsize expects two numbers"));
    }
}
