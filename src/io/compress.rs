//! Compressed text inputs (gzip, bzip2, zstd), told apart by their first
//! bytes — not by the name, so `counts.tsv` that is really gzipped reads
//! too. The decoder is a stream: a reader pulls decompressed bytes through
//! a 256 KiB buffer while it parses, so no decompressed copy of the file is
//! ever held (the readers built on it keep only what they parse out).
//!
//! Multi-member gzip (bgzip, `cat a.gz b.gz`), multi-stream bzip2 and
//! multi-frame zstd are read to the end, as `zcat`, `bzcat` and `zstdcat` do.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// The compression of a file, from its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed (or not a compression we know).
    None,
    /// gzip (RFC 1952): `1f 8b`.
    Gzip,
    /// bzip2: `BZh` then the block size digit.
    Bzip2,
    /// Zstandard (RFC 8878): `28 b5 2f fd`.
    Zstd,
}

impl Compression {
    /// How `inspect` describes a text file stored this way.
    pub fn storage(self) -> String {
        match self {
            Compression::None => "text".into(),
            c => format!("text, {} compressed", c.name()),
        }
    }

    /// How `inspect` says a text file stored this way is read.
    pub fn access(self) -> String {
        match self {
            Compression::None => "read one record at a time".into(),
            _ => "streamed: decompressed while parsed, one record at a time".into(),
        }
    }

    /// Which compression `head` (the file's first bytes) starts with.
    pub fn of(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Compression::Bzip2
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The name `inspect` prints (`gzip`, `bzip2`, `zstd`, `none`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Zstd => "zstd",
        }
    }
}

/// The compression of the file at `path`, from its first four bytes.
///
/// Errors: [`Error::Read`] when the file cannot be opened or read.
pub fn sniff(path: &Path) -> Result<Compression> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::read(path, e)),
        }
    }
    Ok(Compression::of(&head[..n]))
}

/// Opens `path` as a stream of its decompressed bytes (the bytes as they
/// are when it is not compressed), and says which compression it had.
///
/// Errors: [`Error::Read`] when the file cannot be opened; a damaged
/// stream surfaces later, as the reader's `io::Error` (see [`read_error`]).
pub fn open(path: &Path) -> Result<(Box<dyn BufRead + Send>, Compression)> {
    const BUF: usize = 256 << 10;
    let c = sniff(path)?;
    let f = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let r: Box<dyn BufRead + Send> = match c {
        Compression::None => Box::new(BufReader::with_capacity(BUF, f)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF, f)),
        )),
        Compression::Bzip2 => Box::new(BufReader::with_capacity(
            BUF,
            bzip2::read::MultiBzDecoder::new(BufReader::with_capacity(BUF, f)),
        )),
        Compression::Zstd => {
            let d = zstd::stream::read::Decoder::new(f).map_err(|e| Error::read(path, e))?;
            Box::new(BufReader::with_capacity(BUF, d))
        }
    };
    Ok((r, c))
}

/// A failed read while parsing line `line` of `path` (a `format` input):
/// a damaged or truncated compressed stream says so, in the user's words.
pub fn read_error(
    path: &Path,
    format: &'static str,
    compression: Compression,
    line: usize,
    e: std::io::Error,
) -> Error {
    if compression == Compression::None {
        return Error::read(path, e);
    }
    Error::format_caused(
        path,
        format,
        format!(
            "the {} stream is damaged or truncated after line {line}; download or copy the file again (test it with `{} -t`)",
            compression.name(),
            match compression {
                Compression::Gzip => "gzip",
                Compression::Bzip2 => "bzip2",
                _ => "zstd",
            }
        ),
        e,
    )
}

/// The whole decompressed content of a small file (annotation tables),
/// read straight from the decoder: the compressed bytes are never held.
///
/// Errors: as [`open`] and [`read_error`].
pub fn read_all(path: &Path, format: &'static str) -> Result<Vec<u8>> {
    let (mut r, c) = open(path)?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).map_err(|e| {
        read_error(
            path,
            format,
            c,
            out.iter().filter(|&&b| b == b'\n').count(),
            e,
        )
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_name_the_compression() {
        assert_eq!(Compression::of(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(Compression::of(b"BZh9"), Compression::Bzip2);
        assert_eq!(Compression::of(b"BZhx"), Compression::None);
        assert_eq!(
            Compression::of(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::of(b"gene"), Compression::None);
        assert_eq!(Compression::of(b""), Compression::None);
    }

    #[test]
    fn every_compression_streams_back_the_text() {
        use std::io::Write;
        let text = b"gene\ts1\ng1\t1.5\n".repeat(1000);
        let dir = std::env::temp_dir().join(format!("heatmill-compress-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let gz = dir.join("a.gz");
        // Two gzip members, as bgzip writes them.
        let mut bytes = Vec::new();
        for half in text.chunks(text.len() / 2 + 1) {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(half).unwrap();
            bytes.extend(e.finish().unwrap());
        }
        std::fs::write(&gz, &bytes).unwrap();
        let bz = dir.join("a.bz2");
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(&text).unwrap();
        std::fs::write(&bz, e.finish().unwrap()).unwrap();
        let zs = dir.join("a.zst");
        std::fs::write(&zs, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        for (p, c) in [
            (&gz, Compression::Gzip),
            (&bz, Compression::Bzip2),
            (&zs, Compression::Zstd),
        ] {
            let (mut r, got) = open(p).unwrap();
            assert_eq!(got, c);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, text, "{p:?}");
        }
        // Truncated: the error names the compression and what to do.
        let cut = dir.join("cut.gz");
        std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
        let e = read_all(&cut, "tsv").unwrap_err().to_string();
        assert!(e.contains("gzip stream is damaged or truncated"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
