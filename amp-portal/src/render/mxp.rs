//! Evennia's link markup `|lc<command>|lt<label>|le` and `|lu<url>|lt<label>|le`:
//! `mxp_parse` of `server/portal/mxp.py` and `ANSIParser.strip_mxp`.
//!
//! Both use the regexes `\|lc(.*?)\|lt(.*?)\|le` and `\|lu(.*?)\|lt(.*?)\|le`
//! (DOTALL, lazy): a link is the first `|lt` after its opener and the first
//! `|le` after that, whatever lies between (line breaks, other openers). As
//! soon as one opener has no complete link after it, no later one can, so
//! the scan stops there (Python's regex instead retries from every later
//! opener, quadratic in a text of many unclosed ones; same result). Evennia
//! runs the command-link pass over the whole text first, then the URL pass
//! over the result.
//!
//! Stripping (`parse_ansi` without `mxp`) keeps the *label* of a command link
//! but the *URL* of a URL link (`|luhttp://x|ltclick|le` -> `http://x`).
//! `mxp_parse` writes MXP's SEND and A tags, each tag in its own
//! `ESC [4z` temp-secure mode: `\x1b[4z<SEND HREF="cmd">label\x1b[4z</SEND>`;
//! nothing in the command, URL or label is escaped.

use std::borrow::Cow;

use super::scan::{find_byte, find_link_marker};

/// Calls `emit(out, group1, group2)` for each `open(.*?)\|lt(.*?)\|le` of
/// `text` left to right, copying the text between; `None` if there was none.
pub(crate) fn sub_links(text: &str, open: &str, mut emit: impl FnMut(&mut String, &str, &str)) -> Option<String> {
    let bytes = text.as_bytes();
    let kind = open.as_bytes()[2];
    let mut out: Option<String> = None;
    let mut copied = 0;
    while let Some(p) = find_link_marker(bytes, copied, kind) {
        let Some(q) = find_link_marker(bytes, p + 3, b't') else { break };
        let Some(r) = find_link_marker(bytes, q + 3, b'e') else { break };
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[copied..p]);
        emit(o, &text[p + 3..q], &text[q + 3..r]);
        copied = r + 3;
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

/// Runs `sub_links` for command links, then URL links, over its result.
fn both<'a>(
    text: &'a str,
    mut link: impl FnMut(&mut String, &str, &str),
    mut url: impl FnMut(&mut String, &str, &str),
) -> Cow<'a, str> {
    let text = match sub_links(text, "|lc", &mut link) {
        Some(t) => Cow::Owned(t),
        None => Cow::Borrowed(text),
    };
    match sub_links(&text, "|lu", &mut url) {
        Some(t) => Cow::Owned(t),
        None => text,
    }
}

/// Whether `text` holds a `|l`, the start of every link marker.
fn has_link_marker(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = find_byte(bytes, i, b'|') {
        if bytes.get(at + 1) == Some(&b'l') {
            return true;
        }
        i = at + 1;
    }
    false
}

/// `ANSIParser.strip_mxp`: links become their label, URL links their URL.
pub fn strip_mxp(text: &str) -> Cow<'_, str> {
    if !has_link_marker(text) {
        return Cow::Borrowed(text);
    }
    both(text, |o, _, label| o.push_str(label), |o, url, _| o.push_str(url))
}

/// `mxp_parse` of `server/portal/mxp.py`: link markup to MXP SEND / A tags.
pub fn mxp_parse(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if find_link_marker(bytes, 0, b'c').is_none() && find_link_marker(bytes, 0, b'u').is_none() {
        return Cow::Borrowed(text);
    }
    both(
        text,
        |o, cmd, label| {
            o.push_str("\x1b[4z<SEND HREF=\"");
            o.push_str(cmd);
            o.push_str("\">");
            o.push_str(label);
            o.push_str("\x1b[4z</SEND>");
        },
        |o, url, label| {
            o.push_str("\x1b[4z<A HREF=\"");
            o.push_str(url);
            o.push_str("\">");
            o.push_str(label);
            o.push_str("\x1b[4z</A>");
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        assert_eq!(mxp_parse("|lclook|ltLook|le"), "\x1b[4z<SEND HREF=\"look\">Look\x1b[4z</SEND>");
        assert_eq!(strip_mxp("a |luhttp://x|ltclick|le |lcx|lty|le"), "a http://x y");
        assert_eq!(strip_mxp("|lca|ltb"), "|lca|ltb");
    }
}
