//! From numbers to pixels and paths: colour maps and scales, the body
//! rasteriser/aggregator, fonts and text, a recorded scene,
//! and its PNG, SVG and PDF encodings.

pub mod canvas;
pub mod colormap;
pub mod encode;
pub mod fonts;
pub mod mesh;
pub mod pdf;
pub mod pyformat;
pub mod scale;
pub mod scene;
pub mod sfnt;
pub mod svg;
pub mod text;
