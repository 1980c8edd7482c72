//! `evennia/utils/ansi.py`'s `parse_ansi`: Evennia markup to ANSI escape
//! sequences (or to plain text), byte for byte as Evennia 6.1 does it.
//!
//! Evennia's parser is a chain of regex substitutions, and its output is
//! whatever that chain produces, quirks included. In order:
//!
//! 1. Bright backgrounds `|[r` .. `|[x` become xterm256 markup (`|[500`
//!    ...), over the whole text, except right after a `|`.
//! 2. The text is cut at the escapes `{{`, `\` and `||` (every backslash is
//!    a cut). Each piece goes through steps 3-4 alone, so no markup spans a
//!    cut; the cuts come back as `{`, `\` and `|`. So `{{` prints as `{`
//!    (an escape of Evennia's old `{r` markup), `|||[r` prints `||[r`, and
//!    `x||` + the telnet layer's closing `||n` prints `x||n` with no reset.
//! 3. Colour passes ([`xterm`]'s docs): truecolor, xterm256 fg / bg,
//!    greyscale fg / bg, each over the output of the one before.
//! 4. The ANSI table (`|n`, `|r`, `|/`, `|[R`, ...): first listed match wins.
//! 5. Without `mxp`, link markup is stripped ([`super::mxp::strip_mxp`]).
//! 6. With `strip_ansi`, every `ESC [ <digits and ;> m` is removed, also
//!    one the text carried itself (and only those: MXP's `ESC [4z` stays).
//!
//! Evennia also caches results (a transparent 10,000-entry cache) and
//! returns an `ANSIString` input's stored form instead; neither changes what
//! a string renders to.

pub mod codes;
mod literal;
pub mod xterm;

use std::borrow::Cow;

use literal::LiteralMap;

use super::mxp::strip_mxp;
use super::scan::{find_byte, find_byte3};

/// The colour markup tables: Evennia's defaults, or as a game's settings
/// (`COLOR_ANSI_EXTRA_MAP`, `COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP`,
/// `COLOR_NO_DEFAULT`, `COLOR_XTERM256_EXTRA_*`) change them.
#[derive(Debug, Clone)]
pub struct Markup {
    ansi: LiteralMap,
    bright_bg: LiteralMap,
    /// Whether the default xterm256 regexes (`|123`, `|[123`, `|=a`, `|[=a`) run.
    xterm: bool,
    /// Whether [`Markup::single_scan`] applies to these tables.
    single_scan: bool,
}

/// Evennia's colour settings, as read from a game's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColorSettings {
    /// `COLOR_NO_DEFAULT`: the extra tables replace the defaults instead of
    /// extending them.
    pub no_default: bool,
    /// `COLOR_ANSI_EXTRA_MAP`: (markup, ANSI sequence) pairs, literal.
    pub ansi_extra_map: Vec<(String, String)>,
    /// `COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP`: (markup, xterm256 markup) pairs, literal.
    pub bright_bg_extra_map: Vec<(String, String)>,
    /// `COLOR_XTERM256_EXTRA_FG`, `_BG`, `_GFG`, `_GBG`: Python regexes.
    /// Only empty lists are supported.
    pub xterm256_extra: [Vec<String>; 4],
}

/// A colour setting amp-portal cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkupError {
    /// `COLOR_XTERM256_EXTRA_*` holds regexes, which would need Python's
    /// regex engine.
    #[error("COLOR_XTERM256_EXTRA_FG/BG/GFG/GBG regexes are not supported (found {0:?})")]
    XtermRegexes(String),
    /// An extra map holds an empty markup key.
    #[error("an empty markup key in COLOR_ANSI_EXTRA_MAP or COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP")]
    EmptyKey,
}

impl Default for Markup {
    fn default() -> Self {
        Markup::evennia_default()
    }
}

impl Markup {
    /// The tables of Evennia's default settings.
    pub fn evennia_default() -> Self {
        Markup {
            ansi: LiteralMap::new(codes::DEFAULT_ANSI_MAP).expect("no empty key"),
            bright_bg: LiteralMap::new(codes::DEFAULT_BRIGHT_BG_MAP).expect("no empty key"),
            xterm: true,
            single_scan: true,
        }
    }

