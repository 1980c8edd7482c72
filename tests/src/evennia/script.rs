//! A script of telnet players run against one Portal, every step recorded,
//! so that two Portals can be compared step by step.
//!
//! A [`Script`] names its clients (a [`ClientProfile`] each) and a list of
//! [`Step`]s; each step belongs to one client (connecting it on its first
//! step), sends its [`Action`]s and then reads until a condition
//! ([`Until`]) that makes the step's end deterministic: most often the
//! sentinel, `MARK-<step>` sent after the actions, which Evennia answers
//! (logged in or not) with `Command 'MARK-<step>' is not available. ...`:
//! everything the step caused arrived before that answer, because the
//! Server handles one session's input in order.
//!
//! A step's data is cut by content (the bytes up to the end of its
//! condition), never by arrival time. Its telnet commands are the ones that
//! arrived after the previous step's last data byte and up to its own last
//! data byte ([`Transcript::command_at`]), so that an `IAC GA` ending the
//! step's last line belongs to the step, whichever read brought it.
//!
//! [`Transcript::command_at`]: super::Transcript::command_at

use std::net::SocketAddr;
use std::time::Duration;

use super::scripted::{ClientProfile, ScriptedClient, TelnetCommand};

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;
const GMCP: u8 = 201;

/// Lines read at most for one [`Until::Counts`] step.
const MAX_LINES: usize = 10_000;

/// What a step sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A line, sent with `\r\n` (0xFF doubled).
    Line(String),
    /// Bytes as they are (several lines in one write, other encodings ...).
    Raw(Vec<u8>),
    /// A GMCP message: `IAC SB GMCP <message> IAC SE`.
    Gmcp(String),
}

/// Where a step ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Until {
    /// Sends `MARK-<step index>` and reads to the end of the line that has
    /// `MARK-<step index>' is not available`.
    Marker,
    /// Reads until these bytes.
    Text(Vec<u8>),
    /// Reads whole lines until, for each `(pattern, count)`, `count` lines
    /// holding `pattern` have arrived (in any order).
    Counts(Vec<(Vec<u8>, usize)>),
    /// Reads until the Portal closes the connection.
    Closed,
}

/// One step of a [`Script`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Index into [`Script::clients`].
    pub client: usize,
    /// What the step does, for messages.
    pub name: String,
    /// Sent in order, in one write with the sentinel (after connecting, on
    /// the client's first step).
    pub actions: Vec<Action>,
    /// Where it ends.
    pub until: Until,
}

impl Step {
    /// `client` types `line`; the step ends at the sentinel.
    pub fn line(client: usize, line: &str) -> Step {
        Step { client, name: line.to_owned(), actions: vec![Action::Line(line.to_owned())], until: Until::Marker }
    }

    /// `client` types `line`; the step ends with `text`.
    pub fn line_until(client: usize, line: &str, text: &str) -> Step {
        Step {
            client,
            name: line.to_owned(),
            actions: vec![Action::Line(line.to_owned())],
            until: Until::Text(text.as_bytes().to_vec()),
        }
    }
}

/// Players and what they do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The clients, connected on their first step.
    pub clients: Vec<ClientProfile>,
    /// The steps, run one after the other.
    pub steps: Vec<Step>,
}

/// What one step received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// The step's index in the script; `None` for what a client received
    /// after its last step (normally nothing).
    pub step: Option<usize>,
    /// The client.
    pub client: usize,
    /// The step's name.
    pub name: String,
    /// The data bytes (MCCP2 inflated, `IAC IAC` as one 0xFF).
    pub data: Vec<u8>,
    /// The telnet commands, in order.
    pub commands: Vec<TelnetCommand>,
}

/// A script's run against one Portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRun {
    /// The steps that completed, then what each client received after its
    /// last one; on an error, what the failed step had received too.
    pub records: Vec<StepRecord>,
    /// The step that failed, and why.
    pub error: Option<String>,
}

/// Runs `script` against the telnet server at `addr`; each step may take
/// up to `step_limit`.
pub async fn run_script(script: &Script, addr: SocketAddr, step_limit: Duration) -> ScriptRun {
    let mut clients: Vec<Option<ScriptedClient>> = script.clients.iter().map(|_| None).collect();
    // Per client: (step index, name, where its data ends).
    let mut cuts: Vec<Vec<(usize, String, usize)>> = script.clients.iter().map(|_| Vec::new()).collect();
    let mut error = None;
    for (index, step) in script.steps.iter().enumerate() {
        let Some(slot) = clients.get_mut(step.client) else {
            error = Some(format!("step {index} ({:?}): no client {}", step.name, step.client));
            break;
        };
        match run_step(index, step, addr, &script.clients[step.client], slot, step_limit).await {
            Ok(cut) => cuts[step.client].push((index, step.name.clone(), cut)),
            Err(e) => {
                if let Some(client) = slot {
                    let all = client.transcript().data.len();
                    cuts[step.client].push((index, format!("{} (FAILED)", step.name), all));
                }
                error = Some(format!("step {index} ({:?}, client {}): {e}", step.name, step.client));
                break;
            }
        }
    }
    let mut records = Vec::new();
    for (client, (slot, cuts)) in clients.iter().zip(cuts).enumerate() {
        let Some(scripted) = slot else { continue };
        let t = scripted.transcript();
        records.extend(split(client, &t.data, &t.commands, &t.command_at, cuts));
    }
    records.sort_by_key(|r| (r.step.unwrap_or(usize::MAX), r.client));
    ScriptRun { records, error }
}

