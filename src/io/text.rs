//! Delimited text read as a stream of records, for the text formats that
//! may be compressed (CSV/TSV `.gz`/`.bz2`/`.zst`, GCT, GEO series
//! matrices, Matrix Market): one record at a time from a [`BufRead`] —
//! usually the decompressor of [`super::compress`] — into reused buffers,
//! so reading holds one record, never the file.
//!
//! The rules are those of [`super::delimited::records`] (and of pandas'
//! `read_csv`): `"` quotes a field (`""` inside is one `"`), a quoted
//! field may hold the delimiter or a line break, lines end in `\n` or
//! `\r\n`, blank lines are skipped, a UTF-8 byte-order mark is dropped.
//! Missing values are the tokens of [`is_missing_value`].

use std::io::BufRead;
use std::path::Path;

use super::compress::{self, Compression};
use crate::error::{Error, Result};

/// The values read as missing in a numeric column: empty, `NA`, `N/A`,
/// `NaN`, `nan`, and `null` (GEO writes it), surrounding spaces ignored.
pub(crate) fn is_missing_value(v: &str) -> bool {
    matches!(v.trim(), "" | "NA" | "N/A" | "NaN" | "nan" | "null")
}

/// A number cell: `Some(NaN)` for a missing token, `Some(x)` for a number
/// (Rust's correctly rounded parse: the same bits as polars and pandas'
/// `float_precision="round_trip"`), `None` for text.
pub(crate) fn parse_value(v: &str) -> Option<f64> {
    if is_missing_value(v) {
        return Some(f64::NAN);
    }
    v.trim().parse::<f64>().ok()
}

/// Records of one delimited text stream.
pub(crate) struct Records {
    r: Box<dyn BufRead + Send>,
    sep: u8,
    /// The file, its format name and compression, for messages.
    pub path: std::path::PathBuf,
    pub format: &'static str,
    pub compression: Compression,
    /// Lines consumed so far.
    lines: usize,
    /// 1-based line the current record starts on.
    start: usize,
    raw: Vec<u8>,
    text: String,
    ends: Vec<usize>,
    first: bool,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("path", &self.path)
            .field("line", &self.start)
            .finish()
    }
}

impl Records {
    /// Opens `path` (decompressing it as its first bytes say) as records
    /// separated by `sep`.
    ///
    /// Errors: [`Error::Read`] when the file cannot be opened.
    pub fn open(path: &Path, format: &'static str, sep: u8) -> Result<Records> {
        let (r, compression) = compress::open(path)?;
        Ok(Records {
            r,
            sep,
            path: path.to_path_buf(),
            format,
            compression,
            lines: 0,
            start: 0,
            raw: Vec::new(),
            text: String::new(),
            ends: Vec::new(),
            first: true,
        })
    }

    /// The 1-based line the current record starts on.
    pub fn line(&self) -> usize {
        self.start
    }

    /// Fields in the current record.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i` of the current record (unquoted); empty past the end.
    pub fn field(&self, i: usize) -> &str {
        if i >= self.ends.len() {
            return "";
        }
        let a = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[a..self.ends[i]]
    }

