//! How schema names become Rust names.
//!
//! - Wire names of arguments and response fields become struct fields with
//!   [`rust_ident`]: `-` becomes `_` (as Twisted's `_wireNameToPythonIdentifier`
//!   does), Rust keywords become raw identifiers (`type` -> `r#type`), and the
//!   five words that cannot be raw (`self`, `Self`, `super`, `crate`, `_`) get a
//!   trailing `_`. Any other character that cannot appear in an ASCII Rust
//!   identifier is an error: the schema cannot rename a wire field.
//! - Table keys (`[commands.KEY]`, `[types.KEY]`, `[protocols.KEY]`) and
//!   exception names name Rust types as they are: they must already be valid,
//!   non-keyword ASCII identifiers ([`type_ident`]).
//! - Handler methods are the snake case of the command's table key
//!   ([`snake_case`]), keywords escaped like field names.
//! - The items generated around a command or protocol type are its name
//!   with a suffix: [`arguments_struct`], [`response_struct`],
//!   [`error_enum`], [`element_struct`] (one AmpList element),
//!   [`handler_trait`] and [`dispatcher_struct`].

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Strict, reserved and edition-dependent Rust keywords that a raw identifier
/// (`r#kw`) can spell. `gen` (reserved in edition 2024) is included so generated
/// code compiles in every edition.
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Words that are not identifiers and cannot be raw identifiers either.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Whether `word` is a Rust keyword (including `_`), in any edition.
pub fn is_keyword(word: &str) -> bool {
    RAW_KEYWORDS.contains(&word) || NON_RAW_KEYWORDS.contains(&word)
}

/// Maps a wire name (an argument, response or AmpList field key) to the Rust
/// field identifier, as Rust source text: `my-arg` -> `my_arg`, `type` ->
/// `r#type`, `self` -> `self_`, `-` -> `__`.
///
/// Case is kept (`packedData` stays `packedData`). An empty name, a name
/// starting with a digit, or one holding a character other than ASCII letters,
/// digits, `_` and `-` is an error (the message says which character).
pub fn rust_ident(wire: &str) -> Result<String, String> {
    if wire.is_empty() {
        return Err("an empty name cannot be a Rust identifier".to_string());
    }
    if let Some(bad) = wire.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
        return Err(format!(
            "`{}` contains {}, which cannot appear in a Rust identifier \
             (only ASCII letters, digits, `_` and `-` are mapped)",
            wire.escape_debug(),
            describe_char(bad)
        ));
    }
    if wire.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{wire}` starts with a digit, which a Rust identifier cannot"));
    }
    Ok(escape_keyword(wire.replace('-', "_")))
}

/// The handler method name of a command: the snake case of its table key
/// (`MsgPortal2Server` -> `msg_portal2_server`, `Sum` -> `sum`), keywords
/// escaped as [`rust_ident`] does (`Type` -> `r#type`).
///
/// `key` is expected to be a valid type identifier ([`type_ident`]); the
/// validation reports keys that are not, and keys whose method names collide.
pub fn snake_case(key: &str) -> String {
    escape_keyword(key.to_snake_case())
}

/// Checks that a table key (a command, custom type or protocol) or an
/// exception name can name a Rust type as it is, and returns it.
///
/// The key must be a non-empty ASCII identifier (letters, digits, `_`, not
/// starting with a digit) and not a keyword: no mapping is applied, since
/// these names are joined with suffixes (`SumArguments`, `ServerHandler`).
pub fn type_ident(key: &str) -> Result<String, String> {
    if key.is_empty() {
        return Err("an empty name cannot name a Rust type".to_string());
    }
    if let Some(bad) = key.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(format!(
            "`{}` contains {}: it must be an ASCII identifier (letters, digits and `_`) to name a Rust type",
            key.escape_debug(),
            describe_char(bad)
        ));
    }
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{key}` starts with a digit, so it cannot name a Rust type"));
    }
    if is_keyword(key) {
        return Err(format!("`{key}` is a Rust keyword, so it cannot name a Rust type"));
    }
    Ok(key.to_string())
}

/// The arguments struct of the command type `command`: `SumArguments`.
pub fn arguments_struct(command: &str) -> String {
    format!("{command}Arguments")
}

/// The response struct of the command type `command`: `SumResponse`.
pub fn response_struct(command: &str) -> String {
    format!("{command}Response")
}

/// The error enum of the command type `command`: `SumError` (one variant
/// per declared exception, named as the exception).
pub fn error_enum(command: &str) -> String {
    format!("{command}Error")
}

/// The struct of one element of an AmpList field: the owning struct's name
/// followed by the UpperCamelCase of the field's Rust identifier (as
/// [`rust_ident`] gives it; a raw `r#` is dropped): `SumArguments` and
/// `rows` give `SumArgumentsRows`, `my-rows` gives `SumArgumentsMyRows`.
pub fn element_struct(owner: &str, field_ident: &str) -> String {
    let field = field_ident.strip_prefix("r#").unwrap_or(field_ident);
    format!("{owner}{}", field.to_upper_camel_case())
}

