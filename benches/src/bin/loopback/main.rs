//! The Rust side of the loopback benchmark (`benches/run-loopback.sh`).
//!
//! ```text
//! loopback server NODELAY
//!     Listens on 127.0.0.1 (a free port), prints the port, answers Sum and
//!     Echo until stdin closes.
//! loopback client PORT NODELAY WORKLOAD INFLIGHT SECONDS
//!     WORKLOAD "sum" (Sum(a, b) -> total) or "echo" (Echo of a 60 KiB
//!     String): keeps INFLIGHT calls outstanding on one connection, warms up
//!     for 0.5 s, counts the answers within SECONDS, prints
//!     {"calls": N, "seconds": S, "cpu_seconds": C, "calls_total": T}
//!     (C: this process's CPU time while counting; T: answers including
//!     the warm-up).
//! loopback idle-server
//!     A server for the idle-connection measurement: prints the port, serves
//!     until stdin closes. Its RSS is read from /proc by the runner.
//! loopback idle-clients PORT COUNT
//!     Opens COUNT connections and prints "connected COUNT"; on the stdin
//!     line "call", makes one Sum call on each and prints "called"; exits when
//!     stdin closes.
//! ```
//!
//! Arguments mirror `benches/twisted_loopback.py`, so any client runs against
//! any server. NODELAY (0 or 1) sets TCP_NODELAY on this side's sockets.
//! Both idle roles raise RLIMIT_NOFILE to the hard limit.

mod commands;
mod idle;
mod throughput;

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: loopback server NODELAY | client PORT NODELAY sum|echo INFLIGHT SECONDS | idle-server | idle-clients PORT COUNT"
    );
    ExitCode::from(2)
}

fn flag(s: &str) -> Option<bool> {
    match s {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // AMP_BENCH_RUNTIME=current runs tokio's single-threaded scheduler
    // instead of the default multi-threaded one (one worker per core).
    let mut builder = match std::env::var("AMP_BENCH_RUNTIME").as_deref() {
        Ok("current") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = builder.enable_all().build().expect("a tokio runtime");
    let outcome = match args.as_slice() {
        ["server", nodelay] => match flag(nodelay) {
            Some(nodelay) => runtime.block_on(throughput::serve(nodelay)),
            None => return usage(),
        },
        ["client", port, nodelay, workload, inflight, seconds] => {
            let (Ok(port), Some(nodelay), Ok(workload), Ok(inflight), Ok(seconds)) =
                (port.parse(), flag(nodelay), workload.parse(), inflight.parse(), seconds.parse::<f64>())
            else {
                return usage();
            };
            runtime.block_on(throughput::run_client(port, nodelay, workload, inflight, seconds))
        }
        ["idle-server"] => runtime.block_on(idle::serve()),
        ["idle-clients", port, count] => {
            let (Ok(port), Ok(count)) = (port.parse(), count.parse()) else { return usage() };
            runtime.block_on(idle::hold_clients(port, count))
        }
        _ => return usage(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loopback: {e}");
            ExitCode::FAILURE
        }
    }
}