    /// The current record's fields, owned.
    pub fn fields(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.field(i).to_string()).collect()
    }

    /// A format error at the current record's line.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::format(
            &self.path,
            self.format,
            format!("line {}: {message}", self.start),
        )
    }

    /// Reads one physical line into `raw` (appended); false at the end.
    fn read_line(&mut self) -> Result<bool> {
        let before = self.raw.len();
        let n = self.r.read_until(b'\n', &mut self.raw).map_err(|e| {
            compress::read_error(&self.path, self.format, self.compression, self.lines, e)
        })?;
        if n == 0 {
            return Ok(false);
        }
        self.lines += 1;
        if self.first && before == 0 {
            self.first = false;
            if self.raw.starts_with(b"\xef\xbb\xbf") {
                self.raw.drain(..3);
            }
        }
        Ok(true)
    }

    /// Moves to the next record that is not blank; false at the end.
    ///
    /// Errors: a damaged compressed stream; a quote left open at the end.
    pub fn next_record(&mut self) -> Result<bool> {
        loop {
            self.raw.clear();
            if !self.read_line()? {
                return Ok(false);
            }
            self.start = self.lines;
            // A quoted field may run over several lines: read on until the
            // quotes balance.
            while self.raw.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
                if !self.read_line()? {
                    return Err(self
                        .error("a quote (\") opened here is never closed; close it or remove it"));
                }
            }
            if self
                .raw
                .iter()
                .all(|b| matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
            {
                continue;
            }
            self.split();
            return Ok(true);
        }
    }

    fn split(&mut self) {
        let mut out = Vec::with_capacity(self.raw.len());
        self.ends.clear();
        let raw = &self.raw;
        let mut end = raw.len();
        if raw[..end].ends_with(b"\n") {
            end -= 1;
            if raw[..end].ends_with(b"\r") {
                end -= 1;
            }
        }
        let mut i = 0;
        let mut in_quotes = false;
        while i < end {
            let b = raw[i];
            i += 1;
            if in_quotes {
                if b == b'"' {
                    if i < end && raw[i] == b'"' {
                        out.push(b'"');
                        i += 1;
                    } else {
                        in_quotes = false;
                    }
                } else {
                    out.push(b);
                }
            } else if b == b'"' {
                in_quotes = true;
            } else if b == self.sep {
                self.ends.push(out.len());
            } else {
                out.push(b);
            }
        }
        // Field ends are byte offsets into `text`: keep them valid when
        // invalid UTF-8 is replaced (lossy) by converting field by field.
        let mut ends = std::mem::take(&mut self.ends);
        ends.push(out.len());
        self.text.clear();
        let mut a = 0;
        for e in ends.iter_mut() {
            self.text.push_str(&String::from_utf8_lossy(&out[a..*e]));
            a = *e;
            *e = self.text.len();
        }
        self.ends = ends;
    }
}

/// Which column names the rows of a wide table.
#[derive(Debug, Clone)]
pub(crate) enum LabelRule {
    /// This column (GCT's `Name`, GEO's `ID_REF`).
    Fixed(usize),
    /// The column with this header name (`index_col`).
    Named(String),
    /// The first column whose first data value is not a number (the
    /// first text column, as the CSV reader picks it); none: rows are
    /// numbered from 0, as pandas numbers them.
    FirstText,
}

/// Values appended one at a time (a streamed table of unknown length),
/// kept in blocks of `block` values and moved into one vector of the
/// exact length at the end. A doubling vector would move every value at
/// each doubling, holding the old and new buffers at once (1.5–2× the
/// matrix: an allocator that cannot `mremap` copies); here each block's
/// pages go back to the kernel as soon as it is moved, so the peak is the
/// matrix and one block.
pub(crate) struct Blocks {
    full: Vec<Vec<f64>>,
    cur: Vec<f64>,
    block: usize,
}

impl Blocks {
    /// Blocks of 2^20 values (8 MiB).
    pub(crate) fn new() -> Self {
        Self::with_block(1 << 20)
    }

