// The command `Sum` generates `SumArguments`, which is also a command here.
amp_runtime::amp_schema!("tests/fixtures/ui/colliding_types.toml");

fn main() {
    // The first command is kept: no error below.
    let _ = SumArguments { a: 1 };
}
