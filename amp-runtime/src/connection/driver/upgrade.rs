//! Leaving plain AMP: the peer's StartTLS answered, the TLS handshake run
//! on the same stream (bytes already read go first), and a switched stream
//! handed over with the bytes of the new protocol already read.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::{Driver, SwitchTo};
use crate::connection::lock::lock;
use crate::connection::outgoing::{After, Frame, Outgoing};
use crate::connection::reply;
use crate::connection::switch::SwitchedStream;
use crate::connection::tls::{self, TlsRole};
use crate::connection::transport::Transport;
use crate::wire::{AmpBox, ANSWER};

impl Driver {
    /// The peer sent StartTLS: answer, then run the handshake; nothing may
    /// be read or written in the clear in between.
    pub(super) fn on_start_tls(&mut self, ask: Option<Bytes>) {
        let Some(tag) = ask else {
            tracing::warn!("StartTLS without _ask: ignored");
            return;
        };
        let refusal = {
            let mut tls = lock(&self.shared.tls);
            if tls.active || tls.pending || self.life.writes_paused() {
                Some("OnlyOneTLS: TLS is already started on this connection")
            } else if self.shared.config.start_tls.is_none() {
                Some("TLS not available")
            } else {
                tls.pending = true;
                None
            }
        };
        if let Some(description) = refusal {
            tracing::info!(description, "refusing the peer's StartTLS");
            self.push_local(Outgoing::boxed(reply::error_box(&tag, b"TLS_ERROR", description.as_bytes())));
            return;
        }
        let Some(role) = self.shared.config.start_tls.clone() else { return };
        tracing::debug!("answering StartTLS, then starting TLS");
        let mut answer = AmpBox::with_capacity(1);
        answer.insert(ANSWER, tag);
        self.flush_held();
        // A received tag is a valid value: the box needs no check. The
        // action makes these the last bytes in the clear.
        self.append(Outgoing::new(Frame::Box(answer), After::UpgradeTls(role)));
    }

    /// Runs the TLS handshake on the stream, bytes already read first.
    pub(super) async fn upgrade(&mut self, role: &TlsRole) -> Result<(), String> {
        let Some(io) = self.io.take() else { return Err("the stream is gone".to_owned()) };
        let prefix = self.inbound.buf.split().freeze();
        let timeout = self.shared.config.tls_handshake_timeout;
        let outcome = tokio::time::timeout(timeout, tls::handshake(role, io.into_boxed(), prefix)).await;
        let mut state = lock(&self.shared.tls);
        state.pending = false;
        match outcome {
            Ok(Ok((stream, certificates))) => {
                tracing::info!(role = ?role, "TLS started");
                state.active = true;
                state.peer_certificates = certificates;
                drop(state);
                self.io = Some(Transport::Stream(stream));
                // Descriptors cannot cross TLS.
                self.shared.fds_supported.store(false, Ordering::Release);
                self.life.upgraded();
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("the handshake took longer than {timeout:?}")),
        }
    }

    /// Gives the stream away after a switch.
    pub(super) fn hand_over(&mut self, to: SwitchTo) {
        let Some(io) = self.io.take() else { return };
        let stream = SwitchedStream::new(io.into_boxed(), self.inbound.buf.split().freeze());
        tracing::info!(unread = stream.unread().len(), "switched to another protocol");
        match to {
            SwitchTo::Caller(tx, mut received) => {
                received.switched = Some(stream);
                let _ = tx.send(Ok(*received));
            }
            SwitchTo::Responder(tx) => {
                let _ = tx.send(stream);
            }
        }
    }
}
