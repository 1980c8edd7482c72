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
