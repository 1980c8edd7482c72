//! Shared by the telnet tests: scripted clients, Evennia's own telnet protocol
//! run on them (`tests/python/telnet_oracle.py`), the same scripts run on
//! `amp_portal::telnet::Telnet`, and the comparison of the two.
#![allow(dead_code)] // each test file uses part of it

pub mod client;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use amp_evennia::codec::pickle::{self, DecodeOptions, Limits as PickleLimits};
use amp_portal::python::json::JsonError;
use amp_portal::python::repr::ReprError;
use amp_portal::python::repr::{float_repr, str as py_str};
use amp_portal::telnet::mssp::{evennia_table, Mssp, MsspSettings, MsspTable, MsspValue};
use amp_portal::telnet::{EvenniaOutcome, Event, InputError, OobError, Telnet, TelnetConfig, Value};
use serde_json::{json, Value as Json};

pub use client::Transcript;

/// The game settings a scenario runs under (None: Evennia's default).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub mxp_enabled: Option<bool>,
    pub encodings: Option<Vec<String>>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub idle_command: Option<String>,
    pub servername: Option<String>,
    pub telnet_ports: Option<Vec<i64>>,
    pub oob_enabled: Option<bool>,
    pub ssl_enabled: Option<bool>,
    /// `MSSP_META_MODULE.MSSPTable`: a dict of str keys and str/int/list values.
    pub mssp_custom: Option<Vec<(Value, Value)>>,
    pub players: usize,
}

/// The Portal start time both sides use for MSSP's UPTIME.
pub const UPTIME: f64 = 1733600000.25;

/// One scripted step.
#[derive(Debug, Clone)]
pub enum Step {
    /// One read from the client.
    Recv(Vec<u8>),
    /// The handshake timer fires.
    Timeout,
    /// The keepalive timer fires.
    Nop,
    /// `sendLine(bytes)`.
    Line(Vec<u8>),
    /// A raw prompt.
    Prompt(Vec<u8>),
    /// `echo` with a raw line.
    Echo(bool, Vec<u8>),
    /// `send_default(cmdname, *args, **kwargs)`.
    Oob(String, Vec<Value>, Vec<(Value, Value)>),
    /// `protocol_flags.update(dict)` (the Server's SSYNC).
    Flags(Vec<(Value, Value)>),
}

/// A scripted client session.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub settings: Settings,
    pub steps: Vec<Step>,
}

impl Scenario {
    pub fn new(name: impl Into<String>, steps: Vec<Step>) -> Self {
        Scenario { name: name.into(), settings: Settings::default(), steps }
    }

