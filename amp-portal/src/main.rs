//! The `amp-portal` binary.

fn main() {
    eprintln!("amp-portal: not built yet");
    std::process::exit(64);
}