    /// The tables as `ANSIParser`'s class body builds them from `settings`.
    pub fn from_settings(settings: &ColorSettings) -> Result<Self, MarkupError> {
        if let Some(re) = settings.xterm256_extra.iter().flatten().next() {
            return Err(MarkupError::XtermRegexes(re.clone()));
        }
        let pairs = |extra: &[(String, String)], defaults: &'static [(&'static str, &'static str)]| {
            let defaults = if settings.no_default { &[][..] } else { defaults };
            let table = defaults.iter().copied().chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            LiteralMap::new(table.collect::<Vec<_>>()).ok_or(MarkupError::EmptyKey)
        };
        let ansi = pairs(&settings.ansi_extra_map, &codes::DEFAULT_ANSI_MAP)?;
        Ok(Markup {
            single_scan: ansi.pipe_keys(),
            ansi,
            bright_bg: pairs(&settings.bright_bg_extra_map, &codes::DEFAULT_BRIGHT_BG_MAP)?,
            // With COLOR_NO_DEFAULT and no extra regexes Evennia's xterm256
            // patterns are empty: they match at every position, the replacer
            // finds no colour groups, logs a traceback and puts the empty
            // match back. So no xterm256 markup at all (and, in Evennia, a
            // traceback in the log per character parsed).
            xterm: !settings.no_default,
        })
    }

    /// `parse_ansi(text, strip_ansi, xterm256, mxp, truecolor)`.
    pub fn parse_ansi(&self, text: &str, opts: ParseOptions) -> String {
        if text.is_empty() {
            return String::new();
        }
        let text: Cow<str> = match self.bright_bg.replace(text, true) {
            Some(replaced) => Cow::Owned(replaced),
            None => Cow::Borrowed(text),
        };
        if self.single_scan && !xterm::has_truecolor(&text) {
            let (out, links) = self.single_scan(&text, opts);
            return self.finish(out, links, opts);
        }
        let mut out = String::with_capacity(text.len() + text.len() / 2);
        let (mut part, mut scratch) = (String::new(), String::new());
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let sep = match bytes[i] {
                b'\\' => Some(1),
                b'{' | b'|' if bytes.get(i + 1) == Some(&bytes[i]) => Some(2),
                _ => None,
            };
            match sep {
                Some(len) => {
                    self.parse_piece(&text[start..i], opts, &mut out, &mut part, &mut scratch);
                    out.push(char::from(bytes[i]));
                    i += len;
                    start = i;
                }
                None => i += 1,
            }
        }
        self.parse_piece(&text[start..], opts, &mut out, &mut part, &mut scratch);
        self.finish(out, true, opts)
    }

    /// Steps 5 and 6; `links` false when the text cannot hold link markup.
    fn finish(&self, out: String, links: bool, opts: ParseOptions) -> String {
        let out = if opts.mxp || !links {
            out
        } else {
            match strip_mxp(&out) {
                Cow::Borrowed(_) => out,
                Cow::Owned(s) => s,
            }
        };
        if opts.strip_ansi {
            match strip_raw_codes(&out) {
                Cow::Borrowed(_) => out,
                Cow::Owned(s) => s,
            }
        } else {
            out
        }
    }

    /// Steps 2 to 4 in one scan, for tables whose keys are `|` and then
    /// no `|`, `\` or `{`, and a text without truecolor markup.
    ///
    /// Then it is the same as cutting first: no key or xterm256 pattern can
    /// match across an escape (none holds `{`, `\\` or a second `|`, so a
    /// pattern that reaches an escape fails there as at the piece's end),
    /// and each piece's passes fuse ([`xterm::fused_into`]). Also says
    /// whether the result can hold link markup (a `|l`, also from `||l`).
    fn single_scan(&self, text: &str, opts: ParseOptions) -> (String, bool) {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len() + text.len() / 2);
        let mut links = false;
        let mut copied = 0;
        let mut i = 0;
        while let Some(at) = find_byte3(bytes, i, b'|', b'\\', b'{') {
            i = at;
            let b = bytes[i];
            let next = bytes.get(i + 1).copied();
            let len = match (b, next) {
                (b'\\', _) => {
                    out.push_str(&text[copied..i]);
                    out.push('\\');
                    1
                }
                (b'{', Some(b'{')) => {
                    out.push_str(&text[copied..i]);
                    out.push('{');
                    2
                }
                (b'|', Some(b'|')) => {
                    links |= bytes.get(i + 2) == Some(&b'l');
                    out.push_str(&text[copied..i]);
                    out.push('|');
                    2
                }
                (b'|', _) => {
                    links |= next == Some(b'l');
                    // The text before is final either way; the `|` itself
                    // stays pending if no code starts here.
                    out.push_str(&text[copied..i]);
                    copied = i;
                    xterm::code_at(&bytes[i..], &self.ansi, self.xterm, opts.xterm256, &mut out)
                }
                _ => 0,
            };
            if len == 0 {
                i += 1;
            } else {
                i += len;
                copied = i;
            }
        }
        out.push_str(&text[copied..]);
        (out, links)
    }

    /// Steps 3 and 4 on one piece between escapes.
    fn parse_piece(&self, piece: &str, opts: ParseOptions, out: &mut String, part: &mut String, scratch: &mut String) {
        if self.ansi.pipe_keys() {
            if !xterm::has_truecolor(piece) {
                xterm::fused_into(piece, &self.ansi, self.xterm, opts.xterm256, out);
                return;
            }
            part.clear();
            part.push_str(piece);
            xterm::truecolor_pass(part, scratch, opts.truecolor);
            xterm::fused_into(part, &self.ansi, self.xterm, opts.xterm256, out);
            return;
        }
        if !xterm::needs_passes(piece, self.xterm) {
            self.ansi.replace_into(piece, false, out);
            return;
        }
        part.clear();
        part.push_str(piece);
        xterm::colour_passes(part, scratch, self.xterm, opts.xterm256, opts.truecolor);
        self.ansi.replace_into(part, false, out);
    }

    /// `strip_ansi(text)`: `parse_ansi` with `strip_ansi=True` and the other
    /// options off.
    pub fn strip_ansi(&self, text: &str) -> String {
        self.parse_ansi(text, ParseOptions { strip_ansi: true, ..ParseOptions::default() })
    }
}

