//! xterm256, greyscale and truecolor markup: `ANSIParser.sub_xterm256` and
//! `HexColors.sub_truecolor` of Evennia 6.1.
//!
//! Each markup form is its own regex pass in Evennia, run in this order on
//! every piece of text between escapes: truecolor `|#rgb`/`|#rrggbb` (and
//! `|[#...` for backgrounds), then `|123`, `|[123`, `|=a`, `|[=a`. The
//! order matters because the truecolor pass, when the client has no
//! truecolor, *writes xterm256 markup* (`|#ff0000` -> `|500`) that the next
//! passes then read, together with whatever text follows it: `|#fff5`
//! becomes `|5555`, which is the colour `|555` and a literal `5`.
//!
//! Quirks kept:
//! - Hex digits to the 0-5 cube use Python's `round()` (halves to even):
//!   `round((v - 45) / 40)`, so 65 -> 0, 105 -> 2, 145 -> 2, 185 -> 4, 225 -> 4.
//! - Greyscale letters: `a` is cube black (16), `z` cube white (231), `b`..`y`
//!   are 232..255; without xterm256 the grey level is `round((ord - 97) / 5)`.
//! - The ANSI downgrade (no xterm256) is a `match` over the cube value
//!   halved; every cube value has a case in 6.1 (a value with none would
//!   render as nothing, as Python's `re.sub` does with a `None` replacement).

use super::codes::{BG, BLACK, BLUE, CYAN, GREEN, MAGENTA, RED, WHITE, YELLOW};
use super::literal::LiteralMap;
use crate::render::scan::find_byte;

/// `n` in decimal (Python's `%s` / f-string of an int).
fn push_decimal(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut n = n;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        out.push(char::from(d));
    }
}

/// `"\033[%s8;5;%sm" % (3 + int(background), colval)`.
fn push_xterm256(out: &mut String, background: bool, colval: u32) {
    out.push_str(if background { "\x1b[48;5;" } else { "\x1b[38;5;" });
    push_decimal(out, colval);
    out.push('m');
}

