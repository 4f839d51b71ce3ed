//! Typed errors for the library. Every variant carries what a user needs to
//! act: the file, the row or column, what was wrong, what to do. Each
//! error has a [`Class`], and the class alone decides the exit code of the
//! `heatmill` command ([`Class::exit_code`]): usage, config and input
//! errors → 2; some jobs failed, an output could not be written, or a bug
//! → 1.
//!
//! Messages that suggest an option name it in both vocabularies, the
//! config key and the flag (`precision = "f64"` / `--precision f64`), via
//! [`hint`] and [`key_and_flag`].

use std::path::PathBuf;

/// A foreign error kept as the cause of one of ours (`source()`).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the engine can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input (matrix, config, annotation table, mask, manifest to
    /// merge) could not be opened or read: missing, unreadable, a
    /// directory. Class [`Class::Input`] (exit 2).
    #[error("{path}: {source}")]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An output (figure, export, manifest) could not be written.
    /// Class [`Class::Output`] (exit 1).
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file or directory being written.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file exists but its content is not what we can read (a matrix
    /// in `format`, a manifest). Class [`Class::Input`] (exit 2).
    #[error("{path}: {format} input: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The container read (`csv`, `parquet`, `arrow`, `hdf5`, `h5ad`,
        /// `npy`, `manifest`).
        format: &'static str,
        /// What was wrong, and what to do.
        message: String,
        /// The reader library's own error, when there is one.
        #[source]
        cause: Option<Cause>,
    },
    /// A batch config (TOML/JSON) is malformed or holds a bad key or value.
    /// Class [`Class::Config`] (exit 2).
    #[error("{path}: config: {}{message}", location(*line, key.as_deref()))]
    Config {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the offending key, when known.
        line: Option<usize>,
        /// The key, as written in the config.
        key: Option<String>,
        /// What was wrong, and what to do.
        message: String,
    },
    /// A cell of the matrix holds something we refuse (text, NaN, ±Inf).
    /// Class [`Class::Input`] (exit 2).
    #[error("{path}: row '{row}', column '{column}': {message}")]
    Cell {
        /// The input file.
        path: PathBuf,
        /// Row label.
        row: String,
        /// Column label.
        column: String,
        /// What was wrong, and what to do.
        message: String,
    },
    /// A command-line or option misuse: an option that does not apply to
    /// the figure kind, a missing companion option, a value out of range.
    /// Class [`Class::Usage`] (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The request does not fit the data (too few rows, a metric undefined
    /// on these values, a result beyond the storage's range).
    /// Class [`Class::Input`] (exit 2).
    #[error("{0}")]
    Invalid(String),
    /// A batch ran to the end but some jobs failed; their outputs are
    /// absent, every other job's are complete, and the manifest says which
    /// failed and why. Class [`Class::JobsFailed`] (exit 1).
    #[error("{failed} job(s) failed; see {manifest}")]
    JobsFailed {
        /// How many jobs failed.
        failed: usize,
        /// The manifest recording each failure.
        manifest: PathBuf,
    },
    /// A batch was stopped by SIGTERM or SIGINT (a scheduler's time limit,
    /// Ctrl-C) before every job had started: the finished jobs are
    /// complete and in the manifest, no temp file is left, and rerunning
    /// the same command does the rest. Class [`Class::Stopped`] (exit 128 +
    /// the signal: 143 for SIGTERM, 130 for SIGINT, the codes nf-core and
    /// Slurm users retry on).
    #[error("stopped by {} before {not_started} job(s) started; the finished ones are in {manifest}; run the same command again to do the rest", signal_name(*signal))]
    Stopped {
        /// The signal number (15 SIGTERM, 2 SIGINT).
        signal: i32,
        /// Jobs left for the rerun.
        not_started: usize,
        /// The manifest recording the finished jobs.
        manifest: PathBuf,
    },
    /// A state the code should never reach. Class [`Class::Internal`]
    /// (exit 1).
    #[error("internal error (this is a bug in heatmill; please report it with the command that caused it): {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Bad flags or option combination (exit 2).
    Usage,
    /// Bad batch config (exit 2).
    Config,
    /// Missing or unreadable input, or data that cannot give an answer
    /// (exit 2).
    Input,
    /// An output could not be written (exit 1).
    Output,
    /// Some jobs of a run failed, the others completed (exit 1).
    JobsFailed,
    /// A bug (exit 1).
    Internal,
    /// Stopped by a signal (exit 128 + signal; see [`Error::exit_code`]).
    Stopped,
}