    pub fn with(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// All client bytes of the script, in order.
    pub fn client_bytes(&self) -> Vec<u8> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Recv(d) => Some(d.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// The same script with its reads cut differently: `cuts` are offsets into
    /// [`Scenario::client_bytes`]; steps other than reads keep their place
    /// after the bytes that preceded them.
    pub fn recut(&self, name: impl Into<String>, cuts: &[usize]) -> Scenario {
        let all = self.client_bytes();
        let mut steps = Vec::new();
        let mut at = 0;
        let mut cuts = cuts.iter().copied().peekable();
        for step in &self.steps {
            match step {
                Step::Recv(d) => {
                    let end = at + d.len();
                    let mut from = at;
                    while let Some(&c) = cuts.peek() {
                        if c > end {
                            break;
                        }
                        cuts.next();
                        if c > from {
                            steps.push(Step::Recv(all[from..c].to_vec()));
                            from = c;
                        }
                    }
                    if from < end {
                        steps.push(Step::Recv(all[from..end].to_vec()));
                    }
                    at = end;
                }
                other => steps.push(other.clone()),
            }
        }
        Scenario { name: name.into(), settings: self.settings.clone(), steps }
    }

    /// The same script with every read merged into the next until a non-read step.
    pub fn merged(&self, name: impl Into<String>) -> Scenario {
        let mut steps: Vec<Step> = Vec::new();
        for step in &self.steps {
            match (steps.last_mut(), step) {
                (Some(Step::Recv(prev)), Step::Recv(d)) => prev.extend_from_slice(d),
                _ => steps.push(step.clone()),
            }
        }
        Scenario { name: name.into(), settings: self.settings.clone(), steps }
    }
}

/// What one side did in one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub out: Vec<u8>,
    /// connect / sync / data_in calls, with the flags or the kwargs.
    pub calls: Vec<(String, Value)>,
    pub flags: Value,
    pub log_err: usize,
    /// Python: the exception that escaped dataReceived. Rust: the errors Evennia would drop on.
    pub crash: Option<String>,
    pub closed: bool,
    pub handshakes: i64,
    /// Rust only: every input error reported.
    pub errors: Vec<InputError>,
    /// Python only: a call's value had lone surrogates (replaced by U+FFFD).
    pub surrogates: bool,
    /// The Python exception type `send_default` raised (Evennia logs it).
    pub oob_error: Option<String>,
}

/// One side's run of a scenario.
#[derive(Debug, Clone)]
pub struct Run {
    pub connect: StepRecord,
    pub steps: Vec<StepRecord>,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

pub fn pickled(value: &Value) -> String {
    hex(&pickle::encode(value).expect("pickle a test value"))
}

pub fn unpickle(text: &str) -> Value {
    let options = DecodeOptions::with_limits(PickleLimits { max_depth: 100_000, ..PickleLimits::default() });
    pickle::decode_with(&unhex(text), &options).unwrap_or_else(|e| panic!("Evennia's pickle does not decode: {e}"))
}

fn oob_value(cmdname: &str, args: &[Value], kwargs: &[(Value, Value)]) -> Value {
    Value::Tuple(vec![Value::from(cmdname), Value::Tuple(args.to_vec()), Value::Dict(kwargs.to_vec())])
}

fn settings_json(s: &Settings) -> Json {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Json| {
        m.insert(k.to_owned(), v);
    };
    if let Some(v) = s.mxp_enabled {
        put("MXP_ENABLED", json!(v));
    }
    if let Some(v) = &s.encodings {
        put("ENCODINGS", json!(v));
    }
    if let Some(v) = s.width {
        put("CLIENT_DEFAULT_WIDTH", json!(v));
    }
    if let Some(v) = s.height {
        put("CLIENT_DEFAULT_HEIGHT", json!(v));
    }
    if let Some(v) = &s.idle_command {
        put("IDLE_COMMAND", json!(v));
    }
    if let Some(v) = &s.servername {
        put("SERVERNAME", json!(v));
    }
    if let Some(v) = &s.telnet_ports {
        put("TELNET_PORTS", json!(v));
    }
    if let Some(v) = s.oob_enabled {
        put("TELNET_OOB_ENABLED", json!(v));
    }
    if let Some(v) = s.ssl_enabled {
        put("SSL_ENABLED", json!(v));
    }
    if let Some(v) = &s.mssp_custom {
        put("MSSP_CUSTOM", json!(pickled(&Value::Dict(v.clone()))));
    }
    put("PLAYERS", json!(s.players));
    put("UPTIME", json!(UPTIME));
    Json::Object(m)
}

fn step_json(step: &Step) -> Json {
    match step {
        Step::Recv(d) => json!({"op": "recv", "data": hex(d)}),
        Step::Timeout => json!({"op": "timeout"}),
        Step::Nop => json!({"op": "nop"}),
        Step::Line(d) => json!({"op": "line", "data": hex(d)}),
        Step::Prompt(d) => json!({"op": "prompt", "data": hex(d)}),
        Step::Echo(on, d) => json!({"op": "echo", "on": on, "data": hex(d)}),
        Step::Oob(c, a, k) => json!({"op": "oob", "value": pickled(&oob_value(c, a, k))}),
        Step::Flags(d) => json!({"op": "flags", "value": pickled(&Value::Dict(d.clone()))}),
    }
}

/// An OOB message: `(cmdname, args, kwargs)`.
pub type OobMessage = (String, Vec<Value>, Vec<(Value, Value)>);

/// One OOB encoder result from Evennia: the MSDP and GMCP payloads, or the
/// exception type each raised.
#[derive(Debug, Clone)]
pub struct OobEncoded {
    pub msdp: Result<Vec<u8>, String>,
    pub gmcp: Result<Vec<u8>, String>,
}

/// Evennia's answers.
pub struct Oracle {
    pub evennia_version: String,
    pub runs: Vec<Run>,
    pub oob: Vec<OobEncoded>,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("amp-portal has a parent").to_path_buf()
}

/// Evennia 6.1's python, or a panic saying how to get it.
pub fn evennia_python() -> PathBuf {
    let venvs = std::env::var_os("AMP_VENVS").map(PathBuf::from).unwrap_or_else(|| workspace_root().join(".venvs"));
    let python = venvs.join("ev61").join("bin").join("python");
    assert!(
        python.exists(),
        "Evennia 6.1's venv is missing ({}): run scripts/setup-python (scripts/test does)",
        python.display()
    );
    python
}

/// Runs `amp-portal/tests/python/<script>` with Evennia's python on one JSON
/// request and returns its JSON reply; panics with its stderr if it fails.
pub fn python_json(script: &str, request: &Json) -> Json {
    use std::io::Write;
    let path = workspace_root().join("amp-portal/tests/python").join(script);
    let mut child = Command::new(evennia_python())
        .arg(&path)
        .env("DJANGO_SETTINGS_MODULE", "evennia.settings_default")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start Evennia's python for {script}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = serde_json::to_vec(request).expect("request JSON");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for Evennia's python");
    writer.join().expect("stdin writer").expect("write to Evennia's python");
    assert!(
        out.status.success(),
        "{script} failed ({}); it needs Evennia 6.1 importable:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{script}'s reply is not JSON: {e}"))
}

/// Runs Evennia's telnet protocol on `scenarios`, and its OOB encoders on `oob`.
pub fn evennia(scenarios: &[Scenario], oob: &[OobMessage]) -> Oracle {
    let request = json!({
        "scenarios": scenarios.iter().map(|s| json!({
            "settings": settings_json(&s.settings),
            "steps": s.steps.iter().map(step_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "oob_corpus": oob.iter().map(|(c, a, k)| pickled(&oob_value(c, a, k))).collect::<Vec<_>>(),
    });
    let reply = python_json("telnet_oracle.py", &request);
    let record = |j: &Json| StepRecord {
        out: unhex(j["out"].as_str().expect("out")),
        calls: j["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .map(|c| (c[0].as_str().expect("kind").to_owned(), unpickle(c[1].as_str().expect("value"))))
            .collect(),
        flags: unpickle(j["flags"].as_str().expect("flags")),
        log_err: j["log_err"].as_u64().expect("log_err") as usize,
        crash: j["crash"].as_str().map(str::to_owned),
        closed: j["closed"].as_bool().expect("closed"),
        handshakes: j["handshakes"].as_i64().expect("handshakes"),
        errors: Vec::new(),
        surrogates: j["calls"].as_array().expect("calls").iter().any(|c| c[2].as_bool() == Some(true)),
        oob_error: j["oob_error"].as_str().map(str::to_owned),
    };
    let runs = reply["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|r| Run {
            connect: record(&r["connect"]),
            steps: r["steps"].as_array().expect("steps").iter().map(record).collect(),
        })
        .collect();
    let side = |o: &Json, name: &str| match o[name].as_str() {
        Some(h) => Ok(unhex(h)),
        None => Err(o[format!("{name}_error")].as_str().unwrap_or("?").to_owned()),
    };
    let oob = reply["oob"]
        .as_array()
        .expect("oob")
        .iter()
        .map(|o| OobEncoded { msdp: side(o, "msdp"), gmcp: side(o, "gmcp") })
        .collect();
    Oracle { evennia_version: reply["evennia_version"].as_str().expect("version").to_owned(), runs, oob }
}

/// A Python value's `str()`, for MSSP custom values.
fn mssp_value(v: &Value) -> MsspValue {
    let text = |v: &Value| {
        let mut s = String::new();
        py_str(v, &mut s).expect("str() of an MSSP value");
        s
    };
    match v {
        Value::List(items) | Value::Tuple(items) => MsspValue::List(items.iter().map(text).collect()),
        Value::Float(x) => MsspValue::Text(float_repr(*x)),
        other => MsspValue::Text(text(other)),
    }
}

/// The Rust connection's config for a scenario's settings.
pub fn config(s: &Settings, evennia_version: &str) -> Arc<TelnetConfig> {
    let mut table = evennia_table(&MsspSettings {
        servername: s.servername.clone().unwrap_or_else(|| "Evennia".into()),
        telnet_ports: s.telnet_ports.clone().unwrap_or_else(|| vec![4000]).iter().map(|p| p.to_string()).collect(),
        telnet_oob_enabled: s.oob_enabled.unwrap_or(false),
        ssl_enabled: s.ssl_enabled.unwrap_or(false),
        evennia_version: evennia_version.to_owned(),
        portal_start_time: UPTIME,
    });
    if let Some(custom) = &s.mssp_custom {
        let mut extra = MsspTable::new();
        for (k, v) in custom {
            extra.set(k.as_str().expect("MSSP names are str"), mssp_value(v));
        }
        table.update(extra);
    }
    let mssp = Mssp::new(table);
    mssp.set_players(s.players);
    let encodings = s.encodings.clone().unwrap_or_else(|| vec!["utf-8".into()]);
    Arc::new(TelnetConfig {
        encoding: encodings.first().cloned().unwrap_or_else(|| "utf-8".into()),
        client_default_width: s.width.unwrap_or(78),
        client_default_height: s.height.unwrap_or(45),
        mxp_enabled: s.mxp_enabled.unwrap_or(true),
        idle_command: s.idle_command.clone().unwrap_or_else(|| "idle".into()),
        mssp: Arc::new(mssp),
        ..TelnetConfig::default()
    })
}

/// The Python exception type behind an OOB error.
pub fn python_exception(error: &OobError) -> &'static str {
    match error {
        OobError::KeywordNotStr(_) => "TypeError",
        OobError::Msdp(ReprError::IntTooLong) | OobError::Gmcp(JsonError::Repr(ReprError::IntTooLong)) => "ValueError",
        OobError::Msdp(ReprError::TooDeep) | OobError::Gmcp(JsonError::Repr(ReprError::TooDeep)) => "RecursionError",
        OobError::Gmcp(JsonError::TooDeep(_)) => "RecursionError",
        OobError::Gmcp(JsonError::NotSerializable(_)) => "TypeError",
        OobError::Gmcp(JsonError::Syntax { .. }) => "JSONDecodeError",
    }
}

/// What the Rust connection did since the last call.
pub fn record(telnet: &mut Telnet) -> StepRecord {
    let mut calls = Vec::new();
    let mut errors = Vec::new();
    for event in telnet.drain_events() {
        match &event {
            Event::Connect { flags } => calls.push(("connect".to_owned(), flags.to_value())),
            Event::Sync { flags, .. } => calls.push(("sync".to_owned(), flags.to_value())),
            Event::Text(_) | Event::Oob(_) => {
                calls.push(("data_in".to_owned(), event.data_in_kwargs().expect("data_in")))
            }
            Event::InputError(e) => errors.push(e.clone()),
            Event::Close(_) => {}
        }
    }
    let crash = errors.iter().filter(|e| e.evennia() == EvenniaOutcome::Dropped).map(|e| e.to_string()).next();
    StepRecord {
        out: telnet.take_output(),
        calls,
        flags: telnet.flags().to_value(),
        log_err: errors.iter().filter(|e| e.evennia() == EvenniaOutcome::Logged).count(),
        crash,
        closed: telnet.is_closed(),
        handshakes: i64::from(telnet.handshakes()),
        errors,
        surrogates: false,
        oob_error: None,
    }
}

/// Runs a scenario on the Rust connection.
pub fn rust(scenario: &Scenario, evennia_version: &str) -> Run {
    let mut telnet = Telnet::new(config(&scenario.settings, evennia_version));
    let connect = record(&mut telnet);
    let mut steps = Vec::new();
    for step in &scenario.steps {
        match step {
            Step::Recv(d) => telnet.receive(d),
            Step::Timeout => telnet.handshake_timeout(),
            Step::Nop => telnet.nop_keepalive(),
            Step::Line(d) => telnet.send_line(d),
            Step::Prompt(d) => telnet.send_prompt(d),
            Step::Echo(on, d) => {
                telnet.send_echo(*on);
                telnet.send_line(d);
            }
            Step::Oob(c, a, k) => {
                // Evennia logs the failure (log_trace); what was sent stays sent.
                if let Err(e) = telnet.send_oob(c, a, k) {
                    let mut done = record(&mut telnet);
                    done.oob_error = Some(python_exception(&e).to_owned());
                    steps.push(done);
                    continue;
                }
            }
            Step::Flags(d) => {
                telnet.flags_mut().update_from(d);
            }
        }
        let done = record(&mut telnet);
        let crashed = done.crash.is_some() && matches!(step, Step::Recv(_));
        steps.push(done);
        if crashed {
            break;
        }
    }
    Run { connect, steps }
}

/// Compares Evennia's run with ours; `Err` describes the first difference.
pub fn compare(scenario: &Scenario, python: &Run, rust: &Run) -> Result<(), String> {
    let mut py_client = Transcript::default();
    let mut rs_client = Transcript::default();
    let all_py = std::iter::once(&python.connect).chain(&python.steps);
    let all_rs = std::iter::once(&rust.connect).chain(&rust.steps);
    for (i, (py, rs)) in all_py.zip(all_rs).enumerate() {
        let what =
            if i == 0 { "connect".to_owned() } else { format!("step {} ({:?})", i - 1, short(&scenario.steps[i - 1])) };
        let fail = |msg: String| Err(format!("{}: {what}: {msg}", scenario.name));
        if py.crash.is_some() || rs.crash.is_some() {
            // Evennia dropped the connection (an exception escaped dataReceived):
            // ours must have reported why, and nothing after is compared.
            return match (&py.crash, &rs.crash) {
                (Some(_), Some(_)) => Ok(()),
                _ => fail(format!("crash: Evennia {:?}, ours {:?}", py.crash, rs.crash)),
            };
        }
        let (py_out, rs_out) = (py_client.feed(&py.out), rs_client.feed(&rs.out));
        if py_out != rs_out {
            return fail(format!("output differs:\n  Evennia: {py_out:?}\n  ours:    {rs_out:?}"));
        }
        if py.calls != rs.calls {
            return fail(format!(
                "session handler calls differ:\n  Evennia: {}\n  ours:    {}",
                calls_text(&py.calls),
                calls_text(&rs.calls)
            ));
        }
        if py.flags != rs.flags {
            return fail(format!("flags differ:\n  Evennia: {}\n  ours:    {}", py.flags, rs.flags));
        }
        if py.log_err != rs.log_err {
            return fail(format!(
                "malformed-input logs: Evennia {}, ours {} ({:?})",
                py.log_err, rs.log_err, rs.errors
            ));
        }
        if py.oob_error != rs.oob_error {
            return fail(format!("send_default error: Evennia {:?}, ours {:?}", py.oob_error, rs.oob_error));
        }
        if py.closed != rs.closed || py.handshakes != rs.handshakes {
            return fail(format!(
                "closed/handshakes: Evennia {}/{}, ours {}/{}",
                py.closed, py.handshakes, rs.closed, rs.handshakes
            ));
        }
    }
    if python.steps.len() != rust.steps.len() {
        return Err(format!("{}: Evennia ran {} steps, ours {}", scenario.name, python.steps.len(), rust.steps.len()));
    }
    Ok(())
}

fn calls_text(calls: &[(String, Value)]) -> String {
    calls.iter().map(|(k, v)| format!("{k}({v})")).collect::<Vec<_>>().join(", ")
}

fn short(step: &Step) -> String {
    let text = format!("{step:?}");
    if text.len() > 120 {
        format!("{}...", &text[..120])
    } else {
        text
    }
}

/// A small deterministic random source (xorshift64), so that failures replay.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
