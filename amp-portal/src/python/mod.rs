//! Python's semantics where Evennia's Portal relies on them: the lowest layer
//! of this crate, used by the renderers, the telnet layer and the Portal.
//!
//! Evennia's TTYPE, GMCP and MSDP handlers run Python string methods on what a
//! client sends (`upper()`, `lower()`, `strip()`, `split()`, `isdigit()`,
//! `int()`, `capitalize()`, `istitle()`, `isupper()`) and Python's `repr()`,
//! `str()` and `json` on what they send back. This layer does the same, for
//! every Unicode character, from tables read out of CPython 3.12 (Unicode
//! 15.0.0, the interpreter Evennia 6.1 runs on; see `tables.rs`'s header) rather
//! than from Rust's own Unicode data, whose version differs.
//!
//! - [`case`]: `upper`, `lower` (with the final-sigma rule), `capitalize`,
//!   `isupper`, `istitle`, `isspace`, `strip`, `split(None, 1)`, `isdigit`,
//!   `int()` of a digit string;
//! - [`repr`]: `repr()` / `str()` of a [`Value`], with `repr(float)` and
//!   `repr(bytes)` from [`amp_runtime::python`];
//! - [`json`]: `json.loads` and `json.dumps` with Python's defaults;
//! - [`dict`]: `bool(value)` ([`truthy`]) and `d.get(key)` on pickled dicts.

pub mod case;
pub mod dict;
pub mod json;
pub mod repr;
// Generated; checked against its generator byte for byte.
#[rustfmt::skip]
mod tables;

/// The Unicode version of the tables (CPython 3.12's `unicodedata.unidata_version`).
pub const UNICODE_VERSION: &str = tables::UNICODE_VERSION;

pub use amp_evennia::codec::pickle::Value;
pub use dict::{dict_items, get, get_bool, truthy};
