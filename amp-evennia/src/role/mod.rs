//! The roles: the Server and the Portal's AMP side.

pub mod exception;
pub mod function_call;
pub mod portal;
pub mod server;

mod start_now;
