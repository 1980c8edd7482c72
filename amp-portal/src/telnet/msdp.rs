//! MSDP (Mud Server Data Protocol) both ways, as Evennia's `telnet_oob.py`.
//!
//! **Input** (`decode_msdp`) is not a parser of the MSDP grammar but three
//! regular expressions over the raw bytes, reproduced here match for match:
//! 1. tables: `VAR \s*(\w*?)\s* VAL \s* TABLE_OPEN (.*?) TABLE_CLOSE` (bytes
//!    regex: `\s` is ASCII whitespace, `\w` is `[A-Za-z0-9_]`, `.` is any byte
//!    but `\n`), found left to right and then cut out of the data; inside each,
//!    every `VAR name VAL value` (split at `VAR`, then at the first `VAL`) is a
//!    keyword argument of command `name`; an entry without `VAL` makes the whole
//!    message a `ValueError`; entries with an empty name are skipped; tables of
//!    one command merge;
//! 2. arrays, the same with `ARRAY_OPEN`/`ARRAY_CLOSE`, in what tables left:
//!    the parts after each `VAL` are positional arguments (text before the
//!    first `VAL` is dropped);
//! 3. the rest, split at `VAR`, each piece split at every `VAL`: two parts give
//!    `name = value`, more give `name = [values]` (a list as one argument);
//!    one part (no `VAL`) gives nothing.
//!
//! Then per name: tables first (array arguments, then the variable, added to
//! its arguments), arrays next, variables last; names whose lower case is
//! `list`, `report`, `reset`, `send` or `unreport` are renamed `msdp_<name>`
//! (moved to the end). All text must be UTF-8 or the message is a
//! `ValueError` (Evennia logs it and drops the rest of the read). Everything is
//! a `str`: MSDP input never carries numbers.
//!
//! **Output** (`encode_msdp`), for `send_default(cmdname, *args, **kwargs)`:
//! `VAR cmdname VAL` alone without arguments; `VAR cmdname VAL str(arg)` for one
//! argument, `VAR cmdname VAL ARRAY_OPEN (VAL str(arg))* ARRAY_CLOSE` for
//! several; then, with keyword arguments, `VAR cmdname VAL TABLE_OPEN (VAR key
//! VAL str(value))* TABLE_CLOSE`. `str()` is Python's: a list argument goes out
//! as `['a', 1]`. Sent as `IAC SB MSDP ... IAC SE` without `IAC` doubling.

use memchr::memchr;

use super::codes::{MSDP, MSDP_ARRAY_CLOSE, MSDP_ARRAY_OPEN, MSDP_TABLE_CLOSE, MSDP_TABLE_OPEN, VAL, VAR};
use super::event::{InputError, OobCommand};
use super::Value;
use crate::python::case::lower;
use crate::python::repr::{str as py_str, ReprError};

/// An insertion-ordered map with Python dict assignment.
struct Ordered<V>(Vec<(String, V)>);

