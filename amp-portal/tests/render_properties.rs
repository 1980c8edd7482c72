//! Properties of the renderers and charset that hold for any input, checked
//! without Python (the differential tests check the bytes against Evennia).

use amp_evennia::codec::pickle::Value;
use amp_portal::charset::{self, Codec, Errors, Lookup};
use amp_portal::python::json;
use amp_portal::render::ansi::ParseOptions;
use amp_portal::render::telnet::{self, Encoding, Flags, SendOptions, GA, IAC};
use amp_portal::render::web::{self, WebFlags, WireFormat};
use amp_portal::render::{html, Settings};
use proptest::prelude::*;

/// Markup-heavy strings: pieces of codes mixed with arbitrary characters.
fn markup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "|", "||", "|n", "|r", "|[r", "|[", "|5", "|[05", "|=", "|[=q", "|#", "|[#a0", "|/", "|lc", "|lt", "|le", "|lu",
            "{{", "\\", "\n", "\r", "\t", "+", "--", "~~", "==", "\x1b", "\x1b[", "m", ";", "\x07", "\x08", "ÿ", "http://",
            "www.", "&", "<", ">", "\"", "0", "5", "a", "z", "K",
        ]).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn flags() -> impl Strategy<Value = Flags> {
    (any::<[bool; 11]>(), prop::option::of(any::<bool>()), 0..5usize).prop_map(|(b, npga, enc)| Flags {
        ttype: b[0],
        xterm256: b[1],
        truecolor: b[2],
        ansi: b[3],
        nocolor: b[4],
        raw: b[5],
        mxp: b[6],
        screenreader: b[7],
        nogoahead: b[8],
        nopromptgoahead: npga,
        forcedendline: b[9] || b[10],
        encoding: match enc {
            0 => Encoding::Absent,
            1 => Encoding::Name("latin-1".into()),
            2 => Encoding::Name("ascii".into()),
            3 => Encoding::Name("cp1252".into()),
            _ => Encoding::Name("utf8".into()),
        },
    })
}

fn options() -> impl Strategy<Value = SendOptions> {
    let o = || prop::option::of(any::<bool>());
    (o(), o(), o(), o(), o(), o(), o(), o(), any::<bool>()).prop_map(
        |(xterm256, truecolor, ansi, raw, nocolor, mxp, screenreader, echo, send_prompt)| SendOptions {
            xterm256,
            truecolor,
            ansi,
            raw,
            nocolor,
            mxp,
            screenreader,
            echo,
            send_prompt,
        },
    )
}

