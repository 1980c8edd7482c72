//! Helpers shared by the cross-crate and interop tests in `tests/tests/`.
//!
//! Python peers come from the venvs `scripts/setup-python` makes. A missing
//! venv is a failure with the command that makes it, never a skipped test.

pub mod evennia;
pub mod interop;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The folder holding the venvs: `$AMP_VENVS`, else `<workspace>/.venvs`.
pub fn venvs_dir() -> PathBuf {
    std::env::var_os("AMP_VENVS").map(PathBuf::from).unwrap_or_else(|| workspace_root().join(".venvs"))
}

/// A Python peer the tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// CPython 3.11 with Twisted 26.10.0 (the newest Twisted).
    Twisted26,
    /// CPython 3.12 with Evennia 6.1.0 and Twisted 24.11.0 (Evennia's pin).
    Evennia61,
}

impl Peer {
    /// Both Twisted versions.
    pub const ALL: [Peer; 2] = [Peer::Twisted26, Peer::Evennia61];

    /// The venv folder name.
    pub fn venv_name(self) -> &'static str {
        match self {
            Peer::Twisted26 => "tw26",
            Peer::Evennia61 => "ev61",
        }
    }

    /// A short label for messages.
    pub fn label(self) -> &'static str {
        match self {
            Peer::Twisted26 => "Twisted 26.10 / CPython 3.11",
            Peer::Evennia61 => "Twisted 24.11 + Evennia 6.1 / CPython 3.12",
        }
    }

    /// The venv's `bin/` folder.
    pub fn bin_dir(self) -> PathBuf {
        venvs_dir().join(self.venv_name()).join("bin")
    }

    /// The venv's python; panics with the fix when the venv is missing.
    pub fn python(self) -> PathBuf {
        let py = self.bin_dir().join("python");
        assert!(
            py.exists(),
            "{} is missing ({}): run scripts/setup-python (the test command scripts/test does)",
            self.label(),
            py.display()
        );
        py
    }

    /// A `Command` running the venv's python on `script` (a path relative to the
    /// workspace root), with `DJANGO_SETTINGS_MODULE` set so Evennia's modules import.
    pub fn script(self, script: &str) -> Command {
        let mut cmd = Command::new(self.python());
        cmd.arg(workspace_root().join(script))
            .env("DJANGO_SETTINGS_MODULE", "evennia.settings_default")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(workspace_root());
        cmd
    }
}

/// Runs `cmd` with `input` on stdin and returns its output; panics with its
/// stderr when it exits non-zero.
pub fn run_checked(mut cmd: Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for python");
    writer.join().expect("stdin writer").expect("write stdin");
    assert!(out.status.success(), "{cmd:?} failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    out
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("bind 127.0.0.1:0")
}