impl<V> Ordered<V> {
    fn entry(&mut self, key: &str, default: impl FnOnce() -> V) -> &mut V {
        let i = match self.0.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.0.push((key.to_owned(), default()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    fn set(&mut self, key: String, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    fn pop(&mut self, key: &str) -> Option<V> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }
}

fn utf8(bytes: &[u8]) -> Result<String, InputError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| InputError::NotUtf8 { option: MSDP })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `VAR \s*(\w*?)\s* VAL \s* open (.*?) close` matched at `at` (a `VAR`):
/// (name, content, end).
fn match_at(data: &[u8], at: usize, open: u8, close: u8) -> Option<(&[u8], &[u8], usize)> {
    let skip = |mut p: usize, f: fn(u8) -> bool| {
        while data.get(p).is_some_and(|&b| f(b)) {
            p += 1;
        }
        p
    };
    let name_start = skip(at + 1, is_space);
    let name_end = skip(name_start, is_word);
    let p = skip(name_end, is_space);
    if data.get(p) != Some(&VAL) {
        return None;
    }
    let p = skip(p + 1, is_space);
    if data.get(p) != Some(&open) {
        return None;
    }
    let content = p + 1;
    let stop = content + memchr::memchr2(close, b'\n', &data[content..])?;
    (data[stop] == close).then(|| (&data[name_start..name_end], &data[content..stop], stop + 1))
}

/// What one regex found: (name, content) pairs, and the data without them.
type Found<'a> = (Vec<(&'a [u8], &'a [u8])>, Vec<u8>);

/// `regex.findall(data)` and `regex.sub(b"", data)` in one pass.
fn cut(data: &[u8], open: u8, close: u8) -> Found<'_> {
    let (mut found, mut rest) = (Vec::new(), Vec::with_capacity(data.len()));
    let (mut from, mut kept) = (0, 0);
    while let Some(j) = memchr(VAR, &data[from..]) {
        let at = from + j;
        match match_at(data, at, open, close) {
            Some((name, content, end)) => {
                found.push((name, content));
                rest.extend_from_slice(&data[kept..at]);
                kept = end;
                from = end;
            }
            None => from = at + 1,
        }
    }
    rest.extend_from_slice(&data[kept..]);
    (found, rest)
}

/// Evennia's `decode_msdp`: the `data_in` keyword arguments of one MSDP message.
pub fn decode(data: &[u8]) -> Result<Vec<OobCommand>, InputError> {
    let mut tables: Ordered<Ordered<String>> = Ordered(Vec::new());
    let (found, no_tables) = cut(data, MSDP_TABLE_OPEN, MSDP_TABLE_CLOSE);
    for (name, table) in found {
        let name = utf8(name)?;
        let table_entry = tables.entry(&name, || Ordered(Vec::new()));
        for varval in table.split(|&b| b == VAR).skip(1) {
            let at = memchr(VAL, varval).ok_or(InputError::MsdpTableEntry)?;
            let (var, val) = (utf8(&varval[..at])?, utf8(&varval[at + 1..])?);
            if !var.is_empty() {
                table_entry.set(var, val);
            }
        }
    }
    let mut arrays: Ordered<Vec<Value>> = Ordered(Vec::new());
    let (found, rest) = cut(&no_tables, MSDP_ARRAY_OPEN, MSDP_ARRAY_CLOSE);
    for (name, array) in found {
        let name = utf8(name)?;
        let parts = array.split(|&b| b == VAL).map(utf8).collect::<Result<Vec<_>, _>>()?;
        arrays.entry(&name, Vec::new).extend(parts.into_iter().skip(1).map(Value::Str));
    }
    let mut variables: Ordered<Value> = Ordered(Vec::new());
    for varval in rest.split(|&b| b == VAR) {
        let mut parts = varval.split(|&b| b == VAL).map(utf8).collect::<Result<Vec<_>, _>>()?;
        match parts.len() {
            0 | 1 => {}
            2 => {
                let value = parts.pop().expect("two parts");
                variables.set(parts.pop().expect("two parts"), Value::Str(value));
            }
            _ => {
                let name = parts.remove(0);
                variables.set(name, Value::List(parts.into_iter().map(Value::Str).collect()));
            }
        }
    }
    let mut cmds: Ordered<OobCommand> = Ordered(Vec::new());
    for (name, table) in tables.0 {
        let mut args = arrays.pop(&name).unwrap_or_default();
        args.extend(variables.pop(&name));
        let kwargs = table.0.into_iter().map(|(k, v)| (k, Value::Str(v))).collect();
        cmds.set(name.clone(), OobCommand { name, args, kwargs });
    }
    for (name, mut args) in arrays.0 {
        args.extend(variables.pop(&name));
        cmds.set(name.clone(), OobCommand { name, args, kwargs: Vec::new() });
    }
    for (name, value) in variables.0 {
        cmds.set(name.clone(), OobCommand { name, args: vec![value], kwargs: Vec::new() });
    }
    // Python's `{key.lower(): key for key in cmds}`: the last name wins.
    let lowered: Vec<String> = cmds.0.iter().map(|(k, _)| lower(k)).collect();
    let originals: Vec<String> = cmds.0.iter().map(|(k, _)| k.clone()).collect();
    for remap in ["list", "report", "reset", "send", "unreport"] {
        let Some(i) = lowered.iter().rposition(|l| l == remap) else { continue };
        // Each name lowers to one word, so it is renamed at most once.
        let Some(mut cmd) = cmds.pop(&originals[i]) else { continue };
        cmd.name = format!("msdp_{remap}");
        cmds.set(cmd.name.clone(), cmd);
    }
    Ok(cmds.0.into_iter().map(|(_, cmd)| cmd).collect())
}

/// Evennia's `encode_msdp(cmdname, *args, **kwargs)`; `kwargs` without `options`.
pub fn encode(cmdname: &str, args: &[Value], kwargs: &[(&str, &Value)]) -> Result<Vec<u8>, ReprError> {
    let head = |out: &mut String| {
        out.push(VAR as char);
        out.push_str(cmdname);
        out.push(VAL as char);
    };
    let mut out = String::new();
    if args.is_empty() && kwargs.is_empty() {
        head(&mut out);
        return Ok(out.into_bytes());
    }
    if let [arg] = args {
        head(&mut out);
        py_str(arg, &mut out)?;
    } else if !args.is_empty() {
        head(&mut out);
        out.push(MSDP_ARRAY_OPEN as char);
        for arg in args {
            out.push(VAL as char);
            py_str(arg, &mut out)?;
        }
        out.push(MSDP_ARRAY_CLOSE as char);
    }
    if !kwargs.is_empty() {
        head(&mut out);
        out.push(MSDP_TABLE_OPEN as char);
        for (key, value) in kwargs {
            out.push(VAR as char);
            out.push_str(key);
            out.push(VAL as char);
            py_str(value, &mut out)?;
        }
        out.push(MSDP_TABLE_CLOSE as char);
    }
    Ok(out.into_bytes())
}
