//! [`Peer`]: the handle to call the other side of a connection.

use std::borrow::Borrow;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;
use tokio_rustls::rustls::pki_types::CertificateDer;

use super::close::CloseReason;
use super::context::Context;
use super::shared::{lock, After, CallKind, Delivery, Frame, Outgoing, Received, Shared};
use super::switch::SwitchedStream;
use super::tags::format_tag;
use super::tls::{StartTlsError, TlsRole, START_TLS_COMMAND};
use crate::command::{CallError, Command, NoError};
use crate::types::{ArgContext, BoxFields};
use crate::wire::{AmpBox, EncodeError, Lossy, ANSWER, ASK, COMMAND};

/// A handle to call the peer of a connection. Cheap to clone; every clone
/// drives the same connection.
///
/// Calls are tagged per connection as Twisted tags them (`1`, `2`, ... `a`,
/// in lowercase hex) and may be in flight in any number (up to
/// [`max_outstanding_calls`](super::ConnectionConfig::max_outstanding_calls)),
/// answered in any order. Dropping a call's future cancels it locally: the
/// connection is unharmed and a late answer is dropped.
///
/// Dropping every handle does not close the connection: it also answers the
/// peer's calls. Use [`close`](Peer::close).
#[derive(Clone, Default)]
pub struct Peer {
    shared: Option<Arc<Shared>>,
}

/// An answer as received, for callers that encode and decode themselves
/// (schema-less and dynamic use).
#[derive(Debug)]
pub struct RawAnswer {
    /// The answer box (`_answer` removed).
    pub fields: AmpBox,
    /// Descriptors that came with the answer, for decoding `Descriptor`
    /// fields: `fds_in` in receive order, `next_fd_ordinal` the receive
    /// ordinal of the first.
    pub context: ArgContext,
}

/// How a call waits.
struct Pending {
    shared: Arc<Shared>,
    tag: u64,
    rx: oneshot::Receiver<Delivery>,
    done: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            // The caller stopped waiting: forget the call; a late answer
            // will be dropped.
            self.shared.cancel(self.tag);
        }
    }
}

impl Pending {
    async fn wait(mut self, timeout: Option<Duration>) -> Result<Received, CallError<NoError>> {
        let delivery = match timeout {
            Some(limit) => match tokio::time::timeout(limit, &mut self.rx).await {
                Ok(delivery) => delivery,
                Err(_) => {
                    tracing::debug!(tag = self.tag, "call timed out");
                    return Err(CallError::Timeout(limit));
                }
            },
            None => (&mut self.rx).await,
        };
        self.done = true;
        match delivery {
            Ok(Ok(received)) => Ok(received),
            Ok(Err(reason)) => Err(CallError::ConnectionLost(reason.to_string())),
            Err(_) => Err(self.shared.lost()),
        }
    }
}

/// What a request expects back.
enum Expect {
    Nothing,
    Answer(CallKind),
}

fn widen<E>(e: CallError<NoError>) -> CallError<E> {
    e.map_declared(|never| match never {})
}

fn decode_context(received: &mut Received) -> ArgContext {
    ArgContext { fds_in: std::mem::take(&mut received.fds), next_fd_ordinal: received.fd_base, ..ArgContext::default() }
}

impl Peer {
    pub(crate) fn attached(shared: Arc<Shared>) -> Self {
        Peer { shared: Some(shared) }
    }

    /// A handle with no connection behind it: every call fails with
    /// `ConnectionLost`.
    pub fn detached() -> Self {
        Peer { shared: None }
    }

    fn shared(&self) -> Result<&Arc<Shared>, CallError<NoError>> {
        self.shared.as_ref().ok_or_else(|| CallError::ConnectionLost("no connection (detached handle)".to_owned()))
    }

