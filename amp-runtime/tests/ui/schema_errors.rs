use amp_runtime::amp_command;

// Every problem of the file is reported, each with its line and column.
#[amp_command(schema = "tests/fixtures/ui/invalid.toml")]
pub struct Sum;

fn main() {}
