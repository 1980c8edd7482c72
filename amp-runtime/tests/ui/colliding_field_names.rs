use amp_runtime::amp_command;

// `dash-name` becomes the Rust field `dash_name`, like `dash_name` itself.
#[amp_command(arguments(dash_name: Integer, "dash-name": Integer), response(r#type: Unicode, "type": Unicode))]
pub struct Clash;

fn main() {}
