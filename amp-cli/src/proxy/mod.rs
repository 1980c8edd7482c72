//! `amp proxy`: sits between two AMP peers, forwards every byte unchanged
//! in both directions and prints every box as `amp decode` does, live.
//!
//! Each accepted connection (numbered from 1) gets its own connection to
//! the target. Bytes are written on as they are read, never re-encoded: a
//! box reaches the other side as the bytes it came in. A copy goes through
//! a framer ([`framer`]); the boxes found are queued for the writer thread
//! ([`log`]), which prints them, typed by the schema when one is given.
//! Printing never holds the traffic: a full queue drops lines and counts
//! them. Bytes that are not AMP, or break the framing, are forwarded all
//! the same and reported once per direction.
//!
//! A direction whose sender closes is half-closed towards the receiver;
//! the connection ends when both directions have, or at the first error
//! (both sockets are then closed).

mod calls;
mod clock;
mod forward;
mod framer;
mod log;
mod stream;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amp_runtime::Limits;
use tokio::sync::Semaphore;

use crate::addr::Addr;
use crate::exit::{Failure, Outcome};
use crate::schema;
use crate::signals::stop_signals;
use calls::Calls;
use forward::{forward, Direction, End};
use log::{Budget, Entry, Log};
use stream::{Listener, Stream};

/// What `amp proxy` was given.
#[derive(Debug)]
pub struct ProxyRequest {
    /// Where to accept connections.
    pub listen: String,
    /// Where to connect each one.
    pub to: String,
    /// The schema, to decode the commands it declares.
    pub schema: Option<PathBuf>,
    /// Lines that may wait for stdout.
    pub log_buffer: usize,
    /// Bytes of boxes that may wait for stdout.
    pub log_buffer_bytes: usize,
    /// Largest box decoded for printing.
    pub max_box_bytes: usize,
    /// Connections open at once at most.
    pub max_connections: usize,
    /// How long connecting to the target may take.
    pub connect_timeout: Duration,
}

/// The two sides of a proxied connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The peer that connected to the proxy.
    Client = 0,
    /// The peer the proxy connected to (`--to`).
    Target = 1,
}

impl Side {
    /// As the lines name it (`"from"`).
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Target => "target",
        }
    }
}

/// Runs `amp proxy` until SIGINT or SIGTERM.
pub async fn run(req: ProxyRequest) -> Outcome {
    let loaded = req.schema.as_deref().map(schema::load).transpose()?.map(Arc::new);
    let listen = Addr::parse(&req.listen).map_err(|e| Failure::usage(format!("--listen: {e}")))?;
    let to = Addr::parse(&req.to).map_err(|e| Failure::usage(format!("--to: {e}")))?;
    let stop = stop_signals()?;
    let listener =
        Listener::bind(&listen).await.map_err(|e| Failure::connection(format!("cannot listen on {listen}: {e}")))?;
    let budget = Budget { lines: req.log_buffer, bytes: req.log_buffer_bytes };
    let log = Log::start(budget, loaded.clone())
        .map_err(|e| Failure::connection(format!("cannot start the output thread: {e}")))?;
    log.push_waiting(Entry::Listening { listening: listener.local_addr(&listen), to: to.to_string() }).await;

    let settings = Arc::new(Settings {
        to,
        limits: Limits { max_box_bytes: req.max_box_bytes, ..Limits::default() },
        typed: loaded.is_some(),
        connect_timeout: req.connect_timeout,
    });
    let slots = Arc::new(Semaphore::new(req.max_connections));
    let accepting = async {
        let mut conn = 0u64;
        loop {
            match listener.accept().await {
                Ok((client, peer)) => {
                    conn += 1;
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        let error = format!("more than {} connections open (--max-connections)", req.max_connections);
                        log.push(Entry::Refused { time: clock::now(), conn, error });
                        continue;
                    };
                    let (settings, log) = (settings.clone(), log.clone());
                    tokio::spawn(async move {
                        relay(conn, client, peer, &settings, &log).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    // Out of descriptors, say: report and retry a little later
                    // rather than spin.
                    log.push(Entry::AcceptError { time: clock::now(), error: e.to_string() });
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    };
    tokio::select! {
        _ = stop => {}
        _ = accepting => {}
    }
    log.finish(Duration::from_secs(2)).await;
    listener.remove_file();
    Ok(())
}

/// What every connection needs.
struct Settings {
    to: Addr,
    limits: Limits,
    typed: bool,
    connect_timeout: Duration,
}

/// One proxied connection, from its target connection to its close.
async fn relay(conn: u64, client: Stream, peer: String, settings: &Settings, log: &Log) {
    let target = match tokio::time::timeout(settings.connect_timeout, Stream::connect(&settings.to)).await {
        Ok(Ok(target)) => target,
        Ok(Err(e)) => {
            let error = format!("cannot connect to {}: {e}", settings.to);
            return log.push(Entry::ConnectError { time: clock::now(), conn, error });
        }
        Err(_) => {
            let error =
                format!("cannot connect to {}: no connection within {:?}", settings.to, settings.connect_timeout);
            return log.push(Entry::ConnectError { time: clock::now(), conn, error });
        }
    };
    log.push(Entry::Open { time: clock::now(), conn, client: peer });
    let calls = settings.typed.then(|| Arc::new(Mutex::new(Calls::default())));
    let counted = [Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0))];
    let direction = |from: Side| Direction {
        conn,
        from,
        log: log.clone(),
        calls: calls.clone(),
        limits: settings.limits,
        forwarded: counted[from as usize].clone(),
    };
    let (client_read, client_write) = client.split();
    let (target_read, target_write) = target.split();
    let up = forward(direction(Side::Client), client_read, target_write);
    let down = forward(direction(Side::Target), target_read, client_write);
    tokio::pin!(up, down);
    let (mut up_end, mut down_end): (Option<End>, Option<End>) = (None, None);
    let mut first_eof = None;
    let reason = loop {
        tokio::select! {
            end = &mut up, if up_end.is_none() => {
                if matches!(end, End::Eof) { first_eof.get_or_insert(Side::Client); }
                up_end = Some(end);
            }
            end = &mut down, if down_end.is_none() => {
                if matches!(end, End::Eof) { first_eof.get_or_insert(Side::Target); }
                down_end = Some(end);
            }
        }
        // An error ends both directions (dropping them closes both sockets).
        if let Some(why) = failure(Side::Client, up_end.as_ref()).or_else(|| failure(Side::Target, down_end.as_ref())) {
            break why;
        }
        if let (Some(_), Some(_)) = (&up_end, &down_end) {
            let first = first_eof.unwrap_or(Side::Client);
            break format!("the {} closed, then the {}", first.name(), other(first).name());
        }
    };
    log.push(Entry::Close {
        time: clock::now(),
        conn,
        client_bytes: counted[0].load(Ordering::Relaxed),
        target_bytes: counted[1].load(Ordering::Relaxed),
        reason,
    });
}

fn other(side: Side) -> Side {
    match side {
        Side::Client => Side::Target,
        Side::Target => Side::Client,
    }
}

/// Why a direction (carrying `from`'s bytes) failed, if it did.
fn failure(from: Side, end: Option<&End>) -> Option<String> {
    match end? {
        End::Eof => None,
        End::Read(e) => Some(format!("reading from the {}: {e}", from.name())),
        End::Write(e) => Some(format!("writing to the {}: {e}", other(from).name())),
    }
}
