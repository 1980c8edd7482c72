//! The Portal's listeners, started from the game's settings.

use crate::portal::Portal;
use crate::settings::Settings;

/// Starts the Portal: the AMP port, then every player-facing listener the
/// settings enable.
pub async fn start(settings: Settings) -> std::io::Result<Portal> {
    let builder = Portal::builder(settings);
    builder.start().await
}

/// The line the binary prints once everything listens.
pub fn ready_line(portal: &Portal) -> String {
    let amp = portal.amp_addr().map_or_else(|| "-".to_owned(), |a| a.to_string());
    format!("amp-portal ready: amp {amp}")
}
