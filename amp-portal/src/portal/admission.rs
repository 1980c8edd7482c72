//! The connection queue: at most `MAX_CONNECTION_RATE` new sessions per
//! second reach the Server (`portalsessionhandler.connect`).
//!
//! Evennia queues every new session; one leaves the queue each
//! `1 / MAX_CONNECTION_RATE` seconds. A session that joins a queue already
//! holding one is told, before anything else:
//! `{SERVERNAME} DoS protection is active.You are queued to connect in {n} seconds ...`
//! (no space after the period; `n` is the queue length times the interval,
//! printed as Python prints a float).

use std::time::Duration;

use amp_evennia::payload::admin::AdminFromPortal;
use tokio::time::Instant;

use super::{lock, Portal, PortalEvent};

/// Evennia's `DOS_PROTECTION_MSG` for a queue of `queued` sessions.
pub(crate) fn dos_protection_text(servername: &str, queued: usize, interval: f64) -> String {
    let seconds = queued as f64 * interval;
    format!(
        "{servername} DoS protection is active.You are queued to connect in {} seconds ...",
        amp_runtime::python::float_repr(seconds)
    )
}

/// Runs the queue until the Portal stops.
pub(crate) async fn run(portal: Portal) {
    let interval = Duration::from_secs_f64(1.0 / portal.shared.settings.max_connection_rate);
    let mut last: Option<Instant> = None;
    loop {
        let next = lock(&portal.shared.state).queue.front().copied();
        let Some(_) = next else {
            let stopped = portal.shared.stop.subscribe();
            if stopped.borrow().is_some() {
                return;
            }
            portal.shared.admission.notified().await;
            continue;
        };
        if let Some(at) = last {
            tokio::time::sleep_until(at + interval).await;
        }
        last = Some(Instant::now());
        admit_one(&portal);
    }
}

/// The oldest queued session reaches the Server.
fn admit_one(portal: &Portal) {
    let (sessid, admin, peer) = {
        let mut state = lock(&portal.shared.state);
        let Some(sessid) = state.queue.pop_front() else { return };
        let peer = state.server_peer();
        let Some(entry) = state.sessions.get_mut(&sessid) else { return };
        entry.admitted = true;
        (sessid, AdminFromPortal::Pconn { sessid, session: entry.data.clone() }, peer)
    };
    // Without a Server, the session reaches the next one in its PSYNC.
    if let Some(peer) = peer {
        portal.admin_to(&peer, admin);
    }
    portal.emit(PortalEvent::SessionAdmitted { sessid });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_text_is_evennias() {
        assert_eq!(
            dos_protection_text("Evennia", 2, 0.5),
            "Evennia DoS protection is active.You are queued to connect in 1.0 seconds ..."
        );
        assert_eq!(
            dos_protection_text("g", 3, 0.01),
            "g DoS protection is active.You are queued to connect in 0.03 seconds ..."
        );
    }
}
