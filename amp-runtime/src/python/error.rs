use std::fmt;

/// Why a text is not what Python's `int()` or `float()` reads: a short
/// reason (`"not a decimal digit"`, `"underscore not between digits"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError(pub(crate) &'static str);

impl ParseError {
    /// The reason, as text.
    pub fn reason(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ParseError {}
