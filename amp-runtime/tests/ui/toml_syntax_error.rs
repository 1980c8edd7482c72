amp_runtime::amp_schema!("tests/fixtures/ui/syntax_error.toml");

fn main() {}