/// Python's `round(n / d)` for `n >= 0`, `d > 0`: halves go to the even integer.
fn round_half_even(n: u32, d: u32) -> u32 {
    let (q, r) = (n / d, n % d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// `HexColors._hue_int`: 0..255 to the 0..5 cube axis.
fn hue(v: u32) -> u32 {
    round_half_even(v.saturating_sub(45), 40)
}

fn hex_digit(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `hex_sub` (`(\|\[?#)([0-9a-fA-F]{6}|[0-9a-fA-F]{3})`) at the start of
/// `rest` (which starts with `|`): the replacement and the length matched.
fn truecolor_at(rest: &[u8], truecolor: bool, out: &mut String) -> usize {
    let bg = rest.get(1) == Some(&b'[');
    let hash = if bg { 2 } else { 1 };
    if rest.get(hash) != Some(&b'#') {
        return 0;
    }
    let digits = &rest[hash + 1..];
    let run = digits.iter().take(6).take_while(|b| b.is_ascii_hexdigit()).count();
    let (r, g, b, len) = match run {
        6 => {
            let v = |i: usize| hex_digit(digits[i]).unwrap_or(0) * 16 + hex_digit(digits[i + 1]).unwrap_or(0);
            (v(0), v(2), v(4), 6)
        }
        3..=5 => {
            let v = |i: usize| hex_digit(digits[i]).unwrap_or(0) * 17;
            (v(0), v(1), v(2), 3)
        }
        _ => return 0,
    };
    if truecolor {
        out.push_str(if bg { "\x1b[48;2;" } else { "\x1b[38;2;" });
        push_decimal(out, r);
        out.push(';');
        push_decimal(out, g);
        out.push(';');
        push_decimal(out, b);
        out.push('m');
    } else {
        out.push_str(if bg { "|[" } else { "|" });
        for v in [hue(r), hue(g), hue(b)] {
            push_decimal(out, v);
        }
    }
    hash + 1 + len
}

/// Which of Evennia's four xterm256 regexes a pass runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `\|([0-5])([0-5])([0-5])`
    Fg,
    /// `\|\[([0-5])([0-5])([0-5])`
    Bg,
    /// `\|=([a-z])`
    GreyFg,
    /// `\|\[=([a-z])`
    GreyBg,
}

fn cube_digit(b: Option<&u8>) -> Option<u32> {
    match b {
        Some(&d @ b'0'..=b'5') => Some(u32::from(d - b'0')),
        _ => None,
    }
}

/// One xterm256 regex at the start of `rest` (which starts with `|`).
fn xterm_at(kind: Kind, rest: &[u8], xterm256: bool, out: &mut String) -> usize {
    let background = matches!(kind, Kind::Bg | Kind::GreyBg);
    let start = if background {
        if rest.get(1) != Some(&b'[') {
            return 0;
        }
        2
    } else {
        1
    };
    match kind {
        Kind::Fg | Kind::Bg => {
            let (Some(r), Some(g), Some(b)) =
                (cube_digit(rest.get(start)), cube_digit(rest.get(start + 1)), cube_digit(rest.get(start + 2)))
            else {
                return 0;
            };
            if xterm256 {
                push_xterm256(out, background, 16 + r * 36 + g * 6 + b);
            } else {
                out.push_str(to_ansi(r, g, b, background));
            }
            start + 3
        }
        Kind::GreyFg | Kind::GreyBg => {
            if rest.get(start) != Some(&b'=') {
                return 0;
            }
            let letter = match rest.get(start + 1) {
                Some(&l @ b'a'..=b'z') => l,
                _ => return 0,
            };
            if xterm256 {
                let colval = match letter {
                    b'a' => 16,
                    b'z' => 231,
                    l => 134 + u32::from(l),
                };
                push_xterm256(out, background, colval);
            } else {
                // round((ord - 97) / 5.0): never a half for integer input.
                let grey = round_half_even(u32::from(letter - b'a'), 5);
                out.push_str(to_ansi(grey, grey, grey, background));
            }
            start + 2
        }
    }
}

/// `sub_xterm256` without xterm256: the 16-colour code nearest Evennia's way.
fn to_ansi(r: u32, g: u32, b: u32, background: bool) -> &'static str {
    // Foregrounds come as ANSI_HILITE or ANSI_NORMAL + colour; backgrounds alone.
    fn pick(colour: usize, bright: bool, background: bool) -> &'static str {
        const BRIGHT: [&str; 8] = [
            "\x1b[1m\x1b[30m",
            "\x1b[1m\x1b[31m",
            "\x1b[1m\x1b[32m",
            "\x1b[1m\x1b[33m",
            "\x1b[1m\x1b[34m",
            "\x1b[1m\x1b[35m",
            "\x1b[1m\x1b[36m",
            "\x1b[1m\x1b[37m",
        ];
        const DIM: [&str; 8] = [
            "\x1b[0m\x1b[30m",
            "\x1b[0m\x1b[31m",
            "\x1b[0m\x1b[32m",
            "\x1b[0m\x1b[33m",
            "\x1b[0m\x1b[34m",
            "\x1b[0m\x1b[35m",
            "\x1b[0m\x1b[36m",
            "\x1b[0m\x1b[37m",
        ];
        if background {
            BG[colour]
        } else if bright {
            BRIGHT[colour]
        } else {
            DIM[colour]
        }
    }
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let all = |set: &[u32]| set.contains(&r) && set.contains(&g) && set.contains(&b);
    if max - min <= 1 {
        if (r, g, b) == (0, 0, 0) {
            return pick(BLACK, false, background);
        }
        if all(&[1, 2]) {
            return pick(BLACK, true, background);
        }
        if all(&[2, 3]) || all(&[3, 4]) {
            return pick(WHITE, false, background);
        }
        if all(&[4, 5]) {
            return pick(WHITE, true, background);
        }
    }
    let half = |v: u32| v.div_ceil(2);
    let (cr, cg, cb) = (half(r), half(g), half(b));
    let is = |v: u32, set: &[u32]| set.contains(&v);
    if is(cr, &[2, 3]) && is(cg, &[0, 1]) && is(cb, &[0, 1]) {
        pick(RED, true, background)
    } else if is(cr, &[1, 2]) && cg == 0 && cb == 0 {
        pick(RED, false, background)
    } else if is(cr, &[0, 1]) && is(cg, &[2, 3]) && is(cb, &[0, 1]) {
        pick(GREEN, true, background)
    } else if is(cr, &[0, 1]) && cg == 1 && cb == 0 && g > r {
        pick(GREEN, false, background)
    } else if is(cr, &[0, 1]) && is(cg, &[0, 1]) && is(cb, &[2, 3]) {
        pick(BLUE, true, background)
    } else if (cr, cg, cb) == (0, 0, 1) {
        pick(BLUE, false, background)
    } else if is(cr, &[0, 1, 2]) && is(cg, &[2, 3]) && is(cb, &[2, 3]) && r == min {
        pick(CYAN, true, background)
    } else if cr == 0 && is(cg, &[1, 2]) && is(cb, &[1, 2]) {
        pick(CYAN, false, background)
    } else if is(cr, &[2, 3]) && is(cg, &[2, 3]) && is(cb, &[0, 1, 2]) && b == min {
        pick(YELLOW, true, background)
    } else if is(cr, &[1, 2]) && is(cg, &[1, 2]) && is(cb, &[0, 1]) {
        pick(YELLOW, false, background)
    } else if is(cr, &[2, 3]) && is(cg, &[0, 1, 2]) && is(cb, &[2, 3]) && g == min {
        pick(MAGENTA, true, background)
    } else if is(cr, &[1, 2]) && cg == 0 && is(cb, &[1, 2]) {
        pick(MAGENTA, false, background)
    } else {
        // No case: Python's function returns None, which re.sub writes as "".
        ""
    }
}

