use amp_runtime::amp_command;

// Each mistake is reported at its own tokens, all at once.
#[amp_command(
    arguments(
        a: Integer<i32>,
        b: ListOf(Option<Integer>),
        c: ListOf(AmpList(x: Integer)),
        d: Option<Option<Integer>>,
        e Integer,
    ),
    response(ok: Boolean),
    errors(Bad = 1),
    timeout = 5,
)]
pub struct Broken;

fn main() {
    let _ = BrokenResponse { ok: true };
}
