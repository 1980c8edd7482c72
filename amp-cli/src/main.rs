#![doc = include_str!("../README.md")]

mod addr;
mod args;
mod boxes;
mod call;
mod cli;
mod decode;
mod describe;
mod display;
mod exit;
mod json;
mod manual;
mod output;
mod pickle_json;
mod proxy;
mod raw;
mod responses;
mod schema;
mod serve;
mod signals;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::exit::{Exit, Failure, Outcome};

fn main() {
    // `amp` alone asks what it can do: its help, on stdout, exit 0 (as
    // `cargo` does), rather than clap's exit 2, which `amp` keeps for
    // connection failures.
    if std::env::args_os().len() <= 1 {
        let _ = Cli::command().print_help();
        std::process::exit(Exit::Success.code());
    }
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
        Command::Proxy {
            listen,
            to,
            schema,
            log_buffer,
            log_buffer_bytes,
            max_box_bytes,
            max_connections,
            connect_timeout,
        } => {
            let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
            let req = proxy::ProxyRequest {
                listen,
                to,
                schema,
                log_buffer: log_buffer as usize,
                log_buffer_bytes: size(log_buffer_bytes),
                max_box_bytes: size(max_box_bytes),
                max_connections: max_connections as usize,
                connect_timeout,
            };
            runtime()?.block_on(proxy::run(req))
        }
        Command::List { schema, json } => describe::list(&schema, json),
        Command::Describe { schema, command, json } => describe::describe(&schema, &command, json),
        Command::Completions { shell } => manual::completions(shell),
        Command::Man => manual::man(),
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
