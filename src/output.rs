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
    Svg,
    Pdf,
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
            Some("svg") => Ok(ImageFormat::Svg),
            Some("pdf") => Ok(ImageFormat::Pdf),
            other => Err(Error::Invalid(format!(
                "{}: unsupported figure format {:?} (use .png, .svg or .pdf)",
                path.display(),
                other.unwrap_or("")
            ))),
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
            ImageFormat::Pdf => "pdf",
        }
    }
}

/// Encodes `fig` for `path`.
pub fn encode(fig: &Figure, path: &Path, dpi: f64) -> Result<Vec<u8>> {
    match ImageFormat::from_path(path)? {
        ImageFormat::Png => fig.scene.rasterize().to_png(dpi),
        ImageFormat::Svg => crate::render::svg::to_svg(&fig.scene, dpi).map(String::into_bytes),
        ImageFormat::Pdf => crate::render::pdf::to_pdf(&fig.scene, dpi),
    }
}
