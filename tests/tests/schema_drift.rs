//! The schema exporter (tools/export_schema.py) against real Python modules:
//! schema/evennia.toml must equal what the installed Evennia 6.1.0 declares,
//! and a module using every Twisted argument type must export to a schema
//! that amp_schema parses into the expected model.

use std::process::Output;

use amp_schema::{parse, IntRepr, Schema, TypeRef};
use amp_tests::{run_checked, workspace_root, Peer};

const EXPORTER: &str = "tools/export_schema.py";

/// Runs the exporter in `peer`'s venv; panics with its stderr on failure.
fn export(peer: Peer, args: &[&str]) -> String {
    let mut cmd = peer.script(EXPORTER);
    cmd.args(args);
    let out = run_checked(cmd, b"");
    String::from_utf8(out.stdout).expect("the exporter prints UTF-8")
}

/// Parses exported text, panicking with every rendered error and the text.
fn parse_exported(text: &str) -> Schema {
    parse(text).unwrap_or_else(|errors| {
        let rendered: Vec<String> = errors.iter().map(|e| e.render("<exported>", text)).collect();
        panic!("exported schema does not parse:\n{}\n--- exported ---\n{text}", rendered.join("\n"))
    })
}

#[test]
fn evennia_schema_matches_the_installed_evennia() {
    let exported = export(
        Peer::Evennia61,
        &[
            "evennia.server.portal.amp",
            "--type-map",
            "Compressed=amp_evennia::Compressed",
            "--protocol",
            "Portal=evennia.server.portal.amp_server:AMPServerProtocol",
            "--protocol",
            "Server=evennia.server.amp_client:AMPServerClientProtocol",
        ],
    );
    let theirs = parse_exported(&exported).without_spans();
    let ours = amp_schema::load(&workspace_root().join("schema/evennia.toml")).unwrap_or_else(|e| panic!("{e}"));
    let ours = ours.without_spans();
    let hint = format!("schema/evennia.toml differs from Evennia's amp.py; the exporter says:\n{exported}");
    assert_eq!(theirs.commands, ours.commands, "{hint}");
    assert_eq!(theirs.types, ours.types, "{hint}");
    assert_eq!(theirs.protocols, ours.protocols, "{hint}");
}

