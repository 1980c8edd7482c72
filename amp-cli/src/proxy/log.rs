//! The proxy's output: one JSON line per box or event, written by one
//! thread from a bounded queue, so that forwarding never waits for stdout.
//!
//! The forwarding tasks only queue what they saw ([`Log::push`] never
//! blocks); the writer thread formats (the schema's typed decoding, pickles
//! included, happens there) and writes each line, flushed. When the queue
//! is full (stdout is slower than the traffic), or the boxes waiting in it
//! hold more than its byte budget, the line is dropped and counted; the
//! count is printed as `{"event": "dropped", "lines": N}` after the next
//! line written (and at the end), so every box is either printed or counted.

use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use amp_runtime::AmpBox;
use bytes::{Bytes, BytesMut};
use serde_json::{json, Map, Value as Json};
use tokio::sync::{mpsc, oneshot};

use super::Side;
use crate::boxes::add_box;
use crate::json::bytes_to_json;
use crate::schema::Loaded;

/// Something to print.
#[derive(Debug)]
pub enum Entry {
    /// The first line: where the proxy listens and where it connects.
    Listening {
        /// The listening address (the port picked for port 0).
        listening: String,
        /// The target address.
        to: String,
    },
    /// A connection accepted and connected to the target.
    Open {
        /// When.
        time: String,
        /// Its number (from 1).
        conn: u64,
        /// The client's address.
        client: String,
    },
    /// A connection accepted whose target connection failed (the client is closed).
    ConnectError {
        /// When.
        time: String,
        /// Its number.
        conn: u64,
        /// Why.
        error: String,
    },
    /// Accepting a connection failed (the proxy goes on).
    AcceptError {
        /// When.
        time: String,
        /// Why.
        error: String,
    },
    /// A connection closed at once: too many are open.
    Refused {
        /// When.
        time: String,
        /// Its number.
        conn: u64,
        /// Why.
        error: String,
    },
    /// One box that went through.
    Box {
        /// When its last bytes were read.
        time: String,
        /// The connection.
        conn: u64,
        /// The side that sent it.
        from: Side,
        /// The box.
        b: AmpBox,
        /// The wire name of the call it answers, when known.
        answers: Option<Bytes>,
    },
    /// Bytes that are not AMP, or broke the framing: forwarded, not decoded.
    Undecoded {
        /// When.
        time: String,
        /// The connection.
        conn: u64,
        /// The side that sent them.
        from: Side,
        /// Offset of the first byte not decoded, in that side's stream.
        at: u64,
        /// Why.
        error: String,
        /// The first bytes from `at`.
        preview: Bytes,
        /// How many bytes from `at` had arrived then.
        buffered: usize,
    },
    /// A connection closed.
    Close {
        /// When.
        time: String,
        /// The connection.
        conn: u64,
        /// Bytes forwarded from the client to the target.
        client_bytes: u64,
        /// Bytes forwarded from the target to the client.
        target_bytes: u64,
        /// Why it ended.
        reason: String,
    },
    /// Stop: print the dropped count, then say so.
    Stop(oneshot::Sender<()>),
}

impl Entry {
    /// The bytes this entry keeps alive while it waits (its box's).
    fn weight(&self) -> usize {
        match self {
            Entry::Box { b, .. } => b.encoded_len(),
            _ => 0,
        }
    }

    /// The entry holding its own copy of its box: the box's values are
    /// slices of the framer's read buffer, which a waiting slice would keep
    /// alive whole (so the byte budget would not bound the memory).
    fn compacted(self) -> Entry {
        match self {
            Entry::Box { time, conn, from, b, answers } => Entry::Box { time, conn, from, b: compact(&b), answers },
            other => other,
        }
    }
}

/// A copy of `b` in one allocation of its own.
fn compact(b: &AmpBox) -> AmpBox {
    let mut buf = BytesMut::with_capacity(b.iter().map(|(k, v)| k.len() + v.len()).sum());
    let mut ranges = Vec::with_capacity(b.len());
    for (k, v) in b.iter() {
        let start = buf.len();
        buf.extend_from_slice(k);
        buf.extend_from_slice(v);
        ranges.push((start, start + k.len(), start + k.len() + v.len()));
    }
    let all = buf.freeze();
    AmpBox::from_pairs(ranges.into_iter().map(|(k, v, end)| (all.slice(k..v), all.slice(v..end))).collect())
}

/// How much may wait for stdout.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Lines.
    pub lines: usize,
    /// Bytes of the boxes waiting.
    pub bytes: usize,
}

#[derive(Debug)]
struct Counters {
    dropped: AtomicU64,
    queued_bytes: AtomicUsize,
    max_bytes: usize,
}

/// The queue to the writer thread; cheap to clone.
#[derive(Debug, Clone)]
pub struct Log {
    tx: mpsc::Sender<Entry>,
    counters: Arc<Counters>,
}

