use amp_runtime::amp_command;

#[amp_command(name = "go", arguments(a: Integer))]
pub struct Start;

#[amp_command(name = "go", arguments(b: Integer))]
pub struct Begin;

// Both commands are `go` on the wire: a dispatcher could not tell them apart.
amp_runtime::amp_protocol!(pub Engine: Start, Begin);

fn main() {}
