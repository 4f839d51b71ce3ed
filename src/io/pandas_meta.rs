//! What pandas says about its own index in a Parquet or Arrow/Feather
//! file: `DataFrame.to_parquet` (and `pa.Table.from_pandas`) store the
//! index as a column (`__index_level_0__`, or its name) and name it in the
//! schema's `pandas` metadata (`index_columns`); a `RangeIndex` is stored
//! as metadata only (`{"kind": "range", "start", "stop", "step"}`).

/// The row index pandas wrote.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PandasIndex {
    /// The index is this column (any dtype).
    Column(String),
    /// A `RangeIndex`: row `i` is `start + i * step`.
    Range {
        /// First label.
        start: i64,
        /// Step between labels.
        step: i64,
    },
}

/// Parses the `pandas` metadata JSON; `None` when it names no single
/// index (absent, malformed, or a MultiIndex).
pub(crate) fn index(pandas_json: Option<&str>) -> Option<PandasIndex> {
    let v: serde_json::Value = serde_json::from_str(pandas_json?).ok()?;
    let cols = v.get("index_columns")?.as_array()?;
    let [one] = cols.as_slice() else {
        return None;
    };
    if let Some(name) = one.as_str() {
        return Some(PandasIndex::Column(name.to_string()));
    }
    if one.get("kind")?.as_str()? == "range" {
        return Some(PandasIndex::Range {
            start: one.get("start")?.as_i64()?,
            step: one.get("step").and_then(|s| s.as_i64()).unwrap_or(1),
        });
    }
    None
}

/// The column pandas stored its index in, if any.
pub(crate) fn index_column(ix: Option<&PandasIndex>) -> Option<&str> {
    match ix {
        Some(PandasIndex::Column(n)) => Some(n),
        _ => None,
    }
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
            Some(PandasIndex::Column("__index_level_0__".into()))
        );
        let range = r#"{"index_columns": [{"kind": "range", "name": null, "start": 10, "stop": 16, "step": 2}]}"#;
        let ix = index(Some(range));
        assert_eq!(ix, Some(PandasIndex::Range { start: 10, step: 2 }));
        assert_eq!(numbered(3, ix.as_ref()), vec!["10", "12", "14"]);
        assert_eq!(index(Some(r#"{"index_columns": ["a", "b"]}"#)), None);
        assert_eq!(index(None), None);
        assert_eq!(numbered(2, None), vec!["0", "1"]);
    }
}
