//! `amp`: call, serve and decode AMP (Twisted's Asynchronous Messaging
//! Protocol) from the shell, with commands described by a schema file read
//! at run time (the format of `schema/README.md`).
//!
//! Exit statuses: 0 done; 2 the peer cannot be reached, the connection is
//! lost, or a timeout; 3 the peer answered an AMP error; 64 bad usage or
//! input (nothing was sent). Every line printed is flushed at once.

mod addr;
mod args;
mod call;
mod decode;
mod display;
mod exit;
mod json;
mod output;
mod pickle_json;
mod responses;
mod schema;
mod serve;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::exit::{Exit, Failure, Outcome};

/// Call, serve and decode AMP (Twisted's Asynchronous Messaging Protocol).
#[derive(Debug, Parser)]
#[command(name = "amp", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Call a command and print its answer as one JSON line.
    ///
    /// Exit 0 with the response fields as a JSON object; 3 with
    /// {"error": {"code", "description"}} when the peer answers an error;
    /// 2 when the peer cannot be reached, the connection is lost or the
    /// timeout passes; 64 for bad arguments (nothing is sent).
    Call {
        /// The schema file (TOML) declaring the command.
        #[arg(long, value_name = "FILE")]
        schema: PathBuf,
        /// HOST:PORT or unix:PATH.
        #[arg(value_name = "ADDR")]
        addr: String,
        /// The command's wire name.
        #[arg(value_name = "COMMAND")]
        command: String,
        /// Arguments by wire name; ListOf and AmpList only through --json.
        #[arg(value_name = "NAME=VALUE")]
        arguments: Vec<OsString>,
        /// Arguments as a JSON object (values in the JSON mapping); `-` reads
        /// it from stdin (for values longer than a command line allows).
        #[arg(long, value_name = "JSON")]
        json: Option<String>,
        /// Send without _ask: no answer is asked for or printed.
        #[arg(long)]
        no_answer: bool,
        /// Seconds to connect and get the answer.
        #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_timeout)]
        timeout: Duration,
    },
    /// Listen and answer calls from a responses file; print each call received.
    ///
    /// The first line is {"listening": "HOST:PORT"} (or "unix:PATH"); then
    /// one {"command": ..., "arguments": {...}} line per call. Runs until
    /// SIGINT or SIGTERM.
    Serve {
        /// The schema file (TOML) declaring the commands.
        #[arg(long, value_name = "FILE")]
        schema: PathBuf,
        /// HOST:PORT (port 0 picks a free one) or unix:PATH.
        #[arg(long, value_name = "ADDR")]
        listen: String,
        /// What to answer (TOML, one table per command wire name); without
        /// it every call is answered UNHANDLED.
        #[arg(long, value_name = "FILE")]
        responses: Option<PathBuf>,
    },
    /// Print raw byte streams of AMP boxes as JSON lines.
    ///
    /// Give the two directions of one connection to match answers to calls.
    Decode {
        /// The schema file, to decode the commands it declares.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// One or two files of boxes (- for stdin).
        #[arg(value_name = "FILE", num_args = 1..=2, required = true)]
        files: Vec<PathBuf>,
    },
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.parse().map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs.is_finite() && secs <= 1e9) {
        return Err(format!("`{text}`: the timeout must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                std::process::exit(Exit::Success.code());
            }
            // clap's usage errors exit 2, which `amp` keeps for connection
            // failures: report them as the usage errors they are (64), on one line.
            // The message is the lines before clap's usage block, joined.
            let text = e.to_string();
            let message: Vec<&str> = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .filter(|l| !l.is_empty())
                .collect();
            let message = message.join(" ");
            let message = message.trim_start_matches("error: ");
            output::error_line(&format!("{message} (see amp --help)"));
            std::process::exit(Exit::Usage.code());
        }
    };
    init_logging();
    let outcome = run(cli.command);
    let exit = match outcome {
        Ok(()) => Exit::Success,
        Err(Failure { exit, message }) => {
            if !message.is_empty() {
                output::error_line(&message);
            }
            exit
        }
    };
    // Exit here rather than return: nothing left in the runtime (a connection
    // task still closing, a listener) can hold the process after its answer.
    std::process::exit(exit.code());
}

fn run(command: Command) -> Outcome {
    match command {
        Command::Decode { schema, files } => decode::run(decode::DecodeRequest { schema, files }),
        Command::Call { schema, addr, command, arguments, json, no_answer, timeout } => {
            let req = call::CallRequest { schema, addr, command, words: arguments, json, no_answer, timeout };
            runtime()?.block_on(call::run(req))
        }
        Command::Serve { schema, listen, responses } => {
            runtime()?.block_on(serve::run(serve::ServeRequest { schema, listen, responses }))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::connection(format!("cannot start the async runtime: {e}")))
}

/// Logs of the runtime go to stderr, off unless `RUST_LOG` asks for them
/// (stdout carries only JSON lines; stderr only `amp`'s own messages).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "off".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
