//! How one box is printed by `amp decode` and `amp proxy`: its raw pairs,
//! and, where the schema knows its command, the decoded fields.
//!
//! The keys added to a line: `"box"` (the raw pairs, String mapping); for a
//! call the schema knows, `"command"` and `"arguments"`; for an answer to
//! such a call, `"answer_to"` and `"response"` or `"error"`; `"decode_error"`
//! when the fields do not decode, `"pickle_errors"` when a field that must
//! hold a pickle does not.

use amp_runtime::dynamic::decode_fields;
use amp_runtime::wire::{ANSWER, COMMAND, ERROR, ERROR_CODE, ERROR_DESCRIPTION};
use amp_runtime::{AmpBox, ArgContext};
use serde_json::{json, Map, Value as Json};

use crate::display::show_fields;
use crate::json::box_to_json;
use crate::schema::Loaded;

/// The tag of an answer box (`_answer` or `_error`).
pub fn answer_tag(b: &AmpBox) -> Option<&bytes::Bytes> {
    b.get(ANSWER).or_else(|| b.get(ERROR))
}

/// Adds the view of `b` to `line`. `answers` is the wire name of the call
/// `b` answers, when known (the caller matched tags).
pub fn add_box(line: &mut Map<String, Json>, b: &AmpBox, answers: Option<&[u8]>, loaded: Option<&Loaded>) {
    line.insert("box".into(), box_to_json(b));
    let Some(loaded) = loaded else { return };
    let registry = &loaded.registry;
    if let Some(name) = b.get(COMMAND) {
        if let (Some(def), Some(original)) = (loaded.command(name), loaded.original_command(name)) {
            line.insert("command".into(), Json::String(def.name.clone()));
            match decode_fields(&def.arguments, b, registry, &mut ArgContext::new()) {
                Ok(values) => {
                    let shown = show_fields(original, &original.arguments, &values);
                    line.insert("arguments".into(), shown.fields);
                    if !shown.pickle_errors.is_empty() {
                        line.insert("pickle_errors".into(), Json::Object(shown.pickle_errors));
                    }
                }
                Err(e) => {
                    line.insert("decode_error".into(), Json::String(e.to_string()));
                }
            }
        }
        return;
    }
    let Some(name) = answers else { return };
    let (Some(def), Some(original)) = (loaded.command(name), loaded.original_command(name)) else { return };
    line.insert("answer_to".into(), Json::String(def.name.clone()));
    if b.contains_key(ANSWER) {
        match decode_fields(&def.response, b, registry, &mut ArgContext::new()) {
            Ok(values) => {
                let shown = show_fields(original, &original.response, &values);
                line.insert("response".into(), shown.fields);
                if !shown.pickle_errors.is_empty() {
                    line.insert("pickle_errors".into(), Json::Object(shown.pickle_errors));
                }
            }
            Err(e) => {
                line.insert("decode_error".into(), Json::String(e.to_string()));
            }
        }
    } else {
        let text = |key: &str| String::from_utf8_lossy(b.get(key).map(|v| &v[..]).unwrap_or_default()).into_owned();
        line.insert("error".into(), json!({ "code": text(ERROR_CODE), "description": text(ERROR_DESCRIPTION) }));
    }
}
