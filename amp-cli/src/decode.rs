//! `amp decode`: raw byte streams of boxes as JSON lines.
//!
//! One file is one stream (`"stream": 0`). Two files are the two directions
//! of one connection (streams 0 and 1): an answer in one stream answers the
//! call of the other whose `_ask` is its tag (the first such call not
//! answered yet, so a tag used twice pairs in order).
//!
//! Order with two streams: each stream keeps its own order, and an answer
//! is never printed before the call it answers. Within that, stream 0 comes
//! first: its boxes are printed until the next one answers a call of stream
//! 1 not printed yet; then stream 1's boxes are printed up to that call, and
//! so on. This is an order the exchange could have had, not necessarily
//! the one it had: a capture of two directions carries no timing.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use amp_runtime::wire::{ASK, COMMAND};
use amp_runtime::{AmpBox, AmpCodec, Limits};
use bytes::{Bytes, BytesMut};
use serde_json::{json, Map, Value as Json};
use tokio_util::codec::Decoder;

use crate::boxes::{add_box, answer_tag};
use crate::exit::{Failure, Outcome};
use crate::output;
use crate::schema::{self, Loaded};

/// What `amp decode` was given.
#[derive(Debug)]
pub struct DecodeRequest {
    /// The schema, to decode the commands it knows.
    pub schema: Option<PathBuf>,
    /// One or two files (`-` is stdin).
    pub files: Vec<PathBuf>,
}

/// One stream: its boxes, and why it stopped early (if it did).
struct Stream {
    boxes: Vec<AmpBox>,
    error: Option<String>,
}

/// Runs `amp decode`. Bad framing prints the boxes before it, then fails
/// with exit 64.
pub fn run(req: DecodeRequest) -> Outcome {
    if req.files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        return Err(Failure::usage("stdin (-) can be read only once"));
    }
    let loaded = req.schema.as_deref().map(schema::load).transpose()?;
    let mut streams = Vec::new();
    for file in &req.files {
        let raw = read(file)?;
        streams.push(split(file, raw));
    }
    let matches = match_answers(&streams);
    for (stream, index) in merge(&streams, &matches) {
        let b = &streams[stream].boxes[index];
        let call = matches[stream][index].map(|i| &streams[1 - stream].boxes[i]);
        output::json_line(&box_line(stream, b, call, loaded.as_ref()));
    }
    let errors: Vec<&str> = streams.iter().filter_map(|s| s.error.as_deref()).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::usage(errors.join("; ")))
    }
}

fn read(file: &Path) -> Result<Bytes, Failure> {
    let mut raw = Vec::new();
    let result = if file.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut raw).map(|_| ())
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut raw)).map(|_| ())
    };
    result.map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    Ok(Bytes::from(raw))
}

/// Cuts a stream into boxes. The file is already in memory, so no cap
/// is needed beyond its size (a file is trusted as much as its reader).
fn split(file: &Path, raw: Bytes) -> Stream {
    let total = raw.len();
    let mut src = BytesMut::from(&raw[..]);
    let mut codec = AmpCodec::with_limits(Limits::unlimited());
    let mut boxes = Vec::new();
    loop {
        let at = total - src.len();
        match codec.decode_eof(&mut src) {
            Ok(Some(b)) => boxes.push(b),
            Ok(None) => return Stream { boxes, error: None },
            Err(e) => {
                let error = format!("{}: box {} at byte {at}: {e}", file.display(), boxes.len() + 1);
                return Stream { boxes, error: Some(error) };
            }
        }
    }
}

/// For each box of each stream, the index of the call it answers in the
/// other stream.
fn match_answers(streams: &[Stream]) -> Vec<Vec<Option<usize>>> {
    let mut matches: Vec<Vec<Option<usize>>> = streams.iter().map(|s| vec![None; s.boxes.len()]).collect();
    if streams.len() != 2 {
        return matches;
    }
    for (s, stream) in streams.iter().enumerate() {
        // The calls of the other stream by tag, in order.
        let mut calls: HashMap<&Bytes, std::collections::VecDeque<usize>> = HashMap::new();
        for (i, b) in streams[1 - s].boxes.iter().enumerate() {
            if let (Some(_), Some(tag)) = (b.get(COMMAND), b.get(ASK)) {
                calls.entry(tag).or_default().push_back(i);
            }
        }
        for (i, b) in stream.boxes.iter().enumerate() {
            if let Some(tag) = answer_tag(b) {
                matches[s][i] = calls.get_mut(tag).and_then(|q| q.pop_front());
            }
        }
    }
    matches
}

