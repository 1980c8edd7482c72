//! Every item the macros generate is documented: this crate denies missing
//! docs, so an undocumented struct, field, variant, trait method or function
//! fails the build.
#![deny(missing_docs)]

use amp_runtime::{amp_command, amp_protocol, Command};

/// The fixture's custom type.
pub mod codec {
    /// Stands in for the fixture's `Reversed` codec.
    pub type Reversed = amp_runtime::types::Unicode;
}

/// Every command and protocol of the fixture.
pub mod calc {
    amp_runtime::amp_schema!("tests/fixtures/calc.toml");
}

/// Adds.
#[amp_command(
    arguments(a: Integer, rows: AmpList(x: Option<Integer>)),
    response(total: Integer),
    errors(Bad = "BAD"),
    fatal_errors(Dead = "DEAD")
)]
pub struct Sum;

/// Nothing at all.
#[amp_command()]
pub struct Nop;

amp_protocol!(pub Calc: Sum, Nop);

#[test]
fn documented_items_compile_under_deny_missing_docs() {
    assert_eq!(Sum::NAME, "Sum");
    assert_eq!(<calc::Stats as Command>::FATAL_ERRORS.len(), 1);
}
