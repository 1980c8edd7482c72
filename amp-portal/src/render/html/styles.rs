//! `TextToHTMLparser.format_styles`: ANSI codes to `<span>`s.
//!
//! The text is cut at the codes it knows (SGR 0, 1, 22, 4, 5, 7, `1;7`,
//! `1;5`, `7;5`, `1;5;7`, colours 30-37 / 40-47, xterm256 `38;5;N` /
//! `48;5;N` for N = 16..255 written without leading zeros, and truecolor
//! `38;2;R;G;B` / `48;2;R;G;B`), empty pieces dropped. Codes update a state
//! (foreground, background, bold, inverse, blink, underline, truecolor) and
//! print nothing; a text piece right after a code opens a span for the state
//! then (closing the open one), except right after a reset that closed a
//! span, so text after `|n` is unstyled. Classes are `color-NNN` /
//! `bgcolor-NNN` (16-colour codes are 0-7 dim, 8-15 bold; xterm256 its own
//! number), left out for the defaults (`color-007` on `bgcolor-000`);
//! `blink` and `underline` stay until a reset.
//!
//! Quirks kept:
//! - `|n` before any colour opens `<span class="">` for the text after it.
//! - Bold does not brighten xterm256 colours; `|h` then `|r` gives `color-009`.
//! - `ESC[7;5m` (inverse blink) sets neither inverse nor blink.
//! - Inverse with truecolor *swaps the stored colours* each time a span
//!   opens, so consecutive spans alternate. With one truecolor and inverse,
//!   one of the two class names is not computed: the previous span's is
//!   reused, and if there was none Python raises `UnboundLocalError` and
//!   the webclient gets nothing ([`StyleError`]).
//! - Truecolor spans carry `class="..."` and `style="color: #rrggbb;..."`
//!   (hex of the decimal the code held, so a raw `ESC[38;2;299;0;0m` in the
//!   text gives `#12b0000`).

use std::fmt::Write;

/// Where Evennia's `format_styles` raises instead of returning HTML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StyleError {
    /// Inverse with one truecolor colour and no earlier span: `bg_class` or
    /// `color_class` is read before Python ever assigned it.
    #[error("text2html: local variable '{0}' referenced before assignment (inverse truecolor)")]
    Unbound(&'static str),
}

/// A foreground or background colour of the class tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Colour {
    /// SGR 30-37 / 40-47, by index 0-7.
    Ansi(u8),
    /// xterm256 16..=255.
    Xterm(u8),
}

/// The codes `re_style` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    Normal,
    Fg(Colour),
    Bg(Colour),
    TrueFg([u32; 3]),
    TrueBg([u32; 3]),
    Underline,
    Hilite,
    Unhilite,
    Inverse,
    Blink,
    InvHilite,
    BlinkHilite,
    InvBlink,
    InvBlinkHilite,
}

