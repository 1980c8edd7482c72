//! Option negotiation: Twisted's `Telnet` state machine (RFC 1143's "Q
//! method" without queues) under Evennia's `enableLocal`/`enableRemote`/
//! `disableLocal`/`disableRemote` rules, and the callbacks Evennia hangs on
//! the offers it makes on connect.
//!
//! Twisted keeps, per option and per side ("us": the Portal performs it,
//! "him": the client does), a state (`no`/`yes`) and whether a negotiation
//! this side started is pending. The Portal starts negotiations only on
//! connect (`do` LINEMODE, NAWS, TTYPE; `will` SGA, MCCP, MSSP, MSDP, GMCP,
//! MXP), each with a Deferred whose callback (client agreed) or errback
//! (client refused) is Evennia's handler. Then, for what the client sends:
//!
//! | client sends | our side is | Twisted does |
//! |---|---|---|
//! | `WILL x` | him `no`, not pending | `enableRemote(x)` ? `him = yes`, send `DO x` : send `DONT x` |
//! | `WILL x` | him `no`, pending | `him = yes`, callback, then `enableRemote(x)` (for LINEMODE that sends the MODE subnegotiation); nothing sent |
//! | `WILL x` | him `yes` | nothing |
//! | `WONT x` | him `no`, not pending | nothing |
//! | `WONT x` | him `no`, pending | errback; nothing sent |
//! | `WONT x` | him `yes` | `him = no`, `disableRemote(x)`, send `DONT x` |
//! | `DO x` | us `no`, not pending | `enableLocal(x)` ? `us = yes`, send `WILL x` : send `WONT x` |
//! | `DO x` | us `no`, pending | `us = yes`, callback, `enableLocal(x)`; nothing sent |
//! | `DO x` | us `yes` | nothing |
//! | `DONT x` | us `no`, not pending | nothing |
//! | `DONT x` | us `no`, pending | errback; nothing sent |
//! | `DONT x` | us `yes` | `us = no`, `disableLocal(x)`, send `WONT x` |
//!
//! Evennia's rules: `enableRemote` accepts LINEMODE (and sends
//! `IAC SB LINEMODE MODE EDIT|TRAPSIG IAC SE`, i.e. `FF FA 22 01 03 FF F0`,
//! every time it is asked), TTYPE, NAWS, MCCP, MSSP, ECHO and SGA;
//! `enableLocal` accepts LINEMODE, MCCP, ECHO and SGA; `disableRemote` has no
//! effect; `disableLocal` turns MCCP off (`no_mccp`, which counts a handshake
//! again) and for any option but LINEMODE, ECHO and MCCP calls Twisted's,
//! which raises `NotImplementedError`, logged by Evennia: the `WONT` is sent
//! all the same and Evennia's flag for it (`NOGOAHEAD`, `MXP`, `OOB`) stays.
//! So a client refusing or withdrawing any option only ever gets an answer,
//! never a dropped connection (evennia#2044).
//!
//! Every reply goes through Evennia's `_write` (see
//! [`Core::write`](super::connection::Core::write)), newline fix included:
//! refusing option 10 is `FF FE 0D 0A`.

use super::codes::{
    DO, DONT, ECHO, GMCP, IAC, LINEMODE, LINEMODE_EDIT, LINEMODE_MODE, LINEMODE_TRAPSIG, MCCP, MSDP, MSSP, MXP, NAWS,
    SGA, TTYPE, WILL, WONT,
};
use super::connection::Core;
use super::mccp::Compressor;
use super::ttype::TtypeAnswer;

const US_YES: u8 = 1;
const US_PENDING: u8 = 2;
const HIM_YES: u8 = 4;
const HIM_PENDING: u8 = 8;

/// Twisted's `_OptionState` for all 256 options: one byte each.
#[derive(Debug)]
pub(super) struct Options([u8; 256]);

impl Default for Options {
    fn default() -> Self {
        Options([0; 256])
    }
}

impl Options {
    fn has(&self, option: u8, bit: u8) -> bool {
        self.0[option as usize] & bit != 0
    }

    fn put(&mut self, option: u8, bit: u8, on: bool) {
        if on {
            self.0[option as usize] |= bit;
        } else {
            self.0[option as usize] &= !bit;
        }
    }

    /// Whether the Portal performs `option` (Twisted's `us.state == "yes"`).
    pub(super) fn local(&self, option: u8) -> bool {
        self.has(option, US_YES)
    }

    /// Whether the client performs `option` (Twisted's `him.state == "yes"`).
    pub(super) fn remote(&self, option: u8) -> bool {
        self.has(option, HIM_YES)
    }
}

impl Core {
    /// Twisted's `do(option)` on a fresh option: ask the client to perform it.
    pub(super) fn offer_do(&mut self, option: u8) {
        self.options.put(option, HIM_PENDING, true);
        self.write(&[IAC, DO, option]);
    }

    /// Twisted's `will(option)` on a fresh option: offer to perform it.
    pub(super) fn offer_will(&mut self, option: u8) {
        self.options.put(option, US_PENDING, true);
        self.write(&[IAC, WILL, option]);
    }

