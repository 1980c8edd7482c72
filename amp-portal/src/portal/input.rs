//! Player input on its way to the Server: `portalsessionhandler.data_in`
//! (the limits) and `sessionhandler.clean_senddata` (the shape).

use std::time::Instant;

use amp_evennia::codec::pickle::Value;
use amp_evennia::payload::message::Message;
use amp_evennia::Kwargs;

use super::server::Upstream;
use super::session::SessionHandle;
use super::{lock, unix_now, ToSession, NO_SERVER_TEXT};
use crate::charset::{decode_input, Input, BAD_UTF8_MESSAGE};
use crate::python::truthy;

/// What became of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputOutcome {
    /// Sent to the Server.
    Sent,
    /// Longer than `MAX_CHAR_LIMIT`: the player got Evennia's warning.
    TooLong,
    /// Over `MAX_COMMAND_RATE`: the player got Evennia's warning.
    TooFast,
    /// No Server is connected: the player got [`NO_SERVER_TEXT`].
    NoServer,
}

impl SessionHandle {
    /// A line the player typed, as the telnet protocol passes it on: the
    /// line's bytes with its `"\n"` (Evennia's `data_in(text=line + b"\n")`).
    pub fn text_input(&mut self, line: &[u8]) -> InputOutcome {
        self.data_in(vec![(Value::from("text"), Value::Bytes(line.to_vec()))])
    }

    /// Out-of-band input (GMCP, MSDP, a webclient command): `cmdname` with
    /// its arguments, as the protocol decoded them
    /// (`data_in(**{cmdname: [args, kwargs]})`).
    pub fn oob_input(&mut self, cmdname: &str, args: Vec<Value>, kwargs: Kwargs) -> InputOutcome {
        let data = Value::List(vec![Value::List(args), kwargs.into_value()]);
        self.data_in(vec![(Value::from(cmdname), data)])
    }

    /// Evennia's `data_in(**kwargs)`: `MAX_CHAR_LIMIT` (on a `text` input:
    /// `len(text)`, bytes for telnet, characters for a `str`), then
    /// `MAX_COMMAND_RATE`, then the Server.
    pub fn data_in(&mut self, kwargs: Vec<(Value, Value)>) -> InputOutcome {
        let settings = self.portal.shared.settings.clone();
        let limit = settings.max_char_limit;
        let text_len = kwargs.iter().find(|(k, _)| k.as_str() == Some("text")).and_then(|(_, v)| match v {
            Value::Bytes(b) => Some(b.len()),
            Value::Str(s) => Some(s.chars().count()),
            Value::List(items) | Value::Tuple(items) => Some(items.len()),
            _ => None,
        });
        if let Some(len) = text_len {
            if limit > 0 && i64::try_from(len).unwrap_or(i64::MAX) > limit {
                self.to_self(ToSession::Output(Message::text(settings.max_char_limit_warning.clone())));
                return InputOutcome::TooLong;
            }
        }
        let now = Instant::now();
        let (reset, count) = self.counter.get_or_insert((now, 0));
        // More than a second since the counter was reset: start again.
        if now.duration_since(*reset).as_secs_f64() > 1.0 {
            *reset = now;
            *count = 0;
        }
        *count += 1;
        if *count as f64 * (1.0 / settings.max_command_rate) > 1.0 {
            self.to_self(ToSession::Output(Message::text(settings.command_rate_warning.clone())));
            return InputOutcome::TooFast;
        }
        let (peer, encoding, local_echo) = {
            let mut state = lock(&self.portal.shared.state);
            let peer = state.server_peer();
            let Some(entry) = state.sessions.get_mut(&self.sessid) else { return InputOutcome::NoServer };
            let encoding = entry.data.encoding().unwrap_or("utf-8").to_owned();
            let local_echo = entry
                .data
                .protocol_flag("LOCALECHO")
                .map(|v| !matches!(v, Value::Bool(false) | Value::None | Value::Int(0)))
                .unwrap_or(false);
            if peer.is_some() {
                entry.data.set("cmd_last", unix_now());
            }
            (peer, encoding, local_echo)
        };
        let Some(peer) = peer else {
            self.to_self(ToSession::Output(Message::text(NO_SERVER_TEXT)));
            return InputOutcome::NoServer;
        };
        let cleaned = clean_senddata(kwargs, &encoding, &settings.encodings);
        if cleaned.lost {
            // Evennia's `clean_senddata` raises here: the input goes nowhere.
            tracing::warn!(sessid = self.sessid, encoding, "input lost: it does not decode");
            return InputOutcome::Sent;
        }
        if cleaned.bad_text {
            self.to_self(ToSession::Line(BAD_UTF8_MESSAGE.to_owned()));
        }
        if let Some(encoding) = cleaned.reset_encoding {
            let flags = Kwargs::new().with("ENCODING", encoding);
            self.set_flags(&flags);
        }
        let echo = if local_echo { cleaned.kwargs.get("text").cloned() } else { None };
        let packed = amp_evennia::payload::Envelope::new(self.sessid, cleaned.kwargs);
        self.portal.call_server(&peer, Upstream::Msg, packed);
        if let Some(text) = echo {
            if let Ok(message) = Message::from_kwargs(Kwargs::new().with("text", text)) {
                self.to_self(ToSession::Output(message));
            }
        }
        InputOutcome::Sent
    }

