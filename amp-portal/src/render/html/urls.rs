//! `TextToHTMLparser.convert_urls`: the first URL of the HTML made a link.
//!
//! Evennia searches once with
//! `(?<!=")(\b(?:ftp|www|https?)\W+(?:(?!\.(?:\s|$)|&\w+;)[^"',;$*^\\(){}<>\[\]\s])+)(\.(?:\s|$)|&\w+;|)`
//! and this module runs that search by hand, backtracking included:
//! `ftp`, `www` or `http(s)` at a word start not preceded by `="`, then
//! non-word characters (as many as leave a URL character after them), then
//! URL characters, stopping before a `.` that ends a sentence and before
//! an entity such as `&lt;`, which go into the "rest" kept after the link.
//! So `http://` is a link, spaces after it included (`\W+` takes them), and so is a URL inside an MXP link's
//! `onclick` attribute (its `&quot;` is no `="`). Without `ftp://`,
//! `http://` or `https://` the match must pass `re_valid_no_protocol`
//! (`www.` or `ftp.`, a host of 2-256 characters, a `.`, a 2-6 letter
//! top-level name) and gets `http://` prepended; if it fails, nothing is
//! converted and no later URL is tried.
//!
//! The search runs on the finished HTML, so the non-word run after the
//! scheme can swallow the `<` of a tag Evennia itself wrote: `http://|/`
//! becomes `<a href="http://<br" target="_blank">http://<br</a>>`, and a
//! colour code after a URL splits its `<span` the same way. Kept as is.
//!
//! `\w`, `\W`, `\s` and `\b` are Python's Unicode classes (from CPython's
//! own tables, see `pyunicode.rs`).

use super::pyunicode::{SPACE, WORD};

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Python `re`'s `\w` for a str pattern.
pub fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    in_ranges(WORD, c)
}

/// Python `re`'s `\s` for a str pattern.
pub fn is_space(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ');
    }
    in_ranges(SPACE, c)
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

/// `&\w+;` at `i`: its length.
fn entity_at(text: &str, i: usize) -> Option<usize> {
    let rest = text[i..].strip_prefix('&')?;
    let word: usize = rest.chars().take_while(|&c| is_word(c)).map(char::len_utf8).sum();
    (word > 0 && rest[word..].starts_with(';')).then_some(1 + word + 1)
}

/// `\.(?:\s|$)` at `i` (no MULTILINE: `$` is the end, or before a final `\n`): its length.
fn sentence_end_at(text: &str, i: usize) -> Option<usize> {
    if !text[i..].starts_with('.') {
        return None;
    }
    match char_at(text, i + 1) {
        None => Some(1),
        Some(c) if is_space(c) => Some(1 + c.len_utf8()),
        Some(_) => None,
    }
}

/// One character of the URL body at `i` (the lookahead and the class): its length.
fn url_char_at(text: &str, i: usize) -> Option<usize> {
    let c = char_at(text, i)?;
    if sentence_end_at(text, i).is_some() || entity_at(text, i).is_some() {
        return None;
    }
    let excluded =
        matches!(c, '"' | '\'' | ',' | ';' | '$' | '*' | '^' | '\\' | '(' | ')' | '{' | '}' | '<' | '>' | '[' | ']');
    (!excluded && !is_space(c)).then(|| c.len_utf8())
}

/// The regex at `p`: (end of group 1, end of the match).
fn url_at(text: &str, p: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    if p >= 2 && &bytes[p - 2..p] == b"=\"" {
        return None;
    }
    if text[..p].chars().next_back().is_some_and(is_word) {
        return None;
    }
    let rest = &text[p..];
    let scheme = if rest.starts_with("ftp") || rest.starts_with("www") {
        3
    } else if rest.starts_with("https") {
        // `https?` gives the `s` back only for a `\W` after `http`, and `s` is a word character.
        5
    } else if rest.starts_with("http") {
        4
    } else {
        return None;
    };
    // \W+ greedy: the longest run that leaves a URL character after it.
    let mut ends = Vec::new();
    let mut j = p + scheme;
    while let Some(c) = char_at(text, j).filter(|&c| !is_word(c)) {
        j += c.len_utf8();
        ends.push(j);
    }
    let body_start = ends.iter().rev().copied().find(|&e| url_char_at(text, e).is_some())?;
    let mut e = body_start;
    while let Some(len) = url_char_at(text, e) {
        e += len;
    }
    let rest_len = sentence_end_at(text, e).or_else(|| entity_at(text, e)).unwrap_or(0);
    Some((e, e + rest_len))
}

/// `re_valid_no_protocol.match(href)`.
fn valid_without_protocol(href: &str) -> bool {
    let Some(host) = href.strip_prefix("www.").or_else(|| href.strip_prefix("ftp.")) else { return false };
    let b = host.as_bytes();
    let host_class = |c: u8| c.is_ascii_alphanumeric() || b"-@:%._+~#=".contains(&c);
    let run = b.iter().take_while(|&&c| host_class(c)).count();
    (2..=run.saturating_sub(1).min(256)).rev().any(|n| {
        if b[n] != b'.' {
            return false;
        }
        let tld = b[n + 1..].iter().take_while(|c| c.is_ascii_lowercase()).count();
        // [a-z]{2,6}\b: a shorter take is followed by a letter, no boundary.
        (2..=6).contains(&tld) && char_at(host, n + 1 + tld).map_or(true, |c| !is_word(c))
    })
}

/// `convert_urls(text)`.
pub fn convert_urls(text: &str) -> String {
    let bytes = text.as_bytes();
    let found = (0..bytes.len())
        .filter(|&p| matches!(bytes[p], b'f' | b'w' | b'h'))
        .find_map(|p| url_at(text, p).map(|(g1, end)| (p, g1, end)));
    let Some((start, g1, end)) = found else { return text.to_owned() };
    let label = &text[start..g1];
    let href = if label.starts_with("ftp://") || label.starts_with("http://") || label.starts_with("https://") {
        label.to_owned()
    } else if valid_without_protocol(label) {
        format!("http://{label}")
    } else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len() + href.len() + 40);
    out.push_str(&text[..start]);
    out.push_str("<a href=\"");
    out.push_str(&href);
    out.push_str("\" target=\"_blank\">");
    out.push_str(label);
    out.push_str("</a>");
    out.push_str(&text[g1..end]);
    out.push_str(&text[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            convert_urls("see http://x.com."),
            "see <a href=\"http://x.com\" target=\"_blank\">http://x.com</a>."
        );
        assert_eq!(
            convert_urls("www.evennia.com ok"),
            "<a href=\"http://www.evennia.com\" target=\"_blank\">www.evennia.com</a> ok"
        );
        assert_eq!(convert_urls("http:// x"), "<a href=\"http:// x\" target=\"_blank\">http:// x</a>");
        assert_eq!(convert_urls("wwwx"), "wwwx");
        assert_eq!(convert_urls("www. bad then http://x"), "www. bad then http://x");
    }
}
