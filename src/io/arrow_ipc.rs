//! Arrow IPC files (Feather v2) by memory map. The file is mapped, wrapped
//! in an Arrow buffer without copying, and each record batch is decoded in
//! place: uncompressed numeric columns are slices of the mapping, so the
//! only copy of the values is the one into the matrix. LZ4/ZSTD batches
//! are decompressed by arrow-ipc, one batch at a time.
//!
//! Layout: wide, like the CSV reader — a text column of row labels (the
//! `--index-col`, else the first text column) and numeric columns.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_buffer::Buffer;
use arrow_ipc::reader::FileDecoder;
use arrow_schema::DataType;
use rayon::prelude::*;

use super::rows::RowSource;
use crate::error::{Error, Result};

/// What was found in the file, for `inspect`.
#[derive(Debug, Clone)]
pub struct ArrowInfo {
    /// Number of record batches.
    pub batches: usize,
    /// `uncompressed`, or the batches' codec (`lz4`, `zstd`).
    pub compression: String,
    /// The distinct Arrow types of the numeric columns read.
    pub dtypes: Vec<String>,
    /// The column the row labels came from.
    pub label_column: String,
    /// The columns the row labels came from (a pandas MultiIndex has one
    /// per level; none when the rows are numbered).
    pub label_columns: Vec<String>,
    /// Every numeric buffer lies inside the file mapping.
    pub zero_copy: bool,
}

/// An open, decoded Arrow file: the row labels and the numeric columns,
/// each split into its record batches.
#[derive(Debug)]
pub struct ArrowTable {
    /// One label per row, file order.
    pub row_labels: Vec<String>,
    /// One name per numeric column, file order.
    pub col_labels: Vec<String>,
    /// `columns[j]` = the batches of numeric column j.
    columns: Vec<Vec<ArrayRef>>,
    /// First row of each batch, plus the total at the end.
    batch_starts: Vec<usize>,
    /// What `inspect` reports about the file.
    pub info: ArrowInfo,
}

