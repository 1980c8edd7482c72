//! Player input and game output: the payloads of `MsgPortal2Server` and
//! `MsgServer2Portal`.
//!
//! Both are `(sessid, {cmdname: [args, kwargs], ...})`: each key names an
//! input function (Portal -> Server: `text` is a typed line) or an output
//! instruction (Server -> Portal: `text` is text to show, `prompt` a prompt,
//! anything else out-of-band data such as GMCP). Evennia's
//! `SessionHandler.clean_senddata` shapes every value as a two-item list, a
//! list of arguments and a dict of keyword arguments holding `options`:
//!
//! ```text
//! (1, {'text': [['look\n'], {'options': {}}]})                     # a typed line
//! (1, {'text': [['You see a room.'], {'options': {}}]})             # text to show
//! ```
//!
//! [`Message`] builds exactly that shape and reads any pair (list or tuple).
//! For telnet, the text option `raw` sends the text unchanged (no `|` colour
//! markup, no trailing colour reset).

use crate::codec::pickle::Value;
use crate::payload::{bad_field, Envelope, Kwargs, PayloadError, SessId};

/// The instructions of one message, in order: `{cmdname: [args, kwargs]}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    /// Each instruction.
    pub commands: Vec<MsgCommand>,
}

/// One instruction: `cmdname: [args, kwargs]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MsgCommand {
    /// Its name: `text`, `prompt`, an input function or an OOB command.
    pub name: String,
    /// Positional arguments (`text` has one: the string).
    pub args: Vec<Value>,
    /// Keyword arguments. Evennia puts an `options` dict here.
    pub kwargs: Kwargs,
}

impl MsgCommand {
    /// `name` with `args` and `{'options': {}}`, as `clean_senddata` builds it.
    pub fn new(name: impl Into<String>, args: Vec<Value>) -> Self {
        MsgCommand { name: name.into(), args, kwargs: Kwargs::new().with("options", Value::Dict(Vec::new())) }
    }

    /// `text` with one string.
    pub fn text(text: impl Into<String>) -> Self {
        MsgCommand::new("text", vec![Value::Str(text.into())])
    }

    /// Sets an option (`options[name] = value`), making `options` a dict if
    /// it is not one.
    pub fn option(mut self, name: &str, value: impl Into<Value>) -> Self {
        let value = value.into();
        match self.kwargs.get_mut("options") {
            Some(Value::Dict(pairs)) => match pairs.iter_mut().find(|(k, _)| k.as_str() == Some(name)) {
                Some((_, slot)) => *slot = value,
                None => pairs.push((Value::from(name), value)),
            },
            _ => {
                self.kwargs.insert("options", Value::Dict(vec![(Value::from(name), value)]));
            }
        }
        self
    }

    /// An option's value.
    pub fn get_option(&self, name: &str) -> Option<&Value> {
        self.kwargs.get("options").and_then(|o| o.get(name))
    }

    /// The first argument when it is a `str`.
    pub fn first_str(&self) -> Option<&str> {
        self.args.first().and_then(Value::as_str)
    }

    fn to_value(&self) -> Value {
        Value::List(vec![Value::List(self.args.clone()), self.kwargs.to_value()])
    }

    fn from_value(name: String, value: Value) -> Result<MsgCommand, PayloadError> {
        // Evennia unpacks `for cmdname, (cmdargs, cmdkwargs) in kwargs.items()`.
        let pair = match value {
            Value::List(items) | Value::Tuple(items) if items.len() == 2 => items,
            other => return Err(bad_field(&name, "an [args, kwargs] pair", &other)),
        };
        let mut pair = pair.into_iter();
        let (Some(args), Some(kwargs)) = (pair.next(), pair.next()) else { unreachable!("the length was checked") };
        let args = match args {
            Value::List(items) | Value::Tuple(items) => items,
            other => return Err(bad_field(&name, "a list of arguments", &other)),
        };
        let kwargs = match kwargs {
            v @ Value::Dict(_) => Kwargs::from_value(v)?,
            other => return Err(bad_field(&name, "a dict of keyword arguments", &other)),
        };
        Ok(MsgCommand { name, args, kwargs })
    }
}

impl Message {
    /// No instructions.
    pub fn new() -> Self {
        Message::default()
    }

    /// One `text` instruction: `{'text': [[text], {'options': {}}]}`, what
    /// Evennia's `session.msg(text)` sends.
    pub fn text(text: impl Into<String>) -> Self {
        Message { commands: vec![MsgCommand::text(text)] }
    }

    /// One `text` instruction with the option `raw`: telnet sends it as is
    /// (no colour markup parsing, no trailing colour reset).
    pub fn raw_text(text: impl Into<String>) -> Self {
        Message { commands: vec![MsgCommand::text(text).option("raw", true)] }
    }

    /// Adds an instruction (one of the same name is replaced, as dict keys are).
    pub fn with(mut self, command: MsgCommand) -> Self {
        self.push(command);
        self
    }

