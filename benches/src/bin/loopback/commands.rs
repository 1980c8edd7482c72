//! The benchmark's commands, as `benches/twisted_loopback.py` declares them.

use amp_runtime::{amp_command, Context};

/// `Sum(a, b) -> total`.
#[amp_command(arguments(a: Integer, b: Integer), response(total: Integer))]
pub struct Sum;

/// `Echo(value) -> value`, a String (raw bytes).
#[amp_command(arguments(value: String), response(value: String))]
pub struct Echo;

amp_runtime::amp_protocol! {
    /// What the benchmark server answers.
    pub Bench: Sum, Echo
}

/// The benchmark server's handler.
pub struct Handler;

impl BenchHandler for Handler {
    async fn sum(&self, _: &Context, args: SumArguments) -> Result<SumResponse, SumError> {
        Ok(SumResponse { total: args.a + args.b })
    }

    async fn echo(&self, _: &Context, args: EchoArguments) -> Result<EchoResponse, EchoError> {
        Ok(EchoResponse { value: args.value })
    }
}
