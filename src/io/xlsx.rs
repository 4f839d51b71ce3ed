//! Excel workbooks (`.xlsx`, `.xlsm`) through `calamine` (pure Rust): one
//! sheet — the first, or the one named by `dataset` — holding a wide
//! table as collaborators send it, the way `pandas.read_excel(f,
//! sheet_name=…)` reads it: the first non-empty row is the header, the
//! label column is `index_col`, else the first column whose first value
//! is text; every other column is numeric (numbers, numeric text, empty
//! cells and `NA`/`NaN` as missing). Fully empty rows, and columns with
//! neither a name nor a value, are skipped.
//!
//! Refused, naming the sheet and the cells: merged cells (a merged header
//! spanning several columns has no name per column), text, booleans,
//! dates or Excel errors (`#DIV/0!`) in a value column.

use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use super::text::parse_value;
use super::{Described, ReadOptions};
use crate::error::{Error, Result};
use crate::matrix::Matrix;

const FMT: &str = "xlsx";

/// `A`, `B`, …, `Z`, `AA`, … for 0-based column `c`.
fn column_name(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// `C5` for 0-based (row, column).
fn cell_ref(r: u32, c: u32) -> String {
    format!("{}{}", column_name(c), r + 1)
}

fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(x) => format!("{x}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        other => other.to_string(),
    }
}

