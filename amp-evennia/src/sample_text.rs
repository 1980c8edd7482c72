//! Deterministic MUD-like text, for demos, benchmarks and tests that need
//! payloads shaped like a game's output.
//!
//! Room descriptions and chat compress very differently from random bytes or
//! one repeated letter, so measuring Evennia's `Compressed` argument on them
//! gives numbers a real game would see. The same length, seed and vocabulary
//! always give the same text, so runs compare.

/// The plain words first (what [`Vocabulary::Plain`] takes), then the
/// markup words [`Vocabulary::Marked`] adds.
const WORDS: &[&str] = &[
    "the",
    "stone",
    "room",
    "is",
    "cold",
    "and",
    "a",
    "torch",
    "flickers",
    "on",
    "north",
    "wall",
    "you",
    "see",
    "goblin",
    "sword",
    "of",
    "ancient",
    "make",
    "lies",
    "here",
    "door",
    "opens",
    "east",
    "rain",
    "falls",
    "softly",
    "tavern",
    "keeper",
    "nods",
    "at",
    "adventurer",
    "gold",
    "coins",
    "glitter",
    "dark",
    "corridor",
    // Vocabulary::Marked only, from here.
    "|rred|n",
    "|gGreen|n",
    "Limbo(#2)",
    "north-east",
    "says,",
    "\"Hello\"",
    "42",
    "1795755364",
];

/// How many of [`WORDS`] are plain.
const PLAIN: usize = 37;

/// Where [`prose`] wraps lines, as a MUD does for a terminal: a word that
/// would take a line past it starts a new line (the space before the word is
/// not counted, so a line may have one character more).
const LINE_WIDTH: usize = 72;

/// Which words [`prose`] draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// Lowercase words of room descriptions and chat.
    Plain,
    /// The plain words and what Evennia's output has besides: color markup
    /// (`|rred|n`), object names with their dbref (`Limbo(#2)`), quoted
    /// speech and numbers.
    Marked,
}

impl Vocabulary {
    fn words(self) -> &'static [&'static str] {
        match self {
            Vocabulary::Plain => &WORDS[..PLAIN],
            Vocabulary::Marked => WORDS,
        }
    }
}

/// Exactly `len` bytes of ASCII prose: words of `vocabulary` picked by a
/// xorshift64 generator started from `seed`, separated by spaces, in lines
/// wrapped near 72 characters. The last word may be cut.
///
/// Seeds that differ only in their lowest bit give the same text (the
/// generator's state must not be zero, so that bit is always set).
pub fn prose(len: usize, seed: u64, vocabulary: Vocabulary) -> String {
    let words = vocabulary.words();
    let mut state = seed | 1;
    let mut text = String::with_capacity(len + LINE_WIDTH + 8);
    let mut line = 0;
    while text.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let word = words[(state % words.len() as u64) as usize];
        if line + word.len() > LINE_WIDTH {
            text.push('\n');
            line = 0;
        } else if line > 0 {
            text.push(' ');
            line += 1;
        }
        text.push_str(word);
        line += word.len();
    }
    // Every word is ASCII, so any length is a character boundary.
    text.truncate(len);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_length_and_line_width() {
        for vocabulary in [Vocabulary::Plain, Vocabulary::Marked] {
            for len in [0, 1, 72, 73, 10_000] {
                let text = prose(len, 7, vocabulary);
                assert_eq!(text.len(), len);
                assert!(text.lines().all(|l| l.len() <= LINE_WIDTH + 1), "{vocabulary:?} {len}");
            }
        }
    }

    #[test]
    fn deterministic_per_seed_and_vocabulary() {
        assert_eq!(prose(5_000, 3, Vocabulary::Plain), prose(5_000, 3, Vocabulary::Plain));
        assert_ne!(prose(5_000, 3, Vocabulary::Plain), prose(5_000, 7, Vocabulary::Plain));
        assert_ne!(prose(5_000, 3, Vocabulary::Plain), prose(5_000, 3, Vocabulary::Marked));
        assert_eq!(prose(5_000, 2, Vocabulary::Plain), prose(5_000, 3, Vocabulary::Plain));
    }

    #[test]
    fn plain_has_no_markup_and_marked_has_some() {
        let plain = prose(20_000, 11, Vocabulary::Plain);
        assert!(plain.bytes().all(|b| b.is_ascii_lowercase() || b == b' ' || b == b'\n'));
        assert!(prose(20_000, 11, Vocabulary::Marked).contains("|n"));
    }

    #[test]
    fn starts_as_before() {
        // The demo's and the benchmark's numbers are comparable across
        // versions only while the text stays the same.
        assert_eq!(&prose(40, 7, Vocabulary::Plain), "door make you stone lies lies torch is f");
        assert_eq!(&prose(40, 0x9E37_79B9_7F4A_7C15, Vocabulary::Marked), "Limbo(#2) on sword at east at torch at t");
    }
}
