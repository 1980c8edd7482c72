//! The telnet connection (`amp_portal::telnet::Telnet`) on any bytes: no
//! panic, under tiny and default limits, however the input is cut into reads
//! and whatever is sent in between; lines never exceed the limit; the same
//! input gives the same output and events every time.

#![no_main]

use std::sync::Arc;

use amp_portal::telnet::{Event, Limits, Telnet, TelnetConfig, Value};
use libfuzzer_sys::fuzz_target;

fn run(config: &Arc<TelnetConfig>, knobs: u8, data: &[u8]) -> (Vec<u8>, Vec<Event>) {
    let mut telnet = Telnet::new(Arc::clone(config));
    let mut out = telnet.take_output();
    let mut events: Vec<Event> = telnet.drain_events().collect();
    // Reads of 1 to 16 bytes, their sizes taken from the input itself.
    let mut rest = data;
    let mut i = 0usize;
    while !rest.is_empty() {
        let size = (usize::from(rest[0] ^ knobs) % 16 + 1).min(rest.len());
        let (read, tail) = rest.split_at(size);
        telnet.receive(read);
        if knobs & 0x10 != 0 && i % 3 == 0 {
            telnet.send_line(read);
            telnet.send_prompt(read);
            telnet.send_echo(i % 2 == 0);
            let _ = telnet.send_oob("char_vitals", &[Value::Bytes(read.to_vec()), Value::Int(i as i64)], &[]);
            telnet.nop_keepalive();
        }
        if i == 7 {
            telnet.handshake_timeout();
        }
        out.extend(telnet.take_output());
        events.extend(telnet.drain_events());
        rest = tail;
        i += 1;
    }
    (out, events)
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, data)) = data.split_first() else { return };
    let limits = if knobs & 1 == 0 {
        Limits { max_line: 8, max_subnegotiation: 5, max_json_depth: 2 }
    } else {
        Limits::default()
    };
    let config = Arc::new(TelnetConfig { limits, mxp_enabled: knobs & 2 != 0, ..TelnetConfig::default() });
    let first = run(&config, knobs, data);
    for event in &first.1 {
        if let Event::Text(line) = event {
            assert!(line.len() <= limits.max_line.max(5) + 1, "a line of {} bytes passed the limit", line.len());
        }
    }
    let again = run(&config, knobs, data);
    assert_eq!(first.0, again.0, "output differs between two runs");
    assert_eq!(first.1, again.1, "events differ between two runs");
});