impl Log {
    /// Starts the writer thread, which formats boxes with `schema` when given.
    pub fn start(budget: Budget, schema: Option<Arc<Loaded>>) -> std::io::Result<Log> {
        let (tx, mut rx) = mpsc::channel::<Entry>(budget.lines);
        let counters = Arc::new(Counters {
            dropped: AtomicU64::new(0),
            queued_bytes: AtomicUsize::new(0),
            max_bytes: budget.bytes,
        });
        let shared = counters.clone();
        std::thread::Builder::new().name("amp-proxy-log".into()).spawn(move || {
            let mut out = std::io::stdout().lock();
            while let Some(entry) = rx.blocking_recv() {
                shared.queued_bytes.fetch_sub(entry.weight(), Ordering::Relaxed);
                let done = match entry {
                    Entry::Stop(done) => Some(done),
                    entry => {
                        write_line(&mut out, &line(entry, schema.as_deref()));
                        None
                    }
                };
                let dropped = shared.dropped.swap(0, Ordering::Relaxed);
                if dropped > 0 {
                    write_line(&mut out, &json!({ "time": super::clock::now(), "event": "dropped", "lines": dropped }));
                }
                if let Some(done) = done {
                    let _ = done.send(());
                    break;
                }
            }
        })?;
        Ok(Log { tx, counters })
    }

    /// Queues `entry` without waiting: dropped (and counted) when the
    /// queue or its byte budget is full.
    pub fn push(&self, entry: Entry) {
        let weight = entry.weight();
        let queued = self.counters.queued_bytes.fetch_add(weight, Ordering::Relaxed);
        let over_budget = weight > 0 && queued + weight > self.counters.max_bytes;
        match self.tx.try_reserve() {
            Ok(permit) if !over_budget => permit.send(entry.compacted()),
            _ => {
                self.counters.queued_bytes.fetch_sub(weight, Ordering::Relaxed);
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Queues `entry`, waiting for room (for the first line, which a
    /// script waits for).
    pub async fn push_waiting(&self, entry: Entry) {
        let _ = self.tx.send(entry).await;
    }

    /// Writes what is queued and the dropped count, waiting `limit` at most.
    pub async fn finish(&self, limit: Duration) {
        let (done, finished) = oneshot::channel();
        let _ = tokio::time::timeout(limit, async {
            if self.tx.send(Entry::Stop(done)).await.is_ok() {
                let _ = finished.await;
            }
        })
        .await;
    }
}

/// Writes one line and flushes; a closed stdout (the reader went away) is
/// ignored: the traffic goes on.
fn write_line(out: &mut impl Write, value: &Json) {
    let mut text = value.to_string();
    text.push('\n');
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The JSON line of an entry.
fn line(entry: Entry, schema: Option<&Loaded>) -> Json {
    let mut line = Map::new();
    let mut put = |key: &str, value: Json| {
        line.insert(key.to_owned(), value);
    };
    match entry {
        Entry::Listening { listening, to } => {
            put("listening", json!(listening));
            put("to", json!(to));
        }
        Entry::Open { time, conn, client } => {
            put("time", json!(time));
            put("conn", json!(conn));
            put("event", json!("open"));
            put("client", json!(client));
        }
        Entry::ConnectError { time, conn, error } => {
            put("time", json!(time));
            put("conn", json!(conn));
            put("event", json!("connect_error"));
            put("error", json!(error));
        }
        Entry::AcceptError { time, error } => {
            put("time", json!(time));
            put("event", json!("accept_error"));
            put("error", json!(error));
        }
        Entry::Refused { time, conn, error } => {
            put("time", json!(time));
            put("conn", json!(conn));
            put("event", json!("refused"));
            put("error", json!(error));
        }
        Entry::Box { time, conn, from, b, answers } => {
            put("time", json!(time));
            put("conn", json!(conn));
            put("from", json!(from.name()));
            add_box(&mut line, &b, answers.as_deref(), schema);
        }
        Entry::Undecoded { time, conn, from, at, error, preview, buffered } => {
            put("time", json!(time));
            put("conn", json!(conn));
            put("from", json!(from.name()));
            put("event", json!("undecoded"));
            put("at", json!(at));
            put("error", json!(error));
            put("bytes", bytes_to_json(&preview));
            put("buffered", json!(buffered));
        }
        Entry::Close { time, conn, client_bytes, target_bytes, reason } => {
            put("time", json!(time));
            put("conn", json!(conn));
            put("event", json!("close"));
            put("client_bytes", json!(client_bytes));
            put("target_bytes", json!(target_bytes));
            put("reason", json!(reason));
        }
        Entry::Stop(_) => {}
    }
    Json::Object(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compact_box_has_the_same_pairs_in_order_and_owns_them() {
        let frame = Bytes::from_static(b"_command\x00Sum\xffvalue");
        let b = AmpBox::from_pairs(vec![
            (frame.slice(0..8), frame.slice(9..12)),
            (Bytes::from_static(b"k"), frame.slice(12..18)),
            (Bytes::from_static(b"empty"), Bytes::new()),
        ]);
        let c = compact(&b);
        let pairs = |b: &AmpBox| b.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect::<Vec<_>>();
        assert_eq!(pairs(&c), pairs(&b));
        // None of the copy's bytes point into the original frame.
        let inside = |p: *const u8| frame.as_ptr() <= p && p < frame.as_ptr().wrapping_add(frame.len());
        assert!(c.iter().all(|(k, v)| !inside(k.as_ptr()) && (v.is_empty() || !inside(v.as_ptr()))));
    }
}
