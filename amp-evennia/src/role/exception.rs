//! The text of Evennia's declared errors, as a peer receives it.
//!
//! Every Evennia command declares `Exception = "EXCEPTION"`. When one of its
//! responders fails that way, Evennia's `_commandReceived` (`formatError` in
//! `evennia/server/portal/amp.py`) logs the error and appends
//! [`LOGGED_SUFFIX`] to the description it sends. The Server and Portal
//! roles here answer with the same text, so a peer sees exactly what Evennia
//! would send.

/// What Evennia appends to the description of every declared error it answers.
pub const LOGGED_SUFFIX: &str = " (error logged on other side)";

/// `text` as Evennia describes a declared error on the wire.
pub fn evennia_description(text: impl Into<String>) -> String {
    let mut text = text.into();
    text.push_str(LOGGED_SUFFIX);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_is_evennias() {
        assert_eq!(
            evennia_description("operation \x07 not recognized."),
            "operation \x07 not recognized. (error logged on other side)"
        );
    }
}
