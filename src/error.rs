//! Typed errors for the library. Every variant carries what a user needs to
//! act: the file, the row or column, what was wrong. The CLI maps them to
//! exit codes (input/usage errors → 2, failed jobs → 1).

use std::path::PathBuf;

/// Everything the engine can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file exists but its content is not a matrix we can read.
    #[error("{path}: {format} input: {message}")]
    Format {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    /// A cell of the matrix holds something we refuse (text, NaN, ±Inf).
    #[error("{path}: row '{row}', column '{column}': {message}")]
    Cell {
        path: PathBuf,
        row: String,
        column: String,
        message: String,
    },
    /// The request does not fit the data (too few rows, bad option value).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// Wraps an `std::io::Error` with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A format error for `path`.
    pub fn format(
        path: impl Into<PathBuf>,
        format: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Error::Format {
            path: path.into(),
            format,
            message: message.into(),
        }
    }

    /// True when the error is about the input or the request (exit code 2),
    /// as opposed to a failure while writing results.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Error::Io { .. })
    }
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
