//! The telnet renderer against Evennia 6.1 itself: the same markup, flags and
//! options through `TelnetProtocol.send_text` / `send_prompt` (real instance,
//! recording transport) and through `render::telnet`, compared write by
//! write, byte for byte. Also `parse_ansi` on its own under all 16 option
//! combinations.
//!
//! Corpus: every colour code, broken / nested / escaped / linked markup,
//! unicode and 0xFF, long texts, and 4,000 seeded random strings over the
//! markup alphabet; flag sets for every flag of `send_text` (and Python
//! truthiness of odd flag values), each as a text and as a prompt.

mod render_common;

use amp_portal::render::ansi::ParseOptions;
use amp_portal::render::telnet::{self, Flags, SendOptions, Written};
use amp_portal::render::Settings;
use render_common::{corpus, first_difference, oracle, show, show_bytes, to_pairs, unhex, Failures, Gen};
use serde_json::{json, Value as J};

/// (protocol_flags, options) pairs covering each flag and their interplay.
fn flag_sets() -> Vec<(J, J)> {
    let modern = json!({"TTYPE": true, "ANSI": true, "XTERM256": true, "TRUECOLOR": true});
    let mut sets = vec![
        (json!({}), json!({})),
        (modern.clone(), json!({})),
        (json!({"TTYPE": true, "ANSI": true}), json!({})),
        (json!({"TTYPE": true, "XTERM256": true}), json!({})),
        (json!({"TTYPE": true}), json!({})),
        (json!({"TTYPE": false, "ANSI": false, "XTERM256": false}), json!({})),
        (json!({"TTYPE": true, "ANSI": true, "NOCOLOR": true}), json!({})),
        (json!({"RAW": true}), json!({})),
        (json!({"TTYPE": true, "ANSI": true, "XTERM256": true, "MXP": true}), json!({})),
        (json!({"SCREENREADER": true}), json!({})),
        (json!({"SCREENREADER": true, "TTYPE": true, "ANSI": true}), json!({})),
        (json!({"NOGOAHEAD": false}), json!({})),
        (json!({"NOGOAHEAD": false, "NOPROMPTGOAHEAD": true}), json!({})),
        (json!({"NOGOAHEAD": true, "NOPROMPTGOAHEAD": false}), json!({})),
        (json!({"FORCEDENDLINE": false}), json!({})),
        (json!({"FORCEDENDLINE": false, "NOGOAHEAD": false}), json!({})),
        (json!({"ENCODING": "latin-1"}), json!({})),
        (json!({"ENCODING": "ascii"}), json!({})),
        (json!({"ENCODING": "cp1252", "TTYPE": true, "ANSI": true}), json!({})),
        (json!({"ENCODING": "bogus-codec"}), json!({})),
        (json!({"ENCODING": "ISO-8859-1", "NOGOAHEAD": false, "MXP": true}), json!({})),
        (json!({"ENCODING": "UTF8"}), json!({})),
        (json!({"ENCODING": 5}), json!({})),
        (json!({}), json!({"raw": true})),
        (json!({}), json!({"nocolor": true})),
        (json!({"TTYPE": true, "ANSI": true}), json!({"xterm256": true})),
        (json!({}), json!({"xterm256": false})),
        (json!({}), json!({"truecolor": false})),
        (json!({}), json!({"ansi": false, "xterm256": false})),
        (json!({}), json!({"echo": true})),
        (json!({}), json!({"echo": false})),
        (json!({}), json!({"echo": null})),
        (json!({}), json!({"mxp": true})),
        (json!({}), json!({"screenreader": true})),
        (json!({}), json!({"send_prompt": true})),
        (json!({"RAW": true}), json!({"echo": false, "raw": 1})),
        (json!({"TTYPE": 1, "XTERM256": 1, "ANSI": "yes", "NOCOLOR": 0, "TRUECOLOR": ""}), json!({})),
        (json!({"NOCOLOR": true}), json!({"nocolor": 0, "truecolor": [], "mxp": "x"})),
    ];
    sets.push((json!({"MXP": true, "SCREENREADER": true, "ENCODING": "latin1"}), json!({"echo": true})));
    sets
}

/// Random flags and options over every key `send_text` reads.
fn random_flags(g: &mut Gen) -> (J, J) {
    let mut flags = serde_json::Map::new();
    let values = [json!(true), json!(false), json!(0), json!(1), json!(""), json!("x"), json!(null)];
    for key in [
        "TTYPE",
        "ANSI",
        "XTERM256",
        "TRUECOLOR",
        "NOCOLOR",
        "RAW",
        "MXP",
        "SCREENREADER",
        "NOGOAHEAD",
        "NOPROMPTGOAHEAD",
        "FORCEDENDLINE",
    ] {
        if g.chance(1, 3) {
            flags.insert(key.into(), g.pick(&values).clone());
        }
    }
    if g.chance(1, 3) {
        let enc = ["utf-8", "latin-1", "ascii", "cp1252", "Windows-1252", "nope", "utf_8", "L1", "us-ascii"];
        flags.insert("ENCODING".into(), json!(g.pick(&enc)));
    }
    let mut options = serde_json::Map::new();
    for key in ["xterm256", "truecolor", "ansi", "raw", "nocolor", "mxp", "screenreader", "echo", "send_prompt"] {
        if g.chance(1, 6) {
            options.insert(key.into(), g.pick(&values).clone());
        }
    }
    (J::Object(flags), J::Object(options))
}

fn render(case: &J, settings: &Settings) -> Written {
    let flags = Flags::from_protocol_flags(&to_pairs(&case["flags"]));
    let options = SendOptions::from_options(&to_pairs(&case["options"]));
    let text = case["text"].as_str().expect("text");
    if case["prompt"].as_bool().expect("prompt") {
        telnet::prompt(text, &flags, &options, settings)
    } else {
        telnet::text(text, &flags, &options, settings)
    }
}

