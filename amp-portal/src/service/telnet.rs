//! The telnet listeners: one task per player connection, driving the
//! sans-IO [`Telnet`] state with the socket, the session's
//! [`SessionHandle`] and the renderer (Evennia's `TelnetProtocol` and its
//! Twisted transport).
//!
//! Per connection, as Evennia's Portal: the option offers on connect, the
//! 2-second handshake timer, `IAC NOP` every 30 seconds while
//! `NOPKEEPALIVE` is on, TCP keepalive; lines and OOB input to the Portal,
//! the game's text, prompts and OOB output rendered for this client.
//! Bounds Evennia has not: output waiting for a client that does not read
//! (past [`TelnetLimits::max_pending_output`] the connection is closed with a
//! log line), and the number of connections held
//! ([`TelnetLimits::max_connections`]: past it a new connection is closed at
//! once, with a log line).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use amp_evennia::codec::pickle::Value;
use amp_evennia::payload::message::MsgCommand;
use amp_evennia::Kwargs;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

use crate::portal::{Portal, SessionHandle, ToSession};
use crate::render;
use crate::render::telnet::{Flags, SendOptions};
use crate::telnet::{Event, InputError, Telnet, TelnetConfig};

/// Evennia's handshake timeout (`telnet.py`: `delay(2, handshake_done, timeout=True)`).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// Evennia's NOP keepalive period (`LoopingCall(...).start(30, now=False)`).
pub const NOP_INTERVAL: Duration = Duration::from_secs(30);

/// Bounds on the telnet side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelnetLimits {
    /// Bytes of output waiting for a client that does not read before the
    /// connection is closed (1 MiB). Evennia keeps all of it.
    pub max_pending_output: usize,
    /// Telnet connections held at once (100,000); a connection past it is
    /// closed as soon as it is accepted.
    pub max_connections: usize,
}

impl Default for TelnetLimits {
    fn default() -> Self {
        TelnetLimits { max_pending_output: 1 << 20, max_connections: 100_000 }
    }
}

/// What every telnet connection of a Portal shares.
#[derive(Debug)]
pub struct TelnetShared {
    /// The telnet layer's settings.
    pub config: Arc<TelnetConfig>,
    /// The renderer's settings.
    pub render: Arc<render::Settings>,
    /// Bounds.
    pub limits: TelnetLimits,
    open: AtomicUsize,
}

impl TelnetShared {
    /// Shared state for `config`, `render` and `limits`.
    pub fn new(config: TelnetConfig, render: render::Settings, limits: TelnetLimits) -> Arc<Self> {
        Arc::new(TelnetShared { config: Arc::new(config), render: Arc::new(render), limits, open: AtomicUsize::new(0) })
    }

    /// Telnet connections open now.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }
}

