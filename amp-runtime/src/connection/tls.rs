//! StartTLS: upgrading a running connection to TLS on the same stream, as
//! Twisted's `amp.StartTLS` does.
//!
//! The command is `StartTLS` on the wire with no arguments (Twisted's TLS
//! arguments are local only). The side that receives it sends its plain
//! answer, then both sides run the TLS handshake. Which side is the TLS
//! client is chosen locally on each side ([`TlsRole`]); with Twisted, the TCP
//! client is the TLS client (`transport.startTLS` follows the TCP roles).

use std::fmt;
use std::io;
use std::sync::Arc;

use bytes::Bytes;
use tokio_rustls::rustls::pki_types::{CertificateDer, InvalidDnsNameError, ServerName};
use tokio_rustls::rustls::{ClientConfig, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::transport::{AsyncIo, Prefixed};
use crate::command::{CallError, NoError};

/// The rustls crate, as used for [`TlsRole`].
pub use tokio_rustls::rustls;

/// The wire name of the StartTLS command.
pub const START_TLS_COMMAND: &str = "StartTLS";

/// The TLS side this end takes, with its rustls configuration.
#[derive(Clone)]
pub enum TlsRole {
    /// The TLS client: verifies the peer's certificate for `server_name`.
    Client {
        /// The client configuration (roots, client certificate, ...).
        config: Arc<ClientConfig>,
        /// The name the peer's certificate must carry.
        server_name: ServerName<'static>,
    },
    /// The TLS server.
    Server(Arc<ServerConfig>),
}

impl TlsRole {
    /// The client role, checking the peer's certificate against `server_name`
    /// (a DNS name or an IP address).
    pub fn client(config: Arc<ClientConfig>, server_name: &str) -> Result<Self, InvalidDnsNameError> {
        Ok(TlsRole::Client { config, server_name: ServerName::try_from(server_name.to_owned())? })
    }

    /// The server role.
    pub fn server(config: Arc<ServerConfig>) -> Self {
        TlsRole::Server(config)
    }
}

impl fmt::Debug for TlsRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsRole::Client { server_name, .. } => f.debug_struct("Client").field("server_name", server_name).finish(),
            TlsRole::Server(_) => f.write_str("Server"),
        }
    }
}

/// Why [`Peer::start_tls`](crate::Peer::start_tls) failed.
#[derive(Debug, thiserror::Error)]
pub enum StartTlsError {
    /// TLS is already running or being started on this connection
    /// (Twisted's `OnlyOneTLS`). Nothing was sent.
    #[error("TLS is already started on this connection (OnlyOneTLS)")]
    OnlyOneTls,
    /// The call failed: the peer refused (an error answer, the connection
    /// stays plain and usable), the connection was lost, or the handshake
    /// failed (the connection is then closed: `ConnectionLost` says why).
    #[error(transparent)]
    Call(#[from] CallError<NoError>),
}

/// TLS state of a connection.
#[derive(Debug, Default)]
pub(crate) struct TlsState {
    /// The handshake is done.
    pub(crate) active: bool,
    /// A StartTLS is in progress (sent or being answered).
    pub(crate) pending: bool,
    /// The peer's certificate chain, once TLS is up.
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
}

/// Runs the handshake over `io`, whose first bytes are `prefix` (bytes of the
/// handshake already read as AMP input). Returns the TLS stream and the
/// peer's certificate chain.
pub(crate) async fn handshake(
    role: &TlsRole,
    io: Box<dyn AsyncIo>,
    prefix: Bytes,
) -> io::Result<(Box<dyn AsyncIo>, Vec<CertificateDer<'static>>)> {
    let stream = Prefixed::new(prefix, io);
    let owned = |certs: Option<&[CertificateDer<'_>]>| -> Vec<CertificateDer<'static>> {
        certs.map(|c| c.iter().map(|c| c.clone().into_owned()).collect()).unwrap_or_default()
    };
    match role {
        TlsRole::Client { config, server_name } => {
            let tls = TlsConnector::from(config.clone()).connect(server_name.clone(), stream).await?;
            let certs = owned(tls.get_ref().1.peer_certificates());
            Ok((Box::new(tls), certs))
        }
        TlsRole::Server(config) => {
            let tls = TlsAcceptor::from(config.clone()).accept(stream).await?;
            let certs = owned(tls.get_ref().1.peer_certificates());
            Ok((Box::new(tls), certs))
        }
    }
}
