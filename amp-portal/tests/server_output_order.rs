//! The Server's output reaches each player in the order the game sent it,
//! whatever its size, and an SDISCONN does not overtake the output sent
//! before it (the Rust Server role behind amp-portal's Portal, over
//! loopback). A large output is decoded off the async executor while the
//! next calls are read: before the fix, the small line sent after 1 MB of
//! text reached the player first in 9 rounds out of 10.

mod common;

use amp_evennia::role::server::{EvenniaServer, ServerEvent};
use amp_evennia::sample_text::{prose, Vocabulary};
use amp_evennia::{Kwargs, Message};
use amp_portal::portal::ToSession;
use common::{next, output, recv};

const ROUNDS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_output_is_not_overtaken() {
    let portal = common::portal().await;
    let (server, mut events) = EvenniaServer::builder(common::amp(&portal)).spawn();
    assert!(matches!(next(&mut events).await, ServerEvent::Synced { .. }));
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));
    let mut player = portal.open_session("telnet", "10.0.0.7", Kwargs::new());
    let sessid = player.sessid();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionConnected(s) if s.sessid == sessid));

    // Over 100 KB compressed: decoded on the blocking pool.
    let big = prose(1_000_000, 7, Vocabulary::Plain);
    for round in 0..ROUNDS {
        // Both on the wire before either is answered.
        let first = server.send(sessid, Message::raw_text(big.clone())).await.unwrap();
        let second = server.msg(sessid, format!("small {round}")).await.unwrap();
        first.await.unwrap();
        second.await.unwrap();
        assert_eq!(output(&mut player).await.text_arg().map(str::len), Some(big.len()), "round {round}");
        assert_eq!(output(&mut player).await.text_arg(), Some(format!("small {round}").as_str()));
    }

    // The last output, then the disconnection.
    let last = server.send(sessid, Message::raw_text(big.clone())).await.unwrap();
    let bye = server.disconnect(sessid, Some("Bye")).await.unwrap();
    last.await.unwrap();
    bye.await.unwrap();
    assert_eq!(output(&mut player).await.text_arg().map(str::len), Some(big.len()));
    assert_eq!(recv(&mut player).await, ToSession::Disconnect(Some("Bye".to_owned())));
    server.stop();
}