/// Accepts telnet players on `listener` until the Portal stops.
pub async fn serve(portal: Portal, listener: TcpListener, shared: Arc<TelnetShared>) {
    let mut stopped = std::pin::pin!(portal.stopped());
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => {
                if shared.open.load(Ordering::Relaxed) >= shared.limits.max_connections {
                    tracing::warn!(%addr, limit = shared.limits.max_connections, "telnet connection refused: too many connections");
                    drop(stream);
                    continue;
                }
                shared.open.fetch_add(1, Ordering::Relaxed);
                let (portal, shared) = (portal.clone(), shared.clone());
                tokio::spawn(async move {
                    let result = connection(&portal, stream, addr, &shared).await;
                    shared.open.fetch_sub(1, Ordering::Relaxed);
                    if let Err(e) = result {
                        tracing::debug!(%addr, error = %e, "telnet connection ended");
                    }
                });
            }
            Err(e) => {
                // Out of descriptors and the like: log, give the others a
                // moment to close, go on.
                tracing::warn!(error = %e, "telnet accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One player's connection, from accept to close.
async fn connection(
    portal: &Portal,
    stream: TcpStream,
    addr: SocketAddr,
    shared: &TelnetShared,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    set_keepalive(&stream);
    let mut telnet = Telnet::new(shared.config.clone());
    let mut flags = Kwargs::new();
    for event in telnet.drain_events() {
        if let Event::Connect { flags: at_connect } = event {
            for (k, v) in at_connect.iter() {
                flags.insert(k, v.clone());
            }
        }
    }
    let session = portal.open_session("telnet", &addr.ip().to_string(), flags);
    let mut conn = Conn {
        telnet,
        session,
        render: shared.render.clone(),
        render_flags: Flags::default(),
        pushed: None,
        out: Vec::new(),
        max_pending: shared.limits.max_pending_output,
        closing: false,
    };
    conn.after_telnet();
    let result = conn.run(&stream).await;
    // Dropping the session handle sends PDISCONN (Evennia's connectionLost).
    drop(conn);
    result
}

struct Conn {
    telnet: Telnet,
    session: SessionHandle,
    render: Arc<render::Settings>,
    render_flags: Flags,
    /// The flags last given to the Portal's copy of the session.
    pushed: Option<crate::telnet::ProtocolFlags>,
    out: Vec<u8>,
    max_pending: usize,
    /// Write what is pending, then close.
    closing: bool,
}

impl Conn {
    async fn run(&mut self, stream: &TcpStream) -> std::io::Result<()> {
        let mut handshake: Option<std::pin::Pin<Box<Sleep>>> = Some(Box::pin(tokio::time::sleep(HANDSHAKE_TIMEOUT)));
        let mut nop = tokio::time::interval_at(Instant::now() + NOP_INTERVAL, NOP_INTERVAL);
        nop.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if self.out.len() > self.max_pending {
                tracing::warn!(
                    sessid = self.session.sessid(),
                    pending = self.out.len(),
                    "session {}: the client does not read its output ({} bytes waiting); disconnected",
                    self.session.sessid(),
                    self.out.len()
                );
                return Ok(());
            }
            if self.closing && self.out.is_empty() {
                return Ok(());
            }
            tokio::select! {
                biased;
                ready = stream.writable(), if !self.out.is_empty() => {
                    ready?;
                    match stream.try_write(&self.out) {
                        Ok(n) => { self.out.drain(..n); }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(e),
                    }
                }
                ready = stream.readable(), if !self.closing => {
                    ready?;
                    // The buffer lives only for this step: an idle connection
                    // holds none.
                    let mut buf = [0u8; 4096];
                    match stream.try_read(&mut buf) {
                        Ok(0) => return Ok(()),
                        Ok(n) => {
                            self.telnet.receive(&buf[..n]);
                            self.after_telnet();
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(e),
                    }
                }
                item = self.session.recv(), if !self.closing => match item {
                    Some(item) => self.to_session(item),
                    // The Portal closed the session (its queue overflowed, or
                    // it is stopping): close at once.
                    None => return Ok(()),
                },
                () = async { handshake.as_mut().expect("armed").await }, if handshake.is_some() => {
                    handshake = None;
                    self.telnet.handshake_timeout();
                    self.after_telnet();
                }
                _ = nop.tick() => {
                    self.telnet.nop_keepalive();
                    self.after_telnet();
                }
            }
        }
    }

    /// Acts on what the telnet state produced: its events, its flags, its
    /// output.
    fn after_telnet(&mut self) {
        let events: Vec<Event> = self.telnet.drain_events().collect();
        for event in events {
            match event {
                Event::Connect { .. } => {}
                Event::Sync { flags, .. } => {
                    self.session.set_flags(&kwargs_of(&flags));
                    self.pushed_flags(flags);
                    self.session.sync();
                }
                Event::Text(line) => {
                    self.push_flags();
                    self.session.text_input(&line);
                }
                Event::Oob(commands) => {
                    self.push_flags();
                    let kwargs = commands.iter().map(|c| c.to_pair()).collect();
                    self.session.data_in(kwargs);
                }
                Event::Close(reason) => {
                    tracing::info!(sessid = self.session.sessid(), ?reason, "telnet connection refused");
                    self.closing = true;
                }
                Event::InputError(e) => log_input_error(self.session.sessid(), &e),
            }
        }
        self.push_flags();
        self.flush_output();
    }

    /// Keeps the Portal's copy of the flags (sent in PCONN, PCONNSYNC, PSYNC)
    /// equal to the telnet layer's.
    fn push_flags(&mut self) {
        if self.pushed.as_ref() != Some(self.telnet.flags()) {
            self.session.set_flags(&kwargs_of(self.telnet.flags()));
            self.pushed_flags(self.telnet.flags().clone());
        }
    }

    /// Records `flags` as the Portal's copy, and renders with them from now
    /// on. One place for both: a copy updated without the renderer's (as on
    /// the sync that ends the handshake) made [`push_flags`](Self::push_flags)
    /// see no change, and the flags of connect time stayed in use.
    fn pushed_flags(&mut self, flags: crate::telnet::ProtocolFlags) {
        self.render_flags = Flags::from_protocol_flags(flags.to_value().as_dict().unwrap_or_default());
        self.pushed = Some(flags);
    }

    fn flush_output(&mut self) {
        if self.out.is_empty() {
            self.out = self.telnet.take_output();
        } else {
            let more = self.telnet.take_output();
            self.out.extend_from_slice(&more);
        }
    }

    /// What the Portal hands this session.
    fn to_session(&mut self, item: ToSession) {
        match item {
            ToSession::Output(message) => {
                for command in message.commands {
                    self.send(command);
                }
            }
            ToSession::Line(line) => match render::telnet::send_line(&line, &self.render_flags, &self.render) {
                Ok(bytes) => self.telnet.write_data(&bytes),
                Err(e) => tracing::error!(sessid = self.session.sessid(), error = %e, "cannot send a line"),
            },
            ToSession::Flags(update) => {
                let dict = update.to_value();
                self.telnet.flags_mut().update_from(dict.as_dict().unwrap_or_default());
                self.pushed_flags(self.telnet.flags().clone());
            }
            ToSession::LoggedIn => {}
            ToSession::Disconnect(reason) => {
                // Evennia's `disconnect(reason)`: the reason as text, then close.
                if let Some(reason) = reason {
                    self.send(MsgCommand::new("text", vec![Value::Str(reason)]));
                }
                self.closing = true;
            }
        }
        self.flush_output();
    }

    /// `sessionhandler.data_out`: `send_<name>` of the protocol, else
    /// `send_default`.
    fn send(&mut self, command: MsgCommand) {
        let name = crate::python::case::lower(crate::python::case::strip(&command.name));
        let options = match command.kwargs.get("options") {
            Some(Value::Dict(pairs)) => SendOptions::from_options(pairs),
            _ => SendOptions::default(),
        };
        match name.as_str() {
            "text" | "prompt" => {
                let text = match command.args.first() {
                    None => String::new(),
                    Some(Value::None) => return,
                    Some(Value::Str(s)) => s.clone(),
                    Some(other) => {
                        // Evennia's send_text raises on a non-str text (its
                        // regex), except in raw mode, which sends str(text).
                        let raw = options.raw.unwrap_or(self.render_flags.raw);
                        if !raw {
                            tracing::error!(
                                sessid = self.session.sessid(),
                                "send_text: the text is a {}, not a str",
                                other.type_name()
                            );
                            return;
                        }
                        let mut s = String::new();
                        if crate::python::repr::str(other, &mut s).is_err() {
                            return;
                        }
                        s
                    }
                };
                let written = if name == "prompt" {
                    render::telnet::prompt(&text, &self.render_flags, &options, &self.render)
                } else {
                    render::telnet::text(&text, &self.render_flags, &options, &self.render)
                };
                if let Some(echo) = written.echo {
                    self.telnet.write_data(&echo);
                }
                match written.data {
                    Ok(bytes) => self.telnet.write_data(&bytes),
                    Err(e) => tracing::error!(sessid = self.session.sessid(), error = %e, "send_text failed"),
                }
            }
            _ => {
                // `send_default(cmdname, *args, **kwargs)`; a command named
                // `default` calls `send_default(*args, **kwargs)`.
                let (cmdname, args): (String, &[Value]) = if name == "default" {
                    match command.args.split_first() {
                        Some((Value::Str(first), rest)) => (first.clone(), rest),
                        _ => return,
                    }
                } else {
                    (command.name.clone(), &command.args[..])
                };
                let kwargs: Vec<(Value, Value)> =
                    command.kwargs.iter().map(|(k, v)| (Value::from(k), v.clone())).collect();
                if let Err(e) = self.telnet.send_oob(&cmdname, args, &kwargs) {
                    tracing::error!(sessid = self.session.sessid(), error = %e, "cannot send OOB {cmdname}");
                }
            }
        }
    }
}

fn kwargs_of(flags: &crate::telnet::ProtocolFlags) -> Kwargs {
    flags.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect()
}

fn log_input_error(sessid: u64, e: &InputError) {
    tracing::warn!(sessid, error = %e, "Malformed telnet input");
}

/// TCP keepalive, as Evennia's `transport.setTcpKeepAlive(1)`.
fn set_keepalive(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on a socket this function borrows, with a c_int.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::settings::Settings;
    use crate::telnet::codes::{
        DO, DONT, GA, GMCP, IAC, LINEMODE, MCCP, MSDP, MSSP, MXP, NAWS, SGA, TTYPE, WILL, WONT,
    };

    /// Reads until `want` has arrived `count` times (or 10 s pass); returns
    /// all of it.
    async fn read_until(client: &mut TcpStream, want: &[u8], count: usize) -> Vec<u8> {
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.windows(want.len()).filter(|w| *w == want).count() < count {
            let mut buf = [0u8; 1024];
            match tokio::time::timeout_at(deadline, client.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
                other => panic!("{want:?} did not arrive ({other:?}); got {got:?}"),
            }
        }
        got
    }

    /// A client that refuses every option in one write ends the handshake
    /// countdown in that read; what that read changed (`NOGOAHEAD` false:
    /// SGA refused) must reach the renderer too: from then on every line
    /// ends with `IAC GA`, as Evennia's `sendLine` writes it. (The session
    /// was synced with the flags, but lines kept the ones of connect time.)
    #[tokio::test]
    async fn the_read_that_ends_the_handshake_sets_the_rendering() {
        let settings = Settings { max_connection_rate: 1e6, webserver_enabled: false, ..Settings::default() };
        let portal = Portal::builder(settings).start_on("127.0.0.1:0").await.expect("the Portal listens");
        let shared = TelnetShared::new(TelnetConfig::default(), render::Settings::default(), TelnetLimits::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(serve(portal.clone(), listener, shared));
        let mut client = TcpStream::connect(addr).await.expect("connect");
        let offers = [
            (DO, LINEMODE),
            (WILL, SGA),
            (DO, NAWS),
            (DO, TTYPE),
            (WILL, MCCP),
            (WILL, MSSP),
            (WILL, MSDP),
            (WILL, GMCP),
            (WILL, MXP),
        ];
        let offered: Vec<u8> = offers.iter().flat_map(|&(verb, option)| [IAC, verb, option]).collect();
        assert_eq!(read_until(&mut client, &[IAC, WILL, MXP], 1).await, offered);
        let mut refusals: Vec<u8> =
            offers.iter().flat_map(|&(verb, option)| [IAC, if verb == DO { WONT } else { DONT }, option]).collect();
        // No Server is connected: the Portal answers each line itself.
        refusals.extend_from_slice(b"look\r\nlook\r\n");
        client.write_all(&refusals).await.expect("write");
        let answers = read_until(&mut client, b"\r\n", 2).await;
        let end = answers.windows(2).position(|w| w == b"\r\n").expect("a line") + 2;
        assert_eq!(
            answers.get(end..end + 2),
            Some(&[IAC, GA][..]),
            "the first answer ends with IAC GA: {:?}",
            String::from_utf8_lossy(&answers)
        );
    }
}
