//! The Portal's listeners, started from the game's settings.

pub mod telnet;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::portal::{interface_suffix, Portal, PortalEvent};
use crate::render;
use crate::settings::Settings;
use crate::telnet::mssp::{evennia_table, Mssp, MsspSettings};
use crate::telnet::TelnetConfig;

pub use telnet::{TelnetLimits, TelnetShared};

/// A started Portal and where its players connect.
#[derive(Debug, Clone)]
pub struct Services {
    /// The Portal.
    pub portal: Portal,
    /// The telnet listeners' addresses.
    pub telnet: Vec<SocketAddr>,
    /// What the telnet connections share.
    pub telnet_shared: Option<Arc<TelnetShared>>,
}

/// Why the services could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A listener could not bind.
    #[error("cannot listen on {what} {addr}: {source}")]
    Bind {
        /// `AMP` or `telnet`.
        what: &'static str,
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A setting the renderer cannot honour.
    #[error("bad setting: {0}")]
    Settings(String),
}

/// Starts the Portal: the AMP port, then every player-facing listener the
/// settings enable (telnet on `TELNET_INTERFACES` x `TELNET_PORTS`, as
/// Evennia's `register_telnet`).
pub async fn start(settings: Settings, limits: TelnetLimits) -> Result<Services, StartError> {
    let render =
        render::Settings::new(&settings.colors, &settings.screenreader_regex_strip, settings.encodings.clone())
            .map_err(|e| StartError::Settings(e.to_string()))?;
    let mut telnet_addrs: Vec<String> = Vec::new();
    let mut builder_lines = Vec::new();
    if settings.telnet_enabled {
        let interfaces = settings.interfaces(&settings.telnet_interfaces);
        for interface in &interfaces {
            let suffix = interface_suffix(interface, interfaces.len());
            for port in &settings.telnet_ports {
                builder_lines.push(format!("telnet{suffix}: {port}"));
                telnet_addrs.push(join(interface, *port));
            }
        }
    }
    let mssp_settings = MsspSettings {
        servername: settings.servername.clone(),
        telnet_ports: settings.telnet_ports.iter().map(u16::to_string).collect(),
        telnet_oob_enabled: settings.telnet_oob_enabled,
        ssl_enabled: settings.ssl_enabled,
        evennia_version: settings.version.clone(),
        portal_start_time: crate::portal::unix_now(),
    };
    let mut table = evennia_table(&mssp_settings);
    table.update(settings.mssp_table.clone());
    let mssp = Arc::new(Mssp::new(table));
    let config = TelnetConfig {
        encoding: settings.encodings.first().cloned().unwrap_or_else(|| "utf-8".into()),
        client_default_width: settings.client_default_width,
        client_default_height: settings.client_default_height,
        mxp_enabled: settings.mxp_enabled,
        idle_command: settings.idle_command.clone(),
        mssp: mssp.clone(),
        ..TelnetConfig::default()
    };
    let amp_addr = join(&settings.amp_interface, settings.amp_port);
    let mut builder = Portal::builder(settings);
    for line in builder_lines {
        builder = builder.listener_info("telnet", line);
    }
    let portal = builder.start().await.map_err(|source| StartError::Bind { what: "AMP", addr: amp_addr, source })?;
    let mut services = Services { portal: portal.clone(), telnet: Vec::new(), telnet_shared: None };
    if !telnet_addrs.is_empty() {
        let shared = TelnetShared::new(config, render, limits);
        for addr in telnet_addrs {
            let listener =
                bind(&addr).await.map_err(|source| StartError::Bind { what: "telnet", addr: addr.clone(), source })?;
            if let Ok(local) = listener.local_addr() {
                services.telnet.push(local);
            }
            tokio::spawn(telnet::serve(portal.clone(), listener, shared.clone()));
        }
        services.telnet_shared = Some(shared);
    }
    tokio::spawn(count_players(portal, mssp));
    Ok(services)
}

/// Keeps MSSP's `PLAYERS` equal to the number of logged-in sessions.
async fn count_players(portal: Portal, mssp: Arc<Mssp>) {
    let mut events = portal.events();
    loop {
        match events.recv().await {
            Ok(
                PortalEvent::SessionLoggedIn { .. }
                | PortalEvent::SessionClosed { .. }
                | PortalEvent::ServerConnected { .. },
            )
            | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => mssp.set_players(portal.logged_in_count()),
            Ok(PortalEvent::ShuttingDown) | Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            Ok(_) => {}
        }
    }
}

fn join(interface: &str, port: u16) -> String {
    if interface.contains(':') {
        format!("[{interface}]:{port}")
    } else {
        format!("{interface}:{port}")
    }
}

/// A listener with a deep accept queue (a burst of players connecting at
/// once must not overflow the kernel's default of 128).
async fn bind(addr: &str) -> std::io::Result<tokio::net::TcpListener> {
    let addr: SocketAddr = match tokio::net::lookup_host(addr).await?.next() {
        Some(a) => a,
        None => return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("no address for {addr}"))),
    };
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// The line the binary prints on stdout once everything listens:
/// `amp-portal ready: {"amp": "127.0.0.1:4006", "telnet": ["127.0.0.1:4000"]}`.
pub fn ready_line(services: &Services) -> String {
    let amp = services.portal.amp_addr().map(|a| a.to_string());
    let telnet: Vec<String> = services.telnet.iter().map(SocketAddr::to_string).collect();
    let report = serde_json::json!({ "amp": amp, "telnet": telnet });
    format!("amp-portal ready: {report}")
}
