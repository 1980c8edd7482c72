//! The `amp-portal` binary: Evennia's Portal, in Rust.
//!
//! ```text
//! amp-portal --game GAMEDIR --python PYTHON [--log -] [setting flags]
//! cd GAMEDIR && evennia start       # reload / reset / stop / status / info as usual
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use amp_portal::portal::Portal;
use amp_portal::service::TelnetLimits;
use amp_portal::settings::{read_game_settings, Overrides};
use clap::Parser;

/// Evennia's Portal, in Rust: holds the players' connections and talks AMP
/// to Evennia's Server, which `evennia start` starts through it.
#[derive(Debug, Parser)]
#[command(name = "amp-portal", version, about, long_about = None)]
struct Args {
    /// The game folder (made by `evennia --init`).
    #[arg(long, value_name = "GAMEDIR")]
    game: PathBuf,
    /// The Python interpreter that has Evennia installed; it reads the
    /// game's settings once at start.
    #[arg(long, value_name = "PYTHON", default_value = "python3")]
    python: PathBuf,
    /// Where the log goes: a file, or `-` for stderr [default: PORTAL_LOG_FILE].
    #[arg(long, value_name = "FILE")]
    log: Option<String>,
    /// Log level filter (RUST_LOG syntax).
    #[arg(long, value_name = "FILTER", default_value = "info")]
    log_level: String,
    /// Bytes of output waiting for a telnet client that does not read
    /// before it is disconnected (Evennia's Portal has no bound).
    #[arg(long, value_name = "BYTES", default_value_t = TelnetLimits::default().max_pending_output)]
    max_pending_output: usize,
    /// Telnet connections held at once; more are closed as they arrive.
    #[arg(long, value_name = "N", default_value_t = TelnetLimits::default().max_connections)]
    max_telnet_connections: usize,
    #[command(flatten)]
    overrides: Overrides,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let game = match args.game.canonicalize() {
        Ok(dir) => dir,
        Err(e) => return fail(&format!("game folder {}: {e}", args.game.display())),
    };
    let mut settings = match read_game_settings(&args.python, &game) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    args.overrides.apply(&mut settings);
    if let Err(e) = settings.validate() {
        return fail(&e.to_string());
    }
    if let Err(e) = init_logging(args.log.as_deref(), &settings.portal_log_file, &args.log_level) {
        return fail(&e);
    }
    for line in settings.unsupported().iter().chain(&settings.problems) {
        tracing::warn!("{line}");
        eprintln!("amp-portal: warning: {line}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let pidfile = game.join("server").join("portal.pid");
    let limits =
        TelnetLimits { max_pending_output: args.max_pending_output, max_connections: args.max_telnet_connections };
    let code = runtime.block_on(run(settings, limits, &pidfile));
    let _ = std::fs::remove_file(&pidfile);
    code
}

async fn run(settings: amp_portal::settings::Settings, limits: TelnetLimits, pidfile: &Path) -> ExitCode {
    let services = match amp_portal::service::start(settings, limits).await {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    // `evennia status` and `evennia kill` read the pid file, as twistd writes it.
    if let Err(e) = std::fs::write(pidfile, std::process::id().to_string()) {
        tracing::warn!(error = %e, "cannot write {}", pidfile.display());
    }
    println!("{}", amp_portal::service::ready_line(&services));
    let portal = services.portal.clone();
    let _ = std::io::stdout().flush();
    wait_for_stop(&portal).await;
    ExitCode::SUCCESS
}

/// Until PSHUTD, SIGTERM or SIGINT (both stop the Server too, as Evennia's
/// Portal does when its reactor stops).
async fn wait_for_stop(portal: &Portal) {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(t), Ok(i)) => (t, i),
        _ => {
            portal.stopped().await;
            return;
        }
    };
    tokio::select! {
        _ = portal.stopped() => {}
        _ = term.recv() => portal.shutdown(true).await,
        _ = int.recv() => portal.shutdown(true).await,
    }
}

fn init_logging(log: Option<&str>, portal_log_file: &Path, filter: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).map_err(|e| format!("--log-level: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false);
    match log {
        Some("-") => builder.with_writer(std::io::stderr).init(),
        other => {
            let path = other.map_or_else(|| portal_log_file.to_owned(), PathBuf::from);
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
            builder.with_writer(Mutex::new(file)).init();
        }
    }
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("amp-portal: {message}");
    ExitCode::from(2)
}
