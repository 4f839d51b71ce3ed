//! Excel workbooks: not yet read.

use std::path::Path;

use super::Described;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

pub(crate) fn read(path: &Path, _opts: &super::ReadOptions) -> Result<(Matrix, Described)> {
    Err(Error::format(path, "xlsx", "workbooks are not read yet"))
}
