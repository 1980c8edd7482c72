//! `amp call` without a schema: the arguments as raw String pairs.
//!
//! A `NAME=VALUE` word splits on its first `=`; both sides are taken as the
//! bytes given (neither needs to be UTF-8). `--json` gives pairs as a JSON
//! object whose values are strings or `{"base64": "..."}`. Keys are 1 to
//! 255 bytes and none of AMP's own (`_ask`, `_command`, ...); values at
//! most 65,535 bytes; a key given twice is refused. The box keeps the
//! order given: the words, then the `--json` pairs.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use amp_runtime::dynamic::{TypeRegistry, Value};
use amp_runtime::wire::{MAX_KEY_LEN, MAX_VALUE_LEN};
use amp_runtime::AmpBox;
use amp_schema::wire::RESERVED_KEYS;
use amp_schema::TypeRef;
use bytes::Bytes;

use crate::args::JsonPairs;
use crate::json::json_to_value;

/// The box of raw pairs from `NAME=VALUE` words and the `--json` object.
/// The error is one line naming the key.
pub fn raw_arguments(words: &[OsString], json: Option<&str>) -> Result<AmpBox, String> {
    let mut pairs: Vec<(Bytes, Bytes)> = Vec::new();
    for word in words {
        let raw = word.as_bytes();
        let Some(eq) = raw.iter().position(|&b| b == b'=') else {
            return Err(format!("expected NAME=VALUE, got `{}`", word.to_string_lossy()));
        };
        let (key, value) = (&raw[..eq], &raw[eq + 1..]);
        check_pair(key, value, &pairs, "")?;
        pairs.push((Bytes::copy_from_slice(key), Bytes::copy_from_slice(value)));
    }
    if let Some(text) = json {
        let object: JsonPairs = serde_json::from_str(text).map_err(|e| format!("--json: not a JSON object: {e}"))?;
        let registry = TypeRegistry::new();
        for (key, j) in object.0 {
            let value = match json_to_value(&TypeRef::String, &j, &registry) {
                Ok(Value::String(bytes)) => bytes,
                Ok(_) => unreachable!("the String mapping reads a String"),
                Err(e) => return Err(format!("--json: argument `{key}`: {e}")),
            };
            check_pair(key.as_bytes(), &value, &pairs, "--json: ")?;
            pairs.push((Bytes::from(key.into_bytes()), value));
        }
    }
    Ok(AmpBox::from_pairs(pairs))
}

fn check_pair(key: &[u8], value: &[u8], given: &[(Bytes, Bytes)], context: &str) -> Result<(), String> {
    let shown = String::from_utf8_lossy(key);
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(format!(
            "{context}argument name `{shown}` is {} bytes long; AMP keys are 1 to {MAX_KEY_LEN} bytes",
            key.len()
        ));
    }
    if RESERVED_KEYS.iter().any(|r| r.as_bytes() == key) {
        return Err(format!("{context}argument `{shown}` is a key AMP itself uses ({})", RESERVED_KEYS.join(", ")));
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(format!(
            "{context}argument `{shown}`: the value is {} bytes long; AMP values are at most {MAX_VALUE_LEN} bytes",
            value.len()
        ));
    }
    if given.iter().any(|(k, _)| k == key) {
        return Err(format!("argument `{shown}` given twice"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt;

    use super::*;

    fn words(list: &[&[u8]]) -> Vec<OsString> {
        list.iter().map(|w| OsString::from_vec(w.to_vec())).collect()
    }

    fn pairs(b: &AmpBox) -> Vec<(Vec<u8>, Vec<u8>)> {
        b.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn words_then_json_in_order_as_bytes() {
        let b = raw_arguments(
            &words(&[b"b=2", b"a=x=y", b"empty=", b"bin=\xff\x00"]),
            Some(r#"{"z": "\u00e9", "raw": {"base64": "/wA="}}"#),
        )
        .unwrap();
        assert_eq!(
            pairs(&b),
            vec![
                (b"b".to_vec(), b"2".to_vec()),
                (b"a".to_vec(), b"x=y".to_vec()),
                (b"empty".to_vec(), b"".to_vec()),
                (b"bin".to_vec(), b"\xff\x00".to_vec()),
                (b"z".to_vec(), "é".as_bytes().to_vec()),
                (b"raw".to_vec(), b"\xff\x00".to_vec()),
            ]
        );
    }

    #[test]
    fn refuses_what_amp_cannot_carry() {
        let long_key = format!("{}=1", "k".repeat(256));
        let long_value = format!("k={}", "v".repeat(65_536));
        for (w, json, why) in [
            (vec![&b"novalue"[..]], None, "expected NAME=VALUE, got `novalue`"),
            (vec![&b"=1"[..]], None, "argument name `` is 0 bytes long"),
            (vec![long_key.as_bytes()], None, "is 256 bytes long; AMP keys are 1 to 255 bytes"),
            (vec![long_value.as_bytes()], None, "the value is 65536 bytes long"),
            (vec![&b"_ask=1"[..]], None, "argument `_ask` is a key AMP itself uses"),
            (vec![&b"a=1"[..], &b"a=2"[..]], None, "argument `a` given twice"),
            (vec![&b"a=1"[..]], Some(r#"{"a": "2"}"#), "argument `a` given twice"),
            (vec![], Some(r#"{"a": 1}"#), "--json: argument `a`: expected a string"),
            (vec![], Some(r#"{"_command": "x"}"#), "--json: argument `_command` is a key AMP itself uses"),
            (vec![], Some("[]"), "--json: not a JSON object"),
        ] {
            let err = raw_arguments(&words(&w), json).unwrap_err();
            assert!(err.contains(why), "{err:?} lacks {why:?}");
        }
    }

    #[test]
    fn the_longest_key_and_value_pass() {
        let key = "k".repeat(255);
        let word = format!("{key}={}", "v".repeat(65_535));
        let b = raw_arguments(&words(&[word.as_bytes()]), None).unwrap();
        assert_eq!(b.get(key.as_bytes()).map(|v| v.len()), Some(65_535));
    }
}
