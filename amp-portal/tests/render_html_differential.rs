//! The webclient renderers against Evennia 6.1 itself: `text2html.parse_html`
//! on the markup corpus (colour codes, tricky markup, long texts, random
//! strings; with and without `strip_ansi`), and the frames a real
//! `WebSocketClient` sends from `send_text` / `send_prompt` in each wire
//! format (`v1.evennia.com`, the legacy no-format path,
//! `json.mudstandards.org`, `gmcp.mudstandards.org`,
//! `terminal.mudstandards.org`) under the flags and options they read, with
//! extra args and kwargs going through `json.dumps`.

mod render_common;

use amp_portal::render::html::parse_html;
use amp_portal::render::web::{self, WebFlags, WireFormat};
use amp_portal::render::Settings;
use render_common::{corpus, first_difference, oracle, show, show_bytes, to_pairs, to_value, unhex, Failures, Gen};
use serde_json::{json, Value as J};

fn html_cases(texts: &[String]) -> Vec<J> {
    texts.iter().flat_map(|t| [false, true].map(|strip| json!({"k": "html", "text": t, "strip_ansi": strip}))).collect()
}

fn check_html(what: &'static str, texts: &[String]) {
    let settings = Settings::default();
    let cases = html_cases(texts);
    let answers = oracle(&cases, None);
    let mut failures = Failures::new(what);
    for (case, answer) in cases.iter().zip(&answers) {
        failures.case();
        let text = case["text"].as_str().unwrap();
        let got = parse_html(text, case["strip_ansi"].as_bool().unwrap(), &settings);
        let ok = match (&got, answer["out"].as_str()) {
            (Ok(g), Some(w)) => g == w,
            (Err(_), None) => answer["error"].is_string(),
            _ => false,
        };
        if !ok {
            let w = answer["out"].as_str().map_or_else(|| format!("raises {}", answer["error"]), show);
            let g = got.as_ref().map_or_else(|e| format!("error: {e}"), |g| show(g));
            failures.fail(format!(
                "text {} strip_ansi {}\n  evennia {w}\n  rust    {g}",
                show(text),
                case["strip_ansi"]
            ));
        }
    }
    failures.finish();
}

#[test]
fn html_colour_codes() {
    check_html("parse_html: every colour code", &corpus::colour_codes());
}

#[test]
fn html_tricky_and_long() {
    let mut texts = corpus::tricky();
    texts.extend(corpus::long());
    check_html("parse_html: tricky and long markup", &texts);
}

#[test]
fn html_random() {
    let mut g = Gen::new(0x0417_3e11);
    let texts: Vec<String> = (0..4000).map(|_| g.markup(24)).collect();
    check_html("parse_html: 4000 random strings", &texts);
}

const FORMATS: [Option<&str>; 5] = [
    Some("v1.evennia.com"),
    None,
    Some("json.mudstandards.org"),
    Some("gmcp.mudstandards.org"),
    Some("terminal.mudstandards.org"),
];

fn format_of(name: &J) -> WireFormat {
    match name.as_str() {
        None => WireFormat::Legacy,
        Some(n) => WireFormat::from_subprotocol(n).expect("a known subprotocol"),
    }
}

/// (protocol_flags, options) the wire formats read.
fn web_flag_sets() -> Vec<(J, J)> {
    vec![
        (json!({}), json!({})),
        (json!({"RAW": true}), json!({})),
        (json!({"NOCOLOR": true}), json!({})),
        (json!({"SCREENREADER": true}), json!({})),
        (json!({"SCREENREADER": true, "NOCOLOR": true}), json!({})),
        (json!({}), json!({"raw": true})),
        (json!({}), json!({"raw": true, "client_raw": true})),
        (json!({}), json!({"nocolor": true})),
        (json!({}), json!({"screenreader": true})),
        (json!({}), json!({"send_prompt": true})),
        (json!({"NOCOLOR": true, "RAW": 1}), json!({"nocolor": 0, "raw": ""})),
        (json!({"SCREENREADER": "yes"}), json!({"client_raw": 1, "raw": [1]})),
    ]
}

fn web_case(format: Option<&str>, prompt: bool, args: J, kwargs: J, flags: &J) -> J {
    json!({"k": "web", "format": format, "prompt": prompt, "args": args, "kwargs": kwargs, "flags": flags})
}

