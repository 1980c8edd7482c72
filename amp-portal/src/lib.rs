//! amp-portal: a Portal for Evennia games, in Rust.
//!
//! Layers, lowest first (a module uses only the ones above it in this list):
//! - [`charset`]: Python's text codecs as Evennia uses them (codec names,
//!   `to_bytes` / `to_str` with the ENCODINGS fallbacks, input decoding).
//! - [`render`]: Evennia markup to what a client shows (ANSI for telnet,
//!   HTML and the websocket wire formats for the webclient), byte for byte
//!   as Evennia's Portal renders it.
//! - [`telnet`]: the telnet protocol without I/O, as Evennia's Portal runs
//!   it: Twisted's byte parser and option negotiation under Evennia's rules,
//!   Evennia's line handling, TTYPE/MTTS, NAWS, MCCP2, MSSP, MSDP and GMCP,
//!   and the Python `str`/`repr`/`json` semantics they depend on.
//! - [`settings`]: the game's settings, read with the game's own Python.
//! - [`process`]: starting Evennia's Server process.
//! - [`portal`]: sessions, the AMP link to the Server and the launcher.
//! - [`service`]: the listeners players connect to, from the settings.

pub mod charset;
pub mod portal;
pub mod process;
pub mod render;
pub mod service;
pub mod settings;
pub mod telnet;
