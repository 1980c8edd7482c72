//! amp-portal: a Portal for Evennia games, in Rust.
//!
//! Layers, lowest first (a module uses only the ones above it in this list):
//! - [`charset`]: Python's text codecs as Evennia uses them (codec names,
//!   `to_bytes` / `to_str` with the ENCODINGS fallbacks, input decoding).
//! - [`render`]: Evennia markup to what a client shows (ANSI for telnet,
//!   HTML and the websocket wire formats for the webclient), byte for byte
//!   as Evennia's Portal renders it.
//! - [`telnet`]: the telnet protocol without I/O: the byte parser, option
//!   negotiation as Evennia's Portal does it, MCCP2, MSSP, MSDP and GMCP.

pub mod charset;
pub mod render;
pub mod telnet;
