//! A running `tests/interop/peer.py`: started with a role, its first stdout
//! line is its port; killed (by its pid) if the test lets go of it early.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::Peer;

/// The peer script, relative to the workspace root.
pub const PEER_SCRIPT: &str = "tests/interop/peer.py";

/// How long a peer may take to print a line (its start includes importing Twisted).
const LINE_TIMEOUT: Duration = Duration::from_secs(60);

/// A Python peer process.
pub struct PythonPeer {
    peer: Peer,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
    stderr: tempfile::NamedTempFile,
    /// The port it printed first (0 for the client role).
    pub port: u16,
}

impl PythonPeer {
    /// Starts `peer.py ARGS...` in `peer`'s venv and reads its port line.
    pub async fn start(peer: Peer, args: &[String]) -> Self {
        let stderr = tempfile::NamedTempFile::new().expect("a temporary file for stderr");
        let mut cmd = tokio::process::Command::from(peer.script(PEER_SCRIPT));
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr.reopen().expect("reopen the stderr file"))
            .kill_on_drop(true);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {PEER_SCRIPT} ({}): {e}", peer.label()));
        let stdin = child.stdin.take();
        let lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let mut p = PythonPeer { peer, child, stdin, lines, stderr, port: 0 };
        let first = p.next_line().await;
        p.port = first.trim().parse().unwrap_or_else(|_| p.fail(&format!("first line {first:?} is not a port")));
        p
    }

    /// The next stdout line; fails the test (with the peer's stderr) if the
    /// peer ends or says nothing for a minute.
    pub async fn next_line(&mut self) -> String {
        match tokio::time::timeout(LINE_TIMEOUT, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => self.fail("it ended before printing the expected line"),
            Ok(Err(e)) => self.fail(&format!("reading its stdout failed: {e}")),
            Err(_) => self.fail(&format!("it printed nothing for {LINE_TIMEOUT:?}")),
        }
    }

    /// What it wrote to stderr so far (Twisted's log).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_default()
    }

    /// Panics with `why` and the peer's stderr.
    pub fn fail(&self, why: &str) -> ! {
        panic!("{PEER_SCRIPT} ({}): {why}\n--- its stderr ---\n{}", self.peer.label(), self.stderr())
    }

    /// Closes its stdin (a server role stops on that) and waits for it to
    /// exit, killing it after 15 s.
    pub async fn finish(&mut self) -> ExitStatus {
        drop(self.stdin.take());
        match tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await {
            Ok(status) => status.expect("wait for the peer"),
            Err(_) => {
                let _ = self.child.kill().await;
                self.fail("it did not exit within 15 s of its stdin closing")
            }
        }
    }

    /// Which venv it runs in.
    pub fn peer(&self) -> Peer {
        self.peer
    }
}

/// The arguments of the server role.
pub fn server_args(cert_dir: &std::path::Path) -> Vec<String> {
    vec!["server".into(), path_arg(cert_dir)]
}

/// The arguments of the client role against `port`.
pub fn client_args(port: u16, cert_dir: &std::path::Path) -> Vec<String> {
    vec!["client".into(), port.to_string(), path_arg(cert_dir)]
}

fn path_arg(p: &std::path::Path) -> String {
    PathBuf::from(p).to_str().expect("a UTF-8 temporary path").to_owned()
}