impl Class {
    /// The process exit code for this class: 2 for usage, config and
    /// input errors, 1 otherwise (as the README promises).
    pub fn exit_code(self) -> u8 {
        match self {
            Class::Usage | Class::Config | Class::Input => 2,
            Class::Output | Class::JobsFailed | Class::Internal => 1,
            Class::Stopped => 143,
        }
    }
}

fn signal_name(sig: i32) -> String {
    match sig {
        15 => "SIGTERM".into(),
        2 => "SIGINT".into(),
        s => format!("signal {s}"),
    }
}

fn location(line: Option<usize>, key: Option<&str>) -> String {
    match (line, key) {
        (Some(l), Some(k)) => format!("line {l}, key '{k}': "),
        (Some(l), None) => format!("line {l}: "),
        (None, Some(k)) => format!("key '{k}': "),
        (None, None) => String::new(),
    }
}

impl Error {
    /// An input file that could not be read (exit 2).
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Read {
            path: path.into(),
            source,
        }
    }

    /// An output file or directory that could not be written (exit 1).
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            source,
        }
    }

    /// A format error for `path`, with no foreign cause.
    pub fn format(
        path: impl Into<PathBuf>,
        format: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Error::Format {
            path: path.into(),
            format,
            message: message.into(),
            cause: None,
        }
    }

    /// A format error for `path` caused by a reader library's error, kept
    /// as `source()`; its text is appended to `message`.
    pub fn format_caused(
        path: impl Into<PathBuf>,
        format: &'static str,
        message: impl Into<String>,
        cause: impl Into<Cause>,
    ) -> Self {
        let cause = cause.into();
        let message = message.into();
        let message = if message.is_empty() {
            cause.to_string()
        } else {
            format!("{message}: {cause}")
        };
        Error::Format {
            path: path.into(),
            format,
            message,
            cause: Some(cause),
        }
    }

    /// A config error at `key` (line found by the caller, if any).
    pub fn config(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            path: path.into(),
            line,
            key: key.map(str::to_string),
            message: message.into(),
        }
    }

    /// This error's class.
    pub fn class(&self) -> Class {
        match self {
            Error::Read { .. } | Error::Format { .. } | Error::Cell { .. } | Error::Invalid(_) => {
                Class::Input
            }
            Error::Config { .. } => Class::Config,
            Error::Usage(_) => Class::Usage,
            Error::Write { .. } => Class::Output,
            Error::JobsFailed { .. } => Class::JobsFailed,
            Error::Internal(_) => Class::Internal,
            Error::Stopped { .. } => Class::Stopped,
        }
    }

    /// The exit code of the `heatmill` command for this error.
    pub fn exit_code(&self) -> u8 {
        if let Error::Stopped { signal, .. } = self {
            return (128 + (*signal).clamp(1, 127)) as u8;
        }
        self.class().exit_code()
    }
}

/// `key = value (--key-flag value)`: how a message suggests an option,
/// in the words of both the batch user and the CLI user. `value` is
/// written as TOML would (strings quoted).
///
/// ```
/// assert_eq!(
///     heatmill::error::hint("precision", "f64"),
///     "precision = \"f64\" (--precision f64)"
/// );
/// assert_eq!(heatmill::error::hint("top_variable", "2000"), "top_variable = 2000 (--top-variable 2000)");
/// ```
pub fn hint(key: &str, value: &str) -> String {
    let toml_value = if value.parse::<f64>().is_ok() || value == "true" || value == "false" {
        value.to_string()
    } else {
        format!("\"{value}\"")
    };
    format!("{key} = {toml_value} ({} {value})", flag_of(key))
}

