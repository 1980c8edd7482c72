//! Value types for the Twisted argument types that have no fitting Rust
//! standard type: [`Decimal`] (`decimal.Decimal`) and [`DateTime`] (an aware
//! `datetime.datetime`). Both are re-exported at the crate root.

mod date_time;
mod decimal;

pub use date_time::{DateTime, DateTimeError};
pub use decimal::{Decimal, DecimalError};
