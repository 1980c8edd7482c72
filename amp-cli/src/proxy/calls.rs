//! Which call an answer answers, on one proxied connection: the calls
//! each side made (`_command` with `_ask`) wait here by tag until the other
//! side answers them (`_answer` or `_error` with the same tag).
//!
//! A side's call is recorded before its bytes are forwarded, so the answer
//! (which the other side can only send after reading them) always finds it.

use std::collections::{HashMap, VecDeque};

use amp_runtime::wire::{ASK, COMMAND};
use amp_runtime::AmpBox;
use bytes::Bytes;

use super::Side;
use crate::boxes::answer_tag;

/// Calls waiting for an answer, at most per side: past it, new calls are
/// not recorded (their answers print without `answer_to`), so a peer that
/// never answers cannot grow this without bound.
pub const MAX_PENDING: usize = 65_536;

/// The calls of both sides of one connection awaiting their answers.
#[derive(Debug, Default)]
pub struct Calls {
    /// By the side that made them: tag -> command names, oldest first.
    pending: [HashMap<Bytes, VecDeque<Bytes>>; 2],
    counts: [usize; 2],
}

impl Calls {
    /// Records `b` (a box from `side`) and, when it is an answer, returns
    /// the wire name of the call of the other side it answers.
    pub fn seen(&mut self, side: Side, b: &AmpBox) -> Option<Bytes> {
        let me = side as usize;
        if let (Some(command), Some(tag)) = (b.get(COMMAND), b.get(ASK)) {
            if self.counts[me] < MAX_PENDING {
                // Copies: a slice of the box would keep its whole read buffer alive.
                let (tag, command) = (Bytes::copy_from_slice(tag), Bytes::copy_from_slice(command));
                self.pending[me].entry(tag).or_default().push_back(command);
                self.counts[me] += 1;
            }
            return None;
        }
        let tag = answer_tag(b)?;
        let other = 1 - me;
        let waiting = self.pending[other].get_mut(tag)?;
        let command = waiting.pop_front();
        if waiting.is_empty() {
            self.pending[other].remove(tag);
        }
        if command.is_some() {
            self.counts[other] -= 1;
        }
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(pairs: &[(&str, &str)]) -> AmpBox {
        AmpBox::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Bytes::copy_from_slice(k.as_bytes()), Bytes::copy_from_slice(v.as_bytes())))
                .collect(),
        )
    }

    #[test]
    fn answers_find_the_other_sides_calls_in_order() {
        let mut calls = Calls::default();
        assert_eq!(calls.seen(Side::Client, &b(&[("_command", "A"), ("_ask", "1")])), None);
        assert_eq!(calls.seen(Side::Client, &b(&[("_command", "B"), ("_ask", "1")])), None);
        assert_eq!(calls.seen(Side::Target, &b(&[("_command", "C"), ("_ask", "1")])), None);
        // An answer from the side that made the call answers nothing of its own.
        assert_eq!(calls.seen(Side::Target, &b(&[("_answer", "1")])).as_deref(), Some(&b"A"[..]));
        assert_eq!(calls.seen(Side::Target, &b(&[("_error", "1")])).as_deref(), Some(&b"B"[..]));
        assert_eq!(calls.seen(Side::Target, &b(&[("_answer", "1")])), None);
        assert_eq!(calls.seen(Side::Client, &b(&[("_answer", "1")])).as_deref(), Some(&b"C"[..]));
        assert_eq!(calls.counts, [0, 0]);
        assert!(calls.pending.iter().all(HashMap::is_empty));
        // A box without _ask is no call.
        assert_eq!(calls.seen(Side::Client, &b(&[("_command", "N")])), None);
        assert_eq!(calls.counts, [0, 0]);
    }

    #[test]
    fn pending_calls_are_bounded() {
        let mut calls = Calls::default();
        for i in 0..MAX_PENDING + 10 {
            calls.seen(Side::Client, &b(&[("_command", "A"), ("_ask", &i.to_string())]));
        }
        assert_eq!(calls.counts[0], MAX_PENDING);
        let last = (MAX_PENDING + 5).to_string();
        assert_eq!(calls.seen(Side::Target, &b(&[("_answer", &last)])), None);
        assert_eq!(calls.seen(Side::Target, &b(&[("_answer", "0")])).as_deref(), Some(&b"A"[..]));
    }
}
