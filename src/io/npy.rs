//! NumPy `.npy` (format 1.0): little-endian `<f8` / `<i8`, C order. What
//! scipy and numpy users load with `np.load`, and what our fixtures are.

use std::path::Path;

use std::io::Write;

use super::atomic::write_atomic_with;
use crate::error::{Error, Result};

/// Encodes a C-order `f64` array of `shape` as `.npy` bytes.
pub fn encode_f64(shape: &[usize], data: &[f64]) -> Vec<u8> {
    let mut out = header("<f8", shape);
    out.reserve(data.len() * 8);
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Encodes a C-order `i64` array of `shape` as `.npy` bytes.
pub fn encode_i64(shape: &[usize], data: &[i64]) -> Vec<u8> {
    let mut out = header("<i8", shape);
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let shape_txt = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // Pad so that magic(6) + version(2) + len(2) + dict + '\n' is a multiple of 64.
    let total = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - total % 64) % 64));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes an `f64` array atomically, streaming the values (no second
/// copy of a large matrix in memory).
pub fn write_f64(path: &Path, shape: &[usize], data: &[f64]) -> Result<()> {
    write_streamed(path, "<f8", shape, data, |v, b| {
        b.extend_from_slice(&v.to_le_bytes())
    })
}

/// Writes an `f32` array (`<f4`) atomically, streaming the values.
pub fn write_f32(path: &Path, shape: &[usize], data: &[f32]) -> Result<()> {
    write_streamed(path, "<f4", shape, data, |v, b| {
        b.extend_from_slice(&v.to_le_bytes())
    })
}

/// The header, then the values encoded by `put` a chunk at a time.
fn write_streamed<T: Copy>(
    path: &Path,
    descr: &str,
    shape: &[usize],
    data: &[T],
    put: impl Fn(T, &mut Vec<u8>),
) -> Result<()> {
    write_atomic_with(path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        w.write_all(&header(descr, shape))?;
        let mut buf = Vec::with_capacity(8 << 13);
        for chunk in data.chunks(1 << 13) {
            buf.clear();
            for &v in chunk {
                put(v, &mut buf);
            }
            w.write_all(&buf)?;
        }
        w.flush()
    })
}

/// A decoded array: shape and values (integers widened to `f64`).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The array's shape (C order: the last index varies fastest).
    pub shape: Vec<usize>,
    /// The values, `shape.iter().product()` of them, C order.
    pub data: Vec<f64>,
}

/// Reads a `.npy` file of `<f8`, `<f4`, `<i8` or `<i4` values in C order.
pub fn read(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, e))?;
    decode(&bytes).map_err(|m| Error::format(path, "npy", m))
}

/// Decodes `.npy` bytes.
pub fn decode(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let head = std::str::from_utf8(bytes.get(start..start + hlen).ok_or("truncated header")?)
        .map_err(|_| "header is not text")?;
    if head.contains("'fortran_order': True") {
        return Err("Fortran-order arrays are not supported".into());
    }
    let descr = head
        .split("'descr':")
        .nth(1)
        .and_then(|s| s.split('\'').nth(1))
        .ok_or("no descr in header")?;
    let shape_txt = head
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split('(').nth(1))
        .and_then(|s| s.split(')').next())
        .ok_or("no shape in header")?;
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad shape '{shape_txt}'"))
        })
        .collect::<std::result::Result<_, _>>()?;
    let count: usize = shape.iter().product();
    let body = &bytes[start + hlen..];
    let width = match descr {
        "<f8" | "<i8" => 8,
        "<i4" | "<f4" => 4,
        other => return Err(format!("unsupported dtype '{other}'")),
    };
    if body.len() < count * width {
        return Err(format!(
            "truncated data: expected {} bytes, found {}",
            count * width,
            body.len()
        ));
    }
    let data = body[..count * width]
        .chunks_exact(width)
        .map(|c| match descr {
            "<f8" => f64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
            "<i8" => i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64,
            "<f4" => f32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64,
            _ => i32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64,
        })
        .collect();
    Ok(NpyArray { shape, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_header_alignment() {
        let bytes = encode_f64(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.5]);
        let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        let a = decode(&bytes).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data[5], 6.5);
        let b = decode(&encode_i64(&[3], &[4, -1, 7])).unwrap();
        assert_eq!(b.shape, vec![3]);
        assert_eq!(b.data, vec![4.0, -1.0, 7.0]);
    }
}