/// Cuts one client's transcript into its steps' records, then what came
/// after the last step.
fn split(
    client: usize,
    data: &[u8],
    commands: &[TelnetCommand],
    command_at: &[usize],
    cuts: Vec<(usize, String, usize)>,
) -> Vec<StepRecord> {
    let mut records = Vec::new();
    let mut from = 0usize;
    let last = (usize::MAX, "(after the last step)".to_owned(), data.len());
    for (n, (step, name, cut)) in cuts.into_iter().chain(std::iter::once(last)).enumerate() {
        let cut = cut.clamp(from, data.len());
        // A command right after a step's last data byte belongs to that
        // step; the first step also takes what came before any data.
        let commands = commands
            .iter()
            .zip(command_at)
            .filter(|(_, &at)| (at > from || (n == 0 && at == 0)) && at <= cut)
            .map(|(c, _)| c.clone())
            .collect();
        records.push(StepRecord {
            step: (step != usize::MAX).then_some(step),
            client,
            name,
            data: data[from..cut].to_vec(),
            commands,
        });
        from = cut;
    }
    records
}

/// `line` and `\r\n`, 0xFF doubled (what [`ScriptedClient::send_line`] sends).
fn push_line(bytes: &mut Vec<u8>, line: &str) {
    for &b in line.as_bytes() {
        bytes.push(b);
        if b == IAC {
            bytes.push(IAC);
        }
    }
    bytes.extend_from_slice(b"\r\n");
}

/// Runs one step: connects the client on its first step, sends, reads to
/// the step's end; returns where the step's data ends.
async fn run_step(
    index: usize,
    step: &Step,
    addr: SocketAddr,
    profile: &ClientProfile,
    slot: &mut Option<ScriptedClient>,
    limit: Duration,
) -> Result<usize, String> {
    if slot.is_none() {
        let connected = ScriptedClient::connect(addr, profile.clone()).await.map_err(|e| format!("connect: {e}"))?;
        *slot = Some(connected);
    }
    let client = slot.as_mut().expect("connected above");
    // Everything a step sends goes in one write, the sentinel included: a
    // Portal gets it in one read, so what one line changes in the session
    // (an `options` flag the Server pushes back) cannot race the next line.
    let mut bytes = Vec::new();
    for action in &step.actions {
        match action {
            Action::Line(line) => push_line(&mut bytes, line),
            Action::Raw(raw) => bytes.extend_from_slice(raw),
            Action::Gmcp(message) => {
                bytes.extend_from_slice(&[IAC, SB, GMCP]);
                bytes.extend_from_slice(message.as_bytes());
                bytes.extend_from_slice(&[IAC, SE]);
            }
        }
    }
    let marker = format!("MARK-{index}");
    if step.until == Until::Marker {
        push_line(&mut bytes, &marker);
    }
    if !bytes.is_empty() {
        client.send_raw(&bytes).await.map_err(|e| format!("send: {e}"))?;
    }
    match &step.until {
        Until::Marker => {
            client.until(format!("{marker}' is not available").as_bytes(), limit).await?;
            client.until(b"\n", limit).await?;
        }
        Until::Text(text) => {
            client.until(text, limit).await?;
        }
        Until::Counts(wanted) => {
            let deadline = tokio::time::Instant::now() + limit;
            let mut seen = vec![0usize; wanted.len()];
            let mut lines = 0usize;
            while seen.iter().zip(wanted).any(|(s, (_, want))| s < want) {
                lines += 1;
                if lines > MAX_LINES {
                    return Err(format!("{MAX_LINES} lines and still {seen:?} of {wanted:?}"));
                }
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                let start = client.consumed();
                client.until(b"\n", left).await?;
                let line = &client.transcript().data[start..client.consumed()];
                for (s, (pattern, _)) in seen.iter_mut().zip(wanted) {
                    if line.windows(pattern.len().max(1)).any(|w| w == pattern.as_slice()) {
                        *s += 1;
                    }
                }
            }
        }
        Until::Closed => {
            client.until_closed(limit).await?;
            return Ok(client.transcript().data.len());
        }
    }
    Ok(client.consumed())
}
