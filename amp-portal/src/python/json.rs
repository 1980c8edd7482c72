//! Python's `json.loads` and `json.dumps` (default arguments), on [`Value`]s.
//!
//! `loads` accepts exactly what CPython 3.12's C scanner accepts: JSON plus
//! `NaN`, `Infinity` and `-Infinity`; control characters inside strings are
//! refused (`strict=True`); `\u` escapes need four hex digits and join into a
//! surrogate pair when a low surrogate escape follows a high one; integers of
//! more than 4300 digits are refused (`int()`'s limit raises `ValueError`
//! inside `json.loads`); duplicate object keys keep their first position and
//! their last value (a `dict` built pair by pair); a leading BOM is an error.
//! Two differences, both documented on [`JsonError`]: a lone surrogate escape
//! (which Python keeps in its `str`) becomes U+FFFD, since a Rust string cannot
//! hold it; nesting deeper than the caller's limit is an error where CPython
//! raises `RecursionError` near 1500 levels.
//!
//! `dumps` writes what `json.dumps(value)` writes: `", "` and `": "`
//! separators, `ensure_ascii` escapes (`\u00e9`, surrogate pairs, `\u007f`),
//! floats as `repr()` with `NaN`/`Infinity`, tuples as arrays, keys that are
//! `str`, `int`, `float`, `bool` or `None` converted to strings, and a
//! `TypeError` ([`JsonError::NotSerializable`]) for anything else.

use std::collections::HashMap;
use std::fmt::Write;

use super::case::INT_MAX_STR_DIGITS;
use super::repr::{float_repr, int_text, ReprError};
use crate::telnet::Value;