/// tests/fixtures/schema_differential.toml (what tests/tests/schema_differential.rs
/// generates its code from) must still be the export of its Python module, with
/// either Twisted version.
#[test]
fn differential_fixture_matches_its_python_module() {
    let fixture = amp_schema::load(&workspace_root().join("tests/fixtures/schema_differential.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .without_spans();
    for peer in Peer::ALL {
        let exported = export(
            peer,
            &[
                "tests/python/schema_differential.py",
                "--type-map",
                "BigInteger=amp_runtime::types::Integer<amp_runtime::BigInt>",
            ],
        );
        assert_eq!(
            parse_exported(&exported).without_spans(),
            fixture,
            "{}: tests/fixtures/schema_differential.toml is stale (its header says how to regenerate it); \
             the exporter says:\n{exported}",
            peer.label()
        );
    }
}

#[test]
fn every_argument_type_exports_and_parses() {
    for peer in Peer::ALL {
        let text = export(
            peer,
            &[
                "tests/python/schema_all_types.py",
                "--type-map",
                "Gizmo=crate::Gizmo",
                "--protocol",
                "Responder=schema_all_types:Responder",
            ],
        );
        let s = parse_exported(&text);
        let keys: Vec<&str> = s.commands.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["Everything", "Renamed", "Inherited", "Wide"], "{}", peer.label());

        let every = s.command("Everything").unwrap();
        let types: Vec<(&str, &TypeRef, bool)> =
            every.arguments.iter().map(|f| (f.name.as_str(), &f.ty, f.optional)).collect();
        let list = |t: TypeRef| TypeRef::ListOf(Box::new(t));
        let gizmo = TypeRef::Custom("Gizmo".into());
        assert_eq!(
            types[..9].iter().map(|t| t.1.type_name()).collect::<Vec<_>>(),
            ["Integer", "String", "Unicode", "Path", "Boolean", "Float", "Decimal", "DateTime", "Descriptor"]
        );
        assert_eq!(types[0].1, &TypeRef::Integer(IntRepr::I64));
        assert_eq!(types[9], ("ints", &list(TypeRef::Integer(IntRepr::I64)), false));
        assert_eq!(types[10], ("grid", &list(list(TypeRef::Float)), true));
        let TypeRef::AmpList(rows) = types[11].1 else { panic!("rows is an AmpList") };
        assert_eq!(
            rows.iter().map(|f| (f.name.as_str(), f.optional)).collect::<Vec<_>>(),
            [("x", false), ("label", true)]
        );
        let TypeRef::AmpList(tree) = types[12].1 else { panic!("tree is an AmpList") };
        let TypeRef::AmpList(leaves) = &tree[0].ty else { panic!("leaves is an AmpList") };
        assert_eq!(leaves[0].ty, TypeRef::Boolean);
        assert_eq!(tree[1].ty, list(TypeRef::Unicode));
        assert_eq!(types[13], ("gizmo", &gizmo, false));
        assert_eq!(types[14], ("gizmos", &list(gizmo.clone()), false));
        assert_eq!(types[15], ("my-arg", &TypeRef::String, true));
        let errs =
            |v: &[amp_schema::ErrorDef]| v.iter().map(|e| (e.exception.clone(), e.code.clone())).collect::<Vec<_>>();
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(errs(&every.errors), [pair("ZeroDivisionError", "ZERO"), pair("Overflow", "OVERFLOW")]);
        assert_eq!(errs(&every.fatal_errors), [pair("Disaster", "DEAD")]);
        assert!(every.requires_answer);

        let renamed = s.command("Renamed").unwrap();
        assert_eq!(renamed.name, "renamed-command");
        assert!(!renamed.requires_answer);
        assert_eq!(renamed.arguments[0].name, "type");

        let inherited = s.command("Inherited").unwrap();
        assert_eq!(
            errs(&inherited.errors),
            [pair("ZeroDivisionError", "ZERO"), pair("Overflow", "OVERFLOW"), pair("KeyError", "KEY")]
        );
        assert_eq!(errs(&inherited.fatal_errors), [pair("Disaster", "DEAD")]);

        let TypeRef::AmpList(records) = &s.command("Wide").unwrap().response[0].ty else { panic!("records") };
        let TypeRef::AmpList(third) = &records[2].ty else { panic!("third") };
        assert_eq!(third[0].ty, TypeRef::Decimal);

        assert_eq!(s.custom_type("Gizmo").unwrap().rust, "crate::Gizmo");
        assert_eq!(s.protocol("Responder").unwrap().answers, ["Everything", "Renamed"]);
    }
}

#[test]
fn export_is_deterministic() {
    let args = ["tests/python/schema_all_types.py", "--type-map", "Gizmo=crate::Gizmo"];
    assert_eq!(export(Peer::Twisted26, &args), export(Peer::Twisted26, &args));
}

#[test]
fn a_custom_type_without_a_rust_type_is_left_for_the_user_to_fill() {
    let text = export(Peer::Twisted26, &["tests/python/schema_all_types.py"]);
    let errors = parse(&text).expect_err("no `rust` was given for Gizmo");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["custom type `Gizmo` needs `rust = \"path::To::Type\"`, the Rust type implementing amp_runtime::ArgumentType"]
    );
    assert!(text.contains("--type-map Gizmo="), "the output says how to fill it in:\n{text}");
}

/// Runs the exporter expecting it to fail; returns its stderr.
fn export_failure(args: &[&str]) -> String {
    let mut cmd = Peer::Twisted26.script(EXPORTER);
    cmd.args(args);
    let out: Output = cmd.output().expect("run the exporter");
    assert_eq!(out.status.code(), Some(2), "expected exit status 2: {out:?}");
    assert!(out.stdout.is_empty(), "nothing is printed on failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn exporter_refuses_what_the_schema_cannot_name() {
    let err = export_failure(&["tests/python/schema_name_clash.py"]);
    assert!(err.contains("two exceptions are named Clash"), "{err}");
    let err = export_failure(&["tests/python/schema_all_types.py", "--type-map", "Gizmoo=crate::G"]);
    assert!(err.contains("--type-map names types no command uses: Gizmoo"), "{err}");
    let err = export_failure(&["tests/python/schema_all_types.py", "--protocol", "P=schema_all_types:Nope"]);
    assert!(err.contains("schema_all_types has no class Nope"), "{err}");
}