fn check_web(what: &'static str, cases: Vec<J>) {
    let settings = Settings::default();
    let answers = oracle(&cases, None);
    let mut failures = Failures::new(what);
    for (case, answer) in cases.iter().zip(&answers) {
        failures.case();
        let format = format_of(&case["format"]);
        let args: Vec<_> = case["args"].as_array().unwrap().iter().map(to_value).collect();
        let kwargs = to_pairs(&case["kwargs"]);
        let flags = WebFlags::from_protocol_flags(&to_pairs(&case["flags"]));
        let got = if case["prompt"].as_bool().unwrap() {
            web::prompt(format, &args, &kwargs, &flags, &settings)
        } else {
            web::text(format, &args, &kwargs, &flags, &settings)
        };
        let want: Vec<(Vec<u8>, bool)> = answer["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (unhex(f[0].as_str().unwrap()), f[1].as_bool().unwrap()))
            .collect();
        let ok = match &got {
            Ok(None) => want.is_empty() && answer["error"].is_null(),
            Ok(Some(frame)) => want == [(frame.payload.clone(), frame.binary)] && answer["error"].is_null(),
            Err(_) => want.is_empty() && answer["error"].is_string(),
        };
        if !ok {
            let mut report = format!(
                "format {} prompt {} args {} kwargs {} flags {}\n",
                case["format"], case["prompt"], case["args"], case["kwargs"], case["flags"]
            );
            report.push_str(&format!("  evennia error {} frames:", answer["error"]));
            for (p, b) in &want {
                report.push_str(&format!("\n    {} {}", if *b { "BINARY" } else { "TEXT" }, show_bytes(p)));
            }
            match &got {
                Ok(Some(f)) => {
                    report.push_str(&format!(
                        "\n  rust {} {}",
                        if f.binary { "BINARY" } else { "TEXT" },
                        show_bytes(&f.payload)
                    ));
                    if let Some((p, _)) = want.first() {
                        report.push_str(&format!("\n  first difference at byte {}", first_difference(p, &f.payload)));
                    }
                }
                other => report.push_str(&format!("\n  rust {other:?}")),
            }
            failures.fail(report);
        }
    }
    failures.finish();
}

#[test]
fn web_formats_on_the_corpus() {
    let mut texts = corpus::tricky();
    texts.extend(corpus::colour_codes().into_iter().step_by(9));
    let mut cases = Vec::new();
    for text in &texts {
        for format in FORMATS {
            for (flags, options) in web_flag_sets() {
                for prompt in [false, true] {
                    cases.push(web_case(format, prompt, json!([text]), json!({"options": options}), &flags));
                }
            }
        }
    }
    check_web("web: wire formats x flag sets x corpus", cases);
}

#[test]
fn web_formats_random_with_args_and_kwargs() {
    let mut g = Gen::new(0xfeed);
    let extra = [
        json!(1),
        json!(-7),
        json!(12345678901234567890u64),
        json!(1.5),
        json!(1e16),
        json!(1e-7),
        json!(0.1),
        json!(true),
        json!(null),
        json!("é\u{1F600}\"\\\n\t\x01\x7f"),
        json!([1, [2, "x"], {}]),
        json!({"a": 1, "b": [true, null]}),
        json!({}),
        json!([]),
    ];
    let flag_sets = web_flag_sets();
    let mut cases = Vec::new();
    for _ in 0..3000 {
        let format = *g.pick(&FORMATS);
        let mut args = vec![json!(g.markup(16))];
        for _ in 0..g.below(3) {
            args.push(g.pick(&extra).clone());
        }
        let (flags, options) = g.pick(&flag_sets).clone();
        let mut kwargs = serde_json::Map::new();
        if g.chance(3, 4) {
            kwargs.insert("options".into(), options);
        }
        for key in ["type", "target", "cls"] {
            if g.chance(1, 4) {
                kwargs.insert(key.into(), g.pick(&extra).clone());
            }
        }
        cases.push(web_case(format, g.chance(1, 3), J::Array(args), J::Object(kwargs), &flags));
    }
    // No text, a None text, a non-str text.
    for format in FORMATS {
        for args in [json!([]), json!([null]), json!([null, "x"])] {
            cases.push(web_case(format, false, args.clone(), json!({"options": {}}), &json!({})));
            cases.push(web_case(format, true, args, json!({}), &json!({})));
        }
    }
    check_web("web: 3000 random sends with args and kwargs", cases);
}
