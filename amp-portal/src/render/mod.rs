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
//! - [`ansi::Markup::parse_ansi`] is `evennia.utils.ansi.parse_ansi`.
//! - [`html::parse_html`] is `evennia.utils.text2html.parse_html`.
//! - [`mxp`], [`screenreader`]: link markup and screenreader stripping.
//! - [`Settings`]: the Evennia settings that shape output, with Evennia's
//!   defaults (pickled `protocol_flags` and `options` are read with
//!   [`crate::python`]'s `get` and `truthy`).
//!
//! Nothing here does I/O; the telnet bytes are what goes to MCCP (each
//! [`telnet::Written`] field is one `transport.write`, which MCCP compresses
//! and flushes separately).
//!
//! Surprises worth knowing (details in each module):
//! - Every telnet text ends with `ESC[0m` and then `\r\n`, even after a
//!   text's own `|/` or `\n`: Evennia appends `|n` to reset colour and
//!   FORCEDENDLINE defaults to true. A `\n` goes out as `\r\n`, but `|/`
//!   (which is already `\r\n`) and a `\r\n` in the text go out as
//!   `\r\r\n`: `"a|/b\nc"` is sent `a\r\r\nb\r\nc\x1b[0m\r\n`.
//! - A session whose TTYPE never finished gets xterm256 and truecolor.
//! - `{{` prints `{`; every backslash cuts the text so no markup spans it.
//! - Prompts never carry MXP links (they are stripped before `mxp_parse`).
//! - Text to the mudstandards websocket formats never has truecolor.
//! - The webclient HTML links only the first URL of a text, and the URL
//!   search runs on the finished HTML, so `http://` before a colour or line
//!   break swallows part of the tag (`<a href="http://<br" ...>`).
//! - Inverse video with truecolor in the webclient alternates fore- and
//!   background span after span, and with only one truecolor colour and no
//!   earlier span it raises: such a text never reaches the browser.
//! - Some of Evennia's steps are quadratic (backspace removal, link regexes
//!   over many unclosed `|lc`), and with `COLOR_NO_DEFAULT` it logs a
//!   traceback per character; this module's are linear, with equal output.

pub mod ansi;
pub mod html;
pub mod mxp;
mod scan;
pub mod screenreader;
pub mod settings;
pub mod telnet;
pub mod web;

pub use settings::{Settings, SettingsError};