    fn with_block(block: usize) -> Self {
        Blocks {
            full: vec![],
            cur: vec![],
            block: block.max(1),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, v: f64) {
        if self.cur.len() == self.block {
            let next = Vec::with_capacity(self.block);
            self.full.push(std::mem::replace(&mut self.cur, next));
        }
        self.cur.push(v);
    }

    /// The values in order, in one vector (no copy when they fit a block).
    pub(crate) fn into_vec(self) -> Vec<f64> {
        if self.full.is_empty() {
            return self.cur;
        }
        let len = self.full.len() * self.block + self.cur.len();
        let mut out = Vec::with_capacity(len);
        for b in self.full {
            out.extend_from_slice(&b);
            crate::mem::drop_now(b);
        }
        out.extend_from_slice(&self.cur);
        out
    }
}

/// A wide table read from records: labels, the value columns' names, and
/// the values row-major.
#[derive(Debug)]
pub(crate) struct Wide {
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    pub values: Vec<f64>,
    /// The label column's name, or "(row numbers)".
    pub label_column: String,
    /// 1-based lines of the first and last data rows (0, 0 when none).
    pub lines: (usize, usize),
    /// Whether the table ended on the `stop` line (not the file's end).
    pub stopped: bool,
}

/// Reads the data rows after `header` (the current record of `rec` was
/// the header): the label column by `label`, `skip` columns ignored (GCT
/// descriptions and row metadata), every other column a value column.
/// Stops at the end, or at a record whose first field is `stop` (GEO's
/// `!series_matrix_table_end`). Each value is parsed as it is read into
/// the growing row-major buffer: peak memory is the matrix, its labels
/// and one record.
///
/// Errors ([`Error::Format`] / [`Error::Cell`], naming the file and line):
/// a row with more fields than the header (a trailing delimiter, a header
/// without a name for the label column, an unquoted delimiter), a `#`
/// comment line, text in a value column, no data rows.
pub(crate) fn read_wide(
    rec: &mut Records,
    header: &[String],
    label: &LabelRule,
    skip: &[usize],
    stop: Option<&str>,
) -> Result<Wide> {
    let n = header.len();
    let header_line = rec.line();
    let mut label_idx = match label {
        LabelRule::Fixed(i) => Some(*i),
        LabelRule::Named(name) => Some(header.iter().position(|c| c == name).ok_or_else(|| {
            Error::format(
                &rec.path,
                rec.format,
                format!(
                    "{} '{name}' is not a column (columns: {})",
                    crate::error::key_and_flag("index_col"),
                    header[..n.min(8)].join(", ")
                ),
            )
        })?),
        LabelRule::FirstText => None,
    };
    let mut decided = !matches!(label, LabelRule::FirstText);
    let mut value_cols: Vec<usize> = vec![];
    let mut row_labels = Vec::new();
    let mut values = Blocks::new();
    let mut lines = (0, 0);
    let mut stopped = false;
    let shown_sep = |sep: u8| if sep == b'\t' { "a tab" } else { "','" };
    while rec.next_record()? {
        if let Some(s) = stop {
            if rec.field(0) == s {
                stopped = true;
                break;
            }
        }
        let line = rec.line();
        if rec.field(0).starts_with('#') {
            return Err(rec.error("starts with '#': comment lines are not read; delete it"));
        }
        if rec.len() > n {
            let extra_empty = (n..rec.len()).all(|i| rec.field(i).trim().is_empty());
            return Err(rec.error(if extra_empty {
                format!(
                    "ends in {} (it has {} fields, the header on line {header_line} names {n}): remove the trailing delimiter",
                    shown_sep(rec.sep),
                    rec.len()
                )
            } else if row_labels.is_empty() && rec.len() == n + 1 {
                format!(
                    "has {} fields but the header (line {header_line}) names {n}: the header has no name for the label column (as R's write.table writes it); add one at the start of line {header_line}",
                    n + 1
                )
            } else {
                format!(
                    "has {} fields but the header (line {header_line}) names {n} columns; fix that line (an unquoted {} inside a value?)",
                    rec.len(),
                    shown_sep(rec.sep)
                )
            }));
        }
        if !decided {
            label_idx = (0..n)
                .filter(|j| !skip.contains(j))
                .find(|&j| parse_value(rec.field(j)).is_none());
            decided = true;
        }
        if value_cols.is_empty() {
            value_cols = (0..n)
                .filter(|j| Some(*j) != label_idx && !skip.contains(j))
                .collect();
            if value_cols.is_empty() {
                return Err(Error::format(&rec.path, rec.format, "no numeric columns"));
            }
        }
        let r = row_labels.len();
        row_labels.push(match label_idx {
            Some(i) if !is_missing_value(rec.field(i)) => rec.field(i).to_string(),
            Some(_) => format!("row{}", r + 1),
            None => r.to_string(),
        });
        for &j in &value_cols {
            let cell = rec.field(j);
            match parse_value(cell) {
                Some(v) => values.push(v),
                None => {
                    return Err(Error::Cell {
                        path: rec.path.clone(),
                        row: row_labels[r].clone(),
                        column: header[j].clone(),
                        message: format!(
                            "'{cell}' is not a number (line {line}); fix the cell, or mark it missing as NA or empty"
                        ),
                    })
                }
            }
        }
        if lines.0 == 0 {
            lines.0 = line;
        }
        lines.1 = line;
    }
    if row_labels.is_empty() {
        return Err(Error::format(
            &rec.path,
            rec.format,
            format!("no data rows after the header on line {header_line}"),
        ));
    }
    Ok(Wide {
        row_labels,
        col_labels: value_cols.iter().map(|&j| header[j].clone()).collect(),
        values: values.into_vec(),
        label_column: label_idx
            .map(|i| header[i].clone())
            .unwrap_or_else(|| "(row numbers)".into()),
        lines,
        stopped,
    })
}

/// A compressed CSV/TSV read as a stream (see the module doc): the same
/// matrix as the plain file gives, with the label column `index_col`, else
/// the first column whose first value is not a number.
///
/// Errors: as [`read_wide`]; an empty file.
pub(crate) fn read_delimited_stream(
    path: &Path,
    format: super::Format,
    index_col: Option<&str>,
) -> Result<(Wide, Compression)> {
    let sep = if format == super::Format::Tsv {
        b'\t'
    } else {
        b','
    };
    let mut rec = Records::open(path, format.name(), sep)?;
    if !rec.next_record()? {
        return Err(Error::format(path, format.name(), "the file is empty"));
    }
    if rec.field(0).starts_with('#') {
        return Err(rec.error(
            "starts with '#': comment lines are not read, the first line is the header; delete the comment lines",
        ));
    }
    let header = rec.fields();
    let rule = match index_col {
        Some(c) => LabelRule::Named(c.to_string()),
        None => LabelRule::FirstText,
    };
    let w = read_wide(&mut rec, &header, &rule, &[], None)?;
    Ok((w, rec.compression))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_every_value_in_order() {
        // The last two: blocks large enough to have their pages handed
        // back (`mem::drop_now`) after they are moved.
        for (n, block) in [
            (0, 4),
            (3, 4),
            (4, 4),
            (5, 4),
            (17, 4),
            (1000, 7),
            (1000, 1000),
            (70_001, 20_000),
            (200_000, 40_000),
        ] {
            let mut b = Blocks::with_block(block);
            for i in 0..n {
                b.push(i as f64 * 0.5 - 3.0);
            }
            let v = b.into_vec();
            let want: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 3.0).collect();
            assert_eq!(v, want, "n={n} block={block}");
            // More than one block: moved into a vector of the exact length.
            assert!(n <= block || v.capacity() == n);
        }
    }

