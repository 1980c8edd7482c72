//! Decodes the real Evennia 6.1 Portal <-> Server captures in
//! `tests/fixtures/evennia-6.1/`, prints every box, and re-encodes each one,
//! checking that the bytes are identical to what Twisted sent.
//!
//! Run: `cargo run -p amp-runtime --example captures`

use std::path::PathBuf;

use amp_runtime::{AmpBox, AmpCodec};
use bytes::BytesMut;
use tokio_util::codec::Decoder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/evennia-6.1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    let (mut boxes, mut bytes) = (0usize, 0usize);
    for file in &files {
        let raw = std::fs::read(file)?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        println!("== {name} ({} bytes)", raw.len());
        let mut codec = AmpCodec::new();
        let mut buf = BytesMut::from(&raw[..]);
        let mut offset = 0;
        while let Some(b) = codec.decode_eof(&mut buf)? {
            let again = b.serialize()?;
            let original = &raw[offset..offset + again.len()];
            if again != original {
                return Err(format!("{name} @{offset}: re-encoded box differs from the captured bytes").into());
            }
            println!("  @{offset:<5} {}", describe(&b));
            offset += again.len();
            boxes += 1;
        }
        bytes += raw.len();
    }
    println!("{boxes} boxes ({bytes} bytes) decoded and re-encoded byte for byte");
    Ok(())
}

/// One line per box: short values as text, long ones by size.
fn describe(b: &AmpBox) -> String {
    b.iter()
        .map(|(k, v)| {
            let key = String::from_utf8_lossy(k);
            if v.len() <= 24 && v.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
                format!("{key}={}", String::from_utf8_lossy(v))
            } else {
                format!("{key}=<{} bytes>", v.len())
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
