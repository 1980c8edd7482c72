//! `SCREENREADER_REGEX_STRIP`: what screenreader sessions have cut from their
//! output (ruler and border decorations), compiled by Evennia with
//! `re.DOTALL | re.MULTILINE` and applied with `re.sub(..., "")` to text whose
//! markup was already stripped.
//!
//! The default, `\+-+|\+$|\+~|--+|~~+|==+`, is matched by a hand-written
//! scanner (leftmost-first like Python: `+---` goes whole, `+~~~` as `+~`
//! then `~~`; `+` at a line end or the text's end goes, `$` being
//! multiline). A game's own pattern is compiled with the `regex` crate in
//! the same modes; Python-only syntax (look-around, back-references) is
//! refused when the settings are loaded. Python and `regex` differ slightly
//! on Unicode classes (Python's `\s` also matches U+001C..U+001F).

use std::borrow::Cow;

/// Evennia's default `SCREENREADER_REGEX_STRIP`.
pub const DEFAULT_PATTERN: &str = r"\+-+|\+$|\+~|--+|~~+|==+";

/// A compiled `SCREENREADER_REGEX_STRIP`.
#[derive(Debug, Clone, Default)]
pub enum Screenreader {
    /// Evennia's default pattern.
    #[default]
    Default,
    /// A game's own pattern.
    Custom(regex::Regex),
}

/// A `SCREENREADER_REGEX_STRIP` amp-portal cannot compile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("SCREENREADER_REGEX_STRIP {pattern:?} is not supported: {reason}")]
pub struct ScreenreaderError {
    /// The pattern.
    pub pattern: String,
    /// Why the `regex` crate refused it.
    pub reason: String,
}

impl Screenreader {
    /// The pattern of a game's settings (the default one runs the built-in scanner).
    pub fn new(pattern: &str) -> Result<Self, ScreenreaderError> {
        if pattern == DEFAULT_PATTERN {
            return Ok(Screenreader::Default);
        }
        regex::Regex::new(&format!("(?sm){pattern}"))
            .map(Screenreader::Custom)
            .map_err(|e| ScreenreaderError { pattern: pattern.to_owned(), reason: e.to_string() })
    }

    /// `_RE_SCREENREADER_REGEX.sub("", text)`.
    pub fn strip<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self {
            Screenreader::Default => strip_default(text),
            Screenreader::Custom(re) => re.replace_all(text, ""),
        }
    }
}

/// The length of the default pattern's match at the start of `rest`, or 0.
fn default_match(rest: &[u8]) -> usize {
    let run = |b: u8, from: usize| rest[from..].iter().take_while(|&&c| c == b).count();
    match rest[0] {
        b'+' => match rest.get(1) {
            Some(b'-') => 1 + run(b'-', 1),
            None | Some(b'\n') => 1,
            Some(b'~') => 2,
            _ => 0,
        },
        c @ (b'-' | b'~' | b'=') => match run(c, 0) {
            n if n >= 2 => n,
            _ => 0,
        },
        _ => 0,
    }
}

fn strip_default(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !matches!(bytes[i], b'+' | b'-' | b'~' | b'=') {
            i += 1;
            continue;
        }
        match default_match(&bytes[i..]) {
            0 => i += 1,
            len => {
                out.get_or_insert_with(|| String::with_capacity(text.len())).push_str(&text[copied..i]);
                i += len;
                copied = i;
            }
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern() {
        let s = Screenreader::Default;
        assert_eq!(s.strip("+---+\n| a |\n+~~~\n-+-x==y=z+"), "\n| a |\n\n-xy=z");
    }
}
