//! A safe Python pickle codec: Evennia's `packed_data` and launcher arguments.
//!
//! Evennia sends `pickle.dumps((sessid, kwargs), HIGHEST_PROTOCOL)` between its
//! Portal and Server. This module reads pickles of every protocol (0 to 5) into
//! a [`Value`] and writes values back (protocols 2 to 5, default 5 as Evennia),
//! and maps both to Rust types through serde.
//!
//! Safe by construction:
//! - nothing is imported, called or instantiated: an object that is no
//!   built-in value (a `datetime`, an `OrderedDict`, a class instance) becomes an
//!   opaque [`Object`] recording the global and arguments the pickle names, and
//!   is written back unchanged;
//! - the decoder is a loop over an explicit stack (no recursion), and every
//!   resource a pickle can claim is capped by [`Limits`]: input size, nesting
//!   depth, values and data after expanding shared references (so a "billion
//!   laughs" pickle fails fast), with typed errors carrying byte offsets;
//! - persistent IDs, the extension registry and out-of-band buffers are refused.
//!
//! Fast: a pickle in which no container is referenced twice (Evennia's
//! payloads, whoever pickled them) decodes in one pass straight into values;
//! the others go through an object graph first. Both ways give the same
//! values and the same errors.
//!
//! Faithful: tuples stay tuples, dicts keep their order and non-str keys, sets,
//! frozensets, bytes, bytearrays, big ints and float specials keep their type,
//! and an object referenced twice (the memo) decodes to equal values in both
//! places. A structure containing itself is refused.
//!
//! ```
//! use std::collections::HashMap;
//! use amp_evennia::codec::pickle::{self, Value};
//!
//! // What an Evennia Portal sends when a player types "look".
//! let payload = (7u64, HashMap::from([("text".to_owned(), (("look",), HashMap::<String, Value>::new()))]));
//! let bytes = pickle::to_vec(&payload).unwrap();
//!
//! let (sessid, kwargs): (u64, HashMap<String, Value>) = pickle::from_slice(&bytes).unwrap();
//! assert_eq!(sessid, 7);
//! let text = &kwargs["text"];
//! assert_eq!(text.to_string(), "(('look',), {})"); // Python's repr: tuples stayed tuples
//! ```

mod compat;
mod decode;
mod encode;
mod error;
mod handoff;
mod limits;
mod opcodes;
mod repr;
mod serde_de;
mod serde_ser;
mod value;

pub use decode::{decode, decode_with};
pub(crate) use encode::encode_pair_with_kwargs;
pub use encode::{encode, encode_into, encode_with};
pub use error::{DecodeError, EncodeError, Error};
pub use limits::{DecodeOptions, EncodeOptions, Limits, Py2Str};
pub use serde_de::{from_value, ValueDeserializer};
pub use serde_ser::to_value;
pub use value::{Global, Object, ObjectKind, Value};

/// The graph decoder alone, for the fuzz target that checks the one-pass
/// decoder against it (`fuzz/fuzz_targets/pickle_direct.rs`). Not an API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use super::decode::decode_graph;
}

use serde::{de::DeserializeOwned, Serialize};

/// Decodes a pickle (default [`DecodeOptions`]) into any deserializable type.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    from_slice_with(bytes, &DecodeOptions::default())
}

/// Decodes a pickle into any deserializable type.
pub fn from_slice_with<T: DeserializeOwned>(bytes: &[u8], options: &DecodeOptions) -> Result<T, Error> {
    from_value(decode_with(bytes, options)?)
}

/// Encodes any serializable value as a protocol 5 pickle.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    to_vec_with(value, &EncodeOptions::default())
}

/// Encodes any serializable value as a pickle.
pub fn to_vec_with<T: Serialize + ?Sized>(value: &T, options: &EncodeOptions) -> Result<Vec<u8>, Error> {
    Ok(encode_with(&to_value(value)?, options)?)
}
