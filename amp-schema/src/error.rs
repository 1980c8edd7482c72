//! Schema errors and their rendering as `path:LINE:COL: message` plus the
//! offending source line, underlined.

use crate::model::Span;

/// One problem in a schema, with the span it concerns.
///
/// For a schema parsed from TOML, `span` is a byte range of the text. For a
/// model built by other means (the macro's inline form), it is whatever the
/// builder stored in the model: [`crate::validate`] only reports spans it
/// found there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SchemaError {
    /// What is wrong, in one sentence (no position: see [`SchemaError::render`]).
    pub message: String,
    /// Where.
    pub span: Span,
}

impl SchemaError {
    /// An error at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        SchemaError { message: message.into(), span }
    }

    /// The error against its source `text` (read from `path`):
    ///
    /// ```text
    /// schema/sum.toml:3:30: unknown type `Integr` (did you mean `Integer`?)
    ///   |
    /// 3 |   { name = "a", type = "Integr" },
    ///   |                        ^^^^^^^^
    /// ```
    ///
    /// Lines and columns count from 1; columns count characters. A span over
    /// several lines is underlined on its first line. A span outside `text`
    /// is clamped to its end, never a panic.
    pub fn render(&self, path: &str, text: &str) -> String {
        let start = floor_char_boundary(text, self.span.start);
        let end = floor_char_boundary(text, self.span.end.max(self.span.start));
        let (line, col) = line_col(text, start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let source = text[line_start..line_end].trim_end_matches('\r');
        // Keep tabs in the padding so the carets line up under the span.
        let pad: String = text[line_start..start].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        let width = text[start..end.clamp(start, line_end)].chars().count().max(1);
        let number = line.to_string();
        let gutter = " ".repeat(number.len());
        format!(
            "{path}:{line}:{col}: {message}\n{gutter} |\n{number} | {source}\n{gutter} | {pad}{carets}",
            message = self.message,
            carets = "^".repeat(width)
        )
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
/// An offset past the end, or inside a character, is moved back to a
/// character boundary.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The largest character boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// All of `errors` rendered against `text`, one after the other, sorted by
/// position.
pub fn render_all(errors: &[SchemaError], path: &str, text: &str) -> String {
    let mut sorted: Vec<&SchemaError> = errors.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::new();
    for (i, e) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.render(path, text));
        out.push('\n');
    }
    let n = errors.len();
    out.push_str(&format!("{path}: {n} error{} in the schema", if n == 1 { "" } else { "s" }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "ab\nçd\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 5), (2, 2)); // after the two-byte `ç`
        assert_eq!(line_col(text, 4), (2, 1)); // inside `ç`: moved back
        assert_eq!(line_col(text, 100), (3, 1));
    }

    #[test]
    fn render_underlines_the_span() {
        let text = "a = 1\nbad = \"x\"\n";
        let e = SchemaError::new("unknown key `bad`", Span { start: 6, end: 9 });
        assert_eq!(e.render("f.toml", text), "f.toml:2:1: unknown key `bad`\n  |\n2 | bad = \"x\"\n  | ^^^");
    }

    #[test]
    fn render_keeps_tabs_and_clamps() {
        let text = "\tk = 1";
        let e = SchemaError::new("m", Span { start: 1, end: 2 });
        assert_eq!(e.render("f", text), "f:1:2: m\n  |\n1 | \tk = 1\n  | \t^");
        let far = SchemaError::new("m", Span { start: 50, end: 60 });
        assert_eq!(far.render("f", text), "f:1:7: m\n  |\n1 | \tk = 1\n  | \t     ^");
    }
}