/// Why `json.loads` / `json.dumps` would fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON as Python reads it (`json.JSONDecodeError`, or the `ValueError`
    /// of an integer over 4300 digits). `at` is a character offset.
    #[error("not JSON ({what} at character {at})")]
    Syntax {
        /// What was expected or found.
        what: &'static str,
        /// Where, in characters from the start.
        at: usize,
    },
    /// Arrays/objects nested deeper than the limit given to [`loads`]. CPython
    /// raises `RecursionError` somewhere near 1500 levels (how near depends on
    /// the C stack in use at the call), which Evennia does not catch.
    #[error("JSON nested deeper than {0} levels")]
    TooDeep(usize),
    /// `json.dumps` raises `TypeError`: a value (or a dict key) of this type
    /// has no JSON form.
    #[error("Object of type {0} is not JSON serializable")]
    NotSerializable(&'static str),
    /// `json.dumps` raises `ValueError`: an int too long to print.
    #[error(transparent)]
    Repr(#[from] ReprError),
}

/// `json.loads(text)`, refusing arrays/objects nested deeper than `max_depth`.
pub fn loads(text: &str, max_depth: usize) -> Result<Value, JsonError> {
    Parser { s: text.as_bytes(), text, pos: 0 }.document(max_depth)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

/// An array or object being read.
enum Open {
    Array(Vec<Value>),
    Object { pairs: Vec<(Value, Value)>, index: Option<HashMap<String, usize>>, key: String },
}

/// Objects with more keys than this get a hash index for duplicate checks.
const INDEX_AFTER: usize = 16;

impl Open {
    fn insert(pairs: &mut Vec<(Value, Value)>, index: &mut Option<HashMap<String, usize>>, key: String, value: Value) {
        let found = match index {
            Some(map) => map.get(&key).copied(),
            None => pairs.iter().position(|(k, _)| k.as_str() == Some(key.as_str())),
        };
        match found {
            Some(i) => pairs[i].1 = value,
            None => {
                if let Some(map) = index {
                    map.insert(key.clone(), pairs.len());
                }
                pairs.push((Value::Str(key), value));
                if index.is_none() && pairs.len() > INDEX_AFTER {
                    let map = pairs.iter().enumerate().map(|(i, (k, _))| (k.as_str().unwrap_or("").to_owned(), i));
                    *index = Some(map.collect());
                }
            }
        }
    }
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> JsonError {
        // Python counts characters, not bytes.
        let at = self.text.get(..self.pos).map_or(self.pos, |t| t.chars().count());
        JsonError::Syntax { what, at }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn document(mut self, max_depth: usize) -> Result<Value, JsonError> {
        if self.text.starts_with('\u{feff}') {
            return Err(self.error("Unexpected UTF-8 BOM"));
        }
        self.skip_ws();
        let value = self.value(max_depth)?;
        self.skip_ws();
        if self.pos != self.s.len() {
            return Err(self.error("Extra data"));
        }
        Ok(value)
    }

    /// One value, containers included, with an explicit stack (no recursion).
    fn value(&mut self, max_depth: usize) -> Result<Value, JsonError> {
        let mut stack: Vec<Open> = Vec::new();
        'value: loop {
            // Read a value start: a scalar, or open a container.
            let mut done = match self.peek() {
                Some(b'{') | Some(b'[') => {
                    if stack.len() >= max_depth {
                        return Err(JsonError::TooDeep(max_depth));
                    }
                    let object = self.peek() == Some(b'{');
                    self.pos += 1;
                    self.skip_ws();
                    if object {
                        if self.peek() == Some(b'}') {
                            self.pos += 1;
                            Value::Dict(Vec::new())
                        } else {
                            let key = self.key()?;
                            stack.push(Open::Object { pairs: Vec::new(), index: None, key });
                            continue 'value;
                        }
                    } else if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::List(Vec::new())
                    } else {
                        stack.push(Open::Array(Vec::new()));
                        continue 'value;
                    }
                }
                _ => self.scalar()?,
            };
            // Hand the finished value to the containers, closing those that end.
            loop {
                let Some(top) = stack.last_mut() else { return Ok(done) };
                self.skip_ws();
                match top {
                    Open::Array(items) => {
                        items.push(done);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let Some(Open::Array(items)) = stack.pop() else { unreachable!("top is an array") };
                                done = Value::List(items);
                            }
                            _ => return Err(self.error("Expecting ',' delimiter")),
                        }
                    }
                    Open::Object { pairs, index, key } => {
                        Open::insert(pairs, index, std::mem::take(key), done);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                *key = self.key()?;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let Some(Open::Object { pairs, .. }) = stack.pop() else {
                                    unreachable!("top is an object")
                                };
                                done = Value::Dict(pairs);
                            }
                            _ => return Err(self.error("Expecting ',' delimiter")),
                        }
                    }
                }
            }
        }
    }

    /// `"key"` `:` and the whitespace after it.
    fn key(&mut self) -> Result<String, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("Expecting property name enclosed in double quotes"));
        }
        self.pos += 1;
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.error("Expecting ':' delimiter"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    fn scalar(&mut self) -> Result<Value, JsonError> {
        let rest = &self.s[self.pos..];
        let constant = |name: &str, value: Value| rest.starts_with(name.as_bytes()).then_some((name.len(), value));
        let found = match rest.first() {
            Some(b'"') => {
                self.pos += 1;
                return self.string().map(Value::Str);
            }
            Some(b'n') => constant("null", Value::None),
            Some(b't') => constant("true", Value::Bool(true)),
            Some(b'f') => constant("false", Value::Bool(false)),
            Some(b'N') => constant("NaN", Value::Float(f64::NAN)),
            Some(b'I') => constant("Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if rest.starts_with(b"-Infinity") => Some((9, Value::Float(f64::NEG_INFINITY))),
            _ => None,
        };
        if let Some((len, value)) = found {
            self.pos += len;
            return Ok(value);
        }
        self.number()
    }

    /// CPython's `_match_number_unicode`.
    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let digit_at = |p: usize| self.s.get(p).is_some_and(u8::is_ascii_digit);
        let mut p = start;
        if self.s.get(p) == Some(&b'-') {
            p += 1;
        }
        match self.s.get(p) {
            Some(b'1'..=b'9') => {
                p += 1;
                while digit_at(p) {
                    p += 1;
                }
            }
            Some(b'0') => p += 1,
            _ => return Err(self.error("Expecting value")),
        }
        let mut float = false;
        if self.s.get(p) == Some(&b'.') && digit_at(p + 1) {
            float = true;
            p += 2;
            while digit_at(p) {
                p += 1;
            }
        }
        if matches!(self.s.get(p), Some(b'e' | b'E')) {
            let mut q = p + 1;
            if matches!(self.s.get(q), Some(b'-' | b'+')) {
                q += 1;
            }
            if digit_at(q) {
                while digit_at(q) {
                    q += 1;
                }
                float = true;
                p = q;
            }
        }
        let text = &self.text[start..p];
        self.pos = p;
        if float {
            return Ok(Value::Float(text.parse().expect("a JSON number is a Rust float")));
        }
        if text.trim_start_matches('-').len() > INT_MAX_STR_DIGITS {
            self.pos = start;
            return Err(self.error("Exceeds the limit (4300 digits) for integer string conversion"));
        }
        Ok(match text.parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => Value::from_bigint(text.parse().expect("a JSON integer is a BigInt")),
        })
    }

    /// A string's content after its opening quote (CPython's `scanstring`, strict).
    fn string(&mut self) -> Result<String, JsonError> {
        let mut out = String::new();
        loop {
            let run = self.s[self.pos..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(run) = run else { return Err(self.error("Unterminated string starting at")) };
            out.push_str(&self.text[self.pos..self.pos + run]);
            self.pos += run;
            match self.s[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {}
                _ => return Err(self.error("Invalid control character at")),
            }
            self.pos += 1;
            let esc = self.peek().ok_or_else(|| self.error("Unterminated string starting at"))?;
            self.pos += 1;
            let c = match esc {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let mut code = self.hex4()?;
                    if (0xd800..0xdc00).contains(&code) && self.s[self.pos..].starts_with(b"\\u") {
                        let back = self.pos;
                        self.pos += 2;
                        let low = self.hex4()?;
                        if (0xdc00..0xe000).contains(&low) {
                            code = 0x10000 + (((code - 0xd800) << 10) | (low - 0xdc00));
                        } else {
                            self.pos = back;
                        }
                    }
                    // A lone surrogate: Python keeps it, a Rust string cannot.
                    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
                _ => return Err(self.error("Invalid \\escape")),
            };
            out.push(c);
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.s.get(self.pos..self.pos + 4).filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let digits = digits.ok_or_else(|| self.error("Invalid \\uXXXX escape"))?;
        let code = u32::from_str_radix(std::str::from_utf8(digits).expect("hex digits are ASCII"), 16)
            .expect("four hex digits");
        self.pos += 4;
        Ok(code)
    }
}

/// `json.dumps(value)`.
pub fn dumps(value: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    dump(value, &mut out, 0)?;
    Ok(out)
}

/// `json.dumps(value)`, appended to `out`.
pub fn dump_into(value: &Value, out: &mut String) -> Result<(), JsonError> {
    dump(value, out, 0)
}

/// `json.dumps(tuple(items))`, appended to `out`.
pub fn dump_seq_into(items: &[Value], out: &mut String) -> Result<(), JsonError> {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        dump(item, out, 1)?;
    }
    out.push(']');
    Ok(())
}

