//! Starting Evennia's Server process, as Evennia's Portal does.
//!
//! The launcher (`evennia start`) sends SSTART with the Server's command
//! line; Evennia's Portal keeps it and runs it again when the Server asks to
//! be reloaded or reset. Evennia's own is
//! `twistd --python=<evennia>/server/server.py --logger=... --pidfile=<game>/server/server.pid`:
//! a bare `twistd`, which daemonizes (the process started exits once the
//! Server runs in the background; the Server's own pid arrives later with
//! its PSYNC). Evennia's Portal runs it in its own folder (the game folder)
//! with its own environment plus `PYTHONPATH` set to its `sys.path`, its
//! output appended to `SERVER_LOG_FILE`, and blocks until that first
//! process exits. This one does the same without blocking:
//! - `twistd` is looked up on `PATH`, then next to the game's Python (a
//!   virtualenv's `bin/`), so the Portal needs no activated virtualenv;
//! - the environment is the Portal's, plus `PYTHONPATH` (the `sys.path` the
//!   game's Python reported in the game folder) and
//!   `DJANGO_SETTINGS_MODULE=server.conf.settings` unless already set (a
//!   stock Portal inherits both from the launcher that started it);
//! - the exit of the started process is awaited on a task and logged.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// How to start the Server.
#[derive(Debug, Clone)]
pub struct ServerProcess {
    game_dir: PathBuf,
    log_file: PathBuf,
    python: PathBuf,
    python_path: Vec<String>,
}

/// Why the Server could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The launcher sent no command line.
    #[error("the Server's command line is empty")]
    Empty,
    /// The log file could not be opened.
    #[error("cannot open the Server's log file {path}: {source}")]
    LogFile {
        /// `SERVER_LOG_FILE`.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The program could not be run.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// What was run.
        program: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl ServerProcess {
    /// Starts Servers in `game_dir`, their output appended to `log_file`.
    /// `python` is the game's interpreter and `python_path` its `sys.path`.
    pub fn new(game_dir: PathBuf, log_file: PathBuf, python: PathBuf, python_path: Vec<String>) -> Self {
        ServerProcess { game_dir, log_file, python, python_path }
    }

    /// The command line Evennia's Portal guesses when no launcher sent one
    /// (`_get_backup_server_twistd_cmd`): `twistd
    /// --python=<evennia>/server/server.py --pidfile=<game>/server/server.pid`.
    pub fn backup_command(&self, evennia_dir: &Path) -> Vec<String> {
        vec![
            "twistd".to_owned(),
            format!("--python={}", evennia_dir.join("server").join("server.py").display()),
            format!("--pidfile={}", self.game_dir.join("server").join("server.pid").display()),
        ]
    }

    /// Where `program` runs from: itself when it names a path, else the
    /// first match on `PATH`, else the game Python's folder.
    pub fn resolve(&self, program: &str) -> PathBuf {
        if program.contains('/') {
            return PathBuf::from(program);
        }
        let on_path = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|dir| dir.join(program))
            .find(|candidate| is_executable(candidate));
        if let Some(found) = on_path {
            return found;
        }
        match self.python.parent() {
            Some(dir) if is_executable(&dir.join(program)) => dir.join(program),
            _ => PathBuf::from(program),
        }
    }

    /// Runs `command` in the game folder. Returns the started process's id;
    /// its exit is logged by a task (a daemonizing `twistd` exits at once).
    pub fn start(&self, command: &[String]) -> Result<u32, StartError> {
        let (program, args) = command.split_first().ok_or(StartError::Empty)?;
        if let Some(dir) = self.log_file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
            .map_err(|source| StartError::LogFile { path: self.log_file.clone(), source })?;
        let err_log = log.try_clone().map_err(|source| StartError::LogFile { path: self.log_file.clone(), source })?;
        let program = self.resolve(program);
        let mut cmd = tokio::process::Command::new(&program);
        cmd.args(args)
            .current_dir(&self.game_dir)
            .env("PYTHONPATH", self.pythonpath())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err_log))
            .kill_on_drop(false);
        if std::env::var_os("DJANGO_SETTINGS_MODULE").is_none() {
            cmd.env("DJANGO_SETTINGS_MODULE", "server.conf.settings");
        }
        let mut child = cmd.spawn().map_err(|source| StartError::Spawn { program: program.clone(), source })?;
        let pid = child.id().unwrap_or(0);
        tracing::info!(pid, command = ?command, "Portal starting server ...");
        tokio::spawn(async move {
            match child.wait().await {
                Ok(status) if status.success() => tracing::debug!(pid, "the Server's launch process exited"),
                Ok(status) => tracing::warn!(pid, %status, "the Server's launch process failed (see the server log)"),
                Err(e) => tracing::warn!(pid, error = %e, "cannot wait for the Server's launch process"),
            }
        });
        Ok(pid)
    }

    fn pythonpath(&self) -> OsString {
        let mut parts: Vec<String> = Vec::new();
        let game = self.game_dir.display().to_string();
        if !self.python_path.contains(&game) {
            parts.push(game);
        }
        parts.extend(self.python_path.iter().cloned());
        OsString::from(parts.join(":"))
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_in_the_game_folder_with_the_python_path_and_logs_output() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("logs").join("server.log");
        let process = ServerProcess::new(
            dir.path().to_owned(),
            log.clone(),
            PathBuf::from("/nonexistent/python"),
            vec!["/some/site-packages".into()],
        );
        let script = "pwd; echo \"PYTHONPATH=$PYTHONPATH\"; echo oops >&2";
        let command = ["sh", "-c", script].map(String::from);
        process.start(&command).unwrap();
        // The process writes and exits on its own; poll the log, bounded.
        let mut text = String::new();
        for _ in 0..200 {
            text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("oops") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let game = dir.path().canonicalize().unwrap();
        assert!(text.contains(&game.display().to_string()), "{text}");
        assert!(text.contains(&format!("PYTHONPATH={}:/some/site-packages", dir.path().display())), "{text}");
        assert!(text.contains("oops"), "{text}");
    }

    #[test]
    fn twistd_is_found_next_to_the_games_python() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let twistd = bin.join("twistd-for-test");
        std::fs::write(&twistd, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&twistd, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let process = ServerProcess::new(dir.path().to_owned(), dir.path().join("l"), bin.join("python"), vec![]);
        assert_eq!(process.resolve("twistd-for-test"), twistd);
        assert_eq!(process.resolve("/bin/sh"), PathBuf::from("/bin/sh"));
        assert_eq!(process.resolve("no-such-program-anywhere"), PathBuf::from("no-such-program-anywhere"));
    }

    #[test]
    fn an_empty_command_is_an_error() {
        let process = ServerProcess::new(".".into(), "l".into(), "python3".into(), vec![]);
        assert!(matches!(process.start(&[]), Err(StartError::Empty)));
    }
}
