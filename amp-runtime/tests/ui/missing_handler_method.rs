// The fixture's custom type `crate::codec::Reversed`.
mod codec {
    pub use amp_runtime::types::Unicode as Reversed;
}

mod calc {
    amp_runtime::amp_schema!("tests/fixtures/calc.toml");
}

pub struct Console;

// The Console protocol answers Log: its handler needs `log`.
impl calc::ConsoleHandler for Console {}

fn main() {}
