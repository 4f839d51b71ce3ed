//! Encoding a finished figure for its file: the format follows the
//! output's extension.

use std::path::Path;

use crate::error::{Error, Result};
use crate::figure::Figure;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
}

impl ImageFormat {
    pub fn from_path(path: &Path) -> Result<ImageFormat> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("png") => Ok(ImageFormat::Png),
            other => Err(Error::Invalid(format!(
                "{}: unsupported figure format {:?} (use .png)",
                path.display(),
                other.unwrap_or("")
            ))),
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
        }
    }
}

/// Encodes `fig` for `path`.
pub fn encode(fig: &Figure, path: &Path, dpi: f64) -> Result<Vec<u8>> {
    match ImageFormat::from_path(path)? {
        ImageFormat::Png => fig.canvas.to_png(dpi),
    }
}
