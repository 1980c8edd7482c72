//! The schema files shipped in `schema/` parse into the expected models.

use std::path::PathBuf;

use amp_schema::{load, Field, IntRepr, Schema, TypeRef};

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

fn load_ok(name: &str) -> Schema {
    load(&schema_dir().join(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn shape(fields: &[Field]) -> Vec<(&str, &TypeRef, bool)> {
    fields.iter().map(|f| (f.name.as_str(), &f.ty, f.optional)).collect()
}

#[test]
fn evennia_schema_mirrors_evennia_6_1() {
    let s = load_ok("evennia.toml");
    let keys: Vec<&str> = s.commands.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "MsgLauncher2Portal",
            "MsgPortal2Server",
            "MsgServer2Portal",
            "AdminPortal2Server",
            "AdminServer2Portal",
            "MsgStatus",
            "FunctionCall"
        ]
    );
    for c in &s.commands {
        assert_eq!(c.name, c.key, "wire names are the class names");
        assert!(c.requires_answer);
        assert_eq!(c.errors.len(), 1);
        assert_eq!((c.errors[0].exception.as_str(), c.errors[0].code.as_str()), ("Exception", "EXCEPTION"));
        assert!(c.fatal_errors.is_empty());
    }
    let compressed = TypeRef::Custom("Compressed".into());
    assert_eq!(shape(&s.command("MsgPortal2Server").unwrap().arguments), [("packed_data", &compressed, false)]);
    let status = s.command("MsgStatus").unwrap();
    assert_eq!(shape(&status.arguments), [("status", &TypeRef::String, false)]);
    assert_eq!(shape(&status.response), [("status", &TypeRef::String, false)]);
    let call = s.command("FunctionCall").unwrap();
    let names: Vec<&str> = call.arguments.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["module", "function", "args", "kwargs"]);
    assert_eq!(s.custom_type("Compressed").unwrap().rust, "amp_evennia::Compressed");
    assert_eq!(
        s.protocol("Portal").unwrap().answers,
        ["MsgLauncher2Portal", "MsgServer2Portal", "AdminServer2Portal", "MsgStatus", "FunctionCall"]
    );
    assert_eq!(
        s.protocol("Server").unwrap().answers,
        ["MsgPortal2Server", "AdminPortal2Server", "MsgStatus", "FunctionCall"]
    );
}

#[test]
fn sum_example_uses_every_feature() {
    let s = load_ok("examples/sum.toml");
    let echo = s.command("Echo").unwrap();
    assert_eq!(echo.name, "echo");
    assert_eq!(shape(&echo.arguments)[1], ("times", &TypeRef::Integer(IntRepr::U64), true));
    assert_eq!(s.command_by_wire_name(b"echo").unwrap().key, "Echo");
    let stats = s.command("Stats").unwrap();
    assert_eq!(stats.arguments[0].ty, TypeRef::ListOf(Box::new(TypeRef::Integer(IntRepr::Big))));
    assert_eq!(stats.arguments[1].ty, TypeRef::ListOf(Box::new(TypeRef::ListOf(Box::new(TypeRef::Float)))));
    let TypeRef::AmpList(rows) = &stats.response[0].ty else { panic!("rows is an AmpList") };
    assert_eq!(
        shape(rows),
        [
            ("label", &TypeRef::Unicode, false),
            ("count", &TypeRef::Integer(IntRepr::I64), false),
            ("when", &TypeRef::DateTime, true)
        ]
    );
    assert_eq!(stats.errors[0].code, "BAD_SAMPLES");
    assert_eq!(stats.fatal_errors[0].exception, "Disaster");
    assert!(!s.command("Log").unwrap().requires_answer);
    assert_eq!(s.command("Divide").unwrap().errors[0].exception, "ZeroDivisionError");
    assert!(s.command("Sum").unwrap().errors.is_empty());
}

#[test]
fn load_reports_a_missing_file() {
    let err = load(&schema_dir().join("no-such.toml")).unwrap_err();
    assert!(err.contains("no-such.toml: cannot read the schema"), "{err}");
}