    /// Output the Portal itself sends this session.
    fn to_self(&self, item: ToSession) {
        let tx = lock(&self.portal.shared.state).sessions.get(&self.sessid).map(|e| e.tx.clone());
        if let Some(tx) = tx {
            self.portal.deliver(self.sessid, &tx, item);
        }
    }
}

/// `clean_senddata`'s result.
pub(crate) struct Cleaned {
    pub(crate) kwargs: Kwargs,
    /// A string did not decode: Evennia sends [`BAD_UTF8_MESSAGE`] and an
    /// empty string in its place.
    pub(crate) bad_text: bool,
    /// The session's encoding is unknown: Evennia sets it to `utf-8`.
    pub(crate) reset_encoding: Option<String>,
    /// Evennia raises while decoding (an unknown encoding and bytes that are
    /// not UTF-8 either, a codec name it cannot look up): nothing is sent.
    pub(crate) lost: bool,
}

/// Evennia's `SessionHandler.clean_senddata` on the Portal side (no
/// funcparser): every value becomes `[args, kwargs]` with `options` in
/// kwargs, bytes are decoded with the session's encoding.
pub(crate) fn clean_senddata(kwargs: Vec<(Value, Value)>, encoding: &str, _fallbacks: &[String]) -> Cleaned {
    let mut cx = Cleaner { encoding: encoding.to_owned(), bad_text: false, reset_encoding: None, lost: false };
    let mut options = Value::Dict(Vec::new());
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut rest = Vec::new();
    for (key, data) in kwargs {
        if key.as_str() == Some("options") {
            if truthy(&data) {
                options = data;
            }
        } else {
            rest.push((key, data));
        }
    }
    for (key, data) in rest {
        let key = match cx.validate(key) {
            Value::Str(s) => s,
            other => other.to_string(),
        };
        let pair = if !truthy(&data) {
            if key == "text" {
                // `text = None` means "no text command".
                continue;
            }
            vec![Value::List(Vec::new()), Value::Dict(Vec::new())]
        } else if matches!(data, Value::Dict(_)) {
            vec![Value::List(Vec::new()), cx.validate(data)]
        } else if let Some(items) = iterable(&data) {
            let mut items = items.to_vec();
            if matches!(items.last(), Some(Value::Dict(_))) {
                if items.len() == 2 {
                    let kw = items.pop().map(|v| cx.validate(v)).unwrap_or(Value::Dict(Vec::new()));
                    let first = items.pop().unwrap_or(Value::None);
                    let args = if iterable(&first).is_some() {
                        cx.validate(first)
                    } else {
                        Value::List(vec![cx.validate(first)])
                    };
                    vec![args, kw]
                } else {
                    let kw = items.pop().map(|v| cx.validate(v)).unwrap_or(Value::Dict(Vec::new()));
                    vec![cx.validate(Value::List(items)), kw]
                }
            } else {
                vec![cx.validate(Value::List(items)), Value::Dict(Vec::new())]
            }
        } else {
            vec![Value::List(vec![cx.validate(data)]), Value::Dict(Vec::new())]
        };
        let mut pair = pair;
        if let Some(Value::Dict(kw)) = pair.get_mut(1) {
            match kw.iter_mut().find(|(k, _)| k.as_str() == Some("options")) {
                Some((_, slot)) => *slot = options.clone(),
                None => kw.push((Value::from("options"), options.clone())),
            }
        }
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = Value::List(pair),
            None => out.push((key, Value::List(pair))),
        }
    }
    // A prompt goes last.
    if let Some(i) = out.iter().position(|(k, _)| k == "prompt") {
        let prompt = out.remove(i);
        out.push(prompt);
    }
    Cleaned {
        kwargs: out.into_iter().collect(),
        bad_text: cx.bad_text,
        reset_encoding: cx.reset_encoding,
        lost: cx.lost,
    }
}

