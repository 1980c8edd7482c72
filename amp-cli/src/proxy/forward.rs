//! One direction of a proxied connection: read, look for boxes in a copy,
//! forward the bytes as read.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use amp_runtime::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::calls::Calls;
use super::clock;
use super::framer::{Framed, Framer};
use super::log::{Entry, Log};
use super::stream::{Reader, Writer};
use super::Side;

/// Bytes read (and then written) at a time.
const CHUNK: usize = 64 * 1024;

/// One direction: where its bytes come from and what it reports to.
pub struct Direction {
    /// The connection number.
    pub conn: u64,
    /// The side whose bytes these are.
    pub from: Side,
    /// Where lines go.
    pub log: Log,
    /// The connection's calls awaiting answers (only with a schema, which
    /// is what shows `answer_to`).
    pub calls: Option<Arc<Mutex<Calls>>>,
    /// The framing limits.
    pub limits: Limits,
    /// Bytes forwarded so far (read by the connection when it closes).
    pub forwarded: Arc<AtomicU64>,
}

/// How a direction ended.
#[derive(Debug)]
pub enum End {
    /// The sender closed its side; the other end was told (half-close).
    Eof,
    /// Reading from the sender failed.
    Read(io::Error),
    /// Writing to the receiver failed.
    Write(io::Error),
}

/// Forwards `reader` to `writer` until the end of `reader` or an error.
///
/// The boxes in each chunk are recorded (calls awaiting answers) and queued
/// for printing before the chunk is written, so no answer to them can come
/// back before they are known.
pub async fn forward(d: Direction, mut reader: Reader, mut writer: Writer) -> End {
    let mut buf = vec![0u8; CHUNK];
    let mut framer = Framer::new(d.limits);
    let mut found = Vec::new();
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return End::Read(e),
        };
        framer.feed(&buf[..n], &mut found);
        report(&d, &mut found);
        if let Err(e) = writer.write_all(&buf[..n]).await {
            return End::Write(e);
        }
        d.forwarded.fetch_add(n as u64, Ordering::Relaxed);
    }
    framer.finish(&mut found);
    report(&d, &mut found);
    match writer.shutdown().await {
        Ok(()) => End::Eof,
        // The receiver went away already: its own direction reports it.
        Err(e) if e.kind() == io::ErrorKind::NotConnected => End::Eof,
        Err(e) => End::Write(e),
    }
}

fn report(d: &Direction, found: &mut Vec<Framed>) {
    if found.is_empty() {
        return;
    }
    let time = clock::now();
    for framed in found.drain(..) {
        let entry = match framed {
            Framed::Box(b) => {
                // A poisoned lock only means another task panicked mid-update;
                // the table is still a table.
                let answers =
                    d.calls.as_ref().and_then(|c| c.lock().unwrap_or_else(|p| p.into_inner()).seen(d.from, &b));
                Entry::Box { time: time.clone(), conn: d.conn, from: d.from, b, answers }
            }
            Framed::Undecoded { at, error, preview, buffered } => {
                Entry::Undecoded { time: time.clone(), conn: d.conn, from: d.from, at, error, preview, buffered }
            }
        };
        d.log.push(entry);
    }
}
