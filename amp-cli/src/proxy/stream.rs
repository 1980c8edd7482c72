//! The proxy's sockets, TCP or Unix, as halves of any kind.

use std::io;
use std::path::PathBuf;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::addr::Addr;

/// The reading half of a connection.
pub type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// The writing half of a connection.
pub type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// A connected socket.
pub enum Stream {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix socket.
    Unix(UnixStream),
}

impl Stream {
    /// Connects to `addr`.
    pub async fn connect(addr: &Addr) -> io::Result<Stream> {
        match addr {
            Addr::Tcp(host, port) => {
                let s = TcpStream::connect((host.as_str(), *port)).await?;
                // Boxes are forwarded as they come: no batching delay (a
                // socket refusing the option still forwards, only later).
                let _ = s.set_nodelay(true);
                Ok(Stream::Tcp(s))
            }
            Addr::Unix(path) => UnixStream::connect(path).await.map(Stream::Unix),
        }
    }

    /// The two halves.
    pub fn split(self) -> (Reader, Writer) {
        match self {
            Stream::Tcp(s) => {
                let (r, w) = s.into_split();
                (Box::new(r), Box::new(w))
            }
            Stream::Unix(s) => {
                let (r, w) = s.into_split();
                (Box::new(r), Box::new(w))
            }
        }
    }
}

/// A listening socket.
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A Unix socket and its file (removed when the proxy stops).
    Unix(UnixListener, PathBuf),
}

impl Listener {
    /// Listens on `addr`.
    pub async fn bind(addr: &Addr) -> io::Result<Listener> {
        match addr {
            Addr::Tcp(host, port) => TcpListener::bind((host.as_str(), *port)).await.map(Listener::Tcp),
            Addr::Unix(path) => UnixListener::bind(path).map(|l| Listener::Unix(l, path.clone())),
        }
    }

    /// Where it listens, as the first line shows it.
    pub fn local_addr(&self, asked: &Addr) -> String {
        match self {
            Listener::Tcp(l) => l.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| asked.to_string()),
            Listener::Unix(..) => asked.to_string(),
        }
    }

    /// The next connection and the client's address.
    pub async fn accept(&self) -> io::Result<(Stream, String)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Ok((Stream::Tcp(s), peer.to_string()))
            }
            Listener::Unix(l, path) => {
                let (s, _) = l.accept().await?;
                Ok((Stream::Unix(s), format!("unix:{}", path.display())))
            }
        }
    }

    /// Removes a Unix socket's file.
    pub fn remove_file(&self) {
        if let Listener::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}
