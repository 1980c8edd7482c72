use amp_runtime::amp_command;

#[amp_command(arguments(a: Integer, b: Integer, a: Unicode), response(total: Integer))]
pub struct Sum;

fn main() {
    // The first `a` is kept: no error below.
    let _ = SumArguments { a: 1, b: 2 };
}