impl Error {
    /// The error of reading what option `key` names (`spec`, e.g. a
    /// `TABLE:COLUMN`), saying so: `key (--flag) 'spec': …`. Content
    /// errors (a missing column, a bad value) become [`Error::Invalid`]
    /// (still exit 2); a file that cannot be read, an output or internal
    /// error stays as it is (a missing file keeps its own class).
    pub fn about_option(self, key: &str, spec: &str) -> Error {
        match self {
            Error::Format { .. } | Error::Cell { .. } | Error::Invalid(_) | Error::Usage(_) => {
                Error::Invalid(format!("{} '{spec}': {self}", key_and_flag(key)))
            }
            e => e,
        }
    }
}

/// `key (--key-flag)`: an option named in both vocabularies.
pub fn key_and_flag(key: &str) -> String {
    format!("{key} ({})", flag_of(key))
}

/// A serde/TOML message in a user's words: no "variant", "tuple",
/// "sequence", "map", "f64" or "usize" (config and option errors pass
/// through it).
pub fn plain_words(msg: &str) -> String {
    let mut s = msg.to_string();
    for (from, to) in [
        ("unknown variant", "unknown value"),
        ("unknown field", "unknown key"),
        ("missing field", "missing key"),
        ("duplicate field", "repeated key"),
        ("expected one of", "expected one of"),
        ("a tuple of size 2", "two values [A, B]"),
        ("tuple of size 2", "two values [A, B]"),
        ("a sequence", "a list"),
        ("sequence", "list"),
        ("a map", "a table"),
        ("struct ", ""),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected usize", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("a string", "a text"),
        ("string", "text"),
        ("invalid type: ", ""),
        ("invalid value: ", ""),
        (
            "floating-point number overflowed",
            "the number is too large (numbers go up to about 1.8e308)",
        ),
        (
            "number out of range",
            "the number is too large (numbers go up to about 1.8e308)",
        ),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// A message for a config user: option names as keys only, without the
/// ` (--flag)` or ` (--flag value)` that [`key_and_flag`] and [`hint`] add
/// for command-line users.
pub fn config_words(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(at) = rest.find(" (--") {
        let tail = &rest[at + 4..];
        out.push_str(&rest[..at]);
        match tail.find(')') {
            Some(end) if end > 0 && !tail[..end].contains('(') => rest = &tail[end + 1..],
            _ => {
                out.push_str(" (--");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The command-line flag of a config key: `top_variable` → `--top-variable`.
pub fn flag_of(key: &str) -> String {
    format!("--{}", key.replace('_', "-"))
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_words_drop_the_flags() {
        assert_eq!(
            config_words(
                "dpi (--dpi) must be between 10 and 1200; or use dtype = f64 (--dtype f64)."
            ),
            "dpi must be between 10 and 1200; or use dtype = f64."
        );
        assert_eq!(config_words("a (--b (c)) d (--"), "a (--b (c)) d (--");
    }

    #[test]
    fn classes_give_the_readme_exit_codes() {
        let nf = || std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        assert_eq!(Error::read("x.csv", nf()).exit_code(), 2);
        assert_eq!(Error::write("out/x.png", nf()).exit_code(), 1);
        assert_eq!(
            Error::config("c.toml", Some(3), Some("cmap"), "bad").exit_code(),
            2
        );
        assert_eq!(Error::Usage("u".into()).exit_code(), 2);
        assert_eq!(Error::Invalid("i".into()).exit_code(), 2);
        let jf = Error::JobsFailed {
            failed: 1,
            manifest: "m.json".into(),
        };
        assert_eq!(jf.exit_code(), 1);
        let bug = Error::Internal("x".into());
        assert_eq!(bug.exit_code(), 1);
        assert!(bug.to_string().contains("this is a bug"));
    }

    #[test]
    fn foreign_causes_are_kept() {
        use std::error::Error as _;
        let e = Error::format_caused(
            "a.toml",
            "npy",
            "bad header",
            std::io::Error::other("inner"),
        );
        assert_eq!(e.source().map(|s| s.to_string()).as_deref(), Some("inner"));
        assert!(e.to_string().contains("bad header: inner"));
        let e = Error::read("x.csv", std::io::Error::other("gone"));
        assert!(e.source().is_some());
    }

    #[test]
    fn config_errors_name_line_and_key() {
        let e = Error::config("c.toml", Some(7), Some("cmapp"), "unknown key");
        assert_eq!(
            e.to_string(),
            "c.toml: config: line 7, key 'cmapp': unknown key"
        );
    }
}
