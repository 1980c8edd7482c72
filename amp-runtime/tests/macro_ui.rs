//! trybuild UI tests: one case per compile error the macros promise, each
//! with its `.stderr` snapshot (tests/ui/). Regenerate a snapshot with
//! `TRYBUILD=overwrite cargo test -p amp-runtime --test macro_ui`, then read it.
//!
//! trybuild compiles each case inside a generated crate at
//! `<target>/tests/trybuild/amp-runtime/`, which is then the
//! `CARGO_MANIFEST_DIR` the macros resolve schema paths against; the cases'
//! schema fixtures are copied there first (as askama's UI tests do).

use std::path::{Path, PathBuf};

#[test]
fn ui() {
    let project = trybuild_project_dir();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &project.join("tests/fixtures"));
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

/// The crate folder trybuild generates: `<target dir>/tests/trybuild/<crate>`,
/// with the target directory cargo reports (as trybuild finds it).
fn trybuild_project_dir() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version=1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs cargo metadata");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let target = meta["target_directory"].as_str().expect("cargo metadata names the target directory");
    Path::new(target).join("tests/trybuild").join(env!("CARGO_PKG_NAME"))
}

/// Copies `from` into `to` recursively, replacing files that differ.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("creating {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display())) {
        let entry = entry.expect("a directory entry");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&src, &dst);
        } else if std::fs::read(&dst).ok() != Some(std::fs::read(&src).expect("reads a fixture")) {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copying {}: {e}", src.display()));
        }
    }
}
