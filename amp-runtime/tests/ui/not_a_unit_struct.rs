use amp_runtime::amp_command;

#[amp_command(arguments(a: Integer))]
pub struct WithFields {
    a: i64,
}

#[amp_command(arguments(a: Integer))]
pub struct Generic<T>(T);

#[amp_command(arguments(a: Integer))]
pub enum NotAStruct {}

fn main() {}
