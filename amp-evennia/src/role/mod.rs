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

pub mod exception;
pub mod function_call;
pub mod portal;
pub mod server;

mod start_now;
