//! amp-portal: a Portal for Evennia games, in Rust.
//!
//! Layers, lowest first (a module uses only the ones above it in this list):
//! - [`render`]: Evennia markup to what a client shows (ANSI for telnet,
//!   HTML for the webclient), byte for byte as Evennia's Portal renders it.
//! - [`telnet`]: the telnet protocol without I/O: the byte parser, option
//!   negotiation as Evennia's Portal does it, MCCP2, MSSP, MSDP and GMCP.
//! - [`settings`]: the game's settings, read with the game's own Python.
//! - [`process`]: starting Evennia's Server process.
//! - [`portal`]: sessions, the AMP link to the Server and the launcher.
//! - [`service`]: the listeners players connect to, from the settings.

pub mod portal;
pub mod process;
pub mod render;
pub mod service;
pub mod settings;
pub mod telnet;
