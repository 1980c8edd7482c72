//! `evennia/utils/text2html.py`'s `parse_html`: Evennia markup to the HTML
//! the webclient shows, byte for byte as Evennia 6.1 writes it.
//!
//! The pipeline, each step over the output of the one before:
//! 1. `parse_ansi(text, strip_ansi, xterm256=True, mxp=True, truecolor=True)`
//!    ([`super::ansi`]): the HTML is made *from ANSI*, links kept as markup.
//! 2. `<`, `&`, `>` to entities (quotes stay), each tab to 4 spaces, each
//!    `\r\n`, `\r` or `\n` to `<br>`.
//! 3. Command links to `<a id="mxplink" href="#" onclick="Evennia.msg(...)">`
//!    and URL links to `<a id="mxplink" href="URL" target="_blank">`; a `"`
//!    in them becomes `\&quot;` (a backslash, then the entity).
//! 4. Bells (`\x07`) removed.
//! 5. [`styles`]: the ANSI codes to `<span class="...">` (see there).
//! 6. Backspaces: `.\x08` and `ESC [K` removed, again and again, leftmost
//!    first (so one backspace can eat the `>` of a `<br>`).
//! 7. [`urls`]: the *first* URL-looking word made a link (only the first,
//!    and a `www.` word that fails the stricter check ends the search).
//!
//! What ANSI codes the styles step does not know (`|i` italic, `|s` strike,
//! `|U` and the other resets, MXP's `ESC [4z`) stay in the HTML as raw
//! escape characters, as Evennia sends them.

mod pyunicode;
pub mod styles;
pub mod urls;

use super::ansi::ParseOptions;
use super::settings::Settings;

pub use styles::StyleError;

/// `parse_html(text, strip_ansi)`; `Err` where Evennia raises (see [`StyleError`]).
pub fn parse_html(text: &str, strip_ansi: bool, settings: &Settings) -> Result<String, StyleError> {
    let ansi =
        settings.markup.parse_ansi(text, ParseOptions { strip_ansi, xterm256: true, mxp: true, truecolor: true });
    let escaped = escape_text(&ansi);
    let linked = links(&escaped);
    let no_bells: String = if linked.contains('\x07') { linked.replace('\x07', "") } else { linked };
    let styled = styles::format_styles(&no_bells)?;
    // convert_linebreaks (step 2 already turned every "\n" into "<br>").
    let styled = if styled.contains('\n') { styled.replace('\n', "<br>") } else { styled };
    let clean = remove_backspaces(styled);
    Ok(urls::convert_urls(&clean))
}

/// Step 2: `re_string` with `sub_text`.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.char_indices().peekable();
    let mut copied = 0;
    while let Some((i, c)) = chars.next() {
        let repl: &str = match c {
            '<' => "&lt;",
            '&' => "&amp;",
            '>' => "&gt;",
            '\t' => "    ",
            '\r' => {
                if chars.peek().map(|&(_, n)| n) == Some('\n') {
                    chars.next();
                }
                "<br>"
            }
            '\n' => "<br>",
            _ => continue,
        };
        out.push_str(&text[copied..i]);
        out.push_str(repl);
        copied = chars.peek().map_or(text.len(), |&(j, _)| j);
    }
    out.push_str(&text[copied..]);
    out
}

/// Step 3: `sub_mxp_links`, then `sub_mxp_urls`.
fn links(text: &str) -> String {
    fn quoted(o: &mut String, s: &str) {
        // grp.replace('"', "\\&quot;")
        for (i, part) in s.split('"').enumerate() {
            if i > 0 {
                o.push_str("\\&quot;");
            }
            o.push_str(part);
        }
    }
    let text = super::mxp::sub_links(text, "|lc", |o, cmd, label| {
        o.push_str("<a id=\"mxplink\" href=\"#\" onclick=\"Evennia.msg(&quot;text&quot;,[&quot;");
        quoted(o, cmd);
        o.push_str("&quot;],{});return false;\">");
        quoted(o, label);
        o.push_str("</a>");
    })
    .unwrap_or_else(|| text.to_owned());
    super::mxp::sub_links(&text, "|lu", |o, url, label| {
        o.push_str("<a id=\"mxplink\" href=\"");
        quoted(o, url);
        o.push_str("\" target=\"_blank\">");
        quoted(o, label);
        o.push_str("</a>");
    })
    .unwrap_or(text)
}

/// Step 6: `re.subn(r"(.\010)|(\033\[K)", "", text, 1)` until nothing matches.
///
/// Removing the leftmost match again and again is the same as one pass
/// with a stack: every match ends at the character that completes it, and
/// none can start earlier than one that ends earlier. (Evennia's loop
/// rescans and rebuilds the whole text per backspace: quadratic, seconds
/// for a text with some thousands of them; this pass is linear.)
fn remove_backspaces(text: String) -> String {
    if !text.contains('\x08') && !text.contains("\x1b[K") {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // `.` is any character but "\n", a backspace included.
            '\x08' if out.chars().next_back().is_some_and(|last| last != '\n') => {
                out.pop();
            }
            'K' if out.ends_with("\x1b[") => {
                out.truncate(out.len() - 2);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(t: &str) -> String {
        parse_html(t, false, &Settings::default()).unwrap()
    }

    #[test]
    fn webclient_basics() {
        assert_eq!(html("hello |cworld|n"), "hello <span class=\"color-014\">world</span>");
        assert_eq!(
            html("hello |cworld|n http://x.com <b>"),
            "hello <span class=\"color-014\">world</span> <a href=\"http://x.com\" target=\"_blank\">http://x.com</a> &lt;b&gt;"
        );
        assert_eq!(remove_backspaces("ab\x08\x08c\n\x08\x08".into()), "c\n");
    }
}
