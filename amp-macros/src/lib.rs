//! The `#[amp_command]` macro (being built).
