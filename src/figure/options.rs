//! Every figure option, with seaborn's defaults. One struct serves the
//! command line and the batch config (`[defaults]`, `[[figure]]`), so a
//! key means the same thing everywhere; unknown keys are rejected.

use std::collections::BTreeMap;

use crate::cluster::{Method, Metric, Precision};
use crate::error::{Error, Result};
use crate::prep::Axis;
use crate::render::body::Aggregate;
use crate::render::scale::ColorOptions;
use crate::stats::CorrMethod;

/// The three figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Heatmap,
    Clustermap,
    Corrmap,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Heatmap => "heatmap",
            Kind::Clustermap => "clustermap",
            Kind::Corrmap => "corrmap",
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
            _ => Err(format!(
                "unknown figure kind '{s}' (expected heatmap, clustermap or corrmap)"
            )),
        }
    }
}

/// Which tick labels to show (seaborn's `xticklabels`/`yticklabels`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TickLabels {
    /// One label per font height, like seaborn's "auto".
    #[default]
    Auto,
    All,
    None,
    /// Every n-th label, starting with the first.
    Every(usize),
}

impl std::str::FromStr for TickLabels {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(TickLabels::Auto),
            "all" | "true" => Ok(TickLabels::All),
            "none" | "false" => Ok(TickLabels::None),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&k| k > 0)
                .map(TickLabels::Every)
                .ok_or_else(|| {
                    format!("tick labels must be auto, all, none or a positive number, got '{s}'")
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
        }
        match Raw::deserialize(d)? {
            Raw::B(true) => Ok(TickLabels::All),
            Raw::B(false) => Ok(TickLabels::None),
            Raw::N(n) if n > 0 => Ok(TickLabels::Every(n as usize)),
            Raw::N(_) => Err(serde::de::Error::custom("tick label step must be positive")),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
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

fn yes() -> bool {
    true
}
fn default_fmt() -> String {
    ".2g".into()
}
fn default_linecolor() -> String {
    "white".into()
}
fn default_figsize() -> (f64, f64) {
    (10.0, 8.0)
}
fn default_dpi() -> f64 {
    100.0
}
fn default_shrink() -> f64 {
    1.0
}
fn default_colors_ratio() -> f64 {
    0.03
}
fn default_dendrogram_ratio() -> (f64, f64) {
    (0.2, 0.2)
}

/// Options of every figure kind. Defaults are seaborn's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureOptions {
    // Colour.
    pub cmap: Option<String>,
    pub center: Option<f64>,
    pub vmin: Option<f64>,
    pub vmax: Option<f64>,
    #[serde(default)]
    pub robust: bool,
    // Cells.
    #[serde(default)]
    pub annot: bool,
    #[serde(default = "default_fmt")]
    pub fmt: String,
    /// Cell border width in points.
    #[serde(default)]
    pub linewidths: f64,
    #[serde(default = "default_linecolor")]
    pub linecolor: String,
    /// Square cells; unset = the kind's default (on for corrmap).
    pub square: Option<bool>,
    pub mask: Option<MaskSpec>,
    #[serde(default)]
    pub aggregate: Aggregate,
    // Labels.
    #[serde(default)]
    pub xticklabels: TickLabels,
    #[serde(default)]
    pub yticklabels: TickLabels,
    pub title: Option<String>,
    pub xlabel: Option<String>,
    pub ylabel: Option<String>,
    pub cbar_label: Option<String>,
    #[serde(default = "yes")]
    pub cbar: bool,
    #[serde(default = "default_shrink")]
    pub cbar_shrink: f64,
    // Canvas.
    #[serde(default = "default_figsize")]
    pub figsize: (f64, f64),
    #[serde(default = "default_dpi")]
    pub dpi: f64,
    // Preprocessing, applied first, in this order (all kinds).
    #[serde(default)]
    pub log1p: bool,
    #[serde(default)]
    pub log2p1: bool,
    /// Keep the N rows of highest variance (order preserved).
    pub top_variable: Option<usize>,
    /// `pairwise`: correlations use pairwise-complete observations
    /// (pandas `.corr()`), so missing values are allowed (corrmap).
    #[serde(default)]
    pub missing: Missing,
    // Clustering (clustermap; corrmap with `cluster`).
    pub method: Option<Method>,
    pub metric: Option<Metric>,
    pub z_score: Option<Axis>,
    pub standard_scale: Option<Axis>,
    #[serde(default = "yes")]
    pub row_cluster: bool,
    #[serde(default = "yes")]
    pub col_cluster: bool,
    #[serde(default)]
    pub optimal_ordering: bool,
    /// Storage of the condensed distance matrix: `f64` (scipy's numbers)
    /// or `f32` (half the memory, ~7 significant digits).
    #[serde(default)]
    pub precision: Precision,
    #[serde(default = "default_dendrogram_ratio")]
    pub dendrogram_ratio: (f64, f64),
    #[serde(default = "default_colors_ratio")]
    pub colors_ratio: f64,
    /// `TABLE:COLUMN` annotation strips for columns / rows.
    #[serde(default)]
    pub col_colors: Vec<String>,
    #[serde(default)]
    pub row_colors: Vec<String>,
    /// Explicit colours per category (`Tumor = "#e63946"`).
    #[serde(default)]
    pub palette: BTreeMap<String, String>,
    pub cut_rows: Option<usize>,
    pub cut_cols: Option<usize>,
    // Correlation map.
    #[serde(default)]
    pub corr_method: Option<CorrMethod>,
    #[serde(default)]
    pub cluster: bool,
    #[serde(default)]
    pub cluster_distance: ClusterDistance,
}

impl Default for FigureOptions {
    fn default() -> Self {
        // serde's defaults are the single source of truth.
        serde_json::from_str("{}").expect("defaults deserialize")
    }
}

impl FigureOptions {
    pub fn color(&self) -> ColorOptions {
        ColorOptions {
            cmap: self.cmap.clone(),
            vmin: self.vmin,
            vmax: self.vmax,
            center: self.center,
            robust: self.robust,
        }
    }

    /// Checks values that serde cannot (ranges, combinations).
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Invalid(m));
        if !(self.figsize.0 > 0.5
            && self.figsize.1 > 0.5
            && self.figsize.0 <= 200.0
            && self.figsize.1 <= 200.0)
        {
            return bad(format!(
                "figsize must be between 0.5 and 200 inches per side, got {:?}",
                self.figsize
            ));
        }
        if !(self.dpi >= 10.0 && self.dpi <= 1200.0) {
            return bad(format!("dpi must be between 10 and 1200, got {}", self.dpi));
        }
        if (self.figsize.0 * self.dpi) * (self.figsize.1 * self.dpi) > 400e6 {
            return bad("figure would exceed 400 megapixels: lower dpi or figsize".into());
        }
        if !(self.cbar_shrink > 0.0 && self.cbar_shrink <= 1.0) {
            return bad(format!(
                "cbar_shrink must be in (0, 1], got {}",
                self.cbar_shrink
            ));
        }
        if self.linewidths < 0.0 {
            return bad("linewidths must be >= 0".into());
        }
        let (dr, dc) = self.dendrogram_ratio;
        if !(0.0..0.5).contains(&dr) || !(0.0..0.5).contains(&dc) {
            return bad("dendrogram_ratio must be in [0, 0.5)".into());
        }
        if !(0.0..0.2).contains(&self.colors_ratio) {
            return bad("colors_ratio must be in [0, 0.2)".into());
        }
        if self.log1p && self.log2p1 {
            return bad("log1p and log2p1 are mutually exclusive".into());
        }
        if self.top_variable == Some(0) {
            return bad("top_variable must be at least 1".into());
        }
        if self.z_score.is_some() && self.standard_scale.is_some() {
            return bad("z_score and standard_scale are mutually exclusive (as in seaborn)".into());
        }
        if let (Some(a), Some(b)) = (self.vmin, self.vmax) {
            if a > b {
                return bad(format!("vmin ({a}) is above vmax ({b})"));
            }
        }
        if let Some(c) = &self.cmap {
            crate::render::colormap::Colormap::by_name(c)?;
        }
        crate::render::colormap::parse_color(&self.linecolor)?;
        for c in self.palette.values() {
            crate::render::colormap::parse_color(c)?;
        }
        crate::cluster::check_method_metric(
            self.method.unwrap_or(Method::Average),
            self.metric.unwrap_or(Metric::Euclidean),
        )?;
        Ok(())
    }

    /// Pixels per point at this dpi.
    pub fn px(&self, pt: f64) -> f64 {
        pt * self.dpi / 72.0
    }
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
}