/// Reads one sheet as a matrix (rows as in the sheet), then `transpose`.
///
/// Errors ([`Error::Format`] / [`Error::Cell`], naming the file, the sheet
/// and the cell): not a workbook, no such sheet (listing them), an empty
/// sheet, merged cells, a value cell that is not a number.
pub(crate) fn read(path: &Path, opts: &ReadOptions) -> Result<(Matrix, Described)> {
    let mut wb: Xlsx<_> = open_workbook(path).map_err(|e| {
        Error::format_caused(
            path,
            FMT,
            "cannot open the workbook (not an .xlsx file, or damaged; an old .xls must be saved as .xlsx)",
            e,
        )
    })?;
    let sheets = wb.sheet_names();
    let sheet = match &opts.dataset {
        Some(s) => {
            if !sheets.contains(s) {
                return Err(Error::format(
                    path,
                    FMT,
                    format!("no sheet '{s}' (sheets: {})", sheets.join(", ")),
                ));
            }
            s.clone()
        }
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| Error::format(path, FMT, "the workbook has no sheets"))?,
    };
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| Error::format_caused(path, FMT, format!("sheet '{sheet}'"), e))?;
    let Some((r0, c0)) = range.start() else {
        return Err(Error::format(
            path,
            FMT,
            format!("sheet '{sheet}' is empty"),
        ));
    };
    let rows: Vec<(u32, &[Data])> = range
        .rows()
        .enumerate()
        .map(|(i, r)| (r0 + i as u32, r))
        .filter(|(_, r)| r.iter().any(|d| !matches!(d, Data::Empty)))
        .collect();
    let Some(&(header_row, header_cells)) = rows.first() else {
        return Err(Error::format(
            path,
            FMT,
            format!("sheet '{sheet}' is empty"),
        ));
    };
    let at = |r: u32, c: usize| cell_ref(r, c0 + c as u32);
    if let Ok(merged) = wb.merge_cells_by_sheet_name(&sheet) {
        if let Some(m) = merged.first() {
            let span = format!(
                "{}:{}",
                cell_ref(m.start.0, m.start.1),
                cell_ref(m.end.0, m.end.1)
            );
            let in_header = m.start.0 <= header_row && header_row <= m.end.0;
            return Err(Error::format(
                path,
                FMT,
                if in_header {
                    format!(
                        "sheet '{sheet}': header cells {span} are merged (row {} is the header); a merged header spans several columns with one name — unmerge them and give each column its own name in one header row",
                        header_row + 1
                    )
                } else {
                    format!(
                        "sheet '{sheet}': cells {span} are merged; unmerge them so that each cell holds its own value"
                    )
                },
            ));
        }
    }
    let width = header_cells.len();
    let names: Vec<String> = header_cells.iter().map(text_of).collect();
    let data = &rows[1..];
    if data.is_empty() {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "sheet '{sheet}': no data rows under the header (row {})",
                header_row + 1
            ),
        ));
    }
    // Columns with neither a name nor a value (formatting left in the sheet).
    let used: Vec<bool> = (0..width)
        .map(|j| {
            !names[j].trim().is_empty()
                || data
                    .iter()
                    .any(|(_, r)| !matches!(r.get(j), None | Some(Data::Empty)))
        })
        .collect();
    let label = match &opts.index_col {
        Some(n) => Some(names.iter().position(|x| x == n).ok_or_else(|| {
            Error::format(
                path,
                FMT,
                format!(
                    "{} '{n}' is not a column of sheet '{sheet}' (columns: {})",
                    crate::error::key_and_flag("index_col"),
                    names[..names.len().min(8)].join(", ")
                ),
            )
        })?),
        None => (0..width)
            .filter(|&j| used[j])
            .find(|&j| match data[0].1.get(j) {
                Some(Data::String(s)) => parse_value(s).is_none(),
                _ => false,
            }),
    };
    let value_cols: Vec<usize> = (0..width)
        .filter(|&j| used[j] && Some(j) != label)
        .collect();
    if value_cols.is_empty() {
        return Err(Error::format(
            path,
            FMT,
            format!("sheet '{sheet}': no numeric columns"),
        ));
    }
    let mut row_labels = Vec::with_capacity(data.len());
    let mut values = Vec::with_capacity(data.len() * value_cols.len());
    for (k, &(r, cells)) in data.iter().enumerate() {
        let row_label = match label {
            Some(j) => {
                let t = cells.get(j).map(text_of).unwrap_or_default();
                if super::text::is_missing_value(&t) {
                    format!("row{}", k + 1)
                } else {
                    t
                }
            }
            None => k.to_string(),
        };
        for &j in &value_cols {
            let bad = |what: String| {
                Error::Cell {
                path: path.to_path_buf(),
                row: row_label.clone(),
                column: names[j].clone(),
                message: format!(
                    "{what} (sheet '{sheet}', cell {}); fix the cell, or leave it empty for a missing value",
                    at(r, j)
                ),
            }
            };
            let v = match cells.get(j).unwrap_or(&Data::Empty) {
                Data::Empty => f64::NAN,
                Data::Float(x) => *x,
                Data::Int(i) => *i as f64,
                Data::String(s) => {
                    parse_value(s).ok_or_else(|| bad(format!("'{s}' is not a number")))?
                }
                Data::Bool(b) => {
                    return Err(bad(format!(
                        "{} is a boolean, not a number",
                        if *b { "TRUE" } else { "FALSE" }
                    )))
                }
                Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
                    return Err(bad("a date or time is not a number".into()))
                }
                Data::Error(e) => return Err(bad(format!("the Excel error {e}"))),
            };
            values.push(v);
        }
        row_labels.push(row_label);
    }
    let col_labels = value_cols.iter().map(|&j| names[j].clone()).collect();
    let m = Matrix::new(row_labels, col_labels, values)?;
    let d = Described {
        layout: format!(
            "Excel workbook, sheet '{sheet}' of {} ({}), wide table from cell {}",
            sheets.len(),
            sheets.join(", "),
            at(header_row, 0)
        ),
        label_column: match label {
            Some(j) => format!("column '{}' ({})", names[j], column_name(c0 + j as u32)),
            None => "(row numbers)".into(),
        },
        dtypes: vec!["f64".into()],
        storage: "xlsx (zip of XML sheets)".into(),
        nnz: None,
        access: "read by calamine: the sheet's cells into memory, then the matrix".into(),
        side_data: vec![],
    };
    Ok((if opts.transpose { m.transposed() } else { m }, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_as_excel_writes_them() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(4, 2), "C5");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
