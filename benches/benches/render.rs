//! amp-portal's renderers on `benches/render/corpus.json` (400 game-shaped
//! output texts, see `benches/render/make_corpus.py`): what the Portal does
//! for every output line. `benches/render/evennia_send_text.py` times
//! Evennia's own `send_text` on the same texts with the same flags;
//! `benches/run-render.sh` runs both and prints the ratio.
//!
//! ```text
//! cargo bench -p amp-benches --bench render
//! ```

use std::hint::black_box;
use std::time::Duration;

use amp_evennia::codec::pickle::Value;
use amp_portal::render::telnet::{self, Encoding, Flags, SendOptions};
use amp_portal::render::web::{self, WebFlags, WireFormat};
use amp_portal::render::Settings;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn corpus() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/render/corpus.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("benches/render/corpus.json"))
        .expect("a JSON list of texts")
}

/// The flag sets of `evennia_send_text.py`.
fn mudlet() -> Flags {
    Flags { ttype: true, ansi: true, xterm256: true, encoding: Encoding::Name("utf-8".into()), ..Flags::default() }
}

fn plain() -> Flags {
    Flags { ttype: true, nogoahead: false, encoding: Encoding::Name("utf-8".into()), ..Flags::default() }
}

fn render(c: &mut Criterion) {
    let texts = corpus();
    let settings = Settings::default();
    let none = SendOptions::default();
    let mut g = c.benchmark_group("render");
    g.measurement_time(Duration::from_secs(4)).sample_size(40);
    g.throughput(Throughput::Elements(texts.len() as u64));
    let telnet_cases: [(&str, Flags, bool); 3] =
        [("telnet_mudlet", mudlet(), false), ("telnet_16colour_ga", plain(), false), ("telnet_prompt", mudlet(), true)];
    for (name, flags, prompt) in telnet_cases {
        g.bench_function(name, |b| {
            b.iter(|| {
                for t in &texts {
                    let w = if prompt {
                        telnet::prompt(t, &flags, &none, &settings)
                    } else {
                        telnet::text(t, &flags, &none, &settings)
                    };
                    black_box(w);
                }
            })
        });
    }
    let args: Vec<[Value; 1]> = texts.iter().map(|t| [Value::Str(t.clone())]).collect();
    let kwargs = [(Value::Str("options".into()), Value::Dict(Vec::new()))];
    for (name, format) in [("webclient_v1", WireFormat::EvenniaV1), ("websocket_terminal", WireFormat::Terminal)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                for a in &args {
                    black_box(web::text(format, a, &kwargs, &WebFlags::default(), &settings).expect("renders"));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
