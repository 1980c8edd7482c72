amp_runtime::amp_schema!("tests/fixtures/ui/no_such_file.toml");

fn main() {}
