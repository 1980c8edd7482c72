//! Evennia markup to the bytes a client shows, exactly as Evennia 6.1's
//! Portal writes them.
//!
//! The Server sends the Portal text with Evennia's markup (`|r`, `|500`,
//! `|#ff0000`, `|n`, `|/`, `|lc...|lt...|le`, `||`, ...); the Portal renders
//! it per client. Evennia's own code is the specification, and its output
//! (quirks included) is what players' clients and scripts see, so every
//! function here reproduces Evennia's byte for byte, proven by the
//! differential tests `render_telnet_differential` and
//! `render_html_differential`, which run Evennia's Python on the same corpus.
//!
//! - [`telnet::text`] / [`telnet::prompt`]: `TelnetProtocol.send_text` /
//!   `send_prompt`, the flag logic, echo, `sendLine`, GA.
//! - [`web::text`] / [`web::prompt`]: the websocket webclient's frames in
//!   each wire format.
//! - [`ansi::Markup::parse_ansi`]: `evennia.utils.ansi.parse_ansi`.
//! - [`html::parse_html`]: `evennia.utils.text2html.parse_html`.
//! - [`mxp`], [`screenreader`]: link markup and screenreader stripping.
//! - [`Settings`]: the Evennia settings that shape output, with Evennia's
//!   defaults; [`python`]: reading pickled `protocol_flags` / `options`.
//!
//! Nothing here does I/O; the telnet bytes are what goes to MCCP (each
//! [`telnet::Written`] field is one `transport.write`, which MCCP compresses
//! and flushes separately).
//!
//! Surprises worth knowing (details in each module):
//! - Every telnet text ends with `ESC[0m` and then `\r\n`, even after a
//!   text's own `|/` or `\n` (which themselves become `\r\n`): Evennia
//!   appends `|n` to reset colour and FORCEDENDLINE defaults to true.
//! - A session whose TTYPE never finished gets xterm256 and truecolor.
//! - `{{` prints `{`; every backslash cuts the text so no markup spans it.
//! - Prompts never carry MXP links (they are stripped before `mxp_parse`).
//! - Text to the mudstandards websocket formats never has truecolor.
//! - The webclient HTML links only the first URL of a text.

pub mod ansi;
pub mod html;
pub mod mxp;
pub mod python;
mod scan;
pub mod screenreader;
pub mod settings;
pub mod telnet;
pub mod web;

pub use settings::{Settings, SettingsError};
