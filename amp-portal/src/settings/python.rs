//! Reading the settings with the game's own Python.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Map, Value};

use super::{Settings, DEFAULT_CLASSES};
use crate::telnet::mssp::{MsspTable, MsspValue};

/// The script run by [`read_game_settings`]; it prints one JSON object.
const SCRIPT: &str = include_str!("read_settings.py");

/// How long reading the settings may take (Django and Evennia import in
/// about a second; a game whose settings hang must not hang the Portal).
const TIMEOUT: Duration = Duration::from_secs(60);

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The interpreter could not be started.
    #[error("cannot run {python}: {source}")]
    Spawn {
        /// The interpreter.
        python: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It ran and failed (Evennia not installed, a broken settings file).
    #[error("{python} could not read the game's settings (exit {status}):\n{stderr}")]
    Failed {
        /// The interpreter.
        python: PathBuf,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// It took longer than a minute.
    #[error("{python} took more than {} s to read the game's settings", TIMEOUT.as_secs())]
    Timeout {
        /// The interpreter.
        python: PathBuf,
    },
    /// Its output is not what the script prints.
    #[error("unexpected output reading the settings: {0}")]
    Output(String),
    /// A value the Portal cannot use.
    #[error("bad setting: {0}")]
    Invalid(String),
}

/// Runs `python` in `game_dir` with `DJANGO_SETTINGS_MODULE=server.conf.settings`
/// and `game_dir` first on `PYTHONPATH`, and returns what it read.
pub fn read_game_settings(python: &Path, game_dir: &Path) -> Result<Settings, SettingsError> {
    let mut pythonpath = std::ffi::OsString::from(game_dir);
    if let Some(existing) = std::env::var_os("PYTHONPATH").filter(|p| !p.is_empty()) {
        pythonpath.push(":");
        pythonpath.push(existing);
    }
    let child = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .current_dir(game_dir)
        .env("DJANGO_SETTINGS_MODULE", "server.conf.settings")
        .env("PYTHONPATH", pythonpath)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SettingsError::Spawn { python: python.to_owned(), source })?;
    let pid = child.id();
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let output = match result.recv_timeout(TIMEOUT) {
        Ok(output) => output.map_err(|source| SettingsError::Spawn { python: python.to_owned(), source })?,
        Err(_) => {
            // The thread reaps the child once it is killed.
            if let Ok(pid) = libc::pid_t::try_from(pid) {
                // SAFETY: signals the child this function started, by its pid.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            return Err(SettingsError::Timeout { python: python.to_owned() });
        }
    };
    if !output.status.success() {
        return Err(SettingsError::Failed {
            python: python.to_owned(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    let stdout = output.stdout;
    let json: Value = serde_json::from_slice(&stdout).map_err(|e| SettingsError::Output(e.to_string()))?;
    let mut settings = from_json(&json)?;
    settings.validate()?;
    if settings.python_path.is_empty() {
        settings.python_path = vec![game_dir.display().to_string()];
    }
    Ok(settings)
}

/// Settings from the script's JSON; a key the script did not find keeps
/// Evennia's default.
pub(crate) fn from_json(json: &Value) -> Result<Settings, SettingsError> {
    let out = |what: &str| SettingsError::Output(what.to_owned());
    let top = json.as_object().ok_or_else(|| out("not a JSON object"))?;
    let values = top.get("settings").and_then(Value::as_object).ok_or_else(|| out("no settings"))?;
    let s = Reader { values };
    let mut settings = Settings::default();
    s.path("GAME_DIR", &mut settings.game_dir)?;
    s.text("SERVERNAME", &mut settings.servername)?;
    s.boolean("LOCKDOWN_MODE", &mut settings.lockdown_mode)?;
    s.text("AMP_HOST", &mut settings.amp_host)?;
    s.port("AMP_PORT", &mut settings.amp_port)?;
    s.text("AMP_INTERFACE", &mut settings.amp_interface)?;
    s.boolean("TELNET_ENABLED", &mut settings.telnet_enabled)?;
    s.ports("TELNET_PORTS", &mut settings.telnet_ports)?;
    s.texts("TELNET_INTERFACES", &mut settings.telnet_interfaces)?;
    s.boolean("TELNET_OOB_ENABLED", &mut settings.telnet_oob_enabled)?;
    s.boolean("MXP_ENABLED", &mut settings.mxp_enabled)?;
    s.boolean("SSL_ENABLED", &mut settings.ssl_enabled)?;
    s.boolean("SSH_ENABLED", &mut settings.ssh_enabled)?;
    s.boolean("WEBSERVER_ENABLED", &mut settings.webserver_enabled)?;
    s.port_pairs("WEBSERVER_PORTS", &mut settings.webserver_ports)?;
    s.texts("WEBSERVER_INTERFACES", &mut settings.webserver_interfaces)?;
    s.texts("UPSTREAM_IPS", &mut settings.upstream_ips)?;
    s.boolean("WEBCLIENT_ENABLED", &mut settings.webclient_enabled)?;
    s.boolean("WEBSOCKET_CLIENT_ENABLED", &mut settings.websocket_client_enabled)?;
    s.port("WEBSOCKET_CLIENT_PORT", &mut settings.websocket_client_port)?;
    s.text("WEBSOCKET_CLIENT_INTERFACE", &mut settings.websocket_client_interface)?;
    s.number("MAX_CONNECTION_RATE", &mut settings.max_connection_rate)?;
    s.number("MAX_COMMAND_RATE", &mut settings.max_command_rate)?;
    s.text("COMMAND_RATE_WARNING", &mut settings.command_rate_warning)?;
    s.integer("MAX_CHAR_LIMIT", &mut settings.max_char_limit)?;
    s.text("MAX_CHAR_LIMIT_WARNING", &mut settings.max_char_limit_warning)?;
    s.texts("ENCODINGS", &mut settings.encodings)?;
    s.text("IDLE_COMMAND", &mut settings.idle_command)?;
    s.text("SCREENREADER_REGEX_STRIP", &mut settings.screenreader_regex_strip)?;
    s.boolean("COLOR_NO_DEFAULT", &mut settings.colors.no_default)?;
    s.pairs("COLOR_ANSI_EXTRA_MAP", &mut settings.colors.ansi_extra_map)?;
    s.pairs("COLOR_ANSI_XTERM256_BRIGHT_BG_EXTRA_MAP", &mut settings.colors.bright_bg_extra_map)?;
    for (i, key) in
        ["COLOR_XTERM256_EXTRA_FG", "COLOR_XTERM256_EXTRA_BG", "COLOR_XTERM256_EXTRA_GFG", "COLOR_XTERM256_EXTRA_GBG"]
            .into_iter()
            .enumerate()
    {
        s.texts(key, &mut settings.colors.xterm256_extra[i])?;
    }
    s.integer("CLIENT_DEFAULT_WIDTH", &mut settings.client_default_width)?;
    s.integer("CLIENT_DEFAULT_HEIGHT", &mut settings.client_default_height)?;
    s.path("SERVER_LOG_FILE", &mut settings.server_log_file)?;
    s.path("PORTAL_LOG_FILE", &mut settings.portal_log_file)?;
    s.texts("SESSION_SYNC_ATTRS", &mut settings.session_sync_attrs)?;
    for (setting, default) in DEFAULT_CLASSES {
        if let Some(class) = values.get(*setting).and_then(Value::as_str) {
            if class != *default {
                settings.custom_classes.insert((*setting).to_owned(), class.to_owned());
            }
        }
    }
    let text_of = |key: &str| top.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(v) = text_of("version") {
        settings.version = v;
    }
    if let Some(v) = text_of("version_pretty") {
        settings.version_pretty = v;
    }
    if let Some(v) = text_of("evennia_dir") {
        settings.evennia_dir = Some(PathBuf::from(v));
    }
    if let Some(v) = text_of("python") {
        settings.python = PathBuf::from(v);
    }
    if let Some(table) = top.get("mssp").and_then(Value::as_object) {
        settings.mssp_table = mssp_table(table)?;
    }
    settings.plugin_modules = string_list(top.get("plugins")).unwrap_or_default();
    // `''` (the current folder of `python -c`) means nothing to a child.
    settings.python_path =
        string_list(top.get("sys_path")).unwrap_or_default().into_iter().filter(|p| !p.is_empty()).collect();
    settings.problems = string_list(top.get("problems")).unwrap_or_default();
    Ok(settings)
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    value?.as_array()?.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

fn mssp_table(table: &Map<String, Value>) -> Result<MsspTable, SettingsError> {
    let mut out = MsspTable::new();
    for (key, value) in table {
        let value = match value {
            Value::Array(items) => MsspValue::List(items.iter().map(python_str).collect()),
            other => MsspValue::Text(python_str(other)),
        };
        out.set(key.clone(), value);
    }
    Ok(out)
}

/// `str(value)` as mssp.py sends it (the script keeps strings, numbers and
/// booleans as they are).
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

struct Reader<'a> {
    values: &'a Map<String, Value>,
}

impl Reader<'_> {
    fn get<T>(
        &self,
        key: &str,
        slot: &mut T,
        convert: impl FnOnce(&Value) -> Option<T>,
        expected: &str,
    ) -> Result<(), SettingsError> {
        match self.values.get(key) {
            None => Ok(()),
            Some(value) => {
                *slot = convert(value)
                    .ok_or_else(|| SettingsError::Invalid(format!("{key} should be {expected}, not {value}")))?;
                Ok(())
            }
        }
    }

    fn text(&self, key: &str, slot: &mut String) -> Result<(), SettingsError> {
        self.get(key, slot, |v| v.as_str().map(str::to_owned), "a string")
    }

    fn path(&self, key: &str, slot: &mut PathBuf) -> Result<(), SettingsError> {
        self.get(key, slot, |v| v.as_str().map(PathBuf::from), "a path")
    }

    fn boolean(&self, key: &str, slot: &mut bool) -> Result<(), SettingsError> {
        // Python truthiness, as `if settings.X:` reads it.
        self.get(key, slot, |v| Some(truthy(v)), "a boolean")
    }

    fn number(&self, key: &str, slot: &mut f64) -> Result<(), SettingsError> {
        self.get(key, slot, Value::as_f64, "a number")
    }

    fn integer(&self, key: &str, slot: &mut i64) -> Result<(), SettingsError> {
        self.get(key, slot, Value::as_i64, "an integer")
    }

    fn port(&self, key: &str, slot: &mut u16) -> Result<(), SettingsError> {
        self.get(key, slot, as_port, "a port number")
    }

    fn ports(&self, key: &str, slot: &mut Vec<u16>) -> Result<(), SettingsError> {
        self.get(key, slot, |v| v.as_array()?.iter().map(as_port).collect(), "a list of port numbers")
    }

    fn port_pairs(&self, key: &str, slot: &mut Vec<(u16, u16)>) -> Result<(), SettingsError> {
        let pair = |v: &Value| match v.as_array()?.as_slice() {
            [a, b] => Some((as_port(a)?, as_port(b)?)),
            _ => None,
        };
        self.get(key, slot, |v| v.as_array()?.iter().map(pair).collect(), "a list of (port, port) pairs")
    }

    fn pairs(&self, key: &str, slot: &mut Vec<(String, String)>) -> Result<(), SettingsError> {
        let pair = |v: &Value| match v.as_array()?.as_slice() {
            [a, b] => Some((a.as_str()?.to_owned(), b.as_str()?.to_owned())),
            _ => None,
        };
        self.get(key, slot, |v| v.as_array()?.iter().map(pair).collect(), "a list of (str, str) pairs")
    }

    fn texts(&self, key: &str, slot: &mut Vec<String>) -> Result<(), SettingsError> {
        self.get(key, slot, |v| string_list(Some(v)), "a list of strings")
    }
}

fn as_port(v: &Value) -> Option<u16> {
    v.as_u64().and_then(|n| u16::try_from(n).ok())
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_keep_evennias_defaults() {
        let json = serde_json::json!({"settings": {"SERVERNAME": "mygame", "TELNET_PORTS": [4100, 4101]}});
        let s = from_json(&json).unwrap();
        assert_eq!(s.servername, "mygame");
        assert_eq!(s.telnet_ports, vec![4100, 4101]);
        assert_eq!(s.amp_port, 4006);
        assert_eq!(s.max_command_rate, 80.0);
    }

    #[test]
    fn a_wrong_type_is_an_error_naming_the_setting() {
        let json = serde_json::json!({"settings": {"AMP_PORT": "4006"}});
        let err = from_json(&json).unwrap_err().to_string();
        assert!(err.contains("AMP_PORT"), "{err}");
        let json = serde_json::json!({"settings": {"TELNET_PORTS": [70000]}});
        assert!(from_json(&json).is_err());
    }

    #[test]
    fn mssp_lists_and_custom_classes() {
        let json = serde_json::json!({
            "settings": {"TELNET_PROTOCOL_CLASS": "mygame.MyTelnet", "BASE_SESSION_CLASS": "evennia.server.session.Session"},
            "mssp": {"NAME": "x", "PORT": ["4000", 4001], "CRAWL DELAY": -1, "ADULT": false}
        });
        let s = from_json(&json).unwrap();
        let table: Vec<(&str, &MsspValue)> = s.mssp_table.iter().collect();
        assert_eq!(
            table,
            vec![
                ("NAME", &MsspValue::Text("x".into())),
                ("PORT", &MsspValue::List(vec!["4000".into(), "4001".into()])),
                ("CRAWL DELAY", &MsspValue::Text("-1".into())),
                ("ADULT", &MsspValue::Text("False".into())),
            ]
        );
        assert_eq!(s.custom_classes.len(), 1);
        assert!(s.unsupported().iter().any(|l| l.contains("mygame.MyTelnet")));
    }

    #[test]
    fn validation_refuses_a_zero_rate() {
        let mut s = Settings::default();
        s.max_command_rate = 0.0;
        assert!(s.validate().is_err());
    }
}
