// A schema file with one mistake: that mistake is reported, and every command
// and protocol of the file is still generated (the bad field as a stub), so
// the code using them, handlers included, adds no errors of its own.
use amp_runtime::Context;

mod calc {
    amp_runtime::amp_schema!("tests/fixtures/ui/one_mistake.toml");
}

#[amp_runtime::amp_command(schema = "tests/fixtures/ui/one_mistake.toml")]
pub struct Tag;

pub struct Handler;

impl calc::CalcHandler for Handler {
    async fn sum(&self, _cx: &Context, args: calc::SumArguments) -> Result<calc::SumResponse, calc::SumError> {
        Ok(calc::SumResponse { total: args.a + args.b })
    }

    async fn tag(&self, _cx: &Context, args: calc::TagArguments) -> Result<calc::TagResponse, calc::TagError> {
        Ok(calc::TagResponse { ok: args.weight > 0.0 })
    }
}

// The attribute form on the same file: its struct with the bad field exists too.
fn weight_of(args: &TagArguments) -> f64 {
    args.weight
}

fn main() {
    let _dispatcher = calc::CalcDispatcher::new(Handler);
    let _ = weight_of;
}