/// `[0-2]?[0-9]?[0-9]` matching a whole `;`-separated field.
fn byte_field(f: &[u8]) -> Option<u32> {
    let ok = match f.len() {
        1 | 2 => true,
        3 => f[0] <= b'2',
        _ => false,
    };
    (ok && f.iter().all(u8::is_ascii_digit)).then(|| f.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// The xterm256 number of a literal `N` of `38;5;N` (16..=255, no leading zero).
fn xterm_number(f: &[u8]) -> Option<u8> {
    if f.is_empty() || f.len() > 3 || f[0] == b'0' || !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = f.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    (16..=255).contains(&n).then_some(n as u8)
}

/// The code `re_style` matches at the start of `rest`, with its length.
fn code_at(rest: &[u8]) -> Option<(usize, Code)> {
    if rest.len() < 4 || rest[0] != 0x1b || rest[1] != b'[' {
        return None;
    }
    let body_len = rest[2..].iter().take(24).take_while(|b| b.is_ascii_digit() || **b == b';').count();
    if rest.get(2 + body_len) != Some(&b'm') {
        return None;
    }
    let body = &rest[2..2 + body_len];
    let code = match body {
        b"0" => Code::Normal,
        b"4" => Code::Underline,
        b"1" => Code::Hilite,
        b"22" => Code::Unhilite,
        b"7" => Code::Inverse,
        b"5" => Code::Blink,
        b"1;7" => Code::InvHilite,
        b"1;5" => Code::BlinkHilite,
        b"7;5" => Code::InvBlink,
        b"1;5;7" => Code::InvBlinkHilite,
        [b'3', d @ b'0'..=b'7'] => Code::Fg(Colour::Ansi(d - b'0')),
        [b'4', d @ b'0'..=b'7'] => Code::Bg(Colour::Ansi(d - b'0')),
        _ => {
            let fields: Vec<&[u8]> = body.split(|&b| b == b';').collect();
            match fields.as_slice() {
                [b"38", b"5", n] => Code::Fg(Colour::Xterm(xterm_number(n)?)),
                [b"48", b"5", n] => Code::Bg(Colour::Xterm(xterm_number(n)?)),
                [kind @ (b"38" | b"48"), b"2", r, g, b] => {
                    let rgb = [byte_field(r)?, byte_field(g)?, byte_field(b)?];
                    if *kind == b"38" {
                        Code::TrueFg(rgb)
                    } else {
                        Code::TrueBg(rgb)
                    }
                }
                _ => return None,
            }
        }
    };
    Some((3 + body_len, code))
}

/// The formatting state of `format_styles`, with Python's variable names.
struct State {
    classes: Vec<&'static str>,
    clean: bool,
    inverse: bool,
    hilite: bool,
    fg: Colour,
    bg: Colour,
    truecolor_fg: Option<[u32; 3]>,
    truecolor_bg: Option<[u32; 3]>,
    /// Python locals that keep their value from one span to the next, and
    /// are unbound before the first.
    bg_class: Option<u32>,
    color_class: Option<u32>,
}

impl State {
    fn reset(&mut self) {
        self.classes.clear();
        self.clean = true;
        self.inverse = false;
        self.hilite = false;
        self.fg = Colour::Ansi(7);
        self.bg = Colour::Ansi(0);
        self.truecolor_fg = None;
        self.truecolor_bg = None;
    }

    /// `colorlist.index(hilight + fg)`, else `colorlist.index(fg)`.
    fn color_index(&self) -> u32 {
        match self.fg {
            Colour::Ansi(i) => u32::from(i) + if self.hilite { 8 } else { 0 },
            Colour::Xterm(n) => u32::from(n),
        }
    }

    /// `bglist.index(bg)`.
    fn bg_index(&self) -> u32 {
        match self.bg {
            Colour::Ansi(i) => u32::from(i),
            Colour::Xterm(n) => u32::from(n),
        }
    }

    /// The span a text piece after a code opens.
    fn open_span(&mut self, out: &mut String) -> Result<(), StyleError> {
        let (bg_index, color_index) = (self.bg_index(), self.color_index());
        if self.inverse {
            match (self.truecolor_fg, self.truecolor_bg) {
                (Some(_), Some(_)) => std::mem::swap(&mut self.truecolor_fg, &mut self.truecolor_bg),
                (Some(fg), None) => {
                    self.truecolor_bg = Some(fg);
                    self.truecolor_fg = None;
                    self.color_class = Some(bg_index);
                }
                (None, Some(bg)) => {
                    self.truecolor_fg = Some(bg);
                    self.truecolor_bg = None;
                    self.bg_class = Some(color_index);
                }
                (None, None) => {
                    self.bg_class = Some(color_index);
                    self.color_class = Some(bg_index);
                }
            }
        } else {
            self.bg_class = Some(bg_index);
            self.color_class = Some(color_index);
        }
        let bg_class = self.bg_class.ok_or(StyleError::Unbound("bg_class"))?;
        let color_class = self.color_class.ok_or(StyleError::Unbound("color_class"))?;
        if !self.clean {
            out.push_str("</span>");
        }
        out.push_str("<span class=\"");
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(' ');
            }
            first = false;
        };
        for class in &self.classes {
            sep(out);
            out.push_str(class);
        }
        if bg_class != 0 {
            sep(out);
            let _ = write!(out, "bgcolor-{bg_class:03}");
        }
        if color_class != 7 {
            sep(out);
            let _ = write!(out, "color-{color_class:03}");
        }
        out.push('"');
        if self.truecolor_fg.is_some() || self.truecolor_bg.is_some() {
            out.push_str(" style=\"");
            if let Some([r, g, b]) = self.truecolor_fg {
                let _ = write!(out, "color: #{r:02x}{g:02x}{b:02x};");
            }
            if let Some([r, g, b]) = self.truecolor_bg {
                let _ = write!(out, "background-color: #{r:02x}{g:02x}{b:02x};");
            }
            out.push('"');
        }
        out.push('>');
        // The colour classes were only for this span; blink/underline stay.
        self.clean = false;
        Ok(())
    }
}

