//! Linkage methods and their Lance–Williams updates, written term for term
//! the way scipy's `_hierarchy_distance_update.pxi` evaluates them, so that
//! heights agree with scipy to the last bits and tied distances stay tied.

use std::fmt;
use std::str::FromStr;

/// How the distance between two clusters is defined (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Nearest points: `min` of the pairwise distances (minimum spanning tree).
    Single,
    /// Farthest points: `max` of the pairwise distances.
    Complete,
    /// UPGMA: the mean of all pairwise distances.
    Average,
    /// WPGMA: the mean of the two merged clusters' distances.
    Weighted,
    /// Ward's minimum variance; heights as scipy reports them (the
    /// Lance–Williams recurrence on Euclidean distances). Euclidean only.
    Ward,
    /// UPGMC: the distance between centroids. Euclidean only; heights may
    /// decrease (not reducible).
    Centroid,
    /// WPGMC: the distance between the merged clusters' midpoints.
    /// Euclidean only; heights may decrease (not reducible).
    Median,
}

impl Method {
    /// Every method, in declaration order (for help texts and tests).
    pub const ALL: [Method; 7] = [
        Method::Single,
        Method::Complete,
        Method::Average,
        Method::Weighted,
        Method::Ward,
        Method::Centroid,
        Method::Median,
    ];

    /// scipy's name for the method (`"average"`, ...), as [`FromStr`] parses
    /// and [`Display`](fmt::Display) prints it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Single => "single",
            Method::Complete => "complete",
            Method::Average => "average",
            Method::Weighted => "weighted",
            Method::Ward => "ward",
            Method::Centroid => "centroid",
            Method::Median => "median",
        }
    }

    /// Methods whose merge heights can only grow (reducible), so the
    /// nearest-neighbour chain applies and the result is sorted by height.
    pub fn is_reducible(self) -> bool {
        !matches!(self, Method::Centroid | Method::Median)
    }

    /// Ward, centroid and median are only defined for Euclidean distances
    /// (scipy refuses other metrics for them when given observations).
    pub fn needs_euclidean(self) -> bool {
        matches!(self, Method::Ward | Method::Centroid | Method::Median)
    }

    /// Distance from cluster `i` to the union of `x` and `y`, given
    /// `d(x,i)`, `d(y,i)`, `d(x,y)` and the three sizes.
    #[inline(always)]
    pub fn update(self, d_xi: f64, d_yi: f64, d_xy: f64, nx: f64, ny: f64, ni: f64) -> f64 {
        match self {
            // Cython's min/max on doubles: `b < a ? b : a` and `b > a ? b : a`.
            Method::Single => {
                if d_yi < d_xi {
                    d_yi
                } else {
                    d_xi
                }
            }
            Method::Complete => {
                if d_yi > d_xi {
                    d_yi
                } else {
                    d_xi
                }
            }
            Method::Average => (nx * d_xi + ny * d_yi) / (nx + ny),
            Method::Weighted => 0.5 * (d_xi + d_yi),
            Method::Ward => {
                let t = 1.0 / (nx + ny + ni);
                ((ni + nx) * t * d_xi * d_xi + (ni + ny) * t * d_yi * d_yi - ni * t * d_xy * d_xy)
                    .sqrt()
            }
            Method::Centroid => ((((nx * d_xi * d_xi) + (ny * d_yi * d_yi))
                - ((nx * ny) * d_xy * d_xy) / (nx + ny))
                / (nx + ny))
                .sqrt(),
            Method::Median => (0.5 * (d_xi * d_xi + d_yi * d_yi) - 0.25 * d_xy * d_xy).sqrt(),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Method::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            format!(
                "unknown linkage method '{s}' (expected one of: single, complete, average, weighted, ward, centroid, median)"
            )
        })
    }
}
