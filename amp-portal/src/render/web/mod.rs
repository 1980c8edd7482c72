//! What Evennia 6.1's websocket webclient (`server/portal/webclient.py`)
//! sends for a text or a prompt, in each wire format of
//! `server/portal/wire_formats/`.
//!
//! - `v1.evennia.com` (the webclient page; also chosen when the client names
//!   no subprotocol) and the legacy path `_send_text_legacy` (used only when
//!   no wire format could be loaded): a TEXT frame
//!   `json.dumps([cmd, args, kwargs])`, `cmd` `"text"` or `"prompt"`,
//!   `args[0]` the HTML of [`super::html::parse_html`] (`strip_ansi` =
//!   nocolor), the other args and the kwargs (without `options`) as the
//!   Server sent them. Options and flags: `raw` sends the text
//!   `html.escape`d (quotes too), or untouched with the `client_raw` option;
//!   `screenreader` strips markup and cuts `SCREENREADER_REGEX_STRIP`
//!   first. No closing `|n` is added: the HTML closes its own spans.
//! - `json.mudstandards.org`, `gmcp.mudstandards.org`,
//!   `terminal.mudstandards.org`: text is a BINARY frame of ANSI in UTF-8.
//!   Not raw: screenreader (strip + cut), or nocolor (strip), or else the
//!   telnet layer's closing `|n` and `parse_ansi(xterm256=True)`: *no
//!   truecolor* (`|#ff0000` arrives as xterm256 196) and links stripped.
//!   Prompts are the same BINARY frame, except `json.mudstandards.org`,
//!   which sends the TEXT frame `{"proto": "prompt", "id": "", "data": ...}`.
//!
//! Flags read: `RAW`, `NOCOLOR`, `SCREENREADER` (missing = false); options:
//! `raw`, `nocolor`, `screenreader`, `client_raw`, `send_prompt`.

use std::borrow::Cow;

use amp_evennia::codec::pickle::Value;

use super::ansi::ParseOptions;
use super::html::{parse_html, StyleError};
use super::settings::Settings;
use super::telnet::with_final_reset;
use crate::python::json::{self, JsonError};
use crate::python::{dict_items, get, get_bool, truthy};

/// A websocket wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireFormat {
    /// `v1.evennia.com`: Evennia's JSON arrays with HTML text.
    EvenniaV1,
    /// No wire format (`WebSocketClient._send_text_legacy`): as `v1.evennia.com`.
    Legacy,
    /// `json.mudstandards.org`.
    JsonStandard,
    /// `gmcp.mudstandards.org`.
    GmcpStandard,
    /// `terminal.mudstandards.org`.
    Terminal,
}

impl WireFormat {
    /// The subprotocol names, in `WIRE_FORMATS`' order (Evennia's default
    /// negotiation priority).
    pub const NEGOTIATION_ORDER: [WireFormat; 4] =
        [WireFormat::JsonStandard, WireFormat::GmcpStandard, WireFormat::Terminal, WireFormat::EvenniaV1];

    /// The format of a `Sec-WebSocket-Protocol` name.
    pub fn from_subprotocol(name: &str) -> Option<WireFormat> {
        Self::NEGOTIATION_ORDER.into_iter().find(|f| f.subprotocol() == Some(name))
    }

    /// The `Sec-WebSocket-Protocol` name (`None` for the legacy path).
    pub fn subprotocol(self) -> Option<&'static str> {
        match self {
            WireFormat::EvenniaV1 => Some("v1.evennia.com"),
            WireFormat::Legacy => None,
            WireFormat::JsonStandard => Some("json.mudstandards.org"),
            WireFormat::GmcpStandard => Some("gmcp.mudstandards.org"),
            WireFormat::Terminal => Some("terminal.mudstandards.org"),
        }
    }
}

/// One websocket message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The payload.
    pub payload: Vec<u8>,
    /// BINARY (true) or TEXT (false) frame.
    pub binary: bool,
}

/// The webclient session's `protocol_flags` that shape text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebFlags {
    /// `RAW`.
    pub raw: bool,
    /// `NOCOLOR`.
    pub nocolor: bool,
    /// `SCREENREADER`.
    pub screenreader: bool,
}

impl WebFlags {
    /// The flags of a pickled `protocol_flags` dict's pairs.
    pub fn from_protocol_flags(dict: &[(Value, Value)]) -> WebFlags {
        let flag = |key: &str| get_bool(dict, key).unwrap_or(false);
        WebFlags { raw: flag("RAW"), nocolor: flag("NOCOLOR"), screenreader: flag("SCREENREADER") }
    }
}

