//! The dynamic value layer: AMP arguments typed at run time by a schema
//! (`amp_schema::Schema`), for the `amp` CLI and dynamic routers.
//!
//! A [`Value`] is one argument of any Twisted type; [`Fields`] are the named
//! values of one box. [`encode_fields`] and [`decode_fields`] turn them into
//! and out of an [`AmpBox`](crate::AmpBox) following a command's field list,
//! through the same codecs as compiled code, so the bytes are identical.
//! Custom types (`[types.NAME]` in a schema) come from a [`TypeRegistry`],
//! which wraps static codecs ([`TypeRegistry::register`]) or holds any
//! [`DynArgument`].
//!
//! ```
//! use amp_runtime::dynamic::{decode_fields, encode_fields, Fields, TypeRegistry, Value};
//! use amp_runtime::ArgContext;
//!
//! let schema = amp_schema::parse(r#"
//! [commands.Sum]
//! arguments = [{ name = "a", type = "Integer" }, { name = "b", type = "Integer" }]
//! response = [{ name = "total", type = "Integer" }]
//! "#).unwrap();
//! let sum = schema.command("Sum").unwrap();
//! let registry = TypeRegistry::new();
//! let mut acx = ArgContext::new();
//!
//! let args: Fields = [("a", Value::from(13i64)), ("b", Value::from(81i64))].into_iter().collect();
//! let boxed = encode_fields(&sum.arguments, &args, &registry, &mut acx).unwrap();
//! assert_eq!(&boxed.serialize().unwrap()[..], b"\x00\x01a\x00\x0213\x00\x01b\x00\x0281\x00\x00");
//!
//! let back = decode_fields(&sum.arguments, &boxed, &registry, &mut acx).unwrap();
//! assert_eq!(back, args);
//! ```

mod codec;
mod convert;
mod registry;
mod value;

pub use codec::{
    decode_argument, decode_fields, encode_argument, encode_fields, encode_fields_into, value_from_string,
    value_to_string,
};
pub use convert::DynValue;
pub use registry::{DynArgument, TypeRegistry};
pub use value::{Fields, Value};