/// Runs `step` at every `|` of `text` left to right (a regex `sub` whose
/// pattern starts with `\|`), writing into `out`. `step` writes the
/// replacement into its buffer and returns the length it matched, or 0 for
/// no match.
fn sub_pipes(text: &str, out: &mut String, mut step: impl FnMut(&[u8], &mut String) -> usize) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    let mut replacement = String::new();
    while let Some(at) = next_pipe(text, i) {
        replacement.clear();
        let len = step(&bytes[at..], &mut replacement);
        if len == 0 {
            i = at + 1;
        } else {
            out.push_str(&text[copied..at]);
            out.push_str(&replacement);
            i = at + len;
            copied = i;
        }
    }
    out.push_str(&text[copied..]);
}

/// The next `|` of `text` at or after `from`.
#[inline]
fn next_pipe(text: &str, from: usize) -> Option<usize> {
    find_byte(text.as_bytes(), from, b'|')
}

/// Bits of [`triggers`]: which passes could match.
const T_HEX: u8 = 1;
const T_FG: u8 = 2;
const T_BG: u8 = 4;
const T_GREY_FG: u8 = 8;
const T_GREY_BG: u8 = 16;

/// Which colour passes could match `text`, by what follows each `|`. A
/// pass whose bit is clear would copy the text unchanged, so it is skipped.
fn triggers(text: &str) -> u8 {
    let bytes = text.as_bytes();
    let mut mask = 0;
    let mut i = 0;
    while let Some(at) = next_pipe(text, i) {
        let next = bytes.get(at + 1).copied();
        let after = bytes.get(at + 2).copied();
        mask |= match (next, after) {
            (Some(b'#'), _) | (Some(b'['), Some(b'#')) => T_HEX,
            (Some(b'0'..=b'5'), _) => T_FG,
            (Some(b'['), Some(b'0'..=b'5')) => T_BG,
            (Some(b'='), _) => T_GREY_FG,
            (Some(b'['), Some(b'=')) => T_GREY_BG,
            _ => 0,
        };
        i = at + 1;
    }
    mask
}

/// Whether `text` holds truecolor markup (`|#` or `|[#`).
pub(crate) fn has_truecolor(text: &str) -> bool {
    triggers(text) & T_HEX != 0
}

/// The truecolor pass alone, its result left in `text`.
pub(crate) fn truecolor_pass(text: &mut String, scratch: &mut String, truecolor: bool) {
    scratch.clear();
    sub_pipes(text, scratch, |rest, out| truecolor_at(rest, truecolor, out));
    std::mem::swap(text, scratch);
}

/// Whether `text` needs [`colour_passes`] at all.
pub(crate) fn needs_passes(text: &str, xterm_regexes: bool) -> bool {
    let mask = triggers(text);
    if xterm_regexes {
        mask != 0
    } else {
        mask & T_HEX != 0
    }
}

