//! PLACEHOLDER during bring-up: the runtime work replaces this with the real
//! connection handle (call / send / close). Only `detached()` and `Clone` are
//! relied on by the layers below.

/// A handle to call the peer of a connection.
#[derive(Clone, Debug, Default)]
pub struct Peer {
    _private: (),
}

impl Peer {
    /// A handle with no connection behind it.
    pub fn detached() -> Self {
        Peer { _private: () }
    }
}
