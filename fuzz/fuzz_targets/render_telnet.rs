//! The telnet renderer (`amp_portal::render::telnet`) and `charset` on any
//! input: no panic, and the invariants Evennia's output always has.
//!
//! The first three bytes choose the session flags, the send options and the
//! codec; the rest is the text (lossy UTF-8) and, as raw bytes, player input.

#![no_main]

use amp_portal::charset;
use amp_portal::render::ansi::ParseOptions;
use amp_portal::render::telnet::{self, Encoding, Flags, SendOptions, GA, IAC};
use amp_portal::render::Settings;
use libfuzzer_sys::fuzz_target;

const CODECS: [&str; 6] = ["utf-8", "latin-1", "ascii", "cp1252", "nope", "ISO-8859-1"];

/// No IAC stands alone: each is doubled.
fn iac_doubled(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == IAC {
            if bytes.get(i + 1) != Some(&IAC) {
                return false;
            }
            i += 1;
        }
        i += 1;
    }
    true
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let (f, o, c) = (data[0], data[1], data[2]);
    let bit = |b: u8, i: u8| b & (1 << i) != 0;
    let codec = CODECS[usize::from(c) % CODECS.len()];
    let flags = Flags {
        ttype: bit(f, 0),
        xterm256: bit(f, 1),
        truecolor: bit(f, 2),
        ansi: bit(f, 3),
        nocolor: bit(f, 4),
        raw: bit(f, 5),
        mxp: bit(f, 6),
        screenreader: bit(f, 7),
        nogoahead: bit(c, 4),
        nopromptgoahead: if bit(c, 5) { Some(bit(c, 6)) } else { None },
        forcedendline: bit(c, 7),
        encoding: Encoding::Name(codec.into()),
    };
    let opt = |i: u8| if bit(o, i) { Some(bit(o, i + 1)) } else { None };
    let options = SendOptions {
        xterm256: opt(0),
        nocolor: opt(2),
        raw: opt(4),
        echo: opt(6),
        mxp: if bit(c, 3) { Some(true) } else { None },
        ..SendOptions::default()
    };
    let text = String::from_utf8_lossy(&data[3..]);
    let settings = Settings::default();

    let line = telnet::text(&text, &flags, &options, &settings);
    // ENCODINGS starts with UTF-8, so every codec name ends up encodable.
    let bytes = line.data.expect("to_bytes falls back to UTF-8");
    let body = if flags.nogoahead {
        &bytes[..]
    } else {
        assert!(bytes.ends_with(&[IAC, GA]));
        &bytes[..bytes.len() - 2]
    };
    assert!(!flags.forcedendline || body.ends_with(b"\r\n"));
    assert!(iac_doubled(body));
    assert_eq!(line.echo.is_some(), options.echo.is_some());

    let prompt = telnet::prompt(&text, &flags, &options, &settings);
    let bytes = prompt.data.expect("to_bytes falls back to UTF-8");
    if !flags.nopromptgoahead.unwrap_or(flags.nogoahead) {
        assert!(bytes.ends_with(&[IAC, GA]));
        assert!(iac_doubled(&bytes[..bytes.len() - 2]));
    } else {
        assert!(iac_doubled(&bytes));
    }
    assert!(prompt.echo.is_none());

    if !text.contains('\x1b') {
        let stripped = settings.markup.parse_ansi(&text, ParseOptions { strip_ansi: true, ..ParseOptions::default() });
        assert!(!stripped.contains('\x1b'));
    }

    // Player input in this codec: never a panic.
    let _ = charset::decode_input(&data[3..], codec);
    let _ = charset::to_str(&data[3..], Some(codec), &charset::DEFAULT_ENCODINGS);
});
