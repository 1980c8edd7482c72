use amp_runtime::amp_command;

#[amp_command(schema = "tests/fixtures/calc.toml", arguments(a: Integer))]
pub struct Sum;

#[amp_command(command = "Sum", arguments(a: Integer))]
pub struct Other;

fn main() {}
