//! The roles: the processes this crate plays on Evennia's AMP link (the
//! Server; the Portal is the `amp-portal` crate, built on this one).
//!
//! - [`server`]: the Server role, a game in Rust behind an Evennia Portal
//!   ([`EvenniaServer`](server::EvenniaServer)).
//! - [`portal`]: what Evennia's Portal answers a connection on its AMP port
//!   that is not AMP ([`EVENNIA_HTTP_REPLY`](portal::EVENNIA_HTTP_REPLY)).
//!   The Portal role itself lives in the `amp-portal` crate.
//! - [`function_call`]: `FunctionCall`, answered from a registry of Rust
//!   functions (by the Server role, and by amp-portal's Portal).
//! - [`exception`]: the text of Evennia's declared errors, as the Server
//!   role and amp-portal's Portal answer them.
//! - [`start_now`]: starting a call at once, to fix the order boxes reach
//!   the wire (used by every role that sends calls without awaiting each).

pub mod exception;
pub mod function_call;
pub mod portal;
pub mod server;

pub mod start_now;
