//! An ordered alternation of literal strings, as Evennia builds its markup
//! regexes: `re.compile("|".join(re.escape(key) for key, _ in table))` with a
//! replacer that looks the match up in `dict(table)`.
//!
//! Python's alternation is leftmost-first: at each position the first key of
//! the table that matches wins (not the longest); the replacement is the
//! dict's, so for a key listed twice the *last* value counts.

use crate::render::scan::find_byte;

/// Literal keys in table order, each with its replacement.
#[derive(Debug, Clone)]
pub(crate) struct LiteralMap {
    keys: Vec<Box<str>>,
    values: Vec<Box<str>>,
    /// For each first byte that starts a key, the candidates by second
    /// byte: the keys (table order) that could match there: those whose
    /// second byte it is, and the one-byte keys. Index 256 is "no second
    /// byte" (end of text): the one-byte keys only.
    by_first: Vec<Option<Box<[Vec<u16>]>>>,
    /// Whether any key starts with this byte.
    starts: [bool; 256],
    /// The one byte all keys start with, if so (`|` for Evennia's tables):
    /// then candidates are found with a fast byte search.
    only_start: Option<u8>,
    /// Every key is `|` followed by characters other than `|`, `\\` and `{`
    /// (true of Evennia's tables): then a key match never covers another
    /// `|` nor an escape.
    pipe_keys: bool,
}

impl LiteralMap {
    /// Builds the map; `None` if a key is empty (an empty alternative would
    /// match everywhere, which Evennia's tables never mean) or there are more
    /// than `u16::MAX` keys.
    pub(crate) fn new<'a>(table: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let mut keys: Vec<Box<str>> = Vec::new();
        let mut values: Vec<Box<str>> = Vec::new();
        for (key, value) in table {
            if key.is_empty() {
                return None;
            }
            match keys.iter().position(|k| &**k == key) {
                // dict(table): the last value wins, the first position stays.
                Some(i) => values[i] = value.into(),
                None => {
                    keys.push(key.into());
                    values.push(value.into());
                }
            }
        }
        if keys.len() > usize::from(u16::MAX) {
            return None;
        }
        let mut by_first: Vec<Option<Box<[Vec<u16>]>>> = vec![None; 256];
        let mut starts = [false; 256];
        for (i, key) in keys.iter().enumerate() {
            let k = key.as_bytes();
            starts[usize::from(k[0])] = true;
            let table = by_first[usize::from(k[0])].get_or_insert_with(|| vec![Vec::new(); 257].into_boxed_slice());
            match k.get(1) {
                Some(&second) => table[usize::from(second)].push(i as u16),
                // A one-byte key matches whatever follows, in its table place.
                None => table.iter_mut().for_each(|c| c.push(i as u16)),
            }
        }
        let mut start_bytes = (0..=255u8).filter(|&b| starts[usize::from(b)]);
        let only_start = match (start_bytes.next(), start_bytes.next()) {
            (Some(b), None) if b.is_ascii() => Some(b),
            _ => None,
        };
        let pipe_keys = keys.iter().all(|k| k.starts_with('|') && !k[1..].contains(['|', '\\', '{']));
        Some(LiteralMap { keys, values, by_first, starts, only_start, pipe_keys })
    }

    /// Whether every key is `|` and then no `|`, `\\` or `{`.
    pub(crate) fn pipe_keys(&self) -> bool {
        self.pipe_keys
    }

    /// The key matching at the start of `rest`, as (length, replacement).
    #[inline]
    pub(crate) fn match_at(&self, rest: &[u8]) -> Option<(usize, &str)> {
        let table = self.by_first[usize::from(rest[0])].as_ref()?;
        let second = rest.get(1).map_or(256, |&b| usize::from(b));
        for &i in &table[second] {
            let key = self.keys[usize::from(i)].as_bytes();
            // The first two bytes are known to match; short keys compare by hand.
            if key.len() <= rest.len()
                && key[2.min(key.len())..].iter().zip(&rest[2.min(key.len())..]).all(|(a, b)| a == b)
            {
                return Some((key.len(), &self.values[usize::from(i)]));
            }
        }
        None
    }

    /// `pattern.sub(replacer, text)` into `out`. With `not_after_pipe`, each
    /// alternative carries Evennia's `(?<!\|)` lookbehind: no match right
    /// after a `|` of `text`.
    ///
    /// Keys are whole UTF-8 strings, so a byte match always starts and ends
    /// on character boundaries, as Python's code point match does.
    pub(crate) fn replace_into(&self, text: &str, not_after_pipe: bool, out: &mut String) {
        let bytes = text.as_bytes();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if let Some(start) = self.only_start {
                match find_byte(bytes, i, start) {
                    Some(at) => i = at,
                    None => break,
                }
            }
            if !self.starts[usize::from(bytes[i])] || (not_after_pipe && i > 0 && bytes[i - 1] == b'|') {
                i += 1;
                continue;
            }
            match self.match_at(&bytes[i..]) {
                Some((len, value)) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(value);
                    i += len;
                    copied = i;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[copied..]);
    }

    /// [`LiteralMap::replace_into`] into a new string, or `None` (and no
    /// copy) when nothing matches.
    pub(crate) fn replace(&self, text: &str, not_after_pipe: bool) -> Option<String> {
        let bytes = text.as_bytes();
        let hit = |i: usize| {
            self.starts[usize::from(bytes[i])]
                && !(not_after_pipe && i > 0 && bytes[i - 1] == b'|')
                && self.match_at(&bytes[i..]).is_some()
        };
        let first = match self.only_start {
            Some(start) => {
                let mut i = 0;
                loop {
                    let at = find_byte(bytes, i, start)?;
                    if hit(at) {
                        break at;
                    }
                    i = at + 1;
                }
            }
            None => (0..bytes.len()).find(|&i| hit(i))?,
        };
        let mut out = String::with_capacity(text.len() + 8);
        out.push_str(&text[..first]);
        // At `first` of the slice the look-behind is known to pass; after it the
        // slice holds the bytes it looks at.
        self.replace_into(&text[first..], not_after_pipe, &mut out);
        Some(out)
    }
}
