use amp_runtime::{amp_command, Context};

#[amp_command(arguments(a: Integer, b: Integer), response(total: Integer))]
pub struct Sum;

#[amp_command(arguments(x: Integer), response(x: Integer))]
pub struct Negate;

amp_runtime::amp_protocol!(pub Calc: Sum, Negate);

pub struct Calculator;

impl CalcHandler for Calculator {
    async fn sum(&self, _: &Context, args: SumArguments) -> Result<SumResponse, SumError> {
        Ok(SumResponse { total: args.a + args.b })
    }

    // Wrong: Negate's arguments are NegateArguments.
    async fn negate(&self, _: &Context, args: SumArguments) -> Result<NegateResponse, NegateError> {
        Ok(NegateResponse { x: -args.a })
    }
}

fn main() {}
