//! Python's `str` methods on case, whitespace and digits.

use super::tables::{
    CASED, CASE_IGNORABLE, DECIMAL, DECIMAL_ZEROS, DIGIT, LOWER, LOWER_MULTI, LOWER_RUNS, PRINTABLE, PROPS, SPACE,
    TITLE, TITLE_MULTI, TITLE_RUNS, UPPER, UPPER_MULTI, UPPER_RUNS,
};

/// CPython's limit on the digits `int()` reads from a string
/// (`sys.get_int_max_str_digits()`, 4300 by default): more is a `ValueError`.
pub const INT_MAX_STR_DIGITS: usize = 4300;

fn props(c: char) -> u16 {
    let cp = c as u32;
    let i = PROPS.partition_point(|&e| (e >> 11) <= cp);
    // PROPS starts at code point 0, so i >= 1.
    (PROPS[i - 1] & 0x7ff) as u16
}

/// `c.isspace()`.
pub fn is_space(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, ' ' | '\t'..='\r' | '\x1c'..='\x1f');
    }
    props(c) & SPACE != 0
}

/// `c.isprintable()`.
pub fn is_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    props(c) & PRINTABLE != 0
}

fn is_upper_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    props(c) & UPPER != 0
}

fn is_lower_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    props(c) & LOWER != 0
}

fn is_title_char(c: char) -> bool {
    !c.is_ascii() && props(c) & TITLE != 0
}

fn is_cased(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    props(c) & CASED != 0
}

fn is_case_ignorable(c: char) -> bool {
    props(c) & CASE_IGNORABLE != 0
}

/// The value `int()` gives a decimal digit (`c.isdecimal()`), any script.
pub fn decimal_value(c: char) -> Option<u32> {
    if c.is_ascii_digit() {
        return Some(c as u32 - '0' as u32);
    }
    if props(c) & DECIMAL == 0 {
        return None;
    }
    let cp = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= cp);
    Some(cp - DECIMAL_ZEROS[i - 1])
}

/// `s.isdigit()`: not empty, every character a digit (superscripts count, as in Python).
pub fn is_digit(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || (!c.is_ascii() && props(c) & DIGIT != 0))
}

/// `int(s) % modulus` for a string that passed [`is_digit`], or `None` where
/// Python's `int()` raises `ValueError`: a digit that is not decimal (such as
/// `²`), or more than [`INT_MAX_STR_DIGITS`] digits.
pub fn int_of_digits_mod(s: &str, modulus: u64) -> Option<u64> {
    let mut value = 0u64;
    for (count, c) in s.chars().enumerate() {
        if count >= INT_MAX_STR_DIGITS {
            return None;
        }
        value = (value * 10 + u64::from(decimal_value(c)?)) % modulus;
    }
    Some(value)
}

fn map_char(c: char, runs: &[(u32, u16, u8, i32)], multi: &[(u32, &str)], out: &mut String) {
    let cp = c as u32;
    if let Ok(i) = multi.binary_search_by_key(&cp, |&(k, _)| k) {
        out.push_str(multi[i].1);
        return;
    }
    let i = runs.partition_point(|&(start, ..)| start <= cp);
    if i > 0 {
        let (start, count, stride, delta) = runs[i - 1];
        let offset = cp - start;
        if offset % u32::from(stride) == 0 && offset / u32::from(stride) < u32::from(count) {
            let mapped = (cp as i64 + i64::from(delta)) as u32;
            out.push(char::from_u32(mapped).expect("the tables map to characters"));
            return;
        }
    }
    out.push(c);
}

/// `s.upper()`.
pub fn upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        map_char(c, &UPPER_RUNS, &UPPER_MULTI, &mut out);
    }
    out
}

/// `s.lower()`, with Python's final-sigma rule for `Σ`.
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    lower_from(s, 0, &mut out);
    out
}

/// Lower-cases `s[from..]` (a char boundary) into `out`, looking at all of `s`
/// for the final-sigma context as CPython's `lower_ucs4` does.
fn lower_from(s: &str, from: usize, out: &mut String) {
    for (i, c) in s[from..].char_indices() {
        if c == '\u{3a3}' {
            out.push(if final_sigma(s, from + i) { '\u{3c2}' } else { '\u{3c3}' });
        } else {
            map_char(c, &LOWER_RUNS, &LOWER_MULTI, out);
        }
    }
}

/// CPython's `handle_capital_sigma`: the sigma at byte `at` is final when a
/// cased character precedes it (skipping case-ignorable ones) and none follows.
fn final_sigma(s: &str, at: usize) -> bool {
    let before = s[..at].chars().rev().find(|&c| !is_case_ignorable(c));
    if !before.is_some_and(is_cased) {
        return false;
    }
    let after = s[at + '\u{3a3}'.len_utf8()..].chars().find(|&c| !is_case_ignorable(c));
    !after.is_some_and(is_cased)
}

/// `s.capitalize()` (Python 3.8+): the first character title-cased, the rest lower-cased.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out = String::with_capacity(s.len());
    if first.is_ascii() {
        out.push(first.to_ascii_uppercase());
    } else {
        map_char(first, &TITLE_RUNS, &TITLE_MULTI, &mut out);
    }
    lower_from(s, first.len_utf8(), &mut out);
    out
}

/// `s.isupper()`: at least one cased character, none lowercase or titlecase.
pub fn is_upper(s: &str) -> bool {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return is_upper_char(c);
    }
    let mut cased = false;
    for c in s.chars() {
        if is_lower_char(c) || is_title_char(c) {
            return false;
        }
        cased |= is_upper_char(c);
    }
    cased
}

/// `s.istitle()`: uppercase/titlecase characters only after uncased ones,
/// lowercase ones only after cased ones, and at least one cased character.
pub fn is_title(s: &str) -> bool {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return is_title_char(c) || is_upper_char(c);
    }
    let (mut cased, mut previous_cased) = (false, false);
    for c in s.chars() {
        if is_upper_char(c) || is_title_char(c) {
            if previous_cased {
                return false;
            }
            previous_cased = true;
            cased = true;
        } else if is_lower_char(c) {
            if !previous_cased {
                return false;
            }
            previous_cased = true;
            cased = true;
        } else {
            previous_cased = false;
        }
    }
    cased
}

/// `s.strip()`: Python's whitespace off both ends.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `s.split(None, 1)` when it gives two parts: the first word and the rest
/// (the rest without its leading whitespace, with its trailing whitespace).
/// `None` when Python's result has fewer than two parts.
pub fn split_first_word(s: &str) -> Option<(&str, &str)> {
    let start = s.find(|c: char| !is_space(c))?;
    let word_len = s[start..].find(is_space)?;
    let word = &s[start..start + word_len];
    let rest_at = s[start + word_len..].find(|c: char| !is_space(c))? + start + word_len;
    Some((word, &s[rest_at..]))
}
