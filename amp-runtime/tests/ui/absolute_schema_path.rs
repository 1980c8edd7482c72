use amp_runtime::amp_command;

#[amp_command(schema = "/etc/amp/evennia.toml")]
pub struct MsgStatus;

mod all {
    amp_runtime::amp_schema!("/etc/amp/evennia.toml");
}

fn main() {}