/// The colour passes of `parse_ansi` on one piece of text, in Evennia's
/// order. `scratch` is reused between calls; the result is left in `text`.
///
/// Only the truecolor pass can write markup a later pass reads (its
/// xterm256 fallback); the xterm256 passes write escape sequences with no
/// `|`, so after them no new match can appear.
pub(crate) fn colour_passes(
    text: &mut String,
    scratch: &mut String,
    xterm_regexes: bool,
    xterm256: bool,
    truecolor: bool,
) {
    let mut mask = triggers(text);
    let mut pass = |text: &mut String, step: &mut dyn FnMut(&[u8], &mut String) -> usize| {
        scratch.clear();
        sub_pipes(text, scratch, step);
        std::mem::swap(text, scratch);
    };
    if mask & T_HEX != 0 {
        pass(text, &mut |rest, out| truecolor_at(rest, truecolor, out));
        mask = triggers(text);
    }
    if xterm_regexes {
        for (bit, kind) in [(T_FG, Kind::Fg), (T_BG, Kind::Bg), (T_GREY_FG, Kind::GreyFg), (T_GREY_BG, Kind::GreyBg)] {
            if mask & bit != 0 {
                pass(text, &mut |rest, out| xterm_at(kind, rest, xterm256, out));
            }
        }
    }
}

/// The xterm256 passes and then the ANSI table (`ansi`), all in one scan
/// of `piece`, written to `out`. Only for a piece with no truecolor markup
/// left and a table of `|`-keys ([`LiteralMap::pipe_keys`]).
///
/// Equal to running them one after the other because every pattern is a
/// `|` followed by non-`|` characters, at most one of them matches at any
/// `|` (their second characters differ: digit, `[` + digit, `=`, `[=`, or
/// a table key's), and no replacement holds a `|` or is empty: a pass can
/// neither create nor hide a match of a later one.
pub(crate) fn fused_into(piece: &str, ansi: &LiteralMap, xterm_regexes: bool, xterm256: bool, out: &mut String) {
    let bytes = piece.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = next_pipe(piece, i) {
        out.push_str(&piece[copied..at]);
        copied = at;
        let len = code_at(&bytes[at..], ansi, xterm_regexes, xterm256, out);
        if len == 0 {
            i = at + 1;
        } else {
            i = at + len;
            copied = i;
        }
    }
    out.push_str(&piece[copied..]);
}

/// The xterm256 pattern or table key at the start of `rest` (a `|`),
/// written to `out`; its length, or 0 (nothing written).
#[inline]
pub(crate) fn code_at(rest: &[u8], ansi: &LiteralMap, xterm_regexes: bool, xterm256: bool, out: &mut String) -> usize {
    if xterm_regexes {
        // The only pattern that can match here, by the next character.
        let len = match rest.get(1) {
            Some(b'0'..=b'5') => xterm_at(Kind::Fg, rest, xterm256, out),
            Some(b'=') => xterm_at(Kind::GreyFg, rest, xterm256, out),
            Some(b'[') => match rest.get(2) {
                Some(b'=') => xterm_at(Kind::GreyBg, rest, xterm256, out),
                _ => xterm_at(Kind::Bg, rest, xterm256, out),
            },
            _ => 0,
        };
        if len > 0 {
            return len;
        }
    }
    match ansi.match_at(rest) {
        Some((n, value)) => {
            out.push_str(value);
            n
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_round() {
        assert_eq!([65, 105, 145, 185, 225, 255, 0].map(hue), [0, 2, 2, 4, 4, 5, 0]);
    }

    #[test]
    fn every_cube_value_has_an_ansi_form() {
        // So no xterm256 replacement is empty, and no pass can join the text
        // around a match into new markup (colour_passes relies on it).
        for v in 0..216 {
            for bg in [false, true] {
                assert!(!to_ansi(v / 36, v / 6 % 6, v % 6, bg).is_empty());
            }
        }
    }

    #[test]
    fn passes_feed_each_other() {
        let (mut t, mut s) = ("|#fff5".to_owned(), String::new());
        colour_passes(&mut t, &mut s, true, true, false);
        assert_eq!(t, "\x1b[38;5;231m5");
    }
}
