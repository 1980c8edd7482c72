//! Shared by the `render_*` tests: the Evennia oracle process
//! (`tests/python/render_oracle.py`), JSON <-> pickle values, a seeded markup
//! generator, and failure reports that show both sides escaped.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod corpus;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use amp_evennia::codec::pickle::Value;
use serde_json::Value as J;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("amp-portal has a parent").to_path_buf()
}

/// Evennia 6.1's Python: `$AMP_VENVS/ev61/bin/python`, else the workspace's `.venvs`.
pub fn evennia_python() -> PathBuf {
    let venvs = std::env::var_os("AMP_VENVS").map(PathBuf::from).unwrap_or_else(|| workspace_root().join(".venvs"));
    let py = venvs.join("ev61").join("bin").join("python");
    assert!(
        py.exists(),
        "Evennia 6.1's Python is missing ({}): run scripts/setup-python; this test never skips",
        py.display()
    );
    py
}

/// Runs the oracle on `cases` (one JSON object each) with optional settings
/// overrides; returns one result per case. Panics if Evennia cannot run.
pub fn oracle(cases: &[J], overrides: Option<&J>) -> Vec<J> {
    let script = workspace_root().join("amp-portal/tests/python/render_oracle.py");
    let mut cmd = Command::new(evennia_python());
    cmd.arg(&script)
        .env("DJANGO_SETTINGS_MODULE", "evennia.settings_default")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(o) = overrides {
        cmd.arg(o.to_string());
    }
    let mut child = cmd.spawn().expect("start Evennia's python");
    let mut input = String::new();
    for case in cases {
        input.push_str(&case.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        // A broken pipe means the oracle died; its stderr says why.
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stdout = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut stdout).expect("oracle stdout is UTF-8");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("oracle stderr");
    writer.join().expect("writer thread");
    let status = child.wait().expect("oracle exit");
    assert!(status.success(), "Evennia oracle failed ({status}):\n{stderr}");
    let results: Vec<J> = stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(results.len(), cases.len(), "the oracle answered {} of {} cases\n{stderr}", results.len(), cases.len());
    results
}

/// A JSON value as the pickle value Evennia's Server would send for it.
pub fn to_value(j: &J) -> Value {
    match j {
        J::Null => Value::None,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.to_string().parse::<num_bigint::BigInt>() {
                Ok(big) => Value::from_bigint(big),
                Err(_) => Value::Float(n.as_f64().expect("a float")),
            },
        },
        J::String(s) => Value::Str(s.clone()),
        J::Array(items) => Value::List(items.iter().map(to_value).collect()),
        J::Object(map) => Value::Dict(map.iter().map(|(k, v)| (Value::Str(k.clone()), to_value(v))).collect()),
    }
}

/// The pairs of a JSON object as a pickled dict's.
pub fn to_pairs(j: &J) -> Vec<(Value, Value)> {
    match to_value(j) {
        Value::Dict(pairs) => pairs,
        other => panic!("not a dict: {other:?}"),
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of lowercase hex.
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Bytes shown like a Python bytes literal (escapes for everything not printable ASCII).
pub fn show_bytes(b: &[u8]) -> String {
    let mut s = String::from("b\"");
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(char::from(c)),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

/// A string shown escaped, cut to a readable length.
pub fn show(s: &str) -> String {
    let shown = format!("{s:?}");
    if shown.len() > 400 {
        format!(
            "{}...({} chars)",
            &shown[..shown.char_indices().nth(400).map_or(shown.len(), |(i, _)| i)],
            s.chars().count()
        )
    } else {
        shown
    }
}

/// Where two byte strings first differ, for failure messages.
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()))
}

/// Collects mismatches and fails the test with the first few, all numbered.
pub struct Failures {
    what: &'static str,
    count: usize,
    cases: usize,
    shown: Vec<String>,
}

impl Failures {
    /// An empty report for `what`.
    pub fn new(what: &'static str) -> Self {
        Failures { what, count: 0, cases: 0, shown: Vec::new() }
    }

    /// Counts one compared case.
    pub fn case(&mut self) {
        self.cases += 1;
    }

    /// Records a mismatch.
    pub fn fail(&mut self, report: String) {
        self.count += 1;
        if self.shown.len() < 12 {
            self.shown.push(report);
        }
    }

    /// Panics if anything failed; else prints how many cases agreed.
    pub fn finish(self) {
        if self.count > 0 {
            panic!(
                "{}: {} of {} cases differ from Evennia; the first {}:\n\n{}",
                self.what,
                self.count,
                self.cases,
                self.shown.len(),
                self.shown.join("\n\n")
            );
        }
        eprintln!("{}: {} cases byte-identical with Evennia", self.what, self.cases);
    }
}

/// A small deterministic generator (SplitMix64), so the random corpus is the
/// same on every machine and every run.
pub struct Gen(u64);

impl Gen {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Gen(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A string of up to `max_tokens` pieces of markup alphabet.
    pub fn markup(&mut self, max_tokens: usize) -> String {
        let n = self.below(max_tokens + 1);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(MARKUP_ALPHABET[self.below(MARKUP_ALPHABET.len())]);
        }
        s
    }
}

/// The pieces random markup is built from: every kind of code, fragments of
/// codes, escapes, link markup, line breaks, control and non-ASCII
/// characters, and the characters the screenreader, HTML and URL steps treat
/// specially.
pub const MARKUP_ALPHABET: &[&str] = &[
    "|",
    "|",
    "|",
    "||",
    "|n",
    "|r",
    "|R",
    "|g",
    "|G",
    "|y",
    "|b",
    "|m",
    "|c",
    "|w",
    "|x",
    "|X",
    "|W",
    "|h",
    "|H",
    "|!",
    "|!R",
    "|!x",
    "|[",
    "|[r",
    "|[R",
    "|[x",
    "|[w",
    "|[W",
    "|[5",
    "|=",
    "|[=",
    "|#",
    "|[#",
    "|/",
    "|-",
    "|>",
    "|_",
    "|*",
    "|^",
    "|u",
    "|U",
    "|i",
    "|I",
    "|s",
    "|S",
    "|l",
    "|lc",
    "|lt",
    "|le",
    "|lu",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "9",
    "a",
    "b",
    "f",
    "z",
    "A",
    "F",
    "m",
    "n",
    "k",
    "K",
    ";",
    "{",
    "{{",
    "}",
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    " ",
    "  ",
    "+",
    "-",
    "--",
    "~",
    "=",
    "==",
    ".",
    ",",
    "/",
    ":",
    "&",
    "&lt;",
    "&amp;",
    "<",
    ">",
    "\"",
    "'",
    "#",
    "\x1b",
    "\x1b[",
    "\x1b[0m",
    "\x1b[1;7m",
    "\x1b[38;2;1;2;300m",
    "\x1b[48;5;16m",
    "\x1b[K",
    "\x07",
    "\x08",
    "\x00",
    "\x7f",
    "\u{85}",
    "\u{a0}",
    "\u{ff}",
    "é",
    "€",
    "日本",
    "😀",
    "\u{2028}",
    "http://",
    "https://e.org/x?a=1&b=2",
    "www.",
    "www.evennia.com",
    "ftp.",
    "ftp://f.net",
    "e.com",
    "=\"",
    "x",
    "hello",
    "ÿ",
];