    /// Adds an instruction (one of the same name is replaced, as dict keys are).
    pub fn push(&mut self, command: MsgCommand) {
        match self.commands.iter_mut().find(|c| c.name == command.name) {
            Some(slot) => *slot = command,
            None => self.commands.push(command),
        }
    }

    /// The instruction called `name`.
    pub fn get(&self, name: &str) -> Option<&MsgCommand> {
        self.commands.iter().find(|c| c.name == name)
    }

    /// The text of the `text` instruction (its first argument).
    pub fn text_arg(&self) -> Option<&str> {
        self.get("text").and_then(MsgCommand::first_str)
    }

    /// The typed line of a `text` input without its line end (`"look\n"`
    /// gives `"look"`; `\r\n` too).
    pub fn line(&self) -> Option<&str> {
        self.text_arg().map(|t| t.strip_suffix('\n').unwrap_or(t)).map(|t| t.strip_suffix('\r').unwrap_or(t))
    }

    /// As the kwargs dict.
    pub fn to_kwargs(&self) -> Kwargs {
        self.commands.iter().map(|c| (c.name.clone(), c.to_value())).collect()
    }

    /// Reads the kwargs dict.
    pub fn from_kwargs(kwargs: Kwargs) -> Result<Message, PayloadError> {
        let commands = kwargs
            .into_vec()
            .into_iter()
            .map(|(name, value)| MsgCommand::from_value(name, value))
            .collect::<Result<_, _>>()?;
        Ok(Message { commands })
    }

    /// The payload for `sessid`.
    pub fn to_envelope(&self, sessid: SessId) -> Envelope {
        Envelope::new(sessid, self.to_kwargs())
    }

    /// Reads a payload: the session id and the message.
    pub fn from_envelope(envelope: Envelope) -> Result<(SessId, Message), PayloadError> {
        Ok((envelope.sessid, Message::from_kwargs(envelope.kwargs)?))
    }

    /// Reads `packed_data` (a pickle).
    pub fn from_pickle(bytes: &[u8]) -> Result<(SessId, Message), PayloadError> {
        Message::from_envelope(Envelope::from_pickle(bytes)?)
    }

    /// A rough size in bytes of the text this message holds (strings and
    /// bytes, nested ones included): used to decide whether encoding it is
    /// worth moving off the async executor. Stops counting past `cap`.
    pub fn approx_len(&self, cap: usize) -> usize {
        let mut total = 0usize;
        let mut todo: Vec<&Value> = Vec::new();
        for c in &self.commands {
            total += c.name.len();
            todo.extend(c.args.iter());
            todo.extend(c.kwargs.iter().map(|(_, v)| v));
        }
        while let Some(v) = todo.pop() {
            if total > cap {
                break;
            }
            match v {
                Value::Str(s) => total += s.len(),
                Value::Bytes(b) | Value::ByteArray(b) => total += b.len(),
                Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
                    total += items.len();
                    todo.extend(items.iter())
                }
                Value::Dict(pairs) => {
                    for (k, v) in pairs {
                        todo.push(k);
                        todo.push(v);
                    }
                }
                _ => total += 8,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_evennias_shape() {
        let m = Message::text("You see a room.");
        assert_eq!(m.to_envelope(3).to_value().to_string(), "(3, {'text': [['You see a room.'], {'options': {}}]})");
        let raw = Message::raw_text("a|rb");
        assert_eq!(raw.to_kwargs().to_value().to_string(), "{'text': [['a|rb'], {'options': {'raw': True}}]}");
        assert_eq!(raw.get("text").unwrap().get_option("raw"), Some(&Value::Bool(true)));
    }

    #[test]
    fn input_reads_lines_and_round_trips() {
        let kwargs = Kwargs::new()
            .with("text", Value::Tuple(vec![Value::Tuple(vec![Value::from("look\r\n")]), Value::Dict(vec![])]));
        let (sessid, m) = Message::from_envelope(Envelope::new(5, kwargs)).unwrap();
        assert_eq!(sessid, 5);
        assert_eq!(m.text_arg(), Some("look\r\n"));
        assert_eq!(m.line(), Some("look"));
        let bytes = m.to_envelope(5).to_pickle().unwrap();
        assert_eq!(Message::from_pickle(&bytes).unwrap(), (5, m));
    }

    #[test]
    fn malformed_instructions_are_errors() {
        for bad in [
            Value::from("look"),
            Value::List(vec![Value::List(vec![])]),
            Value::List(vec![Value::from("x"), Value::Dict(vec![])]),
            Value::List(vec![Value::List(vec![]), Value::List(vec![])]),
        ] {
            let err = Message::from_kwargs(Kwargs::new().with("text", bad)).unwrap_err();
            assert!(matches!(err, PayloadError::BadField { ref key, .. } if key == "text"), "{err}");
        }
    }

    #[test]
    fn approx_len_counts_text() {
        let m = Message::text("x".repeat(1000));
        assert!(m.approx_len(usize::MAX) >= 1000);
        assert!(m.approx_len(10) < 2000);
    }
}
