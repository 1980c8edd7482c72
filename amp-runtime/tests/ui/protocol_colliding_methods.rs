mod a {
    #[amp_runtime::amp_command(arguments(x: Integer))]
    pub struct Ping;
}

mod b {
    #[amp_runtime::amp_command(name = "ping2", arguments(x: Integer))]
    pub struct Ping;
}

// Both would be the method `ping`: rename one with `as`.
amp_runtime::amp_protocol!(pub Net: a::Ping, b::Ping);

fn main() {}