/// Where Evennia's webclient raises instead of sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// The text argument is not a `str` (nor `None`).
    #[error("the text argument is not a str")]
    NotText,
    /// The `options` keyword is not a dict.
    #[error("the options keyword is not a dict")]
    OptionsNotADict,
    /// A keyword argument name is not a `str`.
    #[error("a keyword argument name is not a str")]
    KeywordNotAStr,
    /// `parse_html` raised.
    #[error(transparent)]
    Style(#[from] StyleError),
    /// `json.dumps` raised.
    #[error(transparent)]
    Json(#[from] JsonError),
}

/// The send options the wire formats read (`None` = not sent).
#[derive(Debug, Clone, Copy, Default)]
struct Options {
    raw: Option<bool>,
    client_raw: bool,
    nocolor: Option<bool>,
    screenreader: Option<bool>,
    send_prompt: bool,
}

/// `kwargs.pop("options", {})` read, and the other kwargs.
fn split_kwargs(kwargs: &[(Value, Value)]) -> Result<(Options, Vec<(Value, Value)>), WebError> {
    let mut options = Options::default();
    let mut rest = Vec::with_capacity(kwargs.len());
    for (key, value) in kwargs {
        let Value::Str(name) = key else { return Err(WebError::KeywordNotAStr) };
        if name != "options" {
            rest.push((key.clone(), value.clone()));
            continue;
        }
        let dict = dict_items(value).ok_or(WebError::OptionsNotADict)?;
        options = Options {
            raw: get_bool(dict, "raw"),
            client_raw: get(dict, "client_raw").is_some_and(truthy),
            nocolor: get_bool(dict, "nocolor"),
            screenreader: get_bool(dict, "screenreader"),
            send_prompt: get(dict, "send_prompt").is_some_and(truthy),
        };
    }
    Ok((options, rest))
}

/// `html.escape(text)` (quote=True).
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// The webclient's `send_text(*args, **kwargs)` in `format`: the frame it
/// sends (`None`: it sends nothing, as for a `None` text or no args).
pub fn text(
    format: WireFormat,
    args: &[Value],
    kwargs: &[(Value, Value)],
    flags: &WebFlags,
    settings: &Settings,
) -> Result<Option<Frame>, WebError> {
    send(format, args, kwargs, flags, settings, false)
}

/// The webclient's `send_prompt(*args, **kwargs)` in `format`.
pub fn prompt(
    format: WireFormat,
    args: &[Value],
    kwargs: &[(Value, Value)],
    flags: &WebFlags,
    settings: &Settings,
) -> Result<Option<Frame>, WebError> {
    send(format, args, kwargs, flags, settings, true)
}

fn send(
    format: WireFormat,
    args: &[Value],
    kwargs: &[(Value, Value)],
    flags: &WebFlags,
    settings: &Settings,
    prompt: bool,
) -> Result<Option<Frame>, WebError> {
    let text = match args.first() {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Str(s)) => s.as_str(),
        Some(_) => return Err(WebError::NotText),
    };
    let (options, rest) = split_kwargs(kwargs)?;
    let raw = options.raw.unwrap_or(flags.raw);
    let nocolor = options.nocolor.unwrap_or(flags.nocolor);
    let screenreader = options.screenreader.unwrap_or(flags.screenreader);
    let strip = |t: &str| settings.markup.strip_ansi(t);
    match format {
        WireFormat::EvenniaV1 | WireFormat::Legacy => {
            let text: Cow<str> = if screenreader {
                Cow::Owned(settings.screenreader.strip(&strip(text)).into_owned())
            } else {
                Cow::Borrowed(text)
            };
            let first = if raw {
                if options.client_raw {
                    text.into_owned()
                } else {
                    html_escape(&text)
                }
            } else {
                parse_html(&text, nocolor, settings)?
            };
            let cmd = if prompt || options.send_prompt { "prompt" } else { "text" };
            let mut out = String::with_capacity(first.len() + 32);
            out.push_str("[\"");
            out.push_str(cmd);
            out.push_str("\", [");
            json::dump_str(&first, &mut out);
            for arg in &args[1..] {
                out.push_str(", ");
                json::dump_into(arg, &mut out)?;
            }
            out.push_str("], ");
            json::dump_into(&Value::Dict(rest), &mut out)?;
            out.push(']');
            Ok(Some(Frame { payload: out.into_bytes(), binary: false }))
        }
        WireFormat::JsonStandard | WireFormat::GmcpStandard | WireFormat::Terminal => {
            let ansi = if raw {
                text.to_owned()
            } else if screenreader {
                settings.screenreader.strip(&strip(text)).into_owned()
            } else if nocolor {
                strip(text)
            } else {
                settings
                    .markup
                    .parse_ansi(&with_final_reset(text), ParseOptions { xterm256: true, ..ParseOptions::default() })
            };
            if prompt && format == WireFormat::JsonStandard {
                let mut out = String::with_capacity(ansi.len() + 40);
                out.push_str("{\"proto\": \"prompt\", \"id\": \"\", \"data\": ");
                json::dump_str(&ansi, &mut out);
                out.push('}');
                return Ok(Some(Frame { payload: out.into_bytes(), binary: false }));
            }
            Ok(Some(Frame { payload: ansi.into_bytes(), binary: true }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_text() {
        let s = Settings::default();
        let args = [Value::Str("hello |cworld|n".into())];
        let kwargs = [
            (Value::Str("options".into()), Value::Dict(vec![])),
            (Value::Str("type".into()), Value::Str("say".into())),
        ];
        let f = text(WireFormat::EvenniaV1, &args, &kwargs, &WebFlags::default(), &s).unwrap().unwrap();
        assert_eq!(
            String::from_utf8(f.payload).unwrap(),
            r#"["text", ["hello <span class=\"color-014\">world</span>"], {"type": "say"}]"#
        );
        let f = prompt(WireFormat::JsonStandard, &[Value::Str("p|r>".into())], &[], &WebFlags::default(), &s);
        assert_eq!(
            String::from_utf8(f.unwrap().unwrap().payload).unwrap(),
            r#"{"proto": "prompt", "id": "", "data": "p\u001b[1m\u001b[31m>\u001b[0m"}"#
        );
    }
}
