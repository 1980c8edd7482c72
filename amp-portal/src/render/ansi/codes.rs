//! The escape sequences of `evennia/utils/ansi.py`, and its default markup tables.

/// `ANSI_BEEP`.
pub const BEEP: &str = "\x07";
/// `ANSI_NORMAL`: reset every attribute.
pub const NORMAL: &str = "\x1b[0m";
/// `ANSI_UNDERLINE`.
pub const UNDERLINE: &str = "\x1b[4m";
/// `ANSI_UNDERLINE_RESET`.
pub const UNDERLINE_RESET: &str = "\x1b[24m";
/// `ANSI_ITALIC`.
pub const ITALIC: &str = "\x1b[3m";
/// `ANSI_ITALIC_RESET`.
pub const ITALIC_RESET: &str = "\x1b[23m";
/// `ANSI_STRIKE`.
pub const STRIKE: &str = "\x1b[9m";
/// `ANSI_STRIKE_RESET`.
pub const STRIKE_RESET: &str = "\x1b[29m";
/// `ANSI_HILITE`: bold / bright.
pub const HILITE: &str = "\x1b[1m";
/// `ANSI_UNHILITE`.
pub const UNHILITE: &str = "\x1b[22m";
/// `ANSI_BLINK`.
pub const BLINK: &str = "\x1b[5m";
/// `ANSI_INVERSE`.
pub const INVERSE: &str = "\x1b[7m";
/// `ANSI_INV_HILITE`.
pub const INV_HILITE: &str = "\x1b[1;7m";
/// `ANSI_INV_BLINK`.
pub const INV_BLINK: &str = "\x1b[7;5m";
/// `ANSI_BLINK_HILITE`.
pub const BLINK_HILITE: &str = "\x1b[1;5m";
/// `ANSI_INV_BLINK_HILITE`.
pub const INV_BLINK_HILITE: &str = "\x1b[1;5;7m";

/// Foreground colours `ANSI_BLACK` .. `ANSI_WHITE` (SGR 30..37), in SGR order.
pub const FG: [&str; 8] =
    ["\x1b[30m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m", "\x1b[37m"];
/// Background colours `ANSI_BACK_BLACK` .. `ANSI_BACK_WHITE` (SGR 40..47), in SGR order.
pub const BG: [&str; 8] =
    ["\x1b[40m", "\x1b[41m", "\x1b[42m", "\x1b[43m", "\x1b[44m", "\x1b[45m", "\x1b[46m", "\x1b[47m"];

/// Indexes into [`FG`] / [`BG`].
pub(crate) const BLACK: usize = 0;
pub(crate) const RED: usize = 1;
pub(crate) const GREEN: usize = 2;
pub(crate) const YELLOW: usize = 3;
pub(crate) const BLUE: usize = 4;
pub(crate) const MAGENTA: usize = 5;
pub(crate) const CYAN: usize = 6;
pub(crate) const WHITE: usize = 7;

/// `ANSIParser.ansi_map` without settings: markup -> sequence, in the order
/// of the regex alternation (which decides ties: the first that matches wins).
pub const DEFAULT_ANSI_MAP: [(&str, &str); 47] = [
    ("|n", NORMAL),
    ("|/", "\r\n"),
    ("|-", "\t"),
    ("|>", "    "),
    ("|_", " "),
    ("|*", INVERSE),
    ("|^", BLINK),
    ("|u", UNDERLINE),
    ("|U", UNDERLINE_RESET),
    ("|i", ITALIC),
    ("|I", ITALIC_RESET),
    ("|s", STRIKE),
    ("|S", STRIKE_RESET),
    ("|r", "\x1b[1m\x1b[31m"),
    ("|g", "\x1b[1m\x1b[32m"),
    ("|y", "\x1b[1m\x1b[33m"),
    ("|b", "\x1b[1m\x1b[34m"),
    ("|m", "\x1b[1m\x1b[35m"),
    ("|c", "\x1b[1m\x1b[36m"),
    ("|w", "\x1b[1m\x1b[37m"),
    ("|x", "\x1b[1m\x1b[30m"),
    ("|R", "\x1b[22m\x1b[31m"),
    ("|G", "\x1b[22m\x1b[32m"),
    ("|Y", "\x1b[22m\x1b[33m"),
    ("|B", "\x1b[22m\x1b[34m"),
    ("|M", "\x1b[22m\x1b[35m"),
    ("|C", "\x1b[22m\x1b[36m"),
    ("|W", "\x1b[22m\x1b[37m"),
    ("|X", "\x1b[22m\x1b[30m"),
    ("|h", HILITE),
    ("|H", UNHILITE),
    ("|!R", "\x1b[31m"),
    ("|!G", "\x1b[32m"),
    ("|!Y", "\x1b[33m"),
    ("|!B", "\x1b[34m"),
    ("|!M", "\x1b[35m"),
    ("|!C", "\x1b[36m"),
    ("|!W", "\x1b[37m"),
    ("|!X", "\x1b[30m"),
    ("|[R", "\x1b[41m"),
    ("|[G", "\x1b[42m"),
    ("|[Y", "\x1b[43m"),
    ("|[B", "\x1b[44m"),
    ("|[M", "\x1b[45m"),
    ("|[C", "\x1b[46m"),
    ("|[W", "\x1b[47m"),
    ("|[X", "\x1b[40m"),
];

/// `ANSIParser.ansi_xterm256_bright_bg_map`: bright backgrounds, which ANSI
/// lacks, rewritten to xterm256 markup before anything else is parsed (and
/// so downgraded again to a dark ANSI background for clients without
/// xterm256).
pub const DEFAULT_BRIGHT_BG_MAP: [(&str, &str); 8] = [
    ("|[r", "|[500"),
    ("|[g", "|[050"),
    ("|[y", "|[550"),
    ("|[b", "|[005"),
    ("|[m", "|[505"),
    ("|[c", "|[055"),
    ("|[w", "|[555"),
    ("|[x", "|[222"),
];