    /// Calls `C` and waits for its answer (or the configured default timeout).
    ///
    /// For a command declared `requiresAnswer=False`, this sends the box
    /// without `_ask` exactly like [`send`](Peer::send) and returns as soon as
    /// it is queued, with the response read from an empty box (Twisted's
    /// `callRemote` returns `None` then; such commands normally declare no
    /// response fields, and one that declares required ones gets
    /// `CallError::Decode`).
    pub async fn call<C: Command>(&self, args: impl Borrow<C::Arguments>) -> Result<C::Response, CallError<C::Error>> {
        let timeout = self.shared.as_ref().and_then(|s| s.config.default_timeout);
        self.call_typed::<C>(args.borrow(), timeout).await
    }

    /// [`call`](Peer::call) with its own timeout: past it, the call fails
    /// with `CallError::Timeout` and a late answer is dropped.
    pub async fn call_with_timeout<C: Command>(
        &self,
        args: impl Borrow<C::Arguments>,
        timeout: Duration,
    ) -> Result<C::Response, CallError<C::Error>> {
        self.call_typed::<C>(args.borrow(), Some(timeout)).await
    }

    async fn call_typed<C: Command>(
        &self,
        args: &C::Arguments,
        timeout: Option<Duration>,
    ) -> Result<C::Response, CallError<C::Error>> {
        let shared = self.shared().map_err(widen)?;
        let write = |out: &mut AmpBox, acx: &mut ArgContext| args.write_fields(out, acx);
        if !C::REQUIRES_ANSWER {
            request(shared, static_name(C::NAME), write, Expect::Nothing).await.map_err(widen)?;
            return C::Response::read_fields(&AmpBox::new(), &mut ArgContext::new()).map_err(CallError::Decode);
        }
        let pending =
            request(shared, static_name(C::NAME), write, Expect::Answer(CallKind::Plain)).await.map_err(widen)?;
        let Some(pending) = pending else { unreachable!("a call awaiting an answer is registered") };
        let mut received = pending.wait(timeout).await.map_err(widen)?;
        let mut acx = decode_context(&mut received);
        match received.outcome {
            Ok(answer) => C::Response::read_fields(&answer, &mut acx).map_err(CallError::Decode),
            Err(remote) => Err(CallError::from_remote(remote)),
        }
    }

    /// Sends `C` without `_ask`: no answer is asked for or awaited (Twisted's
    /// `requiresAnswer=False`, also allowed for commands that declare an
    /// answer). Returns once the box is queued; it uses up a tag as in Twisted.
    pub async fn send<C: Command>(&self, args: impl Borrow<C::Arguments>) -> Result<(), CallError<NoError>> {
        let args = args.borrow();
        let shared = self.shared()?;
        request(shared, static_name(C::NAME), |out, acx| args.write_fields(out, acx), Expect::Nothing).await?;
        Ok(())
    }

    /// Calls a command by wire name with a raw box of arguments (Twisted's
    /// `callRemoteString`). `_command` and `_ask` are set here. The answer
    /// comes back as a box without `_answer`; an error answer is
    /// `CallError::Unhandled`, `Unknown` or `Undeclared`.
    pub async fn call_raw(&self, command: impl AsRef<[u8]>, args: AmpBox) -> Result<AmpBox, CallError<NoError>> {
        let timeout = self.shared.as_ref().and_then(|s| s.config.default_timeout);
        self.call_raw_inner(command.as_ref(), args, timeout).await
    }

    /// [`call_raw`](Peer::call_raw) with its own timeout.
    pub async fn call_raw_with_timeout(
        &self,
        command: impl AsRef<[u8]>,
        args: AmpBox,
        timeout: Duration,
    ) -> Result<AmpBox, CallError<NoError>> {
        self.call_raw_inner(command.as_ref(), args, Some(timeout)).await
    }

    async fn call_raw_inner(
        &self,
        command: &[u8],
        args: AmpBox,
        timeout: Option<Duration>,
    ) -> Result<AmpBox, CallError<NoError>> {
        let answer = self.call_with(command, |out, _| copy_into(out, &args), timeout).await?;
        Ok(answer.fields)
    }

