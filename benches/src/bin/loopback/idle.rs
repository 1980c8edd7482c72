//! Idle connections: a server to measure, and a process holding many
//! connections to it.

use std::io::{self, BufRead};
use std::time::Duration;

use amp_runtime::connection::ConnectionConfig;
use amp_runtime::server::Server;
use amp_runtime::{Connection, NoResponder};
use futures::future::join_all;

use crate::commands::{BenchDispatcher, Handler, Sum, SumArguments};
use crate::throughput::{print_port, stdin_closed};

/// Connections opened at once: below the listen backlog (128 for a std /
/// tokio `TcpListener::bind`, 1,024 for the Twisted script). A connection the
/// full accept queue drops would look open here (SYN cookies) yet never
/// reach the server until this side sends something.
const CONNECT_BATCH: usize = 64;

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(io::Error::last_os_error());
        }
        lim.rlim_cur = lim.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(lim.rlim_cur as u64)
    }
}

/// The measured server (Sum only matters), default configuration.
pub async fn serve() -> io::Result<()> {
    raise_fd_limit()?;
    let server = Server::bind_local(0, BenchDispatcher::new(Handler), ConnectionConfig::default()).await?;
    print_port(&server)?;
    stdin_closed().await;
    server.shutdown(Duration::from_secs(5)).await;
    Ok(())
}

/// Opens `count` connections, then follows the runner's stdin commands.
pub async fn hold_clients(port: u16, count: usize) -> io::Result<()> {
    let limit = raise_fd_limit()?;
    if (count as u64) + 64 > limit {
        return Err(io::Error::other(format!("{count} connections need more than the fd limit {limit}")));
    }
    let mut conns: Vec<Connection> = Vec::with_capacity(count);
    while conns.len() < count {
        let batch = CONNECT_BATCH.min(count - conns.len());
        let opened = join_all((0..batch).map(|_| {
            Connection::builder()
                .config(ConnectionConfig::default().with_default_timeout(Duration::from_secs(60)))
                .connect_tcp(("127.0.0.1", port), NoResponder)
        }))
        .await;
        for c in opened {
            conns.push(c?);
        }
    }
    println!("connected {}", conns.len());
    let mut lines =
        tokio::task::spawn_blocking(|| io::stdin().lock().lines().next()).await.map_err(io::Error::other)?;
    if let Some(Ok(line)) = lines.take() {
        if line.trim() == "call" {
            for chunk in conns.chunks(CONNECT_BATCH) {
                let calls = join_all(chunk.iter().map(|c| c.call::<Sum>(SumArguments { a: 1, b: 2 }))).await;
                for r in calls {
                    match r {
                        Ok(r) if r.total == 3 => {}
                        other => return Err(io::Error::other(format!("Sum on an idle connection gave {other:?}"))),
                    }
                }
            }
            println!("called {}", conns.len());
        }
    }
    stdin_closed().await;
    for c in &conns {
        c.close();
    }
    Ok(())
}
