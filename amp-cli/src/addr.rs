//! Addresses on the command line: `HOST:PORT` or `unix:PATH`.

use std::fmt;
use std::path::PathBuf;

/// Where to connect or listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    /// A TCP host (name or IP, IPv6 in brackets) and port.
    Tcp(String, u16),
    /// A Unix socket path.
    Unix(PathBuf),
}

impl Addr {
    /// Parses `HOST:PORT` (`[::1]:4006` for IPv6) or `unix:PATH`.
    pub fn parse(text: &str) -> Result<Addr, String> {
        if let Some(path) = text.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(format!("address `{text}`: unix: needs a path"));
            }
            return Ok(Addr::Unix(PathBuf::from(path)));
        }
        let bad = || format!("address `{text}`: expected HOST:PORT or unix:PATH");
        let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
        let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6,
            None if host.contains(':') => return Err(bad()),
            None => host,
        };
        if host.is_empty() {
            return Err(bad());
        }
        let port = port.parse::<u16>().map_err(|_| format!("address `{text}`: `{port}` is not a port number"))?;
        Ok(Addr::Tcp(host.to_owned(), port))
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Tcp(host, port) if host.contains(':') => write!(f, "[{host}]:{port}"),
            Addr::Tcp(host, port) => write!(f, "{host}:{port}"),
            Addr::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tcp_ipv6_and_unix() {
        assert_eq!(Addr::parse("127.0.0.1:4006"), Ok(Addr::Tcp("127.0.0.1".into(), 4006)));
        assert_eq!(Addr::parse("localhost:0"), Ok(Addr::Tcp("localhost".into(), 0)));
        assert_eq!(Addr::parse("[::1]:80"), Ok(Addr::Tcp("::1".into(), 80)));
        assert_eq!(Addr::parse("unix:/tmp/a b.sock"), Ok(Addr::Unix("/tmp/a b.sock".into())));
        assert_eq!(Addr::parse("[::1]:80").unwrap().to_string(), "[::1]:80");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in ["", "4006", "127.0.0.1", ":80", "host:port", "host:70000", "::1:80", "unix:"] {
            assert!(Addr::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
