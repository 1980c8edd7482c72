//! The webclient renderers (`amp_portal::render::html`, `render::web`) on any
//! input: no panic; every frame of `v1.evennia.com` and the legacy path is
//! ASCII JSON `[cmd, [html, ...], {...}]`; mudstandards text frames are BINARY.
//!
//! The first byte chooses the flags and options; the rest is the text.

#![no_main]

use amp_evennia::codec::pickle::Value;
use amp_portal::render::html::parse_html;
use amp_portal::render::web::{self, WebFlags, WireFormat};
use amp_portal::render::Settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    let settings = Settings::default();
    let bit = |i: u8| sel & (1 << i) != 0;

    let html = parse_html(&text, bit(0), &settings);
    if let Ok(h) = &html {
        assert!(!h.contains('\n') && !h.contains('\x07'));
    }

    let flags = WebFlags { raw: bit(1), nocolor: bit(2), screenreader: bit(3) };
    let mut options = Vec::new();
    if bit(4) {
        options.push((Value::Str("client_raw".into()), Value::Bool(true)));
    }
    let kwargs = vec![
        (Value::Str("options".into()), Value::Dict(options)),
        (Value::Str("type".into()), Value::Str(text.clone())),
    ];
    let args = [Value::Str(text.clone()), Value::Float(f64::from(sel) / 3.0)];
    for format in [
        WireFormat::EvenniaV1,
        WireFormat::Legacy,
        WireFormat::JsonStandard,
        WireFormat::GmcpStandard,
        WireFormat::Terminal,
    ] {
        for prompt in [false, true] {
            let send = if prompt { web::prompt } else { web::text };
            match send(format, &args, &kwargs, &flags, &settings) {
                Ok(Some(frame)) => match format {
                    WireFormat::EvenniaV1 | WireFormat::Legacy => {
                        assert!(!frame.binary && frame.payload.is_ascii());
                        let cmd = if prompt { &b"[\"prompt\", [\""[..] } else { &b"[\"text\", [\""[..] };
                        assert!(frame.payload.starts_with(cmd) && frame.payload.ends_with(b"}]"));
                    }
                    WireFormat::JsonStandard if prompt => {
                        assert!(!frame.binary && frame.payload.starts_with(b"{\"proto\": \"prompt\""));
                    }
                    _ => assert!(frame.binary && std::str::from_utf8(&frame.payload).is_ok()),
                },
                Ok(None) => panic!("a str text is always sent"),
                // Only parse_html raises (inverse truecolor), so only in the HTML formats.
                Err(_) => assert!(matches!(format, WireFormat::EvenniaV1 | WireFormat::Legacy) && !flags.raw),
            }
        }
    }
});