    /// `IAC WILL/WONT/DO/DONT option` from the client.
    pub(super) fn negotiate(&mut self, command: u8, option: u8) {
        let o = option;
        match command {
            WILL => match (self.options.has(o, HIM_YES), self.options.has(o, HIM_PENDING)) {
                (false, false) => {
                    if self.enable_remote(o) {
                        self.options.put(o, HIM_YES, true);
                        self.write(&[IAC, DO, o]);
                    } else {
                        self.write(&[IAC, DONT, o]);
                    }
                }
                (false, true) => {
                    self.options.put(o, HIM_YES, true);
                    self.options.put(o, HIM_PENDING, false);
                    self.remote_agreed(o);
                    // Twisted asserts `enableRemote(option)` after the callback.
                    self.enable_remote(o);
                }
                // Already on (Twisted's "yes, pending" is never entered).
                (true, _) => {}
            },
            WONT => match (self.options.has(o, HIM_YES), self.options.has(o, HIM_PENDING)) {
                (false, false) => {}
                (false, true) => {
                    self.options.put(o, HIM_PENDING, false);
                    self.remote_refused(o);
                }
                (true, pending) => {
                    self.options.put(o, HIM_YES, false);
                    self.options.put(o, HIM_PENDING, false);
                    // Evennia's disableRemote does nothing; Twisted answers
                    // unless the client confirmed a `dont` of ours (we send none).
                    if !pending {
                        self.write(&[IAC, DONT, o]);
                    }
                }
            },
            DO => match (self.options.has(o, US_YES), self.options.has(o, US_PENDING)) {
                (false, false) => {
                    if enable_local(o) {
                        self.options.put(o, US_YES, true);
                        self.write(&[IAC, WILL, o]);
                    } else {
                        self.write(&[IAC, WONT, o]);
                    }
                }
                (false, true) => {
                    self.options.put(o, US_YES, true);
                    self.options.put(o, US_PENDING, false);
                    self.local_agreed(o);
                }
                (true, _) => {}
            },
            DONT => match (self.options.has(o, US_YES), self.options.has(o, US_PENDING)) {
                (false, false) => {}
                (false, true) => {
                    self.options.put(o, US_PENDING, false);
                    self.local_refused(o);
                }
                (true, pending) => {
                    self.options.put(o, US_YES, false);
                    self.options.put(o, US_PENDING, false);
                    self.disable_local(o);
                    if !pending {
                        self.write(&[IAC, WONT, o]);
                    }
                }
            },
            _ => {}
        }
    }

    /// Evennia's `enableRemote`.
    fn enable_remote(&mut self, option: u8) -> bool {
        if option == LINEMODE {
            self.request_negotiation(LINEMODE, &[LINEMODE_MODE, LINEMODE_EDIT | LINEMODE_TRAPSIG]);
            return true;
        }
        matches!(option, TTYPE | NAWS | MCCP | MSSP | ECHO | SGA)
    }

    /// Evennia's `disableLocal` (its return value is not used by Twisted).
    fn disable_local(&mut self, option: u8) {
        if option == MCCP {
            self.no_mccp();
        }
        // LINEMODE and ECHO: nothing to undo. Anything else: Twisted's
        // disableLocal raises NotImplementedError and Evennia logs it.
    }

    /// The callback of `do(option)`: the client agreed to perform it.
    fn remote_agreed(&mut self, option: u8) {
        match option {
            NAWS => {
                self.flags.set("AUTORESIZE", true);
                self.handshake_done();
            }
            TTYPE => {
                // Only a payload can fail to decode; `True` never does.
                let _ = self.ttype(TtypeAnswer::Agreed);
            }
            // LINEMODE: Evennia only hangs an errback on it.
            _ => {}
        }
    }

    /// The errback of `do(option)`: the client refused.
    fn remote_refused(&mut self, option: u8) {
        match option {
            NAWS => {
                self.flags.set("AUTORESIZE", false);
                self.handshake_done();
            }
            TTYPE => {
                self.flags.set("TTYPE", false);
                self.handshake_done();
            }
            // LINEMODE: `_wont_linemode` ignores it (MUD clients refuse it).
            _ => {}
        }
    }

    /// The callback of `will(option)`: the client let us perform it.
    fn local_agreed(&mut self, option: u8) {
        match option {
            SGA => self.flags.set("NOGOAHEAD", true),
            MCCP => {
                self.flags.set("MCCP", true);
                // Sent before the compressor exists: uncompressed.
                self.request_negotiation(MCCP, &[]);
                self.mccp = Some(Compressor::new(self.config.mccp_level));
            }
            MSSP => {
                let payload = self.config.mssp.payload();
                self.request_negotiation(MSSP, &payload);
            }
            MSDP => {
                self.msdp = true;
                self.flags.set("OOB", true);
            }
            GMCP => {
                self.gmcp = true;
                self.flags.set("OOB", true);
            }
            MXP => {
                // Offered only when MXP_ENABLED, so Evennia's other branch
                // (`wont(MXP)`) cannot be reached.
                self.flags.set("MXP", true);
                self.request_negotiation(MXP, &[]);
            }
            _ => return,
        }
        self.handshake_done();
    }

    /// The errback of `will(option)`: the client refused.
    fn local_refused(&mut self, option: u8) {
        match option {
            SGA => self.flags.set("NOGOAHEAD", false),
            MCCP => return self.no_mccp(),
            MXP => self.flags.set("MXP", false),
            MSSP | MSDP | GMCP => {}
            _ => return,
        }
        self.handshake_done();
    }

    /// Evennia's `no_mccp`: stop compressing (without ending the stream).
    fn no_mccp(&mut self) {
        self.mccp = None;
        self.flags.set("MCCP", false);
        self.handshake_done();
    }
}

/// Evennia's `enableLocal`.
fn enable_local(option: u8) -> bool {
    matches!(option, LINEMODE | MCCP | ECHO | SGA)
}
