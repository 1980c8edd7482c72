//! Evennia's `TelnetProtocol.applicationDataReceived`: text into input lines.
//!
//! Each piece of text Twisted hands on (see [`parser`](super::parser)) is
//! handled on its own, exactly as Evennia does:
//! 1. If it is a NUL byte, alone or with ASCII whitespace around it
//!    (`data.strip() == b"\0"`, an old keepalive), it becomes one line
//!    `IDLE_COMMAND + "\n"` (delivered as `b"idle\n\n"`, Evennia appends `\n`
//!    to every line); the line buffer is left as it is.
//! 2. Otherwise it is split at `\n\r`, `\r\n`, `\n` and `\r` (in that order of
//!    preference, left to right): so a break cut between two pieces counts
//!    twice (`\n` then `\r` is one break in one piece, two across pieces).
//! 3. With at least two breaks, if the first part is an HTTP request line
//!    (`GET|HEAD|POST|PUT|DELETE|TRACE|OPTIONS|CONNECT|PATCH`, any case, a
//!    space, then anywhere later ` HTTP/d.d`), the connection is refused:
//!    nothing of the piece is delivered (nor the line buffer).
//! 4. With at least one break, the line buffer is put before the first part.
//! 5. The last part (after the last break, possibly empty) is added to the
//!    line buffer; every other part is delivered as a line, `\n` appended.

use memchr::memchr2;

use super::event::InputError;

/// What one piece of text gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Lines and errors were pushed.
    Lines,
    /// An HTTP request: refuse the connection.
    Http,
}

/// Where lines go.
pub(super) trait Sink {
    /// A complete input line, `\n` appended.
    fn line(&mut self, line: Vec<u8>);
    /// A line over the limit was dropped.
    fn error(&mut self, error: InputError);
}

/// The line buffer (Evennia's `line_buffer`), bounded.
#[derive(Debug, Default)]
pub(super) struct Lines {
    buffer: Vec<u8>,
    /// The buffered line's length, past the limit too (`buffer` is emptied
    /// once the line is over the limit: it will be dropped).
    pending: usize,
}

/// Python's `bytes.strip()` whitespace.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Evennia's `_HTTP_REGEX.match(line)`:
/// `(GET|HEAD|POST|PUT|DELETE|TRACE|OPTIONS|CONNECT|PATCH) (.*? HTTP/[0-9]\.[0-9])`, `re.I`.
fn is_http_request(line: &[u8]) -> bool {
    const METHODS: [&[u8]; 9] =
        [b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"TRACE", b"OPTIONS", b"CONNECT", b"PATCH"];
    let Some(method) = METHODS
        .iter()
        .find(|m| line.len() > m.len() && line[..m.len()].eq_ignore_ascii_case(m) && line[m.len()] == b' ')
    else {
        return false;
    };
    // `.*?` may be empty but cannot give back the space after the method.
    line[method.len() + 1..].windows(9).any(|w| {
        w[..6].eq_ignore_ascii_case(b" HTTP/") && w[6].is_ascii_digit() && w[7] == b'.' && w[8].is_ascii_digit()
    })
}

impl Lines {
    /// Bytes of buffer held for the unfinished line (capacity).
    pub(super) fn buffered(&self) -> usize {
        self.buffer.capacity()
    }

    fn append(&mut self, part: &[u8], max_line: usize) {
        self.pending += part.len();
        if self.pending > max_line {
            self.buffer = Vec::new();
        } else {
            self.buffer.extend_from_slice(part);
        }
    }

    /// Delivers `prefix + part` as a line, or reports it over the limit.
    fn deliver(prefix: Vec<u8>, part: &[u8], length: usize, max_line: usize, sink: &mut impl Sink) {
        if length > max_line {
            sink.error(InputError::LineTooLong { length });
            return;
        }
        let mut line = prefix;
        line.reserve_exact(part.len() + 1);
        line.extend_from_slice(part);
        line.push(b'\n');
        sink.line(line);
    }

    /// One piece of text, as Evennia's `applicationDataReceived`.
    pub(super) fn receive(&mut self, data: &[u8], idle_line: &[u8], max_line: usize, sink: &mut impl Sink) -> Outcome {
        if is_lone_nul(data) {
            sink.line(idle_line.to_vec());
            return Outcome::Lines;
        }
        let Some((first_end, mut at)) = next_break(data, 0) else {
            self.append(data, max_line);
            return Outcome::Lines;
        };
        if next_break(data, at).is_some() && is_http_request(&data[..first_end]) {
            return Outcome::Http;
        }
        // The first part completes the buffered line.
        let first = &data[..first_end];
        let length = self.pending + first.len();
        Self::deliver(std::mem::take(&mut self.buffer), first, length, max_line, sink);
        self.pending = 0;
        while let Some((end, next)) = next_break(data, at) {
            let part = &data[at..end];
            Self::deliver(Vec::new(), part, part.len(), max_line, sink);
            at = next;
        }
        self.append(&data[at..], max_line);
        Outcome::Lines
    }
}

/// `data.strip() == b"\0"`.
fn is_lone_nul(data: &[u8]) -> bool {
    let Some(at) = data.iter().position(|&b| !is_ascii_space(b)) else { return false };
    data[at] == 0 && data[at + 1..].iter().all(|&b| is_ascii_space(b))
}

/// The next line break at or after `from`: (its start, the position after it).
/// `\n\r` and `\r\n` are one break, as in Evennia's `_RE_LINEBREAK`.
fn next_break(data: &[u8], from: usize) -> Option<(usize, usize)> {
    let j = from + memchr2(b'\n', b'\r', &data[from..])?;
    let two = data.get(j + 1).is_some_and(|&next| next != data[j] && matches!(next, b'\n' | b'\r'));
    Some((j, j + 1 + usize::from(two)))
}
