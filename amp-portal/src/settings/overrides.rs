//! Command-line flags that override the game's settings, one per setting.

use std::path::PathBuf;

use super::Settings;

/// A flag for every setting the Portal reads; a flag given wins over the
/// game's settings file. Lists are comma-separated (`--telnet-ports 4000,4010`).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Settings (override the game's server/conf/settings.py)")]
pub struct Overrides {
    /// SERVERNAME.
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// LOCKDOWN_MODE: listen on 127.0.0.1 only.
    #[arg(long, value_name = "BOOL")]
    pub lockdown_mode: Option<bool>,
    /// AMP_PORT: the port the Server and the launcher connect to.
    #[arg(long, value_name = "PORT")]
    pub amp_port: Option<u16>,
    /// AMP_INTERFACE: where the Portal listens for AMP.
    #[arg(long, value_name = "IP")]
    pub amp_interface: Option<String>,
    /// TELNET_ENABLED.
    #[arg(long, value_name = "BOOL")]
    pub telnet_enabled: Option<bool>,
    /// TELNET_PORTS.
    #[arg(long, value_name = "PORT,...", value_delimiter = ',')]
    pub telnet_ports: Option<Vec<u16>>,
    /// TELNET_INTERFACES.
    #[arg(long, value_name = "IP,...", value_delimiter = ',')]
    pub telnet_interfaces: Option<Vec<String>>,
    /// TELNET_OOB_ENABLED (in Evennia 6.1 only the MSSP table's GMCP and MSDP
    /// fields: both are offered to every client).
    #[arg(long, value_name = "BOOL")]
    pub telnet_oob_enabled: Option<bool>,
    /// MXP_ENABLED: offer MXP on connect.
    #[arg(long, value_name = "BOOL")]
    pub mxp_enabled: Option<bool>,
    /// WEBSERVER_ENABLED (the web side is not served by this Portal yet).
    #[arg(long, value_name = "BOOL")]
    pub webserver_enabled: Option<bool>,
    /// MAX_CONNECTION_RATE: new sessions per second.
    #[arg(long, value_name = "PER_SECOND")]
    pub max_connection_rate: Option<f64>,
    /// MAX_COMMAND_RATE: input lines per second and session.
    #[arg(long, value_name = "PER_SECOND")]
    pub max_command_rate: Option<f64>,
    /// COMMAND_RATE_WARNING.
    #[arg(long, value_name = "TEXT")]
    pub command_rate_warning: Option<String>,
    /// MAX_CHAR_LIMIT: the longest input line (0: no limit).
    #[arg(long, value_name = "CHARS")]
    pub max_char_limit: Option<i64>,
    /// MAX_CHAR_LIMIT_WARNING.
    #[arg(long, value_name = "TEXT")]
    pub max_char_limit_warning: Option<String>,
    /// ENCODINGS: a new session's encoding first, then the fallbacks.
    #[arg(long, value_name = "CODEC,...", value_delimiter = ',')]
    pub encodings: Option<Vec<String>>,
    /// IDLE_COMMAND: what a client's lone NUL keepalive stands for.
    #[arg(long, value_name = "TEXT")]
    pub idle_command: Option<String>,
    /// SCREENREADER_REGEX_STRIP.
    #[arg(long, value_name = "REGEX")]
    pub screenreader_regex_strip: Option<String>,
    /// CLIENT_DEFAULT_WIDTH.
    #[arg(long, value_name = "COLUMNS")]
    pub client_default_width: Option<i64>,
    /// CLIENT_DEFAULT_HEIGHT.
    #[arg(long, value_name = "ROWS")]
    pub client_default_height: Option<i64>,
    /// SERVER_LOG_FILE: the Server process's output.
    #[arg(long, value_name = "PATH")]
    pub server_log_file: Option<PathBuf>,
    /// PORTAL_LOG_FILE (see also --log).
    #[arg(long, value_name = "PATH")]
    pub portal_log_file: Option<PathBuf>,
}

impl Overrides {
    /// Applies every flag given to `settings`.
    pub fn apply(&self, settings: &mut Settings) {
        fn set<T: Clone>(slot: &mut T, value: &Option<T>) {
            if let Some(v) = value {
                *slot = v.clone();
            }
        }
        set(&mut settings.servername, &self.servername);
        set(&mut settings.lockdown_mode, &self.lockdown_mode);
        set(&mut settings.amp_port, &self.amp_port);
        set(&mut settings.amp_interface, &self.amp_interface);
        set(&mut settings.telnet_enabled, &self.telnet_enabled);
        set(&mut settings.telnet_ports, &self.telnet_ports);
        set(&mut settings.telnet_interfaces, &self.telnet_interfaces);
        set(&mut settings.telnet_oob_enabled, &self.telnet_oob_enabled);
        set(&mut settings.mxp_enabled, &self.mxp_enabled);
        set(&mut settings.webserver_enabled, &self.webserver_enabled);
        set(&mut settings.max_connection_rate, &self.max_connection_rate);
        set(&mut settings.max_command_rate, &self.max_command_rate);
        set(&mut settings.command_rate_warning, &self.command_rate_warning);
        set(&mut settings.max_char_limit, &self.max_char_limit);
        set(&mut settings.max_char_limit_warning, &self.max_char_limit_warning);
        set(&mut settings.encodings, &self.encodings);
        set(&mut settings.idle_command, &self.idle_command);
        set(&mut settings.screenreader_regex_strip, &self.screenreader_regex_strip);
        set(&mut settings.client_default_width, &self.client_default_width);
        set(&mut settings.client_default_height, &self.client_default_height);
        set(&mut settings.server_log_file, &self.server_log_file);
        set(&mut settings.portal_log_file, &self.portal_log_file);
    }
}