/// Maps every page of the file up front, in file order within each
/// 8 MiB part, the parts spread over the cores (`MADV_POPULATE_READ`).
/// Warm, mapping 153 MiB page by page took a third of the Arrow read on
/// one core (`MAP_POPULATE`); split across two it brought the read from
/// 1.43–1.47× to 1.23–1.27× `cat` in interleaved runs. Cold, it still
/// reads each part in order, where the thousand-column copy would defeat
/// the kernel's readahead (0.10–0.15 s for 153 MiB, like `MAP_POPULATE`;
/// `cat` 0.08 s). A kernel without the advice (before Linux 5.14) faults
/// the pages in during the copy instead.
fn populate(map: &memmap2::Mmap) {
    #[cfg(target_os = "linux")]
    {
        const PART: usize = 8 << 20;
        let len = map.len();
        (0..len.div_ceil(PART)).into_par_iter().for_each(|k| {
            let (a, b) = (k * PART, ((k + 1) * PART).min(len));
            let _ = map.advise_range(memmap2::Advice::PopulateRead, a, b - a);
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = map;
}

fn err(path: &Path, msg: impl Into<String>) -> Error {
    Error::format(path, "arrow", msg)
}

/// Opens and decodes `path`.
pub fn open(path: &Path, index_col: Option<&str>) -> Result<ArrowTable> {
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    // SAFETY: the mapping is read-only; a file truncated by another process
    // while we read it is outside what any reader can defend against.
    let map =
        unsafe { memmap2::MmapOptions::new().map(&file) }.map_err(|e| Error::read(path, e))?;
    populate(&map);
    let len = map.len();
    if len < 12 || &map[..6] != b"ARROW1" || &map[len - 6..] != b"ARROW1" {
        return Err(err(
            path,
            "not an Arrow IPC file (no ARROW1 magic at both ends): truncated, or an Arrow stream/Feather v1 file; re-save it with pyarrow.feather.write_feather",
        ));
    }
    let buffer = Buffer::from(bytes::Bytes::from_owner(map));
    let trailer: [u8; 10] = buffer[len - 10..].try_into().expect("10 bytes");
    let footer_len = arrow_ipc::reader::read_footer_length(trailer)
        .map_err(|e| err(path, format!("bad footer length: {e}")))?;
    if footer_len + 10 + 8 > len {
        return Err(err(path, "footer longer than the file: truncated?"));
    }
    let footer = arrow_ipc::root_as_footer(&buffer[len - 10 - footer_len..len - 10])
        .map_err(|e| err(path, format!("corrupt footer: {e}")))?;
    let fb_schema = footer
        .schema()
        .ok_or_else(|| err(path, "the footer has no schema"))?;
    let schema = arrow_ipc::convert::try_fb_to_schema(fb_schema)
        .map_err(|e| err(path, format!("bad schema: {e}")))?;
    let schema = Arc::new(schema);
    let mut decoder = FileDecoder::new(schema.clone(), footer.version());
    let block_data = |block: &arrow_ipc::Block| -> Result<Buffer> {
        let off = usize::try_from(block.offset()).ok();
        let n = usize::try_from(block.metaDataLength())
            .ok()
            .zip(usize::try_from(block.bodyLength()).ok())
            .and_then(|(a, b)| a.checked_add(b));
        match (off, n) {
            (Some(o), Some(n)) if o.checked_add(n).is_some_and(|end| end <= len) => {
                Ok(buffer.slice_with_length(o, n))
            }
            _ => Err(err(
                path,
                "a record batch lies outside the file: truncated?",
            )),
        }
    };
    for block in footer.dictionaries().iter().flatten() {
        let data = block_data(block)?;
        quietly(|| decoder.read_dictionary(block, &data))
            .ok_or_else(|| err(path, "corrupt dictionary batch (decoding failed)"))?
            .map_err(|e| err(path, format!("bad dictionary batch: {e}")))?;
    }
    let blocks: Vec<arrow_ipc::Block> = footer
        .recordBatches()
        .map(|b| b.iter().copied().collect())
        .unwrap_or_default();
    let mut compression = "uncompressed".to_string();
    let mut batches = Vec::with_capacity(blocks.len());
    for (b, block) in blocks.iter().enumerate() {
        let data = block_data(block)?;
        if let Some(c) = batch_codec(&data) {
            compression = c;
        }
        let decoded = quietly(|| decoder.read_record_batch(block, &data))
            .ok_or_else(|| {
                err(
                    path,
                    format!("record batch {b}: corrupt data (decoding failed)"),
                )
            })?
            .map_err(|e| err(path, format!("record batch {b}: {e}")))?;
        if let Some(batch) = decoded {
            batches.push(batch);
        }
    }
    let mut t = table_from_batches(path, &schema, batches, index_col, compression)?;
    // Zero-copy is checked, not assumed: every numeric buffer must point
    // into the mapping (an unaligned or compressed buffer would have been
    // copied or decoded into fresh memory).
    let (base, end) = (buffer.as_ptr() as usize, buffer.as_ptr() as usize + len);
    t.info.zero_copy = t.columns.iter().flatten().all(|a| {
        a.to_data()
            .buffers()
            .iter()
            .all(|b| (base..end).contains(&(b.as_ptr() as usize)))
    });
    Ok(t)
}

/// The table of Arrow record batches already in memory — an Arrow C
/// stream handed over by polars, pyarrow or DuckDB (`__arrow_c_stream__`),
/// imported by arrow-rs's own FFI — with the file reader's layout rule:
/// the `index_col`, else pandas' index when the schema carries pandas'
/// metadata, else the first text column holds the row labels; every other
/// column must be numeric. `source` names the object in errors.
///
/// Errors ([`Error::Format`], naming `source`): no columns, a non-numeric
/// value column, an `index_col` that is not a column, no rows.
pub fn from_batches(
    source: &Path,
    schema: &arrow_schema::Schema,
    batches: Vec<RecordBatch>,
    index_col: Option<&str>,
) -> Result<ArrowTable> {
    table_from_batches(source, schema, batches, index_col, "in memory".into())
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic into `None` without printing it. arrow-ipc
/// validates what it decodes, but a corrupt compressed buffer can still
/// reach an assertion inside arrow-buffer; a damaged input must end in our
/// one-line error, not a crash. Panics elsewhere are reported as before.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info)
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.ok()
}

/// The codec named in a record batch's message header, if any.
fn batch_codec(data: &[u8]) -> Option<String> {
    // A message is [0xFFFFFFFF] <i32 length> <flatbuffer>, or the pre-0.15
    // form without the continuation marker.
    let (start, n): (usize, i32) = if data.len() >= 8 && data[..4] == [0xff; 4] {
        (8, i32::from_le_bytes(data[4..8].try_into().ok()?))
    } else if data.len() >= 4 {
        (4, i32::from_le_bytes(data[..4].try_into().ok()?))
    } else {
        return None;
    };
    let end = start.checked_add(usize::try_from(n).ok()?)?;
    let msg = arrow_ipc::root_as_message(data.get(start..end)?).ok()?;
    let comp = msg.header_as_record_batch()?.compression()?;
    Some(match comp.codec() {
        arrow_ipc::CompressionType::LZ4_FRAME => "lz4".into(),
        arrow_ipc::CompressionType::ZSTD => "zstd".into(),
        other => format!("{other:?}"),
    })
}

fn is_numeric(dt: &DataType) -> bool {
    dt.is_numeric()
        && !matches!(
            dt,
            DataType::Decimal32(..)
                | DataType::Decimal64(..)
                | DataType::Decimal128(..)
                | DataType::Decimal256(..)
        )
        || matches!(dt, DataType::Null)
}

fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

fn table_from_batches(
    path: &Path,
    schema: &arrow_schema::Schema,
    batches: Vec<RecordBatch>,
    index_col: Option<&str>,
    compression: String,
) -> Result<ArrowTable> {
    let fields = schema.fields();
    if fields.is_empty() {
        return Err(err(path, "no columns"));
    }
    // pandas' own index (pa.Table.from_pandas / to_feather), when written.
    let pandas_json = schema.metadata().get("pandas").map(String::as_str);
    let pandas = super::pandas_meta::index(pandas_json);
    let levels = super::pandas_meta::column_levels(pandas_json);
    let label_idx: Vec<usize> = match index_col {
        Some(name) => vec![fields
            .iter()
            .position(|f| f.name() == name)
            .ok_or_else(|| {
                err(
                    path,
                    format!(
                        "{} '{name}' is not a column (columns: {})",
                        crate::error::key_and_flag("index_col"),
                        fields
                            .iter()
                            .take(8)
                            .map(|f| f.name().as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?],
        // pandas' index: one column per level (a MultiIndex has several).
        None => match super::pandas_meta::index_columns(pandas.as_ref()) {
            [] => fields
                .iter()
                .position(|f| is_text(f.data_type()))
                .into_iter()
                .collect(),
            levels => levels
                .iter()
                .filter_map(|ix| fields.iter().position(|f| f.name() == ix))
                .collect(),
        },
    };
    let mut value_idx = Vec::new();
    let mut dtypes = Vec::new();
    for (j, f) in fields.iter().enumerate() {
        if label_idx.contains(&j) {
            continue;
        }
        if !is_numeric(f.data_type()) {
            return Err(err(
                path,
                format!(
                    "column '{}' has type {} and is not numeric; only the label column may hold text",
                    f.name(),
                    f.data_type()
                ),
            ));
        }
        value_idx.push(j);
        let t = f.data_type().to_string();
        if !dtypes.contains(&t) {
            dtypes.push(t);
        }
    }
    if value_idx.is_empty() {
        return Err(err(path, "no numeric columns"));
    }
    let mut batch_starts = vec![0usize];
    for b in &batches {
        batch_starts.push(batch_starts.last().copied().unwrap_or(0) + b.num_rows());
    }
    let nrows = *batch_starts.last().unwrap_or(&0);
    if nrows == 0 {
        return Err(err(path, "no data rows"));
    }
    let row_labels = if label_idx.is_empty() {
        super::pandas_meta::numbered(nrows, pandas.as_ref())
    } else {
        let mut levels = Vec::with_capacity(label_idx.len());
        for &i in &label_idx {
            let mut labels = Vec::with_capacity(nrows);
            for b in &batches {
                push_labels(path, b.column(i), &mut labels)?;
            }
            levels.push(labels);
        }
        super::pandas_meta::join_levels(levels)
    };
    let columns = value_idx
        .iter()
        .map(|&j| batches.iter().map(|b| b.column(j).clone()).collect())
        .collect();
    Ok(ArrowTable {
        row_labels,
        col_labels: value_idx
            .iter()
            .map(|&j| super::pandas_meta::column_label(fields[j].name(), levels))
            .collect(),
        columns,
        batch_starts,
        info: ArrowInfo {
            batches: batches.len(),
            compression,
            dtypes,
            label_columns: label_idx
                .iter()
                .map(|&i| fields[i].name().clone())
                .collect(),
            label_column: if label_idx.is_empty() {
                "(row numbers)".into()
            } else {
                label_idx
                    .iter()
                    .map(|&i| fields[i].name().as_str())
                    .collect::<Vec<_>>()
                    .join("' + '")
            },
            zero_copy: false,
        },
    })
}

fn push_labels(path: &Path, a: &ArrayRef, out: &mut Vec<String>) -> Result<()> {
    let start = out.len();
    let text = |i: usize, v: Option<&str>| match v {
        Some(s) => s.to_string(),
        None => format!("row{}", start + i + 1),
    };
    match a.data_type() {
        DataType::Utf8 => out.extend(
            a.as_string::<i32>()
                .iter()
                .enumerate()
                .map(|(i, v)| text(i, v)),
        ),
        DataType::LargeUtf8 => out.extend(
            a.as_string::<i64>()
                .iter()
                .enumerate()
                .map(|(i, v)| text(i, v)),
        ),
        DataType::Utf8View => out.extend(
            a.as_string_view()
                .iter()
                .enumerate()
                .map(|(i, v)| text(i, v)),
        ),
        DataType::Dictionary(..) => {
            let cast = arrow_dictionary_values(a)
                .ok_or_else(|| err(path, "the label column is a dictionary of non-text values"))?;
            out.extend(
                cast.into_iter()
                    .enumerate()
                    .map(|(i, v)| text(i, v.as_deref())),
            );
        }
        other => {
            // A numeric label column named by --index-col: print its values.
            for i in 0..a.len() {
                out.push(if a.is_null(i) {
                    format!("row{}", start + i + 1)
                } else {
                    numeric_label(a, i).ok_or_else(|| {
                        err(path, format!("cannot use a {other} column as row labels"))
                    })?
                });
            }
        }
    }
    Ok(())
}

fn numeric_label(a: &ArrayRef, i: usize) -> Option<String> {
    Some(match a.data_type() {
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
        // pandas prints a float index with a decimal point (`1.0`).
        DataType::Float64 => format!("{:?}", a.as_primitive::<Float64Type>().value(i)),
        DataType::Float32 => format!("{:?}", a.as_primitive::<Float32Type>().value(i)),
        // A DatetimeIndex: as seaborn labels it (numpy's datetime64 text,
        // UTC, with the unit's digits: `2020-01-01T00:00:00.000000000`).
        DataType::Timestamp(unit, _) => {
            use arrow_array::temporal_conversions::as_datetime;
            use arrow_schema::TimeUnit as U;
            let (t, digits) = match unit {
                U::Second => (
                    as_datetime::<TimestampSecondType>(
                        a.as_primitive::<TimestampSecondType>().value(i),
                    ),
                    0,
                ),
                U::Millisecond => (
                    as_datetime::<TimestampMillisecondType>(
                        a.as_primitive::<TimestampMillisecondType>().value(i),
                    ),
                    3,
                ),
                U::Microsecond => (
                    as_datetime::<TimestampMicrosecondType>(
                        a.as_primitive::<TimestampMicrosecondType>().value(i),
                    ),
                    6,
                ),
                U::Nanosecond => (
                    as_datetime::<TimestampNanosecondType>(
                        a.as_primitive::<TimestampNanosecondType>().value(i),
                    ),
                    9,
                ),
            };
            let t = t?;
            let whole = t.format("%Y-%m-%dT%H:%M:%S").to_string();
            match digits {
                0 => whole,
                3 => format!("{whole}.{:03}", t.and_utc().timestamp_subsec_millis()),
                6 => format!("{whole}.{:06}", t.and_utc().timestamp_subsec_micros()),
                _ => format!("{whole}.{:09}", t.and_utc().timestamp_subsec_nanos()),
            }
        }
        // Dates (datetime.date objects in pandas): `2020-01-01`.
        DataType::Date32 => arrow_array::temporal_conversions::as_date::<Date32Type>(
            a.as_primitive::<Date32Type>().value(i) as i64,
        )?
        .format("%Y-%m-%d")
        .to_string(),
        _ => return None,
    })
}

fn arrow_dictionary_values(a: &ArrayRef) -> Option<Vec<Option<String>>> {
    let DataType::Dictionary(k, _) = a.data_type() else {
        return None;
    };
    macro_rules! by_key {
        ($t:ty) => {{
            let d = a.as_dictionary::<$t>();
            let values = d.values();
            let strings: Vec<Option<String>> = match values.data_type() {
                DataType::Utf8 => values
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
                DataType::LargeUtf8 => values
                    .as_string::<i64>()
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
                DataType::Utf8View => values
                    .as_string_view()
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
                _ => return None,
            };
            d.keys()
                .iter()
                .map(|k| k.and_then(|k| strings.get(k as usize).cloned().flatten()))
                .collect()
        }};
    }
    Some(match k.as_ref() {
        DataType::Int8 => by_key!(Int8Type),
        DataType::Int16 => by_key!(Int16Type),
        DataType::Int32 => by_key!(Int32Type),
        DataType::Int64 => by_key!(Int64Type),
        DataType::UInt8 => by_key!(UInt8Type),
        DataType::UInt16 => by_key!(UInt16Type),
        DataType::UInt32 => by_key!(UInt32Type),
        DataType::UInt64 => by_key!(UInt64Type),
        _ => return None,
    })
}

/// Copies rows `[lo, hi)` of one batch-column into `out` (row-major with
/// `ncols` values per row, starting at column `j`). Nulls become NaN.
fn copy_column(a: &dyn Array, lo: usize, hi: usize, out: &mut [f64], ncols: usize, j: usize) {
    macro_rules! prim {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            let vals = &p.values()[lo..hi];
            for (k, v) in vals.iter().enumerate() {
                out[k * ncols + j] = *v as f64;
            }
        }};
    }
    match a.data_type() {
        DataType::Float64 => {
            let vals = &a.as_primitive::<Float64Type>().values()[lo..hi];
            for (k, v) in vals.iter().enumerate() {
                out[k * ncols + j] = *v;
            }
        }
        DataType::Float32 => prim!(Float32Type),
        DataType::Float16 => {
            let vals = &a.as_primitive::<Float16Type>().values()[lo..hi];
            for (k, v) in vals.iter().enumerate() {
                out[k * ncols + j] = v.to_f64();
            }
        }
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        _ => {
            for k in 0..hi - lo {
                out[k * ncols + j] = f64::NAN;
            }
        }
    }
    if a.null_count() > 0 {
        for k in lo..hi {
            if a.is_null(k) {
                out[(k - lo) * ncols + j] = f64::NAN;
            }
        }
    }
}

/// The values of a Float64 column without nulls, else `None`.
fn plain_f64(a: &dyn Array) -> Option<&[f64]> {
    (a.data_type() == &DataType::Float64 && a.null_count() == 0)
        .then(|| a.as_primitive::<Float64Type>().values().as_ref())
}

/// Writes columns `g[0..8]` (equal lengths) into columns `j..j + 8` of the
/// row-major `dst`.
fn copy_group8(g: &[&[f64]; 8], dst: &mut [f64], ncols: usize, j: usize) {
    let n = dst.len() / ncols;
    let c: [&[f64]; 8] = std::array::from_fn(|q| &g[q][..n]);
    #[cfg(target_arch = "x86_64")]
    if ncols.is_multiple_of(8) && (dst.as_ptr() as usize + j * 8).is_multiple_of(64) {
        use std::arch::x86_64::{_mm_set_pd, _mm_sfence, _mm_stream_pd};
        // SAFETY: rows k < n lie inside `dst` (n = len / ncols), j + 8 ≤
        // ncols, and each run starts on a 64-byte boundary (checked above;
        // rows are whole lines), so the four 16-byte stores are aligned.
        // Streaming stores skip reading the destination lines first.
        unsafe {
            let base = dst.as_mut_ptr().add(j);
            for k in 0..n {
                let p = base.add(k * ncols);
                _mm_stream_pd(p, _mm_set_pd(c[1][k], c[0][k]));
                _mm_stream_pd(p.add(2), _mm_set_pd(c[3][k], c[2][k]));
                _mm_stream_pd(p.add(4), _mm_set_pd(c[5][k], c[4][k]));
                _mm_stream_pd(p.add(6), _mm_set_pd(c[7][k], c[6][k]));
            }
            _mm_sfence();
        }
        return;
    }
    for (k, row) in dst.chunks_exact_mut(ncols).enumerate() {
        let d = &mut row[j..j + 8];
        for q in 0..8 {
            d[q] = c[q][k];
        }
    }
}

impl ArrowTable {
    /// Fills rows `[start, start + count)` from the columns of one batch-range.
    fn fill_block(&self, start: usize, out: &mut [f64]) {
        let ncols = self.columns.len();
        let count = out.len() / ncols;
        let mut row = start;
        let end = start + count;
        while row < end {
            let b = self.batch_starts.partition_point(|&s| s <= row) - 1;
            let (lo, hi) = (
                row - self.batch_starts[b],
                end.min(self.batch_starts[b + 1]) - self.batch_starts[b],
            );
            let dst = &mut out[(row - start) * ncols..(row - start + hi - lo) * ncols];
            // Groups of eight start where a row's values are cache-line
            // aligned (the same column in every row when a row is a whole
            // number of lines), so each group writes whole lines.
            let lead = if ncols.is_multiple_of(8) {
                (8 - (dst.as_ptr() as usize / 8) % 8) % 8
            } else {
                0
            };
            let mut j = 0;
            while j < ncols {
                // Eight plain f64 columns at a time: each output row gets a
                // whole 64-byte run written at once while eight columns
                // are read as streams.
                if j + 8 <= ncols && (!ncols.is_multiple_of(8) || j % 8 == lead) {
                    let mut g: [&[f64]; 8] = [&[]; 8];
                    let plain = (0..8).all(|q| {
                        plain_f64(self.columns[j + q][b].as_ref())
                            .map(|v| g[q] = &v[lo..hi])
                            .is_some()
                    });
                    if plain {
                        copy_group8(&g, dst, ncols, j);
                        j += 8;
                        continue;
                    }
                }
                copy_column(self.columns[j][b].as_ref(), lo, hi, dst, ncols, j);
                j += 1;
            }
            row += hi - lo;
        }
    }
}

impl RowSource for ArrowTable {
    fn shape(&self) -> (usize, usize) {
        (*self.batch_starts.last().unwrap_or(&0), self.columns.len())
    }

    fn fill_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()> {
        let ncols = self.columns.len();
        // Blocks of 256 rows: each column contributes 2 KiB read
        // contiguously (prefetch-friendly), and the 256 destination cache
        // lines being filled (16 KiB) stay in L1 until their 8 columns
        // are in. Blocks run in parallel across cores.
        let block = 256;
        out[..count * ncols]
            .par_chunks_mut(block * ncols)
            .enumerate()
            .for_each(|(k, chunk)| self.fill_block(start + k * block, chunk));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data-samples/formats")
            .join(name)
    }

    #[test]
    fn wide_files_fill_every_cell_through_aligned_groups() {
        // 32 numeric columns (a whole number of cache lines per row, so the
        // streaming eight-column groups run: 29 plain f64 columns hold an
        // aligned group wherever the allocation starts), two batches, more
        // rows than a fill block, and columns no group takes: f32, i32,
        // f64 with nulls.
        use arrow_array::{Float32Array, Float64Array, Int32Array, StringArray};
        use arrow_schema::{Field, Schema};
        let (n, m) = (700usize, 32usize);
        let value = |i: usize, j: usize| ((i * 31 + j * 17) % 97) as f64 / 8.0 - 5.0;
        let mut fields = vec![Field::new("gene", DataType::Utf8, false)];
        for j in 0..m {
            let dt = match j {
                0 => DataType::Float32,
                1 => DataType::Int32,
                _ => DataType::Float64,
            };
            fields.push(Field::new(format!("c{j}"), dt, j == 2));
        }
        let schema = Arc::new(Schema::new(fields));
        let dir = std::env::temp_dir().join(format!("heatmill-arrow-wide-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wide.arrow");
        let file = std::fs::File::create(&path).unwrap();
        let mut w = arrow_ipc::writer::FileWriter::try_new(file, &schema).unwrap();
        for (lo, hi) in [(0, 430), (430, n)] {
            let mut cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from(
                (lo..hi).map(|i| format!("g{i}")).collect::<Vec<_>>(),
            ))];
            for j in 0..m {
                cols.push(match j {
                    0 => Arc::new(Float32Array::from(
                        (lo..hi).map(|i| value(i, j) as f32).collect::<Vec<_>>(),
                    )),
                    1 => Arc::new(Int32Array::from(
                        (lo..hi).map(|i| (i % 50) as i32).collect::<Vec<_>>(),
                    )),
                    2 => Arc::new(Float64Array::from(
                        (lo..hi)
                            .map(|i| (i % 7 != 0).then(|| value(i, j)))
                            .collect::<Vec<_>>(),
                    )),
                    _ => Arc::new(Float64Array::from(
                        (lo..hi).map(|i| value(i, j)).collect::<Vec<_>>(),
                    )),
                });
            }
            w.write(&RecordBatch::try_new(schema.clone(), cols).unwrap())
                .unwrap();
        }
        w.finish().unwrap();
        let got = crate::io::read_matrix(&path, &crate::io::ReadOptions::default()).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!((got.nrows(), got.ncols()), (n, m));
        for i in 0..n {
            for j in 0..m {
                let want = match j {
                    0 => value(i, j) as f32 as f64,
                    1 => (i % 50) as f64,
                    2 if i % 7 == 0 => f64::NAN,
                    _ => value(i, j),
                };
                let v = got.values()[i * m + j];
                assert!(
                    v == want || (v.is_nan() && want.is_nan()),
                    "({i}, {j}): {v} vs {want}"
                );
            }
        }
    }

    #[test]
    fn uncompressed_columns_are_slices_of_the_mapping() {
        let t = open(&samples("counts.arrow"), None).unwrap();
        assert!(t.info.zero_copy);
        assert_eq!(t.info.compression, "uncompressed");
        let t = open(&samples("counts_lz4.arrow"), None).unwrap();
        assert!(!t.info.zero_copy);
        assert_eq!(t.info.compression, "lz4");
    }
    #[test]
    fn batches_in_memory_follow_the_file_layout() {
        // What an Arrow C stream hands over (polars: a numeric column
        // before the labels, a Utf8View label column, two batches, a
        // null): the first text column labels the rows, as in a file.
        use arrow_array::{Float64Array, Int64Array, StringViewArray};
        use arrow_schema::{Field, Schema};
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Float64, true),
            Field::new("gene", DataType::Utf8View, false),
            Field::new("b", DataType::Int64, false),
        ]));
        let batch = |genes: &[&str], a: Vec<Option<f64>>, b: Vec<i64>| {
            let cols: Vec<ArrayRef> = vec![
                Arc::new(Float64Array::from(a)),
                Arc::new(StringViewArray::from(genes.to_vec())),
                Arc::new(Int64Array::from(b)),
            ];
            RecordBatch::try_new(schema.clone(), cols).unwrap()
        };
        let batches = vec![
            batch(&["g1", "g2"], vec![Some(1.5), None], vec![3, 4]),
            batch(&["g3"], vec![Some(-2.0)], vec![5]),
        ];
        let (m, info) =
            crate::io::read_arrow_batches(Path::new("frame"), &schema, batches, None).unwrap();
        assert_eq!(info.label_columns, ["gene"]);
        assert_eq!(m.row_labels(), ["g1", "g2", "g3"]);
        assert_eq!(m.col_labels(), ["a", "b"]);
        let v = m.values();
        assert_eq!((v[0], v[1], v[3], v[4], v[5]), (1.5, 3.0, 4.0, -2.0, 5.0));
        assert!(v[2].is_nan());
        // A second text column is refused, naming the object and column.
        let schema2 = Arc::new(Schema::new(vec![
            Field::new("gene", DataType::Utf8, false),
            Field::new("note", DataType::Utf8, false),
        ]));
        let e = crate::io::read_arrow_batches(Path::new("frame"), &schema2, vec![], None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("frame: arrow input: column 'note'"), "{e}");
    }
}