/// The keyword arguments of `parse_ansi` (all `False` by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// `strip_ansi`: remove every colour instead of writing it.
    pub strip_ansi: bool,
    /// `xterm256`: write xterm256 colours (else downgrade them to 16 colours).
    pub xterm256: bool,
    /// `mxp`: keep link markup (else strip it).
    pub mxp: bool,
    /// `truecolor`: write 24-bit colours (else downgrade to the xterm256 cube).
    pub truecolor: bool,
}

/// `ANSIParser.strip_raw_codes`: removes every `ESC [ [0-9;]+ m`, in one pass.
pub fn strip_raw_codes(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let code_len = |at: usize| -> usize {
        let rest = &bytes[at..];
        if rest.get(1) != Some(&b'[') {
            return 0;
        }
        let n = rest[2..].iter().take_while(|b| b.is_ascii_digit() || **b == b';').count();
        if n > 0 && rest.get(2 + n) == Some(&b'm') {
            3 + n
        } else {
            0
        }
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = find_byte(bytes, i, 0x1b) {
        let len = code_len(at);
        if len == 0 {
            i = at + 1;
        } else {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..at]);
            i = at + len;
            copied = i;
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

    fn parse(t: &str) -> String {
        Markup::default().parse_ansi(t, ParseOptions::default())
    }

    #[test]
    fn escapes_and_quirks() {
        assert_eq!(parse("|||[r"), "||[r");
        assert_eq!(parse("x||"), "x|");
        assert_eq!(parse("{{{"), "{{");
        assert_eq!(parse("\\|r"), "\\\x1b[1m\x1b[31m");
        assert_eq!(parse("|[r|[R"), "\x1b[41m\x1b[41m");
        assert_eq!(parse("|[#12345z"), "\x1b[40m45z");
        assert_eq!(parse("|lcfoo|ltbar|le"), "bar");
    }
}
