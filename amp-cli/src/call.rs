//! `amp call`: one call, its answer printed as one JSON line.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use amp_runtime::client;
use amp_runtime::dynamic::{decode_fields, encode_fields};
use amp_runtime::wire::{UNHANDLED_ERROR_CODE, UNKNOWN_ERROR_CODE};
use amp_runtime::{ArgContext, CallError, Connection, ConnectionConfig, NoError, NoResponder};
use serde_json::{json, Value as Json};
use tokio::time::{timeout_at, Instant};

use crate::addr::Addr;
use crate::args::parse_arguments;
use crate::display::show_fields;
use crate::exit::{Failure, Outcome};
use crate::output;
use crate::schema;

/// What `amp call` was given.
#[derive(Debug)]
pub struct CallRequest {
    /// The schema file.
    pub schema: PathBuf,
    /// `HOST:PORT` or `unix:PATH`.
    pub addr: String,
    /// The command's wire name.
    pub command: String,
    /// `NAME=VALUE` words, as given (values may be any bytes).
    pub words: Vec<OsString>,
    /// `--json`: a JSON object of arguments (`-`: read it from stdin).
    pub json: Option<String>,
    /// `--no-answer`: send without `_ask`.
    pub no_answer: bool,
    /// `--timeout`: for connecting and the answer together.
    pub timeout: Duration,
}

/// Runs `amp call`.
pub async fn run(req: CallRequest) -> Outcome {
    let loaded = schema::load(&req.schema)?;
    let name = req.command.as_bytes();
    let (Some(command), Some(original)) = (loaded.command(name), loaded.original_command(name)) else {
        let known: Vec<&str> = loaded.schema.commands.iter().map(|c| c.name.as_str()).collect();
        return Err(Failure::usage(format!(
            "unknown command `{}`: {} declares {}",
            req.command,
            req.schema.display(),
            if known.is_empty() { "no command".to_owned() } else { known.join(", ") }
        )));
    };
    let json = match req.json.as_deref() {
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
                .map_err(|e| Failure::usage(format!("--json -: cannot read stdin: {e}")))?;
            Some(text)
        }
        other => other.map(str::to_owned),
    };
    let fields =
        parse_arguments(command, original, &req.words, json.as_deref(), &loaded.registry).map_err(Failure::usage)?;
    let body = encode_fields(&command.arguments, &fields, &loaded.registry, &mut ArgContext::new())
        .map_err(|e| Failure::usage(format!("cannot encode the arguments of `{}`: {e}", command.name)))?;
    let addr = Addr::parse(&req.addr).map_err(Failure::usage)?;

    let deadline = Instant::now() + req.timeout;
    let seconds = req.timeout.as_secs_f64();
    let conn = match timeout_at(deadline, connect(&addr)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return Err(Failure::connection(format!("cannot connect to {addr}: {e}"))),
        Err(_) => {
            return Err(Failure::connection(format!("cannot connect to {addr}: no connection within {seconds}s")))
        }
    };

    if req.no_answer || !command.requires_answer {
        let sent = timeout_at(deadline, async {
            conn.send_raw(name, body).await?;
            // Returns once the box is written to the socket.
            conn.flush().await
        })
        .await;
        conn.close();
        return match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(lost(&addr, e)),
            Err(_) => Err(Failure::connection(format!("{addr}: the box was not written within {seconds}s"))),
        };
    }

    let left = deadline.saturating_duration_since(Instant::now());
    let answer = conn.call_raw_with_timeout(name, body, left).await;
    conn.close();
    match answer {
        Ok(fields) => {
            let decoded = decode_fields(&command.response, &fields, &loaded.registry, &mut ArgContext::new())
                .map_err(|e| Failure::connection(format!("the answer of `{}` does not decode: {e}", command.name)))?;
            let shown = show_fields(original, &original.response, &decoded);
            for (field, why) in &shown.pickle_errors {
                output::error_line(&format!("warning: response field `{field}` is not a pickle: {}", text(why)));
            }
            output::json_line(&shown.fields);
            Ok(())
        }
        Err(CallError::Unhandled { description }) => remote(UNHANDLED_ERROR_CODE, &description),
        Err(CallError::Unknown { description }) => remote(UNKNOWN_ERROR_CODE, &description),
        Err(CallError::Undeclared(e)) => remote(&String::from_utf8_lossy(e.code.as_bytes()), &e.description),
        Err(CallError::Timeout(_)) => Err(Failure::connection(format!("{addr}: no answer within {seconds}s"))),
        Err(CallError::Encode(e)) => Err(Failure::usage(format!("cannot encode the call: {e}"))),
        Err(e) => Err(lost(&addr, e)),
    }
}

fn text(j: &Json) -> &str {
    j.as_str().unwrap_or_default()
}

/// Prints the error answer and gives exit 3.
fn remote(code: &str, description: &str) -> Outcome {
    output::json_line(&json!({ "error": { "code": code, "description": description } }));
    Err(Failure::remote())
}

fn lost(addr: &Addr, e: CallError<NoError>) -> Failure {
    match e {
        CallError::ConnectionLost(why) => Failure::connection(format!("{addr}: connection lost: {why}")),
        other => Failure::connection(format!("{addr}: {other}")),
    }
}

async fn connect(addr: &Addr) -> std::io::Result<Connection> {
    let config = ConnectionConfig::default();
    match addr {
        Addr::Tcp(host, port) => client::connect_tcp((host.as_str(), *port), NoResponder, config).await,
        Addr::Unix(path) => client::connect_unix(path, NoResponder, config).await,
    }
}
