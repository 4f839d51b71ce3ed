//! From numbers to pixels: colour maps and scales, the tiled body
//! rasteriser, text with the embedded font, and PNG encoding.

pub mod body;
pub mod canvas;
pub mod colormap;
pub mod scale;
pub mod text;
