//! `validate` on a model built without TOML (as the macro's inline form does,
//! with spans that are indices into its own token list): every error points
//! at a span stored in the model.

use std::collections::HashSet;

use amp_schema::{validate, CommandDef, CustomType, ErrorDef, Field, IntRepr, ProtocolDef, Schema, Span, TypeRef};

/// Hands out `Span { start: i, end: i + 1 }` and remembers them.
#[derive(Default)]
struct Spans(Vec<Span>);

impl Spans {
    fn next(&mut self) -> Span {
        let i = self.0.len();
        self.0.push(Span { start: i, end: i + 1 });
        self.0[i]
    }
}

fn field(s: &mut Spans, name: &str, ty: TypeRef) -> Field {
    Field { name: name.into(), ty, optional: false, span: s.next() }
}

fn command(s: &mut Spans, key: &str, arguments: Vec<Field>) -> CommandDef {
    CommandDef {
        key: key.into(),
        name: key.into(),
        arguments,
        response: Vec::new(),
        errors: Vec::new(),
        fatal_errors: Vec::new(),
        requires_answer: true,
        span: s.next(),
    }
}

#[test]
fn a_valid_model_has_no_errors() {
    let mut s = Spans::default();
    let rows = TypeRef::AmpList(vec![field(&mut s, "x", TypeRef::Integer(IntRepr::Big))]);
    let args = vec![field(&mut s, "a", TypeRef::Integer(IntRepr::I64)), field(&mut s, "rows", rows)];
    let mut sum = command(&mut s, "Sum", args);
    sum.errors.push(ErrorDef { exception: "ZeroDivisionError".into(), code: "ZERO_DIVISION".into(), span: s.next() });
    let schema = Schema {
        commands: vec![sum],
        types: vec![CustomType { name: "Compressed".into(), rust: "amp_evennia::Compressed".into(), span: s.next() }],
        protocols: vec![ProtocolDef { name: "Server".into(), answers: vec!["Sum".into()], span: s.next() }],
    };
    assert_eq!(validate(&schema), []);
}

#[test]
fn errors_point_at_spans_of_the_model() {
    let mut s = Spans::default();
    let list_of_amplist = TypeRef::ListOf(Box::new(TypeRef::AmpList(vec![])));
    let args = vec![
        field(&mut s, "my-arg", TypeRef::String),
        field(&mut s, "my_arg", TypeRef::String),
        field(&mut s, "_command", TypeRef::Custom("Nope".into())),
        field(&mut s, "l", list_of_amplist),
        field(&mut s, "", TypeRef::Boolean),
    ];
    let mut a = command(&mut s, "A", args);
    a.errors.push(ErrorDef { exception: "E".into(), code: "X".into(), span: s.next() });
    a.fatal_errors.push(ErrorDef { exception: "F".into(), code: "X".into(), span: s.next() });
    let mut b = command(&mut s, "B", vec![]);
    b.name = "A".into();
    let dup = command(&mut s, "A", vec![]);
    let schema = Schema {
        commands: vec![a, b, dup],
        types: vec![
            CustomType { name: "T".into(), rust: String::new(), span: s.next() },
            CustomType { name: "U".into(), rust: "not a path".into(), span: s.next() },
        ],
        protocols: vec![ProtocolDef { name: "P".into(), answers: vec!["A".into(), "Z".into()], span: s.next() }],
    };
    let errors = validate(&schema);
    let known: HashSet<Span> = s.0.iter().copied().collect();
    for e in &errors {
        assert!(known.contains(&e.span), "{e:?} has a span the model does not hold");
    }
    let by_index: Vec<(usize, &str)> = errors.iter().map(|e| (e.span.start, e.message.as_str())).collect();
    let expect = [
        (1, "arguments `my-arg` and `my_arg` of command `A` both map to the Rust field `my_arg`"),
        (2, "argument name `_command` is reserved: AMP uses the key `_command` in its own request and answer boxes"),
        (2, "unknown type `Nope`: use a built-in type or declare it under [types.Nope]"),
        (4, "argument name \"\" is 0 bytes long; AMP keys are 1 to 255 bytes"),
        (7, "error code `X` is used by both `E` and `F` in command `A`: a peer could not tell them apart"),
        (8, "commands `A` and `B` have the same wire name `A`"),
        (9, "command `A` is declared twice"),
        (10, "custom type `T` needs `rust = \"path::To::Type\"`, the Rust type implementing amp_runtime::ArgumentType"),
        (11, "`not a path` is not a Rust type path (like `my_crate::codecs::Compressed`)"),
        (12, "protocol `P` answers `Z`, which is not a command table key (did you mean `A`?)"),
    ];
    for (i, m) in expect {
        assert!(by_index.contains(&(i, m)), "missing ({i}, {m:?}) in {by_index:#?}");
    }
    assert!(
        by_index.iter().any(|(i, m)| *i == 3 && m.starts_with("AmpList cannot be a ListOf element")),
        "{by_index:#?}"
    );
    assert_eq!(errors.len(), expect.len() + 1, "{by_index:#?}");
}
