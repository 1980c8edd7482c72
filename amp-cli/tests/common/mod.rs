//! Running the built `amp` binary from the tests.

#![allow(dead_code)] // each test file uses its own part of these helpers

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Longest any one `amp` run may take here.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("amp-cli/ has a parent").to_path_buf()
}

/// A file of amp-cli/tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// What one `amp` run gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout lines parsed as JSON.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
            .collect()
    }

    /// Asserts a failure with `code`, nothing on stdout and one stderr line containing `text`.
    pub fn assert_fails(&self, code: i32, text: &str) {
        assert_eq!(self.code, code, "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        assert!(self.stderr.contains(text), "stderr lacks {text:?}: {self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "stderr is not one line: {self:?}");
        assert!(self.stderr.ends_with('\n'), "{self:?}");
    }

    /// Asserts success with exactly `stdout` (one line, or nothing) and no stderr.
    pub fn assert_prints(&self, stdout: &str) {
        let want = if stdout.is_empty() { String::new() } else { format!("{stdout}\n") };
        assert_eq!((self.code, self.stdout.as_str(), self.stderr.as_str()), (0, want.as_str(), ""), "{self:?}");
    }
}

/// Runs `amp ARGS...` with `stdin` to the end (killed past [`LIMIT`]).
pub fn amp_with_stdin<S: AsRef<OsStr>>(args: &[S], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_amp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start amp");
    let mut input = child.stdin.take().expect("piped stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for amp") {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("amp did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.join().expect("stdout")).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err.join().expect("stderr")).expect("stderr is UTF-8"),
    }
}

/// Runs `amp ARGS...` (stdin empty).
pub fn amp<S: AsRef<OsStr>>(args: &[S]) -> Run {
    amp_with_stdin(args, b"")
}

/// A running process whose stdout is read line by line (on a thread, so
/// that every wait is bounded); killed by its pid when dropped.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    what: String,
    line_limit: Duration,
}

impl Running {
    /// Starts `cmd` with every stdio piped (closing stdin, see
    /// [`Running::close_stdin`], is how some peers are told to stop).
    /// `what` names it in messages; `line_limit` bounds the wait for each line.
    pub fn start(mut cmd: Command, what: &str, line_limit: Duration) -> Running {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines, what: what.to_owned(), line_limit }
    }

    /// The next line it prints (panics, with its stderr, past the line limit).
    pub fn line(&mut self) -> String {
        match self.lines.recv_timeout(self.line_limit) {
            Ok(line) => line,
            Err(e) => {
                let stderr = self.kill_for_stderr();
                panic!("{}: no line within {:?} ({e}); stderr: {stderr}", self.what, self.line_limit)
            }
        }
    }

    /// Closes its stdin.
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Its stderr, after killing it if it still runs (reading it earlier would block).
    fn kill_for_stderr(&mut self) -> String {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let mut s = String::new();
        if let Some(err) = self.child.stderr.as_mut() {
            let _ = err.read_to_string(&mut s);
        }
        s
    }

    /// Sends `signal` (`-INT`, `-TERM`) and waits for the end ([`LIMIT`] at
    /// most, then kills it: the exit code is then `None`).
    pub fn stop_with(mut self, signal: &str) -> Stopped {
        send_signal(self.child.id(), signal);
        let start = Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status.code();
            }
            if start.elapsed() > LIMIT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // It has ended: the reader thread sees the end of stdout and hangs up
        // (the timeout bounds the wait should a child of it keep stdout open).
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            rest.push(line);
        }
        let stderr = self.kill_for_stderr();
        Stopped { code, rest, stderr }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How a [`Running`] process ended.
#[derive(Debug)]
pub struct Stopped {
    /// Its exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// The stdout lines not read before the stop.
    pub rest: Vec<String>,
    /// All it wrote to stderr.
    pub stderr: String,
}

/// A running `amp serve`; killed by its pid when dropped.
pub struct Serve {
    running: Running,
    /// Where it listens (the text of its first line).
    pub addr: String,
}

impl Serve {
    /// Starts `amp serve --schema SCHEMA --listen LISTEN [--responses FILE]`
    /// and reads its first line.
    pub fn start(schema: &Path, listen: &str, responses: Option<&Path>) -> Serve {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_amp"));
        cmd.arg("serve").arg("--schema").arg(schema).arg("--listen").arg(listen);
        if let Some(r) = responses {
            cmd.arg("--responses").arg(r);
        }
        let mut running = Running::start(cmd, "amp serve", LIMIT);
        let first: serde_json::Value = serde_json::from_str(&running.line()).expect("a JSON first line");
        let addr = first["listening"].as_str().expect("{\"listening\": ...}").to_owned();
        Serve { running, addr }
    }

    /// The next line it prints.
    pub fn line(&mut self) -> String {
        self.running.line()
    }

    /// Sends SIGTERM and returns its exit code and stderr.
    pub fn stop(self) -> (Option<i32>, String) {
        self.stop_with("-TERM")
    }

    /// Sends `signal` (`-INT`, `-TERM`) and returns its exit code and stderr.
    pub fn stop_with(self, signal: &str) -> (Option<i32>, String) {
        let stopped = self.running.stop_with(signal);
        (stopped.code, stopped.stderr)
    }

    /// Sends SIGTERM; also gives the lines it printed that were not read.
    pub fn terminate(self) -> Stopped {
        self.running.stop_with("-TERM")
    }
}

/// `kill SIGNAL PID` (the command: no libc binding needed).
fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill").arg(signal).arg(pid.to_string()).status().expect("run kill");
    assert!(status.success(), "kill {signal} {pid} failed");
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("bind")
}

/// A running `amp proxy`; killed by its pid when dropped.
pub struct Proxy {
    running: Running,
    /// Where it listens (from its first line).
    pub addr: String,
    /// Every line read so far, parsed.
    pub seen: Vec<serde_json::Value>,
}

impl Proxy {
    /// Starts `amp proxy ARGS...` and reads its first line,
    /// `{"listening": ADDR, "to": ...}`.
    pub fn start(args: &[&str]) -> Proxy {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_amp"));
        cmd.arg("proxy").args(args);
        let mut running = Running::start(cmd, "amp proxy", LIMIT);
        let first: serde_json::Value = serde_json::from_str(&running.line()).expect("a JSON first line");
        let addr = first["listening"].as_str().expect("{\"listening\": ...}").to_owned();
        Proxy { running, addr, seen: vec![first] }
    }

    /// Reads lines until one satisfies `want` and returns it (all are kept
    /// in [`Proxy::seen`]); panics with the lines so far past [`LIMIT`].
    pub fn wait_for(&mut self, what: &str, want: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.running.lines.recv_timeout(left) {
                Ok(line) => line,
                Err(e) => panic!("amp proxy: no line {what} ({e}); lines so far:\n{}", self.dump()),
            };
            let value: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            self.seen.push(value.clone());
            if want(&value) {
                return value;
            }
        }
    }

    /// The lines seen so far, one a line (for messages).
    pub fn dump(&self) -> String {
        self.seen.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("\n")
    }

    /// Stops it with SIGTERM; the lines it printed after those seen are
    /// added to [`Proxy::seen`].
    pub fn stop(mut self) -> (Option<i32>, String, Vec<serde_json::Value>) {
        let seen = std::mem::take(&mut self.seen);
        let Stopped { code, rest, stderr } = self.running.stop_with("-TERM");
        let mut all = seen;
        all.extend(rest.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))));
        (code, stderr, all)
    }
}
