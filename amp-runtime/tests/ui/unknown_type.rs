use amp_runtime::{amp_command, Command};

#[amp_command(arguments(a: Integer, b: Integr, c: Bool), response(total: Integer))]
pub struct Sum;

fn main() {
    // The command's other items are still generated: no error below.
    let _ = SumResponse { total: 1 };
    let _ = <Sum as Command>::NAME;
}
