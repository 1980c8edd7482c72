//! The envelope of every Evennia message: `pickle.dumps((sessid, kwargs))`.
//!
//! `MsgPortal2Server`, `MsgServer2Portal`, `AdminPortal2Server` and
//! `AdminServer2Portal` all carry one argument, `packed_data` (a
//! [`Compressed`](crate::Compressed) value), holding
//! `pickle.dumps((sessid, kwargs), pickle.HIGHEST_PROTOCOL)`: the session id
//! (0, Evennia's `DUMMYSESSION`, for messages about no session in
//! particular) and a dict of keyword arguments with `str` keys.

use super::error::PayloadError;
use super::kwargs::{short_repr, Kwargs};
use crate::codec::pickle::{self, Value};

/// A session id. Evennia numbers sessions 1, 2, 3, ... per Portal run; 0 is
/// its `DUMMYSESSION`, used for messages about no session.
pub type SessId = u64;

/// `DUMMYSESSION.sessid`: the session id of admin messages about no session.
pub const DUMMY_SESSID: SessId = 0;

/// A decoded `packed_data`: the session id and the keyword arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    /// The session concerned (0 for none).
    pub sessid: SessId,
    /// The keyword arguments.
    pub kwargs: Kwargs,
}

impl Envelope {
    /// A payload for `sessid`.
    pub fn new(sessid: SessId, kwargs: Kwargs) -> Self {
        Envelope { sessid, kwargs }
    }

    /// Reads `pickle.dumps((sessid, kwargs))`. Python unpacks any pair, so a
    /// 2-item list is accepted as well as the tuple Evennia writes.
    pub fn from_pickle(bytes: &[u8]) -> Result<Envelope, PayloadError> {
        Envelope::from_value(pickle::decode(bytes).map_err(pickle::Error::from)?)
    }

    /// Reads a decoded `(sessid, kwargs)` pair.
    pub fn from_value(value: Value) -> Result<Envelope, PayloadError> {
        let items = match value {
            Value::Tuple(items) | Value::List(items) if items.len() == 2 => items,
            Value::Tuple(items) | Value::List(items) => {
                return Err(PayloadError::NotAPair { found: format!("sequence of {} items", items.len()) })
            }
            other => return Err(PayloadError::NotAPair { found: other.type_name().to_owned() }),
        };
        let mut items = items.into_iter();
        let (Some(sessid), Some(kwargs)) = (items.next(), items.next()) else {
            unreachable!("the length was checked above")
        };
        let sessid = match &sessid {
            Value::Int(n) if *n >= 0 => *n as u64,
            Value::BigInt(n) => {
                u64::try_from(&**n).map_err(|_| PayloadError::BadSessId { found: short_repr(&sessid) })?
            }
            other => return Err(PayloadError::BadSessId { found: short_repr(other) }),
        };
        Ok(Envelope { sessid, kwargs: Kwargs::from_value(kwargs)? })
    }

    /// As the Python value `(sessid, kwargs)`.
    pub fn to_value(&self) -> Value {
        Value::Tuple(vec![Value::from(self.sessid), self.kwargs.to_value()])
    }

    /// As the Python value `(sessid, kwargs)`, consuming `self`.
    pub fn into_value(self) -> Value {
        Value::Tuple(vec![Value::from(self.sessid), self.kwargs.into_value()])
    }

    /// `pickle.dumps((sessid, kwargs), pickle.HIGHEST_PROTOCOL)`: protocol 5.
    pub fn to_pickle(&self) -> Result<Vec<u8>, PayloadError> {
        // Borrowing the kwargs: `to_value` would deep-copy the whole payload.
        let pickled = pickle::encode_pair_with_kwargs(&Value::from(self.sessid), self.kwargs.pairs());
        Ok(pickled.map_err(pickle::Error::from)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_round_trip_and_errors() {
        let p = Envelope::new(7, Kwargs::new().with("text", Value::List(vec![])));
        let back = Envelope::from_pickle(&p.to_pickle().unwrap()).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            Envelope::from_value(Value::List(vec![Value::from(1), Value::Dict(vec![])])).unwrap(),
            Envelope::new(1, Kwargs::new())
        );
        let bad = |v: Value| Envelope::from_value(v).unwrap_err();
        assert!(matches!(bad(Value::from(3)), PayloadError::NotAPair { .. }));
        assert!(matches!(bad(Value::Tuple(vec![Value::from(1)])), PayloadError::NotAPair { .. }));
        assert!(matches!(
            bad(Value::Tuple(vec![Value::from(-1), Value::Dict(vec![])])),
            PayloadError::BadSessId { .. }
        ));
        assert!(matches!(
            bad(Value::Tuple(vec![Value::from("1"), Value::Dict(vec![])])),
            PayloadError::BadSessId { .. }
        ));
        assert!(matches!(bad(Value::Tuple(vec![Value::from(1), Value::List(vec![])])), PayloadError::BadKwargs(_)));
        let int_key = Value::Dict(vec![(Value::from(1), Value::None)]);
        assert!(matches!(bad(Value::Tuple(vec![Value::from(1), int_key])), PayloadError::BadKwargs(_)));
        assert!(matches!(Envelope::from_pickle(b"\x80\x05garbage"), Err(PayloadError::Pickle(_))));
    }
}
