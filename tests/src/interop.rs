//! Shared pieces of the interop tests against real Twisted
//! (`tests/tests/interop_*.rs`, Python side in `tests/interop/`): the test
//! commands, the table of `Types` cases, TLS material, and the Python peer
//! process.
//!
//! Each Twisted version gets one Python process per direction, and every
//! check runs through it, so the whole suite stays within seconds.

pub mod cases;
pub mod certs;
pub mod commands;
pub mod process;
pub mod rust_server;

pub use certs::TestCerts;
pub use process::{client_args, server_args, PythonPeer, PEER_SCRIPT};

/// Collects failed checks so that one run reports all of them.
#[derive(Debug, Default)]
pub struct Failures(Vec<String>);

impl Failures {
    /// Records a failure of check `name`.
    pub fn add(&mut self, name: &str, why: impl std::fmt::Display) {
        self.0.push(format!("{name}: {why}"));
    }

    /// Records a failure of check `name` unless `ok`.
    pub fn check(&mut self, name: &str, ok: bool, why: impl FnOnce() -> String) {
        if !ok {
            self.add(name, why());
        }
    }

    /// The failures so far.
    pub fn list(&self) -> &[String] {
        &self.0
    }

    /// Whether every check passed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
