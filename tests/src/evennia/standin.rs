//! The Python stand-in Server (`tests/evennia/standin_server.py`).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::Peer;

use super::process::{spawn_tied, terminate};

/// A stand-in for Evennia's Server process, made of Evennia's own AMP
/// commands: it connects to a Portal's AMP port, does the PSYNC handshake,
/// greets each new session with "Welcome from the stand-in, session N." and
/// echoes typed lines as "echo: <line>". Each step is an event (a JSON
/// object with an `event` field). Killed (SIGTERM) when dropped.
pub struct StandinServer {
    child: Option<Child>,
    events: mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
}

impl StandinServer {
    /// Starts it against the Portal AMP port `amp` (does not wait for the
    /// connection: see [`wait_for`](Self::wait_for)).
    pub fn start(amp: SocketAddr) -> StandinServer {
        let mut cmd = Peer::Evennia61.script("tests/evennia/standin_server.py");
        cmd.arg(amp.port().to_string()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = spawn_tied(cmd).unwrap_or_else(|e| panic!("cannot start the stand-in Server: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, events) = mpsc::unbounded_channel();
        // Ends at the stand-in's EOF: a plain thread, so any runtime works.
        std::thread::Builder::new()
            .name("standin-events".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let event = serde_json::from_str(&line).unwrap_or_else(|_| Value::String(line));
                    if tx.send(event).is_err() {
                        break;
                    }
                }
            })
            .expect("start the event reader");
        StandinServer { child: Some(child), events, seen: Vec::new() }
    }

    /// The next event, or `None` after `timeout` or at the stand-in's exit.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<Value> {
        let event = tokio::time::timeout(timeout, self.events.recv()).await.ok().flatten()?;
        self.seen.push(event.clone());
        Some(event)
    }

    /// Waits for the next event named `name`, skipping others; panics with
    /// every event seen so far when it does not come within `timeout`.
    pub async fn wait_for(&mut self, name: &str, timeout: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(left).await {
                Some(event) if event["event"] == name => return event,
                Some(_) => continue,
                None => panic!("stand-in event {name:?} not seen within {timeout:?}; events: {:#?}", self.seen),
            }
        }
    }

    /// Sends a command line to the stand-in: `admin NAME` (AdminServer2Portal
    /// with operation NAME, e.g. `SRELOAD`), `say SESSID TEXT`, or `quit`
    /// (close the AMP connection).
    pub fn command(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.as_mut().and_then(|c| c.stdin.as_mut()).expect("the stand-in's stdin");
        writeln!(stdin, "{line}").and_then(|_| stdin.flush()).expect("write to the stand-in");
    }

    /// Every event received so far, in order.
    pub fn events(&self) -> &[Value] {
        &self.seen
    }

    /// Stops it (SIGTERM, then SIGKILL after 5 s).
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        terminate(&mut child, Duration::from_secs(5)).expect("stop the stand-in")
    }
}

impl Drop for StandinServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = terminate(&mut child, Duration::from_secs(5));
        }
    }
}