    #[test]
    fn records_stream_with_quotes_crlf_bom_and_blank_lines() {
        let dir = std::env::temp_dir().join(format!("heatmill-text-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.csv");
        std::fs::write(
            &p,
            b"\xef\xbb\xbfa,\"b,\"\"c\"\"\"\r\n\r\n1,\"x\ny\"\n  \n2,3\n\xff,4",
        )
        .unwrap();
        let mut r = Records::open(&p, "csv", b',').unwrap();
        let mut got = vec![];
        while r.next_record().unwrap() {
            got.push((r.line(), r.fields()));
        }
        assert_eq!(got[0], (1, vec!["a".to_string(), "b,\"c\"".into()]));
        assert_eq!(got[1], (3, vec!["1".to_string(), "x\ny".into()]));
        assert_eq!(got[2], (6, vec!["2".to_string(), "3".into()]));
        assert_eq!(got[3], (7, vec!["\u{fffd}".to_string(), "4".into()]));
        assert_eq!(got.len(), 4);
        std::fs::write(&p, b"a,\"b\n1,2\n").unwrap();
        let mut r = Records::open(&p, "csv", b',').unwrap();
        let e = r.next_record().unwrap_err().to_string();
        assert!(e.contains("line 1: a quote"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn values_parse_like_the_table_reader() {
        assert_eq!(parse_value("1.5"), Some(1.5));
        assert_eq!(parse_value(" 7 "), Some(7.0));
        assert!(parse_value("NA").unwrap().is_nan());
        assert!(parse_value("").unwrap().is_nan());
        assert!(parse_value("null").unwrap().is_nan());
        assert_eq!(parse_value("x1"), None);
        assert_eq!(
            parse_value("0.1000000000000000055511151231257827").map(f64::to_bits),
            Some(0.1f64.to_bits())
        );
    }
}
