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
//! arrived between the previous step's last data byte and its own (see
//! `split` for the one that arrives right at a step's end).

use std::net::SocketAddr;
use std::time::Duration;

use super::scripted::{ClientProfile, ScriptedClient, TelnetCommand, Transcript};

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
    /// Reads until each of these in turn (a line's text, then the line
    /// ends that follow it).
    Texts(Vec<Vec<u8>>),
    /// Reads until `text`, and until `command` has arrived `count` times
    /// since the connection opened (a MUD client's connection screen and
    /// the last TTYPE `SEND`, which it answers at once: the Portal has the
    /// client's every flag before the next step's input).
    TextAndCommand {
        /// The bytes to read up to.
        text: Vec<u8>,
        /// The command to wait for.
        command: TelnetCommand,
        /// How many of it.
        count: usize,
    },
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
    let mut cuts: Vec<Vec<Cut>> = script.clients.iter().map(|_| Vec::new()).collect();
    let mut error = None;
    for (index, step) in script.steps.iter().enumerate() {
        let Some(slot) = clients.get_mut(step.client) else {
            error = Some(format!("step {index} ({:?}): no client {}", step.name, step.client));
            break;
        };
        match run_step(index, step, addr, &script.clients[step.client], slot, step_limit).await {
            Ok(end) => {
                let commands = slot.as_ref().map_or(0, |c| c.transcript().commands.len());
                cuts[step.client].push(Cut { step: index, name: step.name.clone(), data: end, commands });
            }
            Err(e) => {
                if let Some(client) = slot {
                    let t = client.transcript();
                    let name = format!("{} (FAILED)", step.name);
                    cuts[step.client].push(Cut { step: index, name, data: t.data.len(), commands: t.commands.len() });
                }
                error = Some(format!("step {index} ({:?}, client {}): {e}", step.name, step.client));
                break;
            }
        }
    }
    let mut records = Vec::new();
    for (client, (slot, cuts)) in clients.iter().zip(cuts).enumerate() {
        let Some(scripted) = slot else { continue };
        records.extend(split(client, scripted.transcript(), cuts));
    }
    records.sort_by_key(|r| (r.step.unwrap_or(usize::MAX), r.client));
    ScriptRun { records, error }
}

/// Where one step of a client ended.
struct Cut {
    step: usize,
    name: String,
    /// Bytes of data up to the step's end.
    data: usize,
    /// Commands received when the step ended.
    commands: usize,
}

/// Cuts one client's transcript into its steps' records, then what came
/// after the last step.
///
/// A command belongs to the first step whose data end it arrived before
/// (by [`Transcript::command_at`]), or at exactly that end while the step
/// was still running: the `IAC GA` after a step's last line is the step's,
/// a GMCP reply that arrived after the step, before the next step's first
/// byte, is the next step's.
///
/// [`Transcript::command_at`]: super::Transcript::command_at
fn split(client: usize, transcript: &Transcript, cuts: Vec<Cut>) -> Vec<StepRecord> {
    let data = &transcript.data;
    let all = transcript.commands.len();
    let after = Cut { step: usize::MAX, name: "(after the last step)".to_owned(), data: data.len(), commands: all };
    let mut records = Vec::new();
    let (mut from, mut next_command) = (0usize, 0usize);
    for cut in cuts.into_iter().chain(std::iter::once(after)) {
        let end = cut.data.clamp(from, data.len());
        let mut commands = Vec::new();
        while next_command < all {
            let at = transcript.command_at[next_command];
            if !(at < end || (at == end && next_command < cut.commands) || cut.step == usize::MAX) {
                break;
            }
            commands.push(transcript.commands[next_command].clone());
            next_command += 1;
        }
        records.push(StepRecord {
            step: (cut.step != usize::MAX).then_some(cut.step),
            client,
            name: cut.name,
            data: data[from..end].to_vec(),
            commands,
        });
        from = end;
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
        Until::Texts(texts) => {
            for text in texts {
                client.until(text, limit).await?;
            }
        }
        Until::TextAndCommand { text, command, count } => {
            client.until(text, limit).await?;
            client.until_command(command, *count, limit).await?;
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