struct Cleaner {
    encoding: String,
    bad_text: bool,
    reset_encoding: Option<String>,
    lost: bool,
}

impl Cleaner {
    /// `_validate`: containers recursively (every iterable becomes a list),
    /// strings and bytes decoded to `str`.
    fn validate(&mut self, data: Value) -> Value {
        match data {
            Value::Dict(pairs) => Value::Dict(pairs.into_iter().map(|(k, v)| (k, self.validate(v))).collect()),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
                Value::List(items.into_iter().map(|v| self.validate(v)).collect())
            }
            Value::Bytes(b) | Value::ByteArray(b) => Value::Str(self.decode(&b)),
            other => other,
        }
    }

    fn decode(&mut self, bytes: &[u8]) -> String {
        let reset = |cx: &mut Cleaner| {
            cx.encoding = "utf-8".to_owned();
            cx.reset_encoding = Some("utf-8".to_owned());
        };
        match decode_input(bytes, &self.encoding) {
            Ok(Input::Text(text)) => text,
            Ok(Input::Undecodable) => {
                self.bad_text = true;
                String::new()
            }
            Ok(Input::ResetToUtf8(text)) => {
                reset(self);
                text
            }
            Ok(Input::ResetToUtf8Failed) => {
                reset(self);
                self.lost = true;
                String::new()
            }
            Ok(Input::Unsupported(codec)) => {
                // A CPython codec this Portal does not implement: the text is
                // read as UTF-8 (lossy), and said.
                tracing::warn!(codec, "input in an unsupported codec read as UTF-8");
                String::from_utf8_lossy(bytes).into_owned()
            }
            Err(_) => {
                self.lost = true;
                String::new()
            }
        }
    }
}

/// `is_iter`: iterable and not a string.
fn iterable(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => Some(items),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(kwargs: Vec<(Value, Value)>) -> String {
        clean_senddata(kwargs, "utf-8", &[]).kwargs.to_value().to_string()
    }

    #[test]
    fn a_telnet_line_has_evennias_shape() {
        let kwargs = vec![(Value::from("text"), Value::Bytes(b"look\n".to_vec()))];
        assert_eq!(clean(kwargs), "{'text': [['look\\n'], {'options': {}}]}");
    }

    #[test]
    fn oob_args_and_kwargs() {
        let data = Value::List(vec![
            Value::List(vec![Value::from("a"), Value::Int(1)]),
            Value::Dict(vec![(Value::from("k"), Value::from("v"))]),
        ]);
        assert_eq!(
            clean(vec![(Value::from("Core.Hello"), data)]),
            "{'Core.Hello': [['a', 1], {'k': 'v', 'options': {}}]}"
        );
        let data = Value::List(vec![Value::from("x"), Value::Dict(vec![])]);
        assert_eq!(clean(vec![(Value::from("cmd"), data)]), "{'cmd': [['x'], {'options': {}}]}");
        let data = Value::Dict(vec![(Value::from("k"), Value::Int(2))]);
        assert_eq!(clean(vec![(Value::from("cmd"), data)]), "{'cmd': [[], {'k': 2, 'options': {}}]}");
        assert_eq!(clean(vec![(Value::from("cmd"), Value::None)]), "{'cmd': [[], {'options': {}}]}");
        assert_eq!(clean(vec![(Value::from("text"), Value::None)]), "{}");
    }

    #[test]
    fn bad_utf8_is_an_empty_string_and_a_warning() {
        let c = clean_senddata(vec![(Value::from("text"), Value::Bytes(b"\xff\n".to_vec()))], "utf-8", &[]);
        assert!(c.bad_text);
        assert_eq!(c.kwargs.to_value().to_string(), "{'text': [[''], {'options': {}}]}");
        let c = clean_senddata(vec![(Value::from("text"), Value::Bytes(b"\xe9\n".to_vec()))], "latin-1", &[]);
        assert!(!c.bad_text);
        assert_eq!(c.kwargs.to_value().to_string(), "{'text': [['é\\n'], {'options': {}}]}");
        let c = clean_senddata(vec![(Value::from("text"), Value::Bytes(b"ok".to_vec()))], "klingon", &[]);
        assert_eq!(c.reset_encoding.as_deref(), Some("utf-8"));
    }

    #[test]
    fn a_prompt_goes_last() {
        let kwargs = vec![(Value::from("prompt"), Value::from("> ")), (Value::from("text"), Value::from("hi"))];
        assert_eq!(clean(kwargs), "{'text': [['hi'], {'options': {}}], 'prompt': [['> '], {'options': {}}]}");
    }
}
