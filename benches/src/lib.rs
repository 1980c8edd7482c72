//! Benchmark helpers: the inputs the codec benches and the Evennia
//! Compressed benchmark measure.
//!
//! The criterion bench (`benches/codec.rs`) and the Twisted script
//! (`twisted_codec.py`) must measure the very same bytes, so the inputs are
//! built here once and the bench writes them to files the script reads
//! (see [`write_codec_inputs`]).

use std::path::Path;

use amp_evennia::codec::pickle::Value;
use amp_evennia::payload::session::SessionData;
use amp_evennia::payload::PayloadError;
use amp_evennia::sample_text::{prose, Vocabulary};
use amp_evennia::{Envelope, Kwargs};
use amp_runtime::AmpBox;
use bytes::{Bytes, BytesMut};

/// Number of small boxes in the stream (the size Twisted's baseline used).
pub const SMALL_BOX_COUNT: usize = 100_000;
/// Wire size of every small box, framing included.
pub const SMALL_BOX_BYTES: usize = 50;
/// Length of the one value of the large box: 60 KiB.
pub const LARGE_VALUE_BYTES: usize = 60 * 1024;

/// The `n`-th small box (0-based) as a sender builds it: the argument first,
/// then `_command` and `_ask`, so serializing has to sort the keys.
///
/// It mirrors a real call with one small argument (`MsgStatus(status=...)`):
/// `_ask` is the per-connection tag (lowercase hex counter from 1), and the
/// status text is cut so that every box is exactly [`SMALL_BOX_BYTES`] on the wire.
pub fn small_box(n: usize) -> AmpBox {
    let tag = format!("{:x}", n + 1);
    // 8+len(tag) (_ask) + 21 (_command MsgStatus) + 10+len(status) (status) + 2 (end) = 50
    let status_len = SMALL_BOX_BYTES - 41 - tag.len();
    let status = format!("{:0width$}", n, width = status_len);
    let status = status[status.len() - status_len..].to_string();
    let mut b = AmpBox::with_capacity(3);
    b.insert("status", status);
    b.insert("_command", "MsgStatus");
    b.insert("_ask", tag);
    b
}

/// The large box: `Echo(value=<60 KiB of pseudo-random bytes>)` with tag `1`.
pub fn large_box() -> AmpBox {
    let mut b = AmpBox::with_capacity(3);
    b.insert("value", large_value());
    b.insert("_command", "Echo");
    b.insert("_ask", "1");
    b
}

/// [`LARGE_VALUE_BYTES`] of deterministic pseudo-random bytes (xorshift64).
pub fn large_value() -> Bytes {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(LARGE_VALUE_BYTES);
    while out.len() < LARGE_VALUE_BYTES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(LARGE_VALUE_BYTES);
    Bytes::from(out)
}

/// The wire form of `boxes`, one after another.
pub fn stream_of(boxes: &[AmpBox]) -> Bytes {
    let mut out = BytesMut::new();
    for b in boxes {
        b.serialize_into(&mut out).expect("bench boxes are within AMP's limits");
    }
    out.freeze()
}

/// Writes `small.bin` (the [`SMALL_BOX_COUNT`] small boxes) and `large.bin`
/// (the large box) into `dir`, for the Twisted script to measure.
pub fn write_codec_inputs(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let small: Vec<AmpBox> = (0..SMALL_BOX_COUNT).map(small_box).collect();
    std::fs::write(dir.join("small.bin"), stream_of(&small))?;
    std::fs::write(dir.join("large.bin"), stream_of(&[large_box()]))?;
    Ok(())
}

/// The seed of [`evennia_payload`]'s prose (fixed: runs must measure the same bytes).
const EVENNIA_PROSE_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// The payload of the Evennia Compressed benchmark (`compressed_bench
/// payload BYTES`): `(1, {'text': [[<prose>], {'options': {}}],
/// 'sessiondata': {1: {...}, ...}})`, `bytes` of pickle (within 1%), half
/// MUD-like prose with Evennia's markup, half telnet session dicts (many
/// small values). The same `bytes` always gives the same payload.
pub fn evennia_payload(bytes: usize) -> Result<Envelope, PayloadError> {
    let text = Value::List(vec![
        Value::List(vec![Value::from(prose(bytes / 2, EVENNIA_PROSE_SEED, Vocabulary::Marked))]),
        Kwargs::new().with("options", Value::Dict(vec![])).into_value(),
    ]);
    let build = |sessions: usize| {
        let sessiondata = Value::Dict(
            (1..=sessions as u64)
                .map(|id| {
                    let address = format!("10.0.{}.{}", id / 250, id % 250);
                    (Value::from(id), SessionData::telnet(id, &address, 1.795e9 + id as f64).to_value())
                })
                .collect(),
        );
        Envelope::new(1, Kwargs::new().with("text", text.clone()).with("sessiondata", sessiondata))
    };
    // The pickler shares repeated strings, so a session's share of the
    // pickle is found by measuring: two sizes, then a linear fit.
    let (few, many) = (10, 1000);
    let size = |n| -> Result<usize, PayloadError> { Ok(build(n).to_pickle()?.len()) };
    let (small, large) = (size(few)?, size(many)?);
    let per_session = (large - small) as f64 / (many - few) as f64;
    let base = small as f64 - per_session * few as f64;
    let sessions = ((bytes as f64 - base) / per_session).max(0.0).round() as usize;
    Ok(build(sessions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_boxes_are_fifty_bytes_and_sorted_on_the_wire() {
        for n in [0, 9, 15, 255, 4095, 65_535, SMALL_BOX_COUNT - 1] {
            let wire = small_box(n).serialize().unwrap();
            assert_eq!(wire.len(), SMALL_BOX_BYTES, "box {n}");
            assert!(wire.starts_with(b"\x00\x04_ask"), "box {n}");
        }
        assert_eq!(
            &small_box(9).serialize().unwrap()[..],
            b"\x00\x04_ask\x00\x01a\x00\x08_command\x00\x09MsgStatus\x00\x06status\x00\x0800000009\x00\x00"
        );
    }

    #[test]
    fn evennia_payload_is_the_size_asked_and_an_evennia_payload() {
        for bytes in [50_000, 300_000] {
            let pickled = evennia_payload(bytes).unwrap().to_pickle().unwrap();
            assert!(pickled.len().abs_diff(bytes) * 100 <= bytes, "{bytes}: {}", pickled.len());
            let back = Envelope::from_pickle(&pickled).unwrap();
            assert_eq!(back.sessid, 1);
        }
    }

    #[test]
    fn large_box_carries_sixty_kib() {
        let b = large_box();
        assert_eq!(b.get("value").unwrap().len(), LARGE_VALUE_BYTES);
        assert_eq!(b.serialize().unwrap().len(), LARGE_VALUE_BYTES + 9 + 16 + 9 + 2);
    }
}