/// The bytes with every doubled IAC undone; `None` if an IAC stands alone.
fn undouble(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == IAC {
            if bytes.get(i + 1) != Some(&IAC) {
                return None;
            }
            i += 1;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Text lines end as Evennia ends them: `\r\n` (FORCEDENDLINE), then
    /// `IAC GA` when NOGOAHEAD is off; every other IAC is doubled.
    #[test]
    fn telnet_lines_end_as_evennia_ends_them(text in markup(), flags in flags(), mut opts in options()) {
        opts.send_prompt = false;
        let settings = Settings::default();
        let w = telnet::text(&text, &flags, &opts, &settings);
        let data = w.data.expect("supported codecs never fail");
        let body = if flags.nogoahead { &data[..] } else {
            prop_assert!(data.ends_with(&[IAC, GA]));
            &data[..data.len() - 2]
        };
        if flags.forcedendline {
            prop_assert!(body.ends_with(b"\r\n"));
        }
        prop_assert!(undouble(body).is_some(), "a lone IAC in {:?}", body);
        prop_assert_eq!(w.echo.is_some(), opts.echo.is_some());
    }

    /// Prompts get no line end of their own and `IAC GA` exactly per NOPROMPTGOAHEAD.
    #[test]
    fn telnet_prompts(text in markup(), flags in flags(), opts in options()) {
        let settings = Settings::default();
        let w = telnet::prompt(&text, &flags, &opts, &settings);
        prop_assert_eq!(w.echo, None);
        let data = w.data.expect("supported codecs never fail");
        let ga = !flags.nopromptgoahead.unwrap_or(flags.nogoahead);
        let body = if ga {
            prop_assert!(data.ends_with(&[IAC, GA]));
            &data[..data.len() - 2]
        } else { &data[..] };
        prop_assert!(undouble(body).is_some());
        // No "\r\n" is added: only the text's own line breaks make them.
        // (Screenreader mode strips markup first, which can leave a `|/`
        // behind: `|||[=q/` becomes `|/`, a line break, in Evennia too.)
        let screenreader = opts.screenreader.unwrap_or(flags.screenreader);
        if !text.contains('\n') && !text.contains("|/") && !screenreader {
            prop_assert!(!body.windows(2).any(|w| w == b"\r\n"));
        }
    }

    /// A raw Latin-1 line is the text itself, IAC doubled and `\n` made `\r\n`.
    #[test]
    fn raw_latin1_round_trip(text in "[\\x00-\\x{ff}]{0,60}") {
        let flags = Flags { encoding: Encoding::Name("latin-1".into()), forcedendline: false, ..Flags::default() };
        let opts = SendOptions { raw: Some(true), ..SendOptions::default() };
        let data = telnet::text(&text, &flags, &opts, &Settings::default()).data.unwrap();
        let plain = undouble(&data).expect("IAC doubled");
        let expected: Vec<u8> = text.chars().flat_map(|c| if c == '\n' { vec![b'\r', b'\n'] } else { vec![c as u8] }).collect();
        prop_assert_eq!(plain, expected);
    }

    /// Stripping leaves no SGR code when the input had no escape character.
    #[test]
    fn strip_ansi_leaves_no_escape(text in markup()) {
        let text: String = text.chars().filter(|&c| c != '\x1b').collect();
        let s = Settings::default();
        prop_assert!(!s.markup.strip_ansi(&text).contains('\x1b'));
        let opts = ParseOptions { strip_ansi: true, xterm256: true, truecolor: true, mxp: false };
        prop_assert!(!s.markup.parse_ansi(&text, opts).contains('\x1b'));
    }

    /// Text without markup, escapes, specials or URL words is its own HTML.
    #[test]
    fn plain_text_is_its_own_html(text in "[a-eg-vx-zA-Z0-9 .,!?]{0,80}") {
        prop_assert_eq!(html::parse_html(&text, false, &Settings::default()).unwrap(), text);
    }

    /// parse_html never panics, and every `<` it returns opens one of its own
    /// tags: the text's are escaped. (Backspaces and URLs are left out: they
    /// can eat into a tag, in Evennia too: `http://|/` gives
    /// `<a href="http://<br" ...>http://<br</a>>`.)
    #[test]
    fn html_escapes_the_text(text in markup(), strip in any::<bool>()) {
        let text: String = text.chars().filter(|&c| c != '\x08').collect();
        prop_assume!(!text.contains("http") && !text.contains("www") && !text.contains("ftp"));
        if let Ok(h) = html::parse_html(&text, strip, &Settings::default()) {
            let tags = ["<span class=\"", "</span>", "<br>", "<a href=\"", "<a id=\"mxplink\" ", "</a>"];
            for (i, _) in h.match_indices('<') {
                prop_assert!(tags.iter().any(|t| h[i..].starts_with(t)), "stray '<' at {} in {:?}", i, h);
            }
        }
    }

    /// json.dumps strings read back, through serde_json, as the same string.
    #[test]
    fn json_strings_round_trip(s in any::<String>()) {
        let mut out = String::new();
        json::dump_str(&s, &mut out);
        prop_assert!(out.is_ascii());
        let back: String = serde_json::from_str(&out).unwrap();
        prop_assert_eq!(back, s);
    }

    /// Every v1 frame is a JSON array [cmd, args, kwargs] with the extra args kept.
    #[test]
    fn v1_frames_are_json(text in markup(), prompt in any::<bool>(), n in 0..4i64) {
        let args: Vec<Value> = std::iter::once(Value::Str(text)).chain((0..n).map(Value::Int)).collect();
        let kwargs = vec![(Value::Str("type".into()), Value::Str("say".into()))];
        let send = if prompt { web::prompt } else { web::text };
        if let Ok(Some(frame)) = send(WireFormat::EvenniaV1, &args, &kwargs, &WebFlags::default(), &Settings::default()) {
            prop_assert!(!frame.binary);
            let v: serde_json::Value = serde_json::from_slice(&frame.payload).unwrap();
            prop_assert_eq!(&v[0], if prompt { "prompt" } else { "text" });
            prop_assert_eq!(v[1].as_array().unwrap().len() as i64, 1 + n);
            prop_assert_eq!(&v[2]["type"], "say");
        }
    }

    /// The mudstandards formats send UTF-8 ANSI that ends with a reset unless stripped.
    #[test]
    fn terminal_frames(text in markup()) {
        let s = Settings::default();
        let f = web::text(WireFormat::Terminal, &[Value::Str(text.clone())], &[], &WebFlags::default(), &s).unwrap().unwrap();
        prop_assert!(f.binary);
        let ansi = String::from_utf8(f.payload).unwrap();
        let telnet = telnet::text(&text, &Flags::default(), &SendOptions { truecolor: Some(false), ..SendOptions::default() }, &s);
        // The same markup steps as a telnet session without truecolor, minus sendLine.
        let line = String::from_utf8(telnet.data.unwrap()).unwrap();
        prop_assert_eq!(format!("{}\r\n", ansi.replace('\n', "\r\n")), line);
    }

    /// Encodable text survives encode + decode in every codec.
    #[test]
    fn codecs_round_trip(text in "[\\x00-\\x{ff}\\x{20ac}\\x{2122}日😀]{0,40}") {
        for codec in [Codec::Utf8, Codec::Latin1, Codec::Ascii, Codec::Cp1252] {
            if let Ok(bytes) = codec.encode(&text, Errors::Strict) {
                prop_assert_eq!(codec.decode(&bytes, Errors::Strict).unwrap(), text.clone());
            }
            let replaced = codec.encode(&text, Errors::Replace).unwrap();
            prop_assert_eq!(replaced.len() >= text.chars().count(), true);
        }
    }

    /// Normalizing a codec name does not change what it names.
    #[test]
    fn codec_names(name in "[ -~]{0,16}") {
        let norm = charset::normalize(&name);
        prop_assert_eq!(charset::normalize(&norm), norm.clone());
        prop_assert_eq!(charset::lookup(&name).unwrap(), charset::lookup(&norm).unwrap());
        if let Lookup::Codec(c) = charset::lookup(&name).unwrap() {
            prop_assert!(!c.name().is_empty());
        }
    }
}
