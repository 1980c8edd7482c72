//! The roles: the processes this crate plays on Evennia's AMP link.
//!
//! - [`server`]: the Server role, a game in Rust behind an Evennia Portal
//!   ([`EvenniaServer`](server::EvenniaServer)).
//! - [`portal`]: the Portal role's AMP side, which a Server connects to
//!   ([`PortalAmp`](portal::PortalAmp)).
//! - [`function_call`]: `FunctionCall`, answered by both roles from a
//!   registry of Rust functions.
//! - [`exception`]: the text of Evennia's declared errors, as both roles
//!   answer them.
//! - [`start_now`]: starting a call at once, to fix the order boxes reach
//!   the wire (used by every role that sends calls without awaiting each).

pub mod exception;
pub mod function_call;
pub mod portal;
pub mod server;

pub mod start_now;
