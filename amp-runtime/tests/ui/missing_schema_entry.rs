use amp_runtime::amp_command;

// The entry is chosen by the struct's name: there is no [commands.Multiply].
#[amp_command(schema = "tests/fixtures/calc.toml")]
pub struct Multiply;

#[amp_command(schema = "tests/fixtures/calc.toml", command = "Mul")]
pub struct Times;

fn main() {
    // Stubs exist: no error below.
    let _ = <Multiply as amp_runtime::Command>::NAME;
    let _ = TimesArguments;
}