    /// The most general call: `write` fills the argument box (it may run
    /// twice, and its `ArgContext` carries descriptors to pass); the answer
    /// comes back raw with its descriptors. For schema-driven dynamic values.
    pub async fn call_with<F>(
        &self,
        command: impl AsRef<[u8]>,
        write: F,
        timeout: Option<Duration>,
    ) -> Result<RawAnswer, CallError<NoError>>
    where
        F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
    {
        let shared = self.shared()?;
        let pending =
            request(shared, Bytes::copy_from_slice(command.as_ref()), write, Expect::Answer(CallKind::Plain)).await?;
        let Some(pending) = pending else { unreachable!("a call awaiting an answer is registered") };
        let mut received = pending.wait(timeout).await?;
        let context = decode_context(&mut received);
        match received.outcome {
            Ok(mut fields) => {
                fields.remove(ANSWER);
                Ok(RawAnswer { fields, context })
            }
            Err(remote) => Err(CallError::from_remote(remote)),
        }
    }

    /// Sends a command by wire name without `_ask` (no answer).
    pub async fn send_raw(&self, command: impl AsRef<[u8]>, args: AmpBox) -> Result<(), CallError<NoError>> {
        self.send_with(command, |out, _| copy_into(out, &args)).await
    }

    /// [`send_raw`](Peer::send_raw) with an argument writer, like [`call_with`](Peer::call_with).
    pub async fn send_with<F>(&self, command: impl AsRef<[u8]>, write: F) -> Result<(), CallError<NoError>>
    where
        F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
    {
        let shared = self.shared()?;
        request(shared, Bytes::copy_from_slice(command.as_ref()), write, Expect::Nothing).await?;
        Ok(())
    }

    /// Sends `StartTLS` and, once the peer's plain answer arrives, runs the
    /// TLS handshake on the same stream in `role`. Boxes queued meanwhile are
    /// held back and go out encrypted. Returns when TLS is up.
    ///
    /// A second StartTLS on one connection fails with
    /// [`StartTlsError::OnlyOneTls`]. An error answer leaves the connection
    /// plain and usable; a failed handshake closes it. Descriptor passing
    /// stops working once TLS is on.
    pub async fn start_tls(&self, role: TlsRole) -> Result<(), StartTlsError> {
        let shared = self.shared()?;
        {
            let mut tls = lock(&shared.tls);
            if tls.active || tls.pending {
                return Err(StartTlsError::OnlyOneTls);
            }
            tls.pending = true;
        }
        let outcome = async {
            let expect = Expect::Answer(CallKind::StartTls(role));
            let pending = request(shared, static_name(START_TLS_COMMAND), |_, _| Ok(()), expect).await?;
            let Some(pending) = pending else { unreachable!("a call awaiting an answer is registered") };
            let received = pending.wait(shared.config.default_timeout).await?;
            match received.outcome {
                Ok(_) => Ok(()),
                Err(remote) => Err(CallError::from_remote(remote)),
            }
        }
        .await;
        if outcome.is_err() {
            lock(&shared.tls).pending = false;
        }
        Ok(outcome?)
    }

    /// Calls `C` as a protocol switch (Twisted's `ProtocolSwitchCommand`):
    /// after a successful answer, the stream stops carrying AMP and is handed
    /// back with any bytes of the new protocol already read. Boxes queued
    /// while the answer is awaited are held back; after the switch they (and
    /// every later call) fail with `ConnectionLost`. An error answer leaves
    /// AMP usable.
    pub async fn switch_protocol<C: Command>(
        &self,
        args: impl Borrow<C::Arguments>,
    ) -> Result<(C::Response, SwitchedStream), CallError<C::Error>> {
        let args = args.borrow();
        let write = |out: &mut AmpBox, acx: &mut ArgContext| args.write_fields(out, acx);
        let (answer, mut context, stream) = self.switch_inner(static_name(C::NAME), write).await?;
        let response = C::Response::read_fields(&answer, &mut context).map_err(CallError::Decode)?;
        Ok((response, stream))
    }

    /// [`switch_protocol`](Peer::switch_protocol) by wire name with a raw box.
    pub async fn switch_protocol_raw(
        &self,
        command: impl AsRef<[u8]>,
        args: AmpBox,
    ) -> Result<(AmpBox, SwitchedStream), CallError<NoError>> {
        let (mut answer, _, stream) = self
            .switch_inner(Bytes::copy_from_slice(command.as_ref()), |out, _| copy_into(out, &args))
            .await
            .map_err(widen)?;
        answer.remove(ANSWER);
        Ok((answer, stream))
    }

