//! The render benchmark in process CPU time, the measure
//! `benches/render/evennia_send_text.py` takes of Evennia: for each case,
//! every text of `benches/render/corpus.json` rendered PASSES times; prints
//! one JSON line per case with the median CPU microseconds per text.
//! `benches/run-render.sh` runs both and prints the ratio.
//!
//! ```text
//! cargo run --release -p amp-benches --bin render_cpu [-- PASSES]
//! ```

use std::hint::black_box;

use amp_evennia::codec::pickle::Value;
use amp_portal::render::telnet::{self, Encoding, Flags, SendOptions};
use amp_portal::render::web::{self, WebFlags, WireFormat};
use amp_portal::render::Settings;

/// Renders the corpus text of this index.
type Render<'a> = Box<dyn Fn(usize) + 'a>;

/// The process's CPU time (user + system) in seconds.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given and nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let passes: usize = std::env::args().nth(1).map_or(200, |a| a.parse().expect("PASSES is a number"));
    let only = std::env::args().nth(2);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/render/corpus.json");
    let texts: Vec<String> = serde_json::from_str(&std::fs::read_to_string(path).expect("corpus")).expect("JSON");
    let settings = Settings::default();
    let none = SendOptions::default();
    // The flag sets of evennia_send_text.py.
    let mudlet =
        Flags { ttype: true, ansi: true, xterm256: true, encoding: Encoding::Name("utf-8".into()), ..Flags::default() };
    let plain = Flags { ttype: true, nogoahead: false, encoding: Encoding::Name("utf-8".into()), ..Flags::default() };
    let args: Vec<[Value; 1]> = texts.iter().map(|t| [Value::Str(t.clone())]).collect();
    let kwargs = [(Value::Str("options".into()), Value::Dict(Vec::new()))];
    let cases: Vec<(&str, Render)> = vec![
        ("telnet_mudlet", Box::new(|i| drop(black_box(telnet::text(&texts[i], &mudlet, &none, &settings))))),
        ("telnet_16colour_ga", Box::new(|i| drop(black_box(telnet::text(&texts[i], &plain, &none, &settings))))),
        ("telnet_prompt", Box::new(|i| drop(black_box(telnet::prompt(&texts[i], &mudlet, &none, &settings))))),
        (
            "webclient_v1",
            Box::new(|i| {
                drop(black_box(web::text(WireFormat::EvenniaV1, &args[i], &kwargs, &WebFlags::default(), &settings)))
            }),
        ),
        (
            "websocket_terminal",
            Box::new(|i| {
                drop(black_box(web::text(WireFormat::Terminal, &args[i], &kwargs, &WebFlags::default(), &settings)))
            }),
        ),
    ];
    for (name, render) in cases.iter().filter(|(name, _)| only.is_none() || only.as_deref() == Some(*name)) {
        for i in 0..texts.len() {
            render(i);
        }
        let samples: Vec<f64> = (0..passes)
            .map(|_| {
                let start = cpu_seconds();
                for i in 0..texts.len() {
                    render(i);
                }
                (cpu_seconds() - start) / texts.len() as f64 * 1e6
            })
            .collect();
        let best = samples.iter().copied().fold(f64::INFINITY, f64::min);
        println!("{{\"case\": \"{name}\", \"us_per_text\": {:.4}, \"best_us_per_text\": {best:.4}}}", median(samples));
    }
}