/// Compares one case's writes with Evennia's; a report if they differ.
pub fn compare(case: &J, expected: &J, got: &Written) -> Option<String> {
    let want: Vec<Vec<u8>> =
        expected["writes"].as_array().expect("writes").iter().map(|w| unhex(w.as_str().expect("hex"))).collect();
    let want_error = expected["error"].as_str();
    let mut have: Vec<Vec<u8>> = got.echo.iter().map(|e| e.to_vec()).collect();
    let have_error = match &got.data {
        Ok(bytes) => {
            have.push(bytes.clone());
            None
        }
        Err(e) => Some(e.to_string()),
    };
    if want == have && want_error.is_some() == have_error.is_some() {
        return None;
    }
    let mut report = format!(
        "text {}\nflags {} options {} prompt {}\n",
        show(case["text"].as_str().unwrap_or("")),
        case["flags"],
        case["options"],
        case["prompt"]
    );
    report.push_str(&format!("evennia: {} write(s), error {:?}\n", want.len(), want_error));
    report.push_str(&format!("rust:    {} write(s), error {:?}\n", have.len(), have_error));
    for i in 0..want.len().max(have.len()) {
        let (w, h) = (want.get(i), have.get(i));
        if w != h {
            let at = first_difference(w.map_or(&[][..], |v| v), h.map_or(&[][..], |v| v));
            report.push_str(&format!(
                "write {i} differs at byte {at}:\n  evennia {}\n  rust    {}\n",
                w.map_or("-".into(), |v| show_bytes(v)),
                h.map_or("-".into(), |v| show_bytes(v))
            ));
        }
    }
    Some(report)
}

fn run_cases(what: &'static str, cases: Vec<J>) {
    let settings = Settings::default();
    let answers = oracle(&cases, None);
    let mut failures = Failures::new(what);
    for (case, answer) in cases.iter().zip(&answers) {
        failures.case();
        if let Some(report) = compare(case, answer, &render(case, &settings)) {
            failures.fail(report);
        }
    }
    failures.finish();
}

fn case(text: &str, flags: &J, options: &J, prompt: bool) -> J {
    json!({"k": "telnet", "text": text, "flags": flags, "options": options, "prompt": prompt})
}

#[test]
fn every_colour_code_under_colour_flags() {
    let sets = flag_sets();
    // The sets whose colour handling differs: none, modern, 16-colour,
    // xterm256 without truecolor, nocolor, screenreader, raw, truthiness.
    let colour_sets: Vec<&(J, J)> = [0, 1, 2, 3, 4, 6, 7, 9, 27, 36].iter().map(|&i| &sets[i]).collect();
    let mut cases = Vec::new();
    for text in corpus::colour_codes() {
        for (flags, options) in &colour_sets {
            cases.push(case(&text, flags, options, false));
        }
        cases.push(case(&text, &sets[1].0, &sets[1].1, true));
    }
    run_cases("telnet: every colour code", cases);
}

#[test]
fn tricky_markup_under_every_flag_set() {
    let mut cases = Vec::new();
    for text in corpus::tricky() {
        for (flags, options) in flag_sets() {
            for prompt in [false, true] {
                cases.push(case(&text, &flags, &options, prompt));
            }
        }
    }
    run_cases("telnet: tricky markup x flag sets", cases);
}

#[test]
fn long_texts() {
    let mut cases = Vec::new();
    for text in corpus::long() {
        for i in [0, 1, 2, 8, 9, 16, 23] {
            let (flags, options) = &flag_sets()[i];
            cases.push(case(&text, flags, options, i == 8));
        }
    }
    run_cases("telnet: long texts", cases);
}

#[test]
fn random_markup_with_random_flags() {
    let mut g = Gen::new(0x5eed_7e1e);
    let cases: Vec<J> = (0..4000)
        .map(|_| {
            let text = g.markup(24);
            let (flags, options) = random_flags(&mut g);
            case(&text, &flags, &options, g.chance(1, 4))
        })
        .collect();
    run_cases("telnet: 4000 random strings", cases);
}

#[test]
fn parse_ansi_alone_under_all_options() {
    let settings = Settings::default();
    let mut g = Gen::new(42);
    let mut texts = corpus::tricky();
    texts.extend(corpus::colour_codes().into_iter().step_by(3));
    texts.extend((0..1500).map(|_| g.markup(20)));
    let mut cases = Vec::new();
    let mut opts = Vec::new();
    for text in &texts {
        for bits in 0..16u8 {
            let o = ParseOptions {
                strip_ansi: bits & 1 != 0,
                xterm256: bits & 2 != 0,
                mxp: bits & 4 != 0,
                truecolor: bits & 8 != 0,
            };
            cases.push(json!({"k": "ansi", "text": text, "strip_ansi": o.strip_ansi, "xterm256": o.xterm256, "mxp": o.mxp, "truecolor": o.truecolor}));
            opts.push(o);
        }
    }
    let answers = oracle(&cases, None);
    let mut failures = Failures::new("parse_ansi x 16 option sets");
    for ((case, answer), o) in cases.iter().zip(&answers).zip(opts) {
        failures.case();
        let text = case["text"].as_str().unwrap();
        let got = settings.markup.parse_ansi(text, o);
        let want = answer["out"].as_str().expect("parse_ansi never raises");
        if got != want {
            failures.fail(format!(
                "text {}\noptions {o:?}\n  evennia {}\n  rust    {}",
                show(text),
                show(want),
                show(&got)
            ));
        }
    }
    failures.finish();
}