    async fn switch_inner<E: crate::command::CommandError, F>(
        &self,
        command: Bytes,
        write: F,
    ) -> Result<(AmpBox, ArgContext, SwitchedStream), CallError<E>>
    where
        F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
    {
        let shared = self.shared().map_err(widen)?;
        let pending = request(shared, command, write, Expect::Answer(CallKind::Switch)).await.map_err(widen)?;
        let Some(pending) = pending else { unreachable!("a call awaiting an answer is registered") };
        let mut received = pending.wait(shared.config.default_timeout).await.map_err(widen)?;
        let context = decode_context(&mut received);
        match (received.outcome, received.switched) {
            (Ok(answer), Some(stream)) => Ok((answer, context, stream)),
            (Ok(_), None) => Err(CallError::ConnectionLost("the switch did not complete".to_owned())),
            (Err(remote), _) => Err(CallError::from_remote(remote)),
        }
    }

    /// Waits until every box queued so far is written to the stream.
    pub async fn flush(&self) -> Result<(), CallError<NoError>> {
        let shared = self.shared()?;
        let (tx, rx) = oneshot::channel();
        let out = Outgoing::action(After::Flushed(tx));
        shared.tx.send(out).await.map_err(|_| shared.lost())?;
        rx.await.map_err(|_| shared.lost())
    }

    /// Closes the connection: boxes already queued are written, later calls
    /// fail, calls awaiting answers fail with `ConnectionLost`, and handlers
    /// still running cannot answer. Returns at once; see [`closed`](Peer::closed).
    pub fn close(&self) {
        if let Some(shared) = &self.shared {
            shared.request_close();
        }
    }

    /// Closes gracefully: no new calls are made or run, handlers already
    /// running finish and their answers are written, then the connection
    /// closes; at `deadline` it closes regardless. Returns once closed.
    pub async fn close_gracefully(&self, deadline: Duration) -> CloseReason {
        if let Some(shared) = &self.shared {
            shared.request_drain(Instant::now() + deadline);
        }
        self.closed().await
    }

    /// Waits until the connection has ended and says why.
    pub async fn closed(&self) -> CloseReason {
        let Some(shared) = &self.shared else { return CloseReason::Local };
        let mut rx = shared.closed_tx.subscribe();
        let result = match rx.wait_for(|reason| reason.is_some()).await {
            Ok(reason) => reason.clone().unwrap_or(CloseReason::Local),
            Err(_) => CloseReason::Local,
        };
        result
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.as_ref().map_or(true, |s| s.is_closed())
    }

    /// Why the connection ended, if it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared.as_ref().and_then(|s| s.closed_tx.borrow().clone())
    }

    /// A number naming this connection, unique in the process.
    pub fn id(&self) -> u64 {
        self.shared.as_ref().map_or(0, |s| s.id)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> super::PeerAddr {
        self.shared.as_ref().map_or(super::PeerAddr::Other, |s| s.addr.clone())
    }

    /// The connection's context: its address and per-connection state (the
    /// same state handlers see).
    pub fn context(&self) -> Context {
        match &self.shared {
            Some(s) => Context::with_state(self.clone(), s.addr.clone(), s.state.clone()),
            None => Context::detached(),
        }
    }

    /// Calls awaiting an answer.
    pub fn outstanding_calls(&self) -> usize {
        self.shared.as_ref().map_or(0, |s| s.outstanding())
    }

    /// Whether TLS is running on the connection.
    pub fn is_tls(&self) -> bool {
        self.shared.as_ref().is_some_and(|s| lock(&s.tls).active)
    }

    /// The certificate chain the peer showed in the TLS handshake (empty
    /// without TLS or when the peer showed none).
    pub fn peer_certificates(&self) -> Vec<CertificateDer<'static>> {
        self.shared.as_ref().map_or_else(Vec::new, |s| lock(&s.tls).peer_certificates.clone())
    }

    /// Whether file descriptors can be passed (a Unix socket without TLS).
    pub fn can_pass_fds(&self) -> bool {
        self.shared.as_ref().is_some_and(|s| s.fds_supported.load(Ordering::Acquire))
    }

    /// Whether two handles drive the same connection.
    pub fn same_connection(&self, other: &Peer) -> bool {
        match (&self.shared, &other.shared) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.shared {
            Some(s) => f.debug_struct("Peer").field("id", &s.id).field("addr", &s.addr).finish(),
            None => f.write_str("Peer(detached)"),
        }
    }
}

