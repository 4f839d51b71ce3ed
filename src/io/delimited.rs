//! What a CSV/TSV file says, read by its own rules before and after
//! polars parses it: the header's names verbatim (polars renames a
//! repeated name `S0` to `S0_duplicated_0`), and, when polars refuses a
//! file, the line and the cause in the user's words (a row ending in the
//! delimiter, a `#` comment line, a header shorter than the rows).

use std::path::Path;

use super::format::Format;
use crate::error::Error;

/// One record: the 1-based line it starts on and its fields (unquoted).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// 1-based line number of the record's first character.
    pub line: usize,
    /// The fields, quotes removed (`""` inside quotes is one `"`).
    pub fields: Vec<String>,
    /// Byte offset of the record's first character.
    pub start: usize,
}

/// Splits `bytes` into records (quote-aware, `\n` or `\r\n` line ends);
/// blank lines are skipped, like polars and pandas do. Stops after `max`
/// records.
pub(crate) fn records(bytes: &[u8], sep: u8, max: usize) -> Vec<Record> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() && out.len() < max {
        let start_line = line;
        let start = i;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        let mut in_quotes = false;
        let mut blank = true;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if in_quotes {
                if b == b'"' {
                    if bytes.get(i) == Some(&b'"') {
                        field.push(b'"');
                        i += 1;
                    } else {
                        in_quotes = false;
                    }
                } else {
                    if b == b'\n' {
                        line += 1;
                    }
                    field.push(b);
                }
                continue;
            }
            match b {
                b'"' => {
                    in_quotes = true;
                    blank = false;
                }
                b'\n' => {
                    line += 1;
                    break;
                }
                b'\r' if bytes.get(i) == Some(&b'\n') => {}
                _ if b == sep => {
                    blank = false;
                    fields.push(String::from_utf8_lossy(&field).into_owned());
                    field.clear();
                }
                _ => {
                    blank = false;
                    field.push(b);
                }
            }
        }
        if blank && field.is_empty() {
            continue;
        }
        fields.push(String::from_utf8_lossy(&field).into_owned());
        out.push(Record {
            line: start_line,
            fields,
            start,
        });
    }
    out
}

/// The header's names exactly as written (repeats kept).
pub(crate) fn header(bytes: &[u8], sep: u8) -> Vec<String> {
    records(bytes, sep, 1)
        .into_iter()
        .next()
        .map(|r| r.fields)
        .unwrap_or_default()
}

/// The delimiter as the user sees it in a message.
fn shown(sep: u8) -> &'static str {
    if sep == b'\t' {
        "a tab"
    } else {
        "','"
    }
}

/// The line on which a quote opens that no quote closes, if any (the
/// rest of the file would be one field).
fn unclosed_quote(bytes: &[u8]) -> Option<usize> {
    let (mut line, mut open) = (1, None);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'"' if open.is_some() && bytes.get(i + 1) == Some(&b'"') => i += 1,
            b'"' => open = if open.is_some() { None } else { Some(line) },
            _ => {}
        }
        i += 1;
    }
    open
}

/// The first record after the header that starts with an unquoted `#`
/// (a comment line, which pandas and polars would read as a row), as an
/// error naming its line. Cheap when there is none: one scan for `\n#`.
pub(crate) fn comment_line(path: &Path, format: Format, bytes: &[u8], sep: u8) -> Option<Error> {
    if !bytes.windows(2).any(|w| w == b"\n#") {
        return None;
    }
    let r = records(bytes, sep, usize::MAX)
        .into_iter()
        .skip(1)
        .find(|r| bytes.get(r.start) == Some(&b'#'))?;
    Some(Error::format(
        path,
        format.name(),
        format!(
            "line {} starts with '#': comment lines are not read (it would become a row named '{}'); delete it",
            r.line, r.fields[0]
        ),
    ))
}