/// `format_styles(text)`.
pub fn format_styles(text: &str) -> Result<String, StyleError> {
    let mut state = State {
        classes: Vec::new(),
        clean: true,
        inverse: false,
        hilite: false,
        fg: Colour::Ansi(7),
        bg: Colour::Ansi(0),
        truecolor_fg: None,
        truecolor_bg: None,
        bg_class: None,
        color_class: None,
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 64);
    // Whether the previous piece printed as "" (a code), so that a text piece
    // now opens a span. The first piece's "previous" is the list's last
    // piece, never empty.
    let mut after_code = false;
    let mut text_start = 0;
    let mut i = 0;
    let flush_text = |out: &mut String, state: &mut State, after_code: &mut bool, piece: &str| {
        if piece.is_empty() {
            return Ok(());
        }
        if *after_code {
            state.open_span(out)?;
        }
        out.push_str(piece);
        *after_code = false;
        Ok::<(), StyleError>(())
    };
    while let Some(off) = bytes[i..].iter().position(|&b| b == 0x1b) {
        let at = i + off;
        let Some((len, code)) = code_at(&bytes[at..]) else {
            i = at + 1;
            continue;
        };
        flush_text(&mut out, &mut state, &mut after_code, &text[text_start..at])?;
        i = at + len;
        text_start = i;
        after_code = true;
        match code {
            Code::Normal => {
                if !state.clean {
                    out.push_str("</span>");
                    // The piece printed "</span>": text after it opens nothing.
                    after_code = false;
                }
                state.reset();
            }
            Code::Fg(c) => state.fg = c,
            Code::Bg(c) => state.bg = c,
            Code::TrueFg(rgb) => state.truecolor_fg = Some(rgb),
            Code::TrueBg(rgb) => state.truecolor_bg = Some(rgb),
            style => {
                if matches!(style, Code::Hilite | Code::Unhilite | Code::InvHilite | Code::InvBlinkHilite) {
                    state.hilite = style != Code::Unhilite;
                }
                if matches!(style, Code::Inverse | Code::InvHilite | Code::InvBlinkHilite) {
                    state.inverse = true;
                }
                if matches!(style, Code::Blink | Code::BlinkHilite | Code::InvBlinkHilite)
                    && !state.classes.contains(&"blink")
                {
                    state.classes.push("blink");
                }
                if style == Code::Underline && !state.classes.contains(&"underline") {
                    state.classes.push("underline");
                }
            }
        }
    }
    flush_text(&mut out, &mut state, &mut after_code, &text[text_start..])?;
    if !state.clean {
        out.push_str("</span>");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(format_styles("\x1b[0mfoo").unwrap(), "<span class=\"\">foo</span>");
        assert_eq!(format_styles("a\x1b[1m\x1b[36mb\x1b[0mc").unwrap(), "a<span class=\"color-014\">b</span>c");
        assert_eq!(format_styles("\x1b[7m\x1b[38;2;1;2;3mx").unwrap_err(), StyleError::Unbound("bg_class"));
    }
}