/// A command name known at compile time, as a key that costs no copy.
fn static_name(name: &'static str) -> Bytes {
    Bytes::from_static(name.as_bytes())
}

fn copy_into(out: &mut AmpBox, args: &AmpBox) -> Result<(), EncodeError> {
    *out = args.clone();
    Ok(())
}

/// Encodes and queues one request. For a call awaiting an answer, returns
/// the registration to wait on.
///
/// Descriptor ordinals must follow the order boxes reach the wire, so a box
/// that carries descriptors is encoded again while holding the connection's
/// descriptor lock and a reserved place in the queue (the usual box is
/// encoded once, with no lock).
async fn request<F>(
    shared: &Arc<Shared>,
    command: Bytes,
    write: F,
    expect: Expect,
) -> Result<Option<Pending>, CallError<NoError>>
where
    F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
{
    shared.check_open()?;
    let mut acx = ArgContext::new();
    let mut body = AmpBox::new();
    write(&mut body, &mut acx)?;
    let permit = shared.tx.reserve().await.map_err(|_| shared.lost())?;
    let mut ordinal_lock = None;
    let mut fds = Vec::new();
    if !acx.fds_out.is_empty() {
        if !shared.fds_supported.load(Ordering::Acquire) {
            return Err(CallError::Encode(EncodeError::Invalid {
                key: Lossy(command.to_vec()),
                reason: "file descriptors can only be passed over a Unix socket connection (without TLS)".to_owned(),
            }));
        }
        let mut ordinal = shared.fd_send.clone().lock_owned().await;
        let mut again = ArgContext { next_fd_ordinal: *ordinal, ..ArgContext::default() };
        body = AmpBox::new();
        write(&mut body, &mut again)?;
        *ordinal += again.fds_out.len() as u64;
        fds = again.fds_out;
        ordinal_lock = Some(ordinal);
    }
    body.insert(COMMAND, command);
    if let Err(e) = body.validate() {
        if let Some(mut ordinal) = ordinal_lock {
            *ordinal -= fds.len() as u64;
        }
        return Err(CallError::Encode(e));
    }
    let (kind, after) = match expect {
        Expect::Nothing => (None, After::Nothing),
        Expect::Answer(kind @ (CallKind::StartTls(_) | CallKind::Switch)) => (Some(kind), After::PauseWrites),
        Expect::Answer(kind) => (Some(kind), After::Nothing),
    };
    let awaiting = kind.is_some();
    let (tag, rx) = match shared.register(kind) {
        Ok(registered) => registered,
        Err(e) => {
            if let Some(mut ordinal) = ordinal_lock {
                *ordinal -= fds.len() as u64;
            }
            return Err(e);
        }
    };
    if awaiting {
        // Checked above; a tag is at most 16 bytes, so the box stays valid.
        body.insert(ASK, format_tag(tag));
    }
    // Fields are only evaluated when the event is enabled.
    tracing::trace!(command = %Lossy(body.get(COMMAND).map_or_else(Vec::new, |c| c.to_vec())), tag, awaiting, "call sent");
    let frame = match Frame::of_box(body) {
        Ok(frame) => frame,
        Err(e) => {
            // Checked above; only the short tag was added since.
            shared.cancel(tag);
            return Err(CallError::Encode(e));
        }
    };
    permit.send(Outgoing { frame, fds, after });
    drop(ordinal_lock);
    Ok(rx.map(|rx| Pending { shared: shared.clone(), tag, rx, done: false }))
}