/// Why polars refused `bytes`, in the user's words with the line, when
/// the records' shapes explain it; `None` when they do not.
pub(crate) fn explain(path: &Path, format: Format, bytes: &[u8], sep: u8) -> Option<Error> {
    let err = |msg: String| Some(Error::format(path, format.name(), msg));
    if let Some(line) = unclosed_quote(bytes) {
        return err(format!(
            "the quote (\") opened on line {line} is never closed, so the rest of the file would be one value; close it, or remove the stray quote"
        ));
    }
    let recs = records(bytes, sep, usize::MAX);
    let head = recs.first()?;
    let n = head.fields.len();
    if sep == b',' && n == 1 && head.fields[0].matches(';').count() >= 1 {
        return err(format!(
            "the header (line {}) has no ',' but has ';': the file looks ';'-separated (a European CSV, maybe with decimal commas); save it with ',' between fields and '.' in numbers (pandas: df.to_csv(path)), or as .tsv",
            head.line
        ));
    }
    if head.fields[0].starts_with('#') {
        return err(format!(
            "line {} starts with '#': comment lines are not read, the first line is the header; delete the comment lines",
            head.line
        ));
    }
    for r in &recs[1..] {
        if r.fields.len() <= n {
            continue;
        }
        if bytes.get(r.start) == Some(&b'#') {
            return comment_line(path, format, bytes, sep);
        }
        let extra = &r.fields[n..];
        if extra.iter().all(|f| f.trim().is_empty()) {
            return err(format!(
                "line {} ends in {} (it has {} fields, the header on line {} names {n}): remove the trailing delimiter{}",
                r.line,
                shown(sep),
                r.fields.len(),
                head.line,
                if extra.len() > 1 { "s" } else { "" }
            ));
        }
        let all_longer = recs[1..].iter().all(|x| x.fields.len() == r.fields.len());
        return err(if all_longer && r.fields.len() == n + 1 {
            format!(
                "the header (line {}) names {n} columns but every row has {}: the header has no name for the label column (as R's write.table writes it); add one at the start of line {}",
                head.line,
                n + 1,
                head.line
            )
        } else {
            format!(
                "line {} has {} fields but the header (line {}) names {n} columns; fix that line (an unquoted {} inside a value?)",
                r.line,
                r.fields.len(),
                head.line,
                shown(sep)
            )
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_handle_quotes_crlf_and_blank_lines() {
        let r = records(b"a,\"b,\"\"c\"\"\"\r\n\r\n1,\"x\ny\"\n2,3", b',', 10);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].fields, vec!["a", "b,\"c\""]);
        assert_eq!(r[1].line, 3);
        assert_eq!(r[1].fields, vec!["1", "x\ny"]);
        assert_eq!(r[2].line, 5);
    }

    #[test]
    fn a_comment_line_anywhere_is_named_by_its_line() {
        let p = Path::new("x.csv");
        let m = comment_line(p, Format::Csv, b"gene,a\ng1,1\n\n# note\ng2,2\n", b',')
            .unwrap()
            .to_string();
        assert!(m.contains("line 4 starts with '#'"), "{m}");
        // A quoted label may start with '#', and so may a line inside a
        // quoted value.
        assert!(comment_line(p, Format::Csv, b"gene,a\n\"#g1\",1\n", b',').is_none());
        assert!(comment_line(p, Format::Csv, b"gene,a\n\"g\n#1\",1\n", b',').is_none());
    }

    #[test]
    fn header_keeps_repeated_names() {
        assert_eq!(
            header(b"gene,S0,S0,S1\ng,1,2,3\n", b','),
            vec!["gene", "S0", "S0", "S1"]
        );
    }

    #[test]
    fn explains_trailing_delimiter_comment_and_short_header() {
        let p = Path::new("x.csv");
        let msg = |b: &[u8]| explain(p, Format::Csv, b, b',').unwrap().to_string();
        let m = msg(b"gene,S0\ng1,1,\ng2,2,\n");
        assert!(m.contains("line 2 ends in ','"), "{m}");
        let m = msg(b"# made by x\ngene,S0\ng1,1\n");
        assert!(m.contains("line 1 starts with '#'"), "{m}");
        let m = msg(b"S0,S1\ng1,1,2\ng2,3,4\n");
        assert!(m.contains("no name for the label column"), "{m}");
        let m = msg(b"gene,S0,S1\ng1,1,2\ng2,3,4,5\n");
        assert!(m.contains("line 3 has 4 fields"), "{m}");
        let m = msg(b"gene;S0;S1\ng1;1,5;2\ng2;3;4,25\n");
        assert!(m.contains("looks ';'-separated"), "{m}");
        let m = msg(b"gene,S0\ng1,1\n\n\"g2,4\ng3,5\n");
        assert!(m.contains("opened on line 4 is never closed"), "{m}");
        // A quoted field over two lines, and "" inside quotes, are fine.
        assert_eq!(unclosed_quote(b"a,\"x\ny \"\"q\"\"\"\nb,1\n"), None);
        assert!(explain(p, Format::Csv, b"gene,S0\ng1,1\n", b',').is_none());
    }
}
