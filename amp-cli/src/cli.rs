//! The command line as clap reads it: every verb, its arguments and help.
//! The help text, the shell completions and the man page all come from
//! these definitions ([`Cli::command`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

/// Call, serve, proxy, inspect and decode AMP (Twisted's Asynchronous Messaging Protocol).
#[derive(Debug, Parser)]
#[command(
    name = "amp",
    version,
    long_about = "Call, serve, proxy, inspect and decode AMP (Twisted's Asynchronous Messaging Protocol) from the shell.\n\n\
Commands are described by a TOML schema read at run time (the format of schema/README.md); `call` also \
works without one, with raw key=value pairs. Names on the command line are wire names.\n\n\
Exit status: 0 done; 2 the peer cannot be reached, the connection is lost, or a timeout; 3 the peer \
answered an AMP error; 64 bad usage or input (nothing was sent)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Call a command and print its answer as one JSON line.
    ///
    /// With --schema, the arguments and the answer are typed by the schema.
    /// Without it, the arguments are raw String pairs (NAME=VALUE words, the
    /// value as bytes) and the answer is printed as a JSON object of strings,
    /// for a peer no schema describes yet.
    ///
    /// Exit 0 with the response fields as a JSON object; 3 with
    /// {"error": {"code", "description"}} when the peer answers an error;
    /// 2 when the peer cannot be reached, the connection is lost or the
    /// timeout passes; 64 for bad arguments (nothing is sent).
    Call {
        /// The schema file (TOML) declaring the command; without it the
        /// arguments and the answer are raw String pairs.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// HOST:PORT or unix:PATH.
        #[arg(value_name = "ADDR")]
        addr: String,
        /// The command's wire name.
        #[arg(value_name = "COMMAND")]
        command: String,
        /// Arguments by wire name; with a schema, ListOf and AmpList only through --json.
        #[arg(value_name = "NAME=VALUE")]
        arguments: Vec<OsString>,
        /// Arguments as a JSON object (values in the JSON mapping; without a
        /// schema, strings or {"base64": ...}); `-` reads it from stdin (for
        /// values longer than a command line allows).
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
    /// Sit between two AMP peers: forward every byte unchanged, print every box.
    ///
    /// Accepts connections on --listen and connects each to --to. Bytes go
    /// through as they come, never re-encoded; each box is printed as one
    /// JSON line as `amp decode` prints it, with the connection number, the
    /// side it came from ("client" or "target") and a timestamp. Bytes that
    /// are not AMP or break the framing are forwarded and reported. Lines
    /// wait in a bounded buffer: when stdout is slower than the traffic,
    /// lines are dropped and counted ({"event": "dropped", "lines": N}),
    /// never the traffic slowed. Runs until SIGINT or SIGTERM.
    Proxy {
        /// Where to accept connections: HOST:PORT (port 0 picks a free one) or unix:PATH.
        #[arg(long, value_name = "ADDR")]
        listen: String,
        /// Where to connect each one: HOST:PORT or unix:PATH.
        #[arg(long, value_name = "ADDR")]
        to: String,
        /// The schema file, to decode the commands it declares.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// Lines waiting for stdout at most; past it lines are dropped and counted.
        #[arg(long, value_name = "LINES", default_value = "4096", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        log_buffer: u32,
        /// Bytes of boxes waiting for stdout at most; past it lines are dropped and counted.
        #[arg(long, value_name = "BYTES", default_value = "67108864", value_parser = clap::value_parser!(u64).range(1..))]
        log_buffer_bytes: u64,
        /// Largest box decoded for printing, in bytes; a larger one stops the
        /// printing of that direction (its bytes are still forwarded).
        #[arg(long, value_name = "BYTES", default_value = "16777216", value_parser = clap::value_parser!(u64).range(1..))]
        max_box_bytes: u64,
        /// Connections open at once at most; more are closed at once (and reported).
        #[arg(long, value_name = "N", default_value = "1024", value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
        /// Seconds to connect to the target; the client is closed past it.
        #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_timeout)]
        connect_timeout: Duration,
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
    /// List the commands of a schema, one a line.
    ///
    /// Each line is the wire name and its signature (`name?` marks an
    /// optional field). With --json, one JSON object per command, as
    /// `amp describe --json` prints it.
    List {
        /// The schema file (TOML).
        #[arg(long, value_name = "FILE")]
        schema: PathBuf,
        /// One JSON line per command instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Describe one command of a schema.
    ///
    /// Its arguments and response fields, declared and fatal errors with
    /// their codes, whether it expects an answer, the Rust items
    /// `#[amp_command]` and `amp_schema!` generate for it, and the Python
    /// class it mirrors.
    Describe {
        /// The schema file (TOML).
        #[arg(long, value_name = "FILE")]
        schema: PathBuf,
        /// The command's wire name.
        #[arg(value_name = "COMMAND")]
        command: String,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script on stdout.
    ///
    /// For bash: `amp completions bash > /etc/bash_completion.d/amp`, or
    /// `source <(amp completions bash)` in ~/.bashrc.
    Completions {
        /// The shell.
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
    /// Print the man page (roff) on stdout: `amp man | man -l -`.
    Man,
}

/// The shells `amp completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU bash.
    Bash,
    /// Elvish.
    Elvish,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Z shell.
    Zsh,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.parse().map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs.is_finite() && secs <= 1e9) {
        return Err(format!("`{text}`: the timeout must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
