//! From numbers to pixels and paths: colour maps and scales, the body
//! rasteriser/aggregator, text with the embedded font, a recorded scene,
//! and its PNG, SVG and PDF encodings.

pub mod canvas;
pub mod colormap;
pub mod encode;
pub mod mesh;
pub mod pdf;
pub mod pyformat;
pub mod scale;
pub mod scene;
pub mod svg;
pub mod text;
