//! Python's text forms, as Twisted reads and writes them: the lowest layer of
//! the crate (it uses nothing else of it).
//!
//! Twisted's argument types are Python conversions: `Integer` is `int()` and
//! `str()`, `Float` is `float()` and `repr()`, a `DateTime` field is `int()`,
//! and Twisted's error texts hold `repr()` of `bytes`. Being byte-exact with
//! Twisted means doing exactly what CPython does, so these functions are
//! written once here and used by the argument types ([`crate::types`]), the
//! value types ([`crate::values`]), the connection's error texts, and other
//! crates (Evennia's pickled values print with them).
//!
//! ```
//! use amp_runtime::python;
//! assert_eq!(python::parse_int(b" -0_12\n").unwrap().significant(), b"12");
//! assert_eq!(python::float_repr(1e16), "1e+16");
//! assert_eq!(python::parse_float(b"1_0.5").unwrap(), 10.5);
//! assert_eq!(python::bytes_repr(b"it's\x00"), "b\"it's\\x00\"");
//! ```

mod bytes;
mod error;
mod float;
mod int;

pub use self::bytes::{bytes_repr, write_bytes_repr};
pub use error::ParseError;
pub use float::{float_repr, parse_float};
pub use int::{is_space, parse_i64, parse_int, trim_space, Int, MAX_INTEGER_DIGITS};
