//! The Portal's listeners, started from the game's settings.

use crate::portal::Portal;
use crate::settings::Settings;

/// Starts the Portal: the AMP port, then every player-facing listener the
/// settings enable.
pub async fn start(settings: Settings) -> std::io::Result<Portal> {
    let builder = Portal::builder(settings);
    builder.start().await
}

/// The line the binary prints on stdout once everything listens:
/// `amp-portal ready: {"amp": "127.0.0.1:4006", "telnet": ["127.0.0.1:4000"]}`.
pub fn ready_line(portal: &Portal) -> String {
    let amp = portal.amp_addr().map(|a| a.to_string());
    let report = serde_json::json!({ "amp": amp, "telnet": Vec::<String>::new() });
    format!("amp-portal ready: {report}")
}
