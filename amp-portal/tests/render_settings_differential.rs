//! The renderers under a game's own settings, against Evennia run with the
//! same settings: extra and replaced colour tables (`COLOR_ANSI_EXTRA_MAP`,
//! `COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP`, `COLOR_NO_DEFAULT`), a custom
//! `SCREENREADER_REGEX_STRIP`, and other `ENCODINGS`; telnet, HTML and the
//! websocket formats each.

mod render_common;

use amp_portal::render::ansi::ColorSettings;
use amp_portal::render::telnet::{self, Flags, SendOptions};
use amp_portal::render::web::{self, WebFlags, WireFormat};
use amp_portal::render::{html, Settings};
use render_common::{corpus, oracle, show, show_bytes, to_pairs, unhex, Failures, Gen};
use serde_json::{json, Value as J};

struct Variant {
    name: &'static str,
    overrides: J,
    colors: ColorSettings,
    screenreader: &'static str,
    encodings: Vec<&'static str>,
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn variants() -> Vec<Variant> {
    let extra =
        [("|q", "\x1b[95m"), ("|n", "\x1b[0m!"), ("{r", "<old red>"), ("|rr", "never"), ("||", "never"), ("é", "E")];
    let bright = [("|[o", "|[530"), ("|[r", "|[400"), ("|[#", "|[#f00")];
    vec![
        Variant {
            name: "extra colour tables",
            overrides: json!({"COLOR_ANSI_EXTRA_MAP": extra, "COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP": bright}),
            colors: ColorSettings {
                ansi_extra_map: pairs(&extra),
                bright_bg_extra_map: pairs(&bright),
                ..Default::default()
            },
            screenreader: amp_portal::render::screenreader::DEFAULT_PATTERN,
            encodings: vec!["utf-8", "latin-1", "ISO-8859-1"],
        },
        Variant {
            name: "COLOR_NO_DEFAULT",
            overrides: json!({"COLOR_NO_DEFAULT": true, "COLOR_ANSI_EXTRA_MAP": extra, "COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP": bright}),
            colors: ColorSettings {
                no_default: true,
                ansi_extra_map: pairs(&extra),
                bright_bg_extra_map: pairs(&bright),
                ..Default::default()
            },
            screenreader: amp_portal::render::screenreader::DEFAULT_PATTERN,
            encodings: vec!["utf-8", "latin-1", "ISO-8859-1"],
        },
        Variant {
            name: "custom screenreader regex and ENCODINGS",
            overrides: json!({"SCREENREADER_REGEX_STRIP": r"[*#]{2,}|\s+$|^>+|(?:ab)+c?", "ENCODINGS": ["ascii", "cp1252"]}),
            colors: ColorSettings::default(),
            screenreader: r"[*#]{2,}|\s+$|^>+|(?:ab)+c?",
            encodings: vec!["ascii", "cp1252"],
        },
    ]
}

fn texts() -> Vec<String> {
    let mut g = Gen::new(99);
    let mut v = corpus::tricky();
    v.extend(corpus::colour_codes().into_iter().step_by(5));
    for s in ["|q|[o{r|rr||q é", "{{r {r |[#abc |[r |[o", "** ## >>> ab abab ababc  \n> x  ", "€ ÿ 日本 |q€"] {
        v.push(s.to_string());
    }
    let extra = ["|q", "{r", "|[o", "|rr", "é", "*", "#", ">", "ab", "c", "  "];
    v.extend((0..600).map(|_| {
        (0..g.below(16))
            .map(|_| if g.chance(1, 3) { g.pick(&extra).to_string() } else { g.markup(1) })
            .collect::<String>()
    }));
    v
}

#[test]
fn renderers_under_game_settings() {
    let texts = texts();
    let telnet_flags = [
        json!({}),
        json!({"TTYPE": true, "ANSI": true}),
        json!({"SCREENREADER": true}),
        json!({"ENCODING": "ascii", "NOGOAHEAD": false}),
        json!({"ENCODING": "bogus"}),
    ];
    for variant in variants() {
        let settings = Settings::new(
            &variant.colors,
            variant.screenreader,
            variant.encodings.iter().map(|s| s.to_string()).collect(),
        )
        .expect("supported settings");
        let mut cases = Vec::new();
        // With COLOR_NO_DEFAULT Evennia's empty xterm256 regexes match at every
        // position and log a traceback each time: slow, so fewer texts there.
        let step = if variant.colors.no_default { 16 } else { 1 };
        for text in texts.iter().step_by(step) {
            for flags in &telnet_flags {
                cases.push(json!({"k": "telnet", "text": text, "flags": flags, "options": {}, "prompt": false}));
            }
            cases.push(json!({"k": "html", "text": text, "strip_ansi": false}));
            for format in ["v1.evennia.com", "terminal.mudstandards.org"] {
                cases.push(json!({"k": "web", "format": format, "prompt": false, "args": [text], "kwargs": {}, "flags": {"SCREENREADER": true}}));
            }
        }
        let answers = oracle(&cases, Some(&variant.overrides));
        let mut failures = Failures::new(variant.name);
        for (case, answer) in cases.iter().zip(&answers) {
            failures.case();
            let text = case.get("text").unwrap_or(&case["args"][0]).as_str().unwrap();
            let (want, got): (String, String) = match case["k"].as_str().unwrap() {
                "telnet" => {
                    let flags = Flags::from_protocol_flags(&to_pairs(&case["flags"]));
                    let w = telnet::text(text, &flags, &SendOptions::default(), &settings);
                    let want: Vec<String> = answer["writes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|h| show_bytes(&unhex(h.as_str().unwrap())))
                        .collect();
                    let got = match w.data {
                        Ok(b) => vec![show_bytes(&b)],
                        Err(_) => vec![],
                    };
                    (format!("{want:?} {}", answer["error"].is_string()), format!("{got:?} {}", got.is_empty()))
                }
                "html" => (
                    answer["out"].as_str().map_or("raises".into(), show),
                    html::parse_html(text, false, &settings).map_or("raises".into(), |h| show(&h)),
                ),
                _ => {
                    let format = WireFormat::from_subprotocol(case["format"].as_str().unwrap()).unwrap();
                    let flags = WebFlags::from_protocol_flags(&to_pairs(&case["flags"]));
                    let got = web::text(
                        format,
                        &[amp_evennia::codec::pickle::Value::Str(text.into())],
                        &[],
                        &flags,
                        &settings,
                    );
                    let want: Vec<String> = answer["frames"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| show_bytes(&unhex(f[0].as_str().unwrap())))
                        .collect();
                    let got: Vec<String> = got.ok().flatten().map(|f| show_bytes(&f.payload)).into_iter().collect();
                    (format!("{want:?}"), format!("{got:?}"))
                }
            };
            if want != got {
                failures.fail(format!("{} text {}\n  evennia {want}\n  rust    {got}", case["k"], show(text)));
            }
        }
        failures.finish();
    }
}

#[test]
fn unsupported_settings_are_refused() {
    let xterm =
        ColorSettings { xterm256_extra: [vec![r"\|#([0-5])".into()], vec![], vec![], vec![]], ..Default::default() };
    assert!(Settings::new(&xterm, amp_portal::render::screenreader::DEFAULT_PATTERN, vec![]).is_err());
    let empty_key = ColorSettings { ansi_extra_map: vec![(String::new(), "x".into())], ..Default::default() };
    assert!(Settings::new(&empty_key, amp_portal::render::screenreader::DEFAULT_PATTERN, vec![]).is_err());
    // Look-behind is Python-only syntax.
    assert!(Settings::new(&ColorSettings::default(), r"(?<!a)b", vec![]).is_err());
}
