//! Writing lines: each one flushed at once, so a script reading `amp serve`
//! line by line sees every call as it arrives.

use std::io::Write;

/// Prints `value` as one line of compact JSON on stdout and flushes.
///
/// A closed stdout (the reader went away) is not an error worth dying for
/// in the middle of serving: the write error is ignored.
pub fn json_line(value: &serde_json::Value) {
    let mut line = value.to_string();
    line.push('\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

/// Prints `message` as one line on stderr and flushes.
pub fn error_line(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "amp: {message}");
    let _ = err.flush();
}

/// Prints `text` (whole lines, for people: `list`, `describe`, completions,
/// the man page) on stdout and flushes; a closed stdout is ignored.
pub fn text(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Prints raw bytes on stdout and flushes; a closed stdout is ignored.
pub fn bytes(raw: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(raw);
    let _ = out.flush();
}
