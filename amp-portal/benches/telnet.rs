//! The telnet layer alone: CPU per command read and per line sent, the same
//! work `amp-portal/tests/python/telnet_bench.py` times on Evennia's
//! `TelnetProtocol`. Prints nanoseconds per operation.
//!
//!     cargo bench -p amp-portal --bench telnet

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use amp_portal::telnet::{Telnet, TelnetConfig};

fn connection(mccp: bool) -> Telnet {
    let mut t = Telnet::new(Arc::new(TelnetConfig::default()));
    let answers: &[u8] =
        b"\xff\xfc\x22\xff\xfd\x03\xff\xfb\x1f\xff\xfc\x18\xff\xfe\x46\xff\xfe\x45\xff\xfe\xc9\xff\xfe\x5b";
    t.receive(answers);
    t.receive(if mccp { b"\xff\xfd\x56" } else { b"\xff\xfe\x56" });
    t.take_output();
    t.drain_events().for_each(drop);
    t
}

fn per_op(name: &str, n: u32, mut f: impl FnMut()) {
    f();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    println!("{name:<40} {:10.0} ns", start.elapsed().as_nanos() as f64 / f64::from(n));
}

fn main() {
    let idle = connection(false);
    println!(
        "idle connection: {} bytes inline, {} flags, {} bytes of input buffers",
        std::mem::size_of::<Telnet>(),
        idle.flags().len(),
        idle.buffered()
    );
    for mccp in [false, true] {
        let tag = if mccp { "MCCP" } else { "plain" };
        let mut t = connection(mccp);
        per_op(&format!("read one command ({tag})"), 1_000_000, || {
            t.receive(b"look\r\n");
            t.drain_events().for_each(|e| drop(black_box(e)));
        });
        let ten = b"say hello there\r\n".repeat(10);
        per_op(&format!("read 10 commands in one read ({tag})"), 200_000, || {
            t.receive(&ten);
            t.drain_events().for_each(|e| drop(black_box(e)));
        });
        let line = b"You are standing in a small room. Exits: north, south.\n";
        per_op(&format!("send one line ({tag})"), 1_000_000, || {
            t.send_line(line);
            black_box(t.take_output());
        });
    }
}
