//! What pandas says about its own index in a Parquet or Arrow/Feather
//! file: `DataFrame.to_parquet` (and `pa.Table.from_pandas`) store the
//! index as a column (`__index_level_0__`, or its name) and name it in the
//! schema's `pandas` metadata (`index_columns`); a `RangeIndex` is stored
//! as metadata only (`{"kind": "range", "start", "stop", "step"}`). A
//! `MultiIndex` is one column per level; seaborn labels its rows by the
//! levels joined with `-` (`g1-a`), and so do we ([`join_levels`]).

/// The row index pandas wrote.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PandasIndex {
    /// The index is these columns (any dtype), one per level: one for a
    /// plain index, several for a `MultiIndex`.
    Columns(Vec<String>),
    /// A `RangeIndex`: row `i` is `start + i * step`.
    Range {
        /// First label.
        start: i64,
        /// Step between labels.
        step: i64,
    },
}

/// Parses the `pandas` metadata JSON; `None` when it names no index
/// (absent or malformed).
pub(crate) fn index(pandas_json: Option<&str>) -> Option<PandasIndex> {
    let v: serde_json::Value = serde_json::from_str(pandas_json?).ok()?;
    let cols = v.get("index_columns")?.as_array()?;
    let names: Option<Vec<String>> = cols
        .iter()
        .map(|c| c.as_str().map(str::to_string))
        .collect();
    if let Some(names) = names.filter(|n| !n.is_empty()) {
        return Some(PandasIndex::Columns(names));
    }
    let [one] = cols.as_slice() else {
        return None;
    };
    if one.get("kind")?.as_str()? == "range" {
        return Some(PandasIndex::Range {
            start: one.get("start")?.as_i64()?,
            step: one.get("step").and_then(|s| s.as_i64()).unwrap_or(1),
        });
    }
    None
}

/// How many levels pandas' column index has (`column_indexes`; 1 when
/// absent): with more than one, each column name is the text of a tuple.
pub(crate) fn column_levels(pandas_json: Option<&str>) -> usize {
    pandas_json
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| v.get("column_indexes")?.as_array().map(Vec::len))
        .unwrap_or(1)
        .max(1)
}

/// A column's label: with a `MultiIndex` of columns (`levels` > 1) pyarrow
/// names each column by its tuple's Python text (`('a', 'x')`); seaborn
/// labels it by the levels joined with `-` (`a-x`). Other names as is.
pub(crate) fn column_label(name: &str, levels: usize) -> String {
    if levels < 2 {
        return name.to_string();
    }
    python_tuple(name).map_or_else(|| name.to_string(), |parts| parts.join("-"))
}

/// The items of a Python tuple's text (`('a', "b's", 3)`), quotes removed;
/// `None` when `s` is not one.
fn python_tuple(s: &str) -> Option<Vec<String>> {
    let inner = s.strip_prefix('(')?.strip_suffix(')')?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut item = String::new();
        if c == '\'' || c == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' => item.push(chars.next()?),
                    q if q == c => break,
                    x => item.push(x),
                }
            }
        } else {
            while let Some(&x) = chars.peek() {
                if x == ',' {
                    break;
                }
                item.push(x);
                chars.next();
            }
            item = item.trim().to_string();
        }
        out.push(item);
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        match chars.next() {
            Some(',') => {}
            None => break,
            Some(_) => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The columns pandas stored its index in (one per level; empty for a
/// `RangeIndex` or no metadata).
pub(crate) fn index_columns(ix: Option<&PandasIndex>) -> &[String] {
    match ix {
        Some(PandasIndex::Columns(n)) => n,
        _ => &[],
    }
}

/// Row labels from the texts of each index level (`levels[l][r]`): the
/// one level as is, several joined with `-` as seaborn labels a
/// `MultiIndex` (`_index_to_ticklabels`).
pub(crate) fn join_levels(mut levels: Vec<Vec<String>>) -> Vec<String> {
    if levels.len() == 1 {
        return levels.pop().unwrap_or_default();
    }
    let n = levels.first().map_or(0, Vec::len);
    (0..n)
        .map(|r| {
            levels
                .iter()
                .map(|l| l[r].as_str())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// Row labels when no column holds them: numbered as pandas numbers a
/// `RangeIndex` (`0, 1, …` without metadata).
pub(crate) fn numbered(n: usize, ix: Option<&PandasIndex>) -> Vec<String> {
    let (start, step) = match ix {
        Some(PandasIndex::Range { start, step }) => (*start, *step),
        _ => (0, 1),
    };
    (0..n as i64)
        .map(|i| (start + i * step).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_column_range_and_multi_indexes() {
        let col = r#"{"index_columns": ["__index_level_0__"], "columns": []}"#;
        assert_eq!(
            index(Some(col)),
            Some(PandasIndex::Columns(vec!["__index_level_0__".into()]))
        );
        let range = r#"{"index_columns": [{"kind": "range", "name": null, "start": 10, "stop": 16, "step": 2}]}"#;
        let ix = index(Some(range));
        assert_eq!(ix, Some(PandasIndex::Range { start: 10, step: 2 }));
        assert_eq!(numbered(3, ix.as_ref()), vec!["10", "12", "14"]);
        let multi = index(Some(r#"{"index_columns": ["a", "b"]}"#));
        assert_eq!(index_columns(multi.as_ref()), ["a", "b"]);
        assert_eq!(
            join_levels(vec![
                vec!["g1".into(), "g2".into()],
                vec!["a".into(), "1".into()]
            ]),
            ["g1-a", "g2-1"]
        );
        assert_eq!(index(None), None);
        let two = r#"{"index_columns": [], "column_indexes": [{"name": null}, {"name": null}]}"#;
        assert_eq!(column_levels(Some(two)), 2);
        assert_eq!(column_levels(Some(col)), 1);
        assert_eq!(column_label("('a', 'x')", 2), "a-x");
        assert_eq!(column_label("(\"b's\", 3)", 2), "b's-3");
        assert_eq!(column_label("('a', 'x')", 1), "('a', 'x')");
        assert_eq!(column_label("__index_level_0__", 2), "__index_level_0__");
        assert_eq!(numbered(2, None), vec!["0", "1"]);
    }
}
