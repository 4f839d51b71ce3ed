//! Encoding a drawn scene for its file: PNG, SVG or PDF, the format
//! from the output's extension.

use std::path::Path;

use super::scene::Scene;
use crate::error::{Error, Result};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// PNG raster (`.png`).
    Png,
    /// SVG vector document (`.svg`).
    Svg,
    /// One-page PDF (`.pdf`).
    Pdf,
}

impl ImageFormat {
    /// The format of `path`'s extension (`.png`, `.svg`, `.pdf`, any case).
    ///
    /// Errors: [`Error::Usage`] for any other extension.
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
            other => Err(Error::Usage(format!(
                "{}: unsupported figure format {:?} (use .png, .svg or .pdf)",
                path.display(),
                other.unwrap_or("")
            ))),
        }
    }

    /// The file extension, without the dot (`png`, `svg`, `pdf`).
    pub fn ext(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
            ImageFormat::Pdf => "pdf",
        }
    }
}

/// Encodes `scene` (pixels at `dpi`) in the format of `path`'s extension.
///
/// Errors: an extension other than `.png`, `.svg`, `.pdf`
/// ([`Error::Usage`]); an encoder failure.
pub fn encode(scene: &Scene, path: &Path, dpi: f64) -> Result<Vec<u8>> {
    match ImageFormat::from_path(path)? {
        ImageFormat::Png => scene.rasterize().to_png(dpi),
        ImageFormat::Svg => super::svg::to_svg(scene, dpi).map(String::into_bytes),
        ImageFormat::Pdf => super::pdf::to_pdf(scene, dpi),
    }
}
