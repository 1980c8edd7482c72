//! Evennia's MSDP and GMCP input decoders and Python-compatible JSON
//! (`amp_portal::telnet::{msdp, gmcp, pytext::json}`) on any bytes: no panic;
//! JSON that reads gives text that reads back to the same value; GMCP
//! decoding never reports more than one error.

#![no_main]

use amp_portal::python::json::{dumps, loads};
use amp_portal::python::repr::repr;
use amp_portal::telnet::{gmcp, msdp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = msdp::decode(data);
    let (_cmd, _error) = gmcp::decode(data, 16);
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(value) = loads(text, 64) {
        let mut printed = String::new();
        let _ = repr(&value, &mut printed);
        let dumped = dumps(&value).expect("what json.loads gives, json.dumps writes");
        assert!(dumped.is_ascii());
        let back = loads(&dumped, 64).expect("json.dumps output reads back");
        assert_eq!(format!("{back:?}"), format!("{value:?}"), "JSON round trip changed the value");
    }
});