/// `json.dumps(kwargs)` for keyword arguments, appended to `out`.
pub fn dump_kwargs_into(pairs: &[(&str, &Value)], out: &mut String) -> Result<(), JsonError> {
    out.push('{');
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        dump_str(key, out);
        out.push_str(": ");
        dump(value, out, 1)?;
    }
    out.push('}');
    Ok(())
}

/// Arrays/objects nested deeper than this are refused by [`dumps`] (CPython:
/// `RecursionError`).
pub const MAX_DUMP_DEPTH: usize = 1000;

fn dump(value: &Value, out: &mut String, depth: usize) -> Result<(), JsonError> {
    match value {
        Value::None => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(n) => write!(out, "{n}").expect("write to String"),
        Value::BigInt(_) => out.push_str(&int_text(value)?),
        Value::Float(x) => out.push_str(&json_float(*x)),
        Value::Str(s) => dump_str(s, out),
        Value::List(items) | Value::Tuple(items) => {
            if depth >= MAX_DUMP_DEPTH {
                return Err(JsonError::TooDeep(MAX_DUMP_DEPTH));
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Dict(pairs) => dump_dict(pairs, out, depth)?,
        // `OrderedDict`, `defaultdict` and `Counter` are dicts to `json`.
        Value::Object(o) if is_dict_subclass(value) => dump_dict(&o.dict_items, out, depth)?,
        other => return Err(JsonError::NotSerializable(other.type_name())),
    }
    Ok(())
}

fn is_dict_subclass(value: &Value) -> bool {
    match value {
        Value::Object(o) => o.global().is_some_and(|g| {
            g.module == "collections" && matches!(g.name.as_str(), "OrderedDict" | "defaultdict" | "Counter")
        }),
        _ => false,
    }
}

fn dump_dict(pairs: &[(Value, Value)], out: &mut String, depth: usize) -> Result<(), JsonError> {
    if depth >= MAX_DUMP_DEPTH {
        return Err(JsonError::TooDeep(MAX_DUMP_DEPTH));
    }
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match k {
            Value::Str(s) => dump_str(s, out),
            Value::Float(x) => dump_str(&json_float(*x), out),
            Value::Bool(true) => out.push_str("\"true\""),
            Value::Bool(false) => out.push_str("\"false\""),
            Value::None => out.push_str("\"null\""),
            Value::Int(_) | Value::BigInt(_) => dump_str(&int_text(k)?, out),
            other => return Err(JsonError::NotSerializable(other.type_name())),
        }
        out.push_str(": ");
        dump(v, out, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

fn json_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        float_repr(x)
    }
}

/// `json.dumps(s)` of a `str` (`ensure_ascii`: only `' '..='~'` stays as
/// is), appended to `out`; plain ASCII runs are copied whole.
pub fn dump_str(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        // `i` is always on a character boundary: ASCII steps by one byte.
        let Some(c) = s[i..].chars().next() else { break };
        out.push_str(&s[copied..i]);
        i += c.len_utf8();
        copied = i;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(out, "\\u{unit:04x}").expect("write to String");
                }
            }
        }
    }
    out.push_str(&s[copied..]);
    out.push('"');
}
