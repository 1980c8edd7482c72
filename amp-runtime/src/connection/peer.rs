//! [`Peer`]: the handle to call the other side of a connection.

use std::borrow::Borrow;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;
use tokio_rustls::rustls::pki_types::CertificateDer;

use super::addr::PeerAddr;
use super::calls::CallKind;
use super::close::CloseReason;
use super::lock::lock;
use super::outgoing::{After, Outgoing};
use super::request;
use super::shared::Shared;
use super::switch::SwitchedStream;
use super::tls::{StartTlsError, TlsRole, START_TLS_COMMAND};
use crate::command::{CallError, Command, CommandError, NoError};
use crate::types::{ArgContext, BoxFields};
use crate::wire::{AmpBox, EncodeError, ANSWER};

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

impl Peer {
    pub(crate) fn attached(shared: Arc<Shared>) -> Self {
        Peer { shared: Some(shared) }
    }

    /// A handle with no connection behind it: every call fails with
    /// `ConnectionLost`.
    pub fn detached() -> Self {
        Peer { shared: None }
    }

    /// The connection's shared state; `None` for a detached handle.
    pub(super) fn shared(&self) -> Option<&Arc<Shared>> {
        self.shared.as_ref()
    }

    /// The connection, or the error every call on a detached handle gets.
    fn connection(&self) -> Result<&Arc<Shared>, CallError<NoError>> {
        self.shared.as_ref().ok_or_else(|| CallError::ConnectionLost("no connection (detached handle)".to_owned()))
    }

    fn default_timeout(&self) -> Option<Duration> {
        self.shared.as_ref().and_then(|s| s.config.default_timeout)
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
        self.call_typed::<C>(args.borrow(), self.default_timeout()).await
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
        let shared = self.connection().map_err(widen)?;
        let write = |out: &mut AmpBox, acx: &mut ArgContext| args.write_fields(out, acx);
        if !C::REQUIRES_ANSWER {
            request::send(shared, static_name(C::NAME), write).await.map_err(widen)?;
            return C::Response::read_fields(&AmpBox::new(), &mut ArgContext::new()).map_err(CallError::Decode);
        }
        let pending = request::call(shared, static_name(C::NAME), write, CallKind::Plain).await.map_err(widen)?;
        let mut received = pending.wait(timeout).await.map_err(widen)?;
        let mut acx = received.take_arg_context();
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
        request::send(self.connection()?, static_name(C::NAME), |out, acx| args.write_fields(out, acx)).await
    }

    /// Calls a command by wire name with a raw box of arguments (Twisted's
    /// `callRemoteString`). `_command` and `_ask` are set here. The answer
    /// comes back as a box without `_answer`; an error answer is
    /// `CallError::Unhandled`, `Unknown` or `Undeclared`.
    pub async fn call_raw(&self, command: impl AsRef<[u8]>, args: AmpBox) -> Result<AmpBox, CallError<NoError>> {
        let answer = self.call_with(command, |out, _| copy_into(out, &args), self.default_timeout()).await?;
        Ok(answer.fields)
    }

    /// [`call_raw`](Peer::call_raw) with its own timeout.
    pub async fn call_raw_with_timeout(
        &self,
        command: impl AsRef<[u8]>,
        args: AmpBox,
        timeout: Duration,
    ) -> Result<AmpBox, CallError<NoError>> {
        let answer = self.call_with(command, |out, _| copy_into(out, &args), Some(timeout)).await?;
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
        let shared = self.connection()?;
        let command = Bytes::copy_from_slice(command.as_ref());
        let pending = request::call(shared, command, write, CallKind::Plain).await?;
        let mut received = pending.wait(timeout).await?;
        let context = received.take_arg_context();
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
        request::send(self.connection()?, Bytes::copy_from_slice(command.as_ref()), write).await
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
        let shared = self.connection()?;
        {
            let mut tls = lock(&shared.tls);
            if tls.active || tls.pending {
                return Err(StartTlsError::OnlyOneTls);
            }
            tls.pending = true;
        }
        let outcome = async {
            let command = static_name(START_TLS_COMMAND);
            let pending = request::call(shared, command, |_, _| Ok(()), CallKind::StartTls(role)).await?;
            let received = pending.wait(shared.config.default_timeout).await?;
            received.outcome.map(drop).map_err(CallError::from_remote)
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
        let (answer, mut context, stream) = self.switch(static_name(C::NAME), write).await?;
        let response = C::Response::read_fields(&answer, &mut context).map_err(CallError::Decode)?;
        Ok((response, stream))
    }

    /// [`switch_protocol`](Peer::switch_protocol) by wire name with a raw box.
    pub async fn switch_protocol_raw(
        &self,
        command: impl AsRef<[u8]>,
        args: AmpBox,
    ) -> Result<(AmpBox, SwitchedStream), CallError<NoError>> {
        let command = Bytes::copy_from_slice(command.as_ref());
        let (mut answer, _, stream) = self.switch(command, |out, _| copy_into(out, &args)).await.map_err(widen)?;
        answer.remove(ANSWER);
        Ok((answer, stream))
    }

    async fn switch<E: CommandError, F>(
        &self,
        command: Bytes,
        write: F,
    ) -> Result<(AmpBox, ArgContext, SwitchedStream), CallError<E>>
    where
        F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
    {
        let shared = self.connection().map_err(widen)?;
        let pending = request::call(shared, command, write, CallKind::Switch).await.map_err(widen)?;
        let mut received = pending.wait(shared.config.default_timeout).await.map_err(widen)?;
        let context = received.take_arg_context();
        match (received.outcome, received.switched) {
            (Ok(answer), Some(stream)) => Ok((answer, context, stream)),
            (Ok(_), None) => Err(CallError::ConnectionLost("the switch did not complete".to_owned())),
            (Err(remote), _) => Err(CallError::from_remote(remote)),
        }
    }

    /// Waits until every box queued so far is written to the stream.
    pub async fn flush(&self) -> Result<(), CallError<NoError>> {
        let shared = self.connection()?;
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
    pub fn peer_addr(&self) -> PeerAddr {
        self.shared.as_ref().map_or(PeerAddr::Other, |s| s.addr.clone())
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

/// A call error without declared errors, as any command's.
fn widen<E>(e: CallError<NoError>) -> CallError<E> {
    e.map_declared(|never| match never {})
}

/// A command name known at compile time, as a key that costs no copy.
fn static_name(name: &'static str) -> Bytes {
    Bytes::from_static(name.as_bytes())
}

fn copy_into(out: &mut AmpBox, args: &AmpBox) -> Result<(), EncodeError> {
    *out = args.clone();
    Ok(())
}