/// The print order: (stream, index) pairs, as the module documents.
fn merge(streams: &[Stream], matches: &[Vec<Option<usize>>]) -> Vec<(usize, usize)> {
    let lens: Vec<usize> = streams.iter().map(|s| s.boxes.len()).collect();
    let mut next = vec![0usize; streams.len()];
    let mut order = Vec::with_capacity(lens.iter().sum());
    let ready =
        |s: usize, next: &[usize]| next[s] < lens[s] && matches[s][next[s]].map_or(true, |call| call < next[1 - s]);
    while order.len() < lens.iter().sum::<usize>() {
        // Stream 0 first; the other when 0 waits; when both wait (answers
        // crossing in a way no real exchange produces), stream 0 anyway.
        let s = (0..streams.len()).find(|&s| ready(s, &next)).unwrap_or_else(|| {
            (0..streams.len()).find(|&s| next[s] < lens[s]).expect("a box is left while the order is short")
        });
        order.push((s, next[s]));
        next[s] += 1;
    }
    order
}

/// One output line.
fn box_line(stream: usize, b: &AmpBox, call: Option<&AmpBox>, loaded: Option<&Loaded>) -> Json {
    let mut line = Map::new();
    line.insert("stream".into(), json!(stream));
    let answers = call.and_then(|c| c.get(COMMAND)).map(|name| &name[..]);
    add_box(&mut line, b, answers, loaded);
    Json::Object(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(pairs: &[(&str, &str)]) -> AmpBox {
        AmpBox::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Bytes::copy_from_slice(k.as_bytes()), Bytes::copy_from_slice(v.as_bytes())))
                .collect(),
        )
    }

    fn stream(boxes: Vec<AmpBox>) -> Stream {
        Stream { boxes, error: None }
    }

    fn order(streams: &[Stream]) -> Vec<(usize, usize)> {
        merge(streams, &match_answers(streams))
    }

    #[test]
    fn answers_wait_for_their_calls() {
        // Stream 0 answers stream 1's call before making its own.
        let s0 = stream(vec![b(&[("_answer", "1")]), b(&[("_command", "A"), ("_ask", "1")])]);
        let s1 = stream(vec![b(&[("_command", "B"), ("_ask", "1")]), b(&[("_answer", "1")])]);
        let streams = [s0, s1];
        assert_eq!(match_answers(&streams), vec![vec![Some(0), None], vec![None, Some(1)]]);
        assert_eq!(order(&streams), vec![(1, 0), (0, 0), (0, 1), (1, 1)]);
    }

    #[test]
    fn stream_zero_first_when_nothing_waits() {
        let s0 = stream(vec![b(&[("_command", "A"), ("_ask", "1")]), b(&[("_command", "A"), ("_ask", "2")])]);
        let s1 = stream(vec![b(&[("_answer", "2")]), b(&[("_error", "1")])]);
        let streams = [s0, s1];
        assert_eq!(order(&streams), vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert_eq!(match_answers(&streams)[1], vec![Some(1), Some(0)]);
    }

    #[test]
    fn a_tag_used_twice_pairs_in_order_and_strays_do_not_block() {
        let s0 = stream(vec![b(&[("_command", "A"), ("_ask", "1")]), b(&[("_command", "A"), ("_ask", "1")])]);
        let s1 = stream(vec![
            b(&[("_answer", "9")]),
            b(&[("_answer", "1")]),
            b(&[("_answer", "1")]),
            b(&[("_answer", "1")]),
        ]);
        let streams = [s0, s1];
        assert_eq!(match_answers(&streams)[1], vec![None, Some(0), Some(1), None]);
        assert_eq!(order(&streams), vec![(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 3)]);
    }

    #[test]
    fn one_stream_keeps_its_order() {
        let streams = [stream(vec![b(&[("_answer", "1")]), b(&[("_command", "A"), ("_ask", "1")])])];
        assert_eq!(order(&streams), vec![(0, 0), (0, 1)]);
    }
}
