//! Calls per second: the server, and a client keeping N calls in flight.
//! The client also reports the CPU time it used while counting, which
//! scheduling noise from other processes disturbs much less than rates.

use std::io::{self, BufRead};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amp_runtime::connection::ConnectionConfig;
use amp_runtime::server::{ListenAddr, Server, ServerHandle};
use amp_runtime::{Connection, NoResponder};
use bytes::Bytes;

use crate::commands::{BenchDispatcher, Echo, EchoArguments, Handler, Sum, SumArguments};

/// Size of the Echo payload: 60 KiB.
pub const ECHO_BYTES: usize = 60 * 1024;
/// Calls made before counting starts.
const WARMUP: Duration = Duration::from_millis(500);

/// What the client calls.
#[derive(Debug, Clone, Copy)]
pub enum Workload {
    /// `Sum(1, 2)`.
    Sum,
    /// `Echo` of [`ECHO_BYTES`].
    Echo,
}

impl FromStr for Workload {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "sum" => Ok(Workload::Sum),
            "echo" => Ok(Workload::Echo),
            _ => Err(()),
        }
    }
}

/// The payload Python's side sends too: `bytes(i % 251 for i in range(61440))`.
pub fn echo_payload() -> Bytes {
    (0..ECHO_BYTES).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

/// Prints the port of a server on 127.0.0.1 (a free port).
pub fn print_port(server: &ServerHandle) -> io::Result<()> {
    match server.local_addr() {
        ListenAddr::Tcp(a) => println!("{}", a.port()),
        other => return Err(io::Error::other(format!("unexpected listen address {other}"))),
    }
    Ok(())
}

/// Waits (off the runtime's threads) until stdin closes.
pub async fn stdin_closed() {
    let _ = tokio::task::spawn_blocking(|| {
        let stdin = io::stdin();
        for line in stdin.lock().lines() {
            if line.is_err() {
                break;
            }
        }
    })
    .await;
}

/// The benchmark server: Sum and Echo until stdin closes.
pub async fn serve(nodelay: bool) -> io::Result<()> {
    let config = ConnectionConfig::default().with_nodelay(nodelay);
    let server = Server::bind_local(0, BenchDispatcher::new(Handler), config).await?;
    print_port(&server)?;
    stdin_closed().await;
    server.shutdown(Duration::from_secs(2)).await;
    Ok(())
}

/// Keeps `inflight` calls outstanding on one connection; prints the answers
/// counted during `seconds` after the warm-up.
pub async fn run_client(port: u16, nodelay: bool, workload: Workload, inflight: usize, seconds: f64) -> io::Result<()> {
    // No call timeout, as Twisted's callRemote has none (a timeout arms a timer per call).
    let config = ConnectionConfig::default().with_nodelay(nodelay);
    let conn = Connection::builder().config(config).connect_tcp(("127.0.0.1", port), NoResponder).await?;
    let answered = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let payload = echo_payload();
    let mut loops = Vec::with_capacity(inflight);
    for _ in 0..inflight {
        let (peer, answered, stop, payload) = (conn.peer().clone(), answered.clone(), stop.clone(), payload.clone());
        loops.push(tokio::spawn(async move {
            let sum = SumArguments { a: 1, b: 2 };
            let echo = EchoArguments { value: payload.clone() };
            while !stop.load(Ordering::Relaxed) {
                let ok = match workload {
                    Workload::Sum => peer.call::<Sum>(&sum).await.map(|r| r.total == 3).map_err(|e| e.to_string()),
                    Workload::Echo => {
                        peer.call::<Echo>(&echo).await.map(|r| r.value == payload).map_err(|e| e.to_string())
                    }
                };
                match ok {
                    Ok(true) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(false) => return Err(io::Error::other("a wrong answer")),
                    Err(e) => return Err(io::Error::other(format!("a call failed: {e}"))),
                }
            }
            Ok(())
        }));
    }
    tokio::time::sleep(WARMUP).await;
    let (start, before, cpu_before) = (Instant::now(), answered.load(Ordering::Relaxed), cpu_seconds());
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let (elapsed, after, cpu_after) = (start.elapsed().as_secs_f64(), answered.load(Ordering::Relaxed), cpu_seconds());
    stop.store(true, Ordering::Relaxed);
    for l in loops {
        l.await.map_err(io::Error::other)??;
    }
    conn.close();
    println!(
        "{{\"calls\": {}, \"seconds\": {elapsed}, \"cpu_seconds\": {}, \"calls_total\": {}}}",
        after - before,
        cpu_after - cpu_before,
        answered.load(Ordering::Relaxed)
    );
    Ok(())
}

/// CPU time (user + system) this process has used, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