/// The handler trait of the protocol `protocol`: `ServerHandler`.
pub fn handler_trait(protocol: &str) -> String {
    format!("{protocol}Handler")
}

/// The dispatcher (responder) struct of the protocol `protocol`: `ServerDispatcher`.
pub fn dispatcher_struct(protocol: &str) -> String {
    format!("{protocol}Dispatcher")
}

/// Whether `text` is a Rust type path: `::`-separated identifiers (raw ones,
/// `r#type`, allowed), an optional leading `::`, `crate`/`self`/`super`/`Self`
/// only as leading segments, and optional generic arguments (`<A, b::C<D>>`)
/// that are themselves such paths. References, tuples, arrays and lifetimes
/// are not accepted: name a type alias instead.
pub fn is_rust_path(text: &str) -> bool {
    let mut p = PathParser { s: text.as_bytes(), i: 0 };
    p.path() && {
        p.ws();
        p.i == p.s.len()
    }
}

/// A small recursive-descent recognizer for [`is_rust_path`].
struct PathParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl PathParser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(token.as_bytes()) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    /// An identifier, raw identifier or path keyword; returns its text.
    fn word(&mut self) -> Option<(bool, &str)> {
        self.ws();
        let raw = self.s[self.i..].starts_with(b"r#");
        let start = if raw { self.i + 2 } else { self.i };
        let mut end = start;
        while self.s.get(end).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            end += 1;
        }
        if end == start || self.s[start].is_ascii_digit() {
            return None;
        }
        self.i = end;
        // The slice is ASCII by construction.
        std::str::from_utf8(&self.s[start..end]).ok().map(|w| (raw, w))
    }

    fn path(&mut self) -> bool {
        let leading_colons = self.eat("::");
        // `crate`, `self` and `Self` may only lead a path, `super` may also
        // follow other `super`s (`super::super::X`).
        let mut only_supers = !leading_colons;
        let mut first = !leading_colons;
        loop {
            let Some((raw, word)) = self.word() else { return false };
            if raw && NON_RAW_KEYWORDS.contains(&word) {
                return false;
            }
            if !raw {
                let allowed_here = match word {
                    "crate" | "self" | "Self" => first,
                    "super" => only_supers,
                    _ => !is_keyword(word),
                };
                if !allowed_here {
                    return false;
                }
            }
            only_supers = only_supers && !raw && word == "super";
            first = false;
            if self.eat("<") && !self.generic_arguments() {
                return false;
            }
            if !self.eat("::") {
                return true;
            }
        }
    }

    /// The rest of `<A, B<C>>` after the `<`; at least one argument.
    fn generic_arguments(&mut self) -> bool {
        loop {
            if !self.path() {
                return false;
            }
            if self.eat(">") {
                return true;
            }
            if !self.eat(",") {
                return false;
            }
            // A trailing comma before `>` is valid Rust.
            if self.eat(">") {
                return true;
            }
        }
    }
}

/// Rust source text for an identifier made of valid characters.
fn escape_keyword(ident: String) -> String {
    if NON_RAW_KEYWORDS.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if RAW_KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// A character for an error message: visible ones quoted, others by code point.
fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_item_names() {
        assert_eq!(arguments_struct("Sum"), "SumArguments");
        assert_eq!(response_struct("Sum"), "SumResponse");
        assert_eq!(error_enum("Sum"), "SumError");
        assert_eq!(handler_trait("Server"), "ServerHandler");
        assert_eq!(dispatcher_struct("Server"), "ServerDispatcher");
        assert_eq!(element_struct("SumArguments", "rows"), "SumArgumentsRows");
        assert_eq!(element_struct("SumArguments", &rust_ident("my-rows").unwrap()), "SumArgumentsMyRows");
        assert_eq!(element_struct("SumResponse", &rust_ident("type").unwrap()), "SumResponseType");
    }

    #[test]
    fn rust_paths() {
        for ok in [
            "amp_evennia::Compressed",
            "::amp_runtime::types::Integer<u64>",
            "crate::codec::X",
            "self::X",
            "super::super::X",
            "Foo",
            "a::B<c::D, E<F>>",
            "a::B<C,>",
            "r#type::X",
            " a :: B ",
        ] {
            assert!(is_rust_path(ok), "{ok}");
        }
        for bad in [
            "",
            "::",
            "a::",
            "a::::b",
            "a b",
            "a::b::crate",
            "a::super",
            "::crate::X",
            "1a",
            "a-b",
            "&str",
            "(u8, u8)",
            "[u8; 4]",
            "a<>",
            "a<b",
            "a::type",
            "r#self",
            "_",
            "a::_",
            "a<'static>",
        ] {
            assert!(!is_rust_path(bad), "{bad}");
        }
    }
}
