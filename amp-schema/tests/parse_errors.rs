//! Every error a TOML schema can have: its message and where it points
//! (`LINE:COL` of the span start, as `render` prints it).

use amp_schema::{line_col, parse};

/// Every error of `text` as `LINE:COL: message`, in position order.
fn errors(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(_) => panic!("expected errors in:\n{text}"),
        Err(errors) => errors
            .iter()
            .map(|e| {
                let (line, col) = line_col(text, e.span.start);
                format!("{line}:{col}: {}", e.message)
            })
            .collect(),
    }
}

/// The one error of `text`.
fn error(text: &str) -> String {
    let all = errors(text);
    assert_eq!(all.len(), 1, "expected exactly one error, got {all:#?}");
    all.into_iter().next().unwrap()
}

/// A command `C` with these argument lines.
fn args(lines: &str) -> String {
    format!("[commands.C]\narguments = [\n{lines}\n]\n")
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let e = error("[commands.Sum]\narguments = [\n  { name = \"a\", type = },\n]\n");
    assert!(e.starts_with("3:24: TOML syntax error: "), "{e}");
}

#[test]
fn toml_duplicate_table_is_a_syntax_error() {
    let e = error("[commands.Sum]\n[commands.Sum]\n");
    assert!(e.starts_with("2:1: TOML syntax error: ") && e.contains("duplicate key"), "{e}");
}

#[test]
fn unknown_root_key() {
    assert_eq!(
        error("[command.Sum]\n"),
        "1:2: unknown key `command` in the schema; expected one of: commands, types, protocols (did you mean `commands`?)"
    );
}

#[test]
fn unknown_command_key_suggests_the_right_one() {
    assert_eq!(
        error("[commands.Sum]\nrequiresAnswer = false\n"),
        "2:1: unknown key `requiresAnswer` in command `Sum`; expected one of: name, arguments, response, errors, \
         fatal_errors, requires_answer (did you mean `requires_answer`?)"
    );
}

#[test]
fn unknown_field_key() {
    assert_eq!(
        error(&args("  { name = \"a\", type = \"Integer\", optinal = true },")),
        "3:35: unknown key `optinal` in a field; expected one of: name, type, optional, of, fields, repr \
         (did you mean `optional`?)"
    );
}

#[test]
fn unknown_key_in_an_of_table() {
    assert_eq!(
        error(&args("  { name = \"a\", type = \"ListOf\", of = { type = \"Integer\", optional = true } },")),
        "3:59: unknown key `optional` in an `of` table (a ListOf element has no name and cannot be optional); \
         expected one of: type, of, fields, repr"
    );
}

#[test]
fn unknown_key_in_types_and_protocols() {
    assert_eq!(
        errors("[types.X]\nrust = \"a::X\"\nrst = 1\n[protocols.P]\nanswers = []\nanswer = []\n"),
        [
            "3:1: unknown key `rst` in custom type `X`; expected one of: rust (did you mean `rust`?)",
            "6:1: unknown key `answer` in protocol `P`; expected one of: answers (did you mean `answers`?)",
        ]
    );
}

#[test]
fn unknown_type() {
    assert_eq!(
        error(&args("  { name = \"a\", type = \"Integr\" },")),
        "3:24: unknown type `Integr`: use a built-in type or declare it under [types.Integr] (did you mean `Integer`?)"
    );
    assert_eq!(
        error(&args("  { name = \"a\", type = \"ListOf\", of = \"Gizmo\" },")),
        "3:39: unknown type `Gizmo`: use a built-in type or declare it under [types.Gizmo]"
    );
}

#[test]
fn unknown_type_suggests_a_declared_custom_type() {
    let text =
        format!("{}[types.Compressed]\nrust = \"x::Compressed\"\n", args("  { name = \"a\", type = \"Compresed\" },"));
    assert_eq!(
        error(&text),
        "3:24: unknown type `Compresed`: use a built-in type or declare it under [types.Compresed] \
         (did you mean `Compressed`?)"
    );
}

#[test]
fn duplicate_argument_response_and_amplist_field_names() {
    assert_eq!(
        error(&args("  { name = \"a\", type = \"Integer\" },\n  { name = \"a\", type = \"String\" },")),
        "4:12: duplicate argument `a` in command `C`"
    );
    assert_eq!(
        error(
            "[commands.C]\nresponse = [{ name = \"r\", type = \"Integer\" }, { name = \"r\", type = \"Integer\" }]\n"
        ),
        "2:56: duplicate response field `r` in command `C`"
    );
    assert_eq!(
        error(&args(
            "  { name = \"rows\", type = \"AmpList\", fields = [{ name = \"x\", type = \"Integer\" }, { name = \"x\", type = \"Integer\" }] },"
        )),
        "3:91: duplicate AmpList field `x` in AmpList `rows`"
    );
}

#[test]
fn same_name_in_arguments_and_response_is_fine() {
    let text = "[commands.C]\narguments = [{ name = \"s\", type = \"String\" }]\nresponse = [{ name = \"s\", type = \"String\" }]\n";
    assert!(parse(text).is_ok());
}

#[test]
fn names_colliding_as_rust_identifiers() {
    assert_eq!(
        error(&args("  { name = \"my-arg\", type = \"Integer\" },\n  { name = \"my_arg\", type = \"Integer\" },")),
        "4:12: arguments `my-arg` and `my_arg` of command `C` both map to the Rust field `my_arg`"
    );
    assert_eq!(
        error(&args("  { name = \"self\", type = \"Integer\" },\n  { name = \"self_\", type = \"Integer\" },")),
        "4:12: arguments `self` and `self_` of command `C` both map to the Rust field `self_`"
    );
}

#[test]
fn names_that_cannot_be_rust_identifiers() {
    assert_eq!(
        error(&args("  { name = \"a.b\", type = \"Integer\" },")),
        "3:12: argument name: `a.b` contains `.`, which cannot appear in a Rust identifier \
         (only ASCII letters, digits, `_` and `-` are mapped)"
    );
    assert_eq!(
        error(&args("  { name = \"2fa\", type = \"Integer\" },")),
        "3:12: argument name: `2fa` starts with a digit, which a Rust identifier cannot"
    );
}

#[test]
fn keywords_are_fine_as_field_names() {
    let text = args("  { name = \"type\", type = \"Integer\" },\n  { name = \"self\", type = \"Integer\" },\n  { name = \"-\", type = \"Integer\" },");
    assert!(parse(&text).is_ok());
}

#[test]
fn empty_and_too_long_keys() {
    assert_eq!(
        error(&args("  { name = \"\", type = \"Integer\" },")),
        "3:12: argument name \"\" is 0 bytes long; AMP keys are 1 to 255 bytes"
    );
    let long = "k".repeat(256);
    assert_eq!(
        error(&args(&format!("  {{ name = \"{long}\", type = \"Integer\" }},"))),
        format!("3:12: argument name `{}...` is 256 bytes long; AMP keys are 1 to 255 bytes", "k".repeat(40))
    );
    let max = "k".repeat(255);
    assert!(parse(&args(&format!("  {{ name = \"{max}\", type = \"Integer\" }},"))).is_ok());
}

#[test]
fn reserved_keys_in_arguments_and_response() {
    for key in ["_ask", "_command", "_answer", "_error", "_error_code", "_error_description"] {
        assert_eq!(
            error(&args(&format!("  {{ name = \"{key}\", type = \"String\" }},"))),
            format!(
                "3:12: argument name `{key}` is reserved: AMP uses the key `{key}` in its own request and answer boxes"
            )
        );
    }
    assert_eq!(
        error("[commands.C]\nresponse = [{ name = \"_answer\", type = \"String\" }]\n"),
        "2:22: response field name `_answer` is reserved: AMP uses the key `_answer` in its own request and answer boxes"
    );
}

#[test]
fn other_underscore_keys_and_reserved_keys_inside_amplist_are_allowed() {
    let text = args(
        "  { name = \"_private\", type = \"String\" },\n  { name = \"rows\", type = \"AmpList\", fields = [{ name = \"_command\", type = \"String\" }] },",
    );
    assert!(parse(&text).is_ok(), "{:?}", parse(&text).unwrap_err());
}

#[test]
fn duplicate_command_wire_names() {
    assert_eq!(
        error("[commands.Sum]\n[commands.Add]\nname = \"Sum\"\n"),
        "3:8: commands `Sum` and `Add` have the same wire name `Sum`"
    );
}

#[test]
fn empty_command_wire_name() {
    assert_eq!(error("[commands.Sum]\nname = \"\"\n"), "2:8: command `Sum` has an empty wire name");
}

#[test]
fn handler_method_names_collide() {
    assert_eq!(
        error("[commands.FooBar]\n[commands.Foo_Bar]\n"),
        "2:11: commands `FooBar` and `Foo_Bar` both map to the handler method `foo_bar`"
    );
}

#[test]
fn protocol_naming_an_unknown_command() {
    assert_eq!(
        error("[commands.Sum]\n[protocols.Server]\nanswers = [\"Sum\", \"Summ\"]\n"),
        "3:19: protocol `Server` answers `Summ`, which is not a command table key (did you mean `Sum`?)"
    );
    assert_eq!(
        error("[commands.Echo]\nname = \"echo-text\"\n[protocols.Server]\nanswers = [\"echo-text\"]\n"),
        "4:12: protocol `Server` answers `echo-text`, which is not a command table key \
         (it is the wire name of `Echo`: list table keys)"
    );
}

#[test]
fn protocol_listing_a_command_twice() {
    assert_eq!(
        error("[commands.Sum]\n[protocols.Server]\nanswers = [\"Sum\", \"Sum\"]\n"),
        "3:19: protocol `Server` lists `Sum` twice"
    );
}

#[test]
fn protocol_without_answers() {
    assert_eq!(
        error("[protocols.Server]\n"),
        "1:12: protocol `Server` has no `answers` (write `answers = []` for a peer that answers nothing)"
    );
}

#[test]
fn duplicate_error_codes_within_a_command() {
    assert_eq!(
        error("[commands.C]\nerrors = { A = \"X\" }\nfatal_errors = { B = \"X\" }\n"),
        "3:22: error code `X` is used by both `A` and `B` in command `C`: a peer could not tell them apart"
    );
}

#[test]
fn same_error_code_in_two_commands_is_fine() {
    assert!(parse("[commands.A]\nerrors = { E = \"X\" }\n[commands.B]\nerrors = { E = \"X\" }\n").is_ok());
}

#[test]
fn exception_in_errors_and_fatal_errors() {
    assert_eq!(
        error("[commands.C]\nerrors = { A = \"X\" }\nfatal_errors = { A = \"Y\" }\n"),
        "3:18: exception `A` is declared twice in command `C` (in `errors` and `fatal_errors`?)"
    );
}

#[test]
fn empty_error_code_and_bad_exception_name() {
    assert_eq!(
        error("[commands.C]\nerrors = { A = \"\" }\n"),
        "2:16: error code of `A` is 0 bytes; it must be 1 to 65535"
    );
    assert_eq!(
        error("[commands.C]\nerrors = { \"a.B\" = \"X\" }\n"),
        "2:12: exception name: `a.B` contains `.`: it must be an ASCII identifier (letters, digits and `_`) to name a Rust type"
    );
}

#[test]
fn error_code_must_be_a_string() {
    assert_eq!(error("[commands.C]\nerrors = { A = 1 }\n"), "2:16: an error code must be a string, not an integer");
}

#[test]
fn custom_type_without_rust() {
    assert_eq!(
        error("[types.Compressed]\n"),
        "1:8: custom type `Compressed` needs `rust = \"path::To::Type\"`, the Rust type implementing amp_runtime::ArgumentType"
    );
}

#[test]
fn custom_type_with_an_invalid_rust_path() {
    for bad in ["amp evennia::Compressed", "a::", "&str", "a::crate::B", "a-b::C"] {
        assert_eq!(
            error(&format!("[types.C]\nrust = \"{bad}\"\n")),
            format!("2:8: `{bad}` is not a Rust type path (like `my_crate::codecs::Compressed`)")
        );
    }
    for good in ["amp_evennia::Compressed", "::x::Y<u64>", "crate::C", "super::super::C", "C"] {
        assert!(parse(&format!("[types.C]\nrust = \"{good}\"\n")).is_ok(), "{good}");
    }
}

#[test]
fn custom_type_shadowing_a_builtin() {
    assert_eq!(
        error("[types.Integer]\nrust = \"my::Int\"\n"),
        "1:8: custom type `Integer` has the name of a built-in type"
    );
}

#[test]
fn amplist_inside_listof() {
    let e = error(&args("  { name = \"a\", type = \"ListOf\", of = { type = \"AmpList\", fields = [{ name = \"x\", type = \"Integer\" }] } },"));
    assert!(e.starts_with("3:39: AmpList cannot be a ListOf element: "), "{e}");
    let e = error(&args("  { name = \"a\", type = \"ListOf\", of = \"AmpList\" },"));
    assert!(e.starts_with("3:39: AmpList cannot be a ListOf element: "), "{e}");
    let nested = args(
        "  { name = \"a\", type = \"ListOf\", of = { type = \"ListOf\", of = { type = \"AmpList\", fields = [] } } },",
    );
    assert!(error(&nested).starts_with("3:39: AmpList cannot be a ListOf element: "));
}

#[test]
fn descriptor_inside_listof() {
    let e = error(&args("  { name = \"a\", type = \"ListOf\", of = \"Descriptor\" },"));
    assert!(e.starts_with("3:39: Descriptor cannot be a ListOf element"), "{e}");
}

#[test]
fn amplist_inside_amplist_and_listof_of_listof_are_fine() {
    let text = args(
        "  { name = \"a\", type = \"AmpList\", fields = [{ name = \"b\", type = \"AmpList\", fields = [{ name = \"c\", type = \"ListOf\", of = { type = \"ListOf\", of = \"Boolean\" } }] }] },",
    );
    assert!(parse(&text).is_ok(), "{:?}", parse(&text).unwrap_err());
}

#[test]
fn table_keys_that_are_not_rust_type_names() {
    assert_eq!(
        errors("[commands.\"Bad Key\"]\n[commands.type]\n[commands.9Lives]\n[types.\"a-b\"]\nrust = \"x::Y\"\n[protocols.Self]\nanswers = []\n"),
        [
            "1:11: command key: `Bad Key` contains the character U+0020: it must be an ASCII identifier (letters, digits and `_`) to name a Rust type",
            "2:11: command key: `type` is a Rust keyword, so it cannot name a Rust type",
            "3:11: command key: `9Lives` starts with a digit, so it cannot name a Rust type",
            "4:8: custom type name: `a-b` contains `-`: it must be an ASCII identifier (letters, digits and `_`) to name a Rust type",
            "6:12: protocol name: `Self` is a Rust keyword, so it cannot name a Rust type",
        ]
    );
}

#[test]
fn field_shape_errors() {
    assert_eq!(error(&args("  { type = \"Integer\" },")), "3:3: this field has no `name` (the box key)");
    assert_eq!(error(&args("  { name = \"a\" },")), "3:3: this field has no `type`");
    assert_eq!(error(&args("  { name = \"a\", type = 3 },")), "3:24: `type` must be a string, not an integer");
    assert_eq!(
        error(&args("  \"a\",")),
        "3:3: each entry of `arguments` must be a table like { name = \"a\", type = \"Integer\" }"
    );
    assert_eq!(
        error("[commands.C]\narguments = \"a\"\n"),
        "2:13: `arguments` must be an array of fields (a table like { name = \"a\", type = \"Integer\" }), not a string"
    );
    assert_eq!(
        error(&args("  { name = \"a\", type = \"Integer\", optional = \"yes\" },")),
        "3:46: `optional` must be true or false, not a string"
    );
    assert_eq!(
        error("[commands.C]\nrequires_answer = 0\n"),
        "2:19: `requires_answer` must be true or false, not an integer"
    );
}

#[test]
fn of_fields_and_repr_on_the_wrong_type() {
    assert_eq!(
        error(&args("  { name = \"a\", type = \"String\", of = \"Integer\" },")),
        "3:34: `of` only applies to type = \"ListOf\", not \"String\""
    );
    assert_eq!(
        errors(&args("  { name = \"a\", type = \"ListOf\", fields = [] },")),
        [
            "3:24: type = \"ListOf\" needs `of`, the element type (`of = \"Integer\"`)",
            "3:34: `fields` only applies to type = \"AmpList\", not \"ListOf\"",
        ]
    );
    assert_eq!(
        error(&args("  { name = \"a\", type = \"Float\", repr = \"big\" },")),
        "3:33: `repr` only applies to type = \"Integer\", not \"Float\""
    );
    assert_eq!(
        error(&args("  { name = \"a\", type = \"ListOf\" },")),
        "3:24: type = \"ListOf\" needs `of`, the element type (`of = \"Integer\"`)"
    );
    assert_eq!(
        error(&args("  { name = \"a\", type = \"AmpList\" },")),
        "3:24: type = \"AmpList\" needs `fields`, the element's fields"
    );
    assert_eq!(
        error(&args("  { name = \"a\", type = \"ListOf\", of = \"ListOf\" },")),
        "3:39: `of = \"ListOf\"` needs its own element type: `of = { type = \"ListOf\", of = \"Integer\" }`"
    );
}

#[test]
fn bad_integer_repr() {
    assert_eq!(
        error(&args("  { name = \"a\", type = \"Integer\", repr = \"i32\" },")),
        "3:42: unknown repr `i32`; expected \"i64\" (the default), \"u64\", \"i128\" or \"big\""
    );
}

#[test]
fn sections_of_the_wrong_kind() {
    assert_eq!(error("commands = 3\n"), "1:12: `commands` must be a table, not an integer");
    assert_eq!(error("[commands]\nSum = 3\n"), "2:7: `commands.Sum` must be a table, not an integer");
    assert_eq!(
        error("[protocols.P]\nanswers = \"Sum\"\n"),
        "2:11: `answers` must be an array of command table keys, not a string"
    );
}

#[test]
fn all_errors_are_collected_in_position_order() {
    let text =
        "[commands.A]\nargumnts = []\n[commands.B]\narguments = [{ name = \"x\", type = \"Nope\" }]\n[types.T]\n";
    assert_eq!(
        errors(text),
        [
            "2:1: unknown key `argumnts` in command `A`; expected one of: name, arguments, response, errors, fatal_errors, requires_answer (did you mean `arguments`?)",
            "4:35: unknown type `Nope`: use a built-in type or declare it under [types.Nope]",
            "5:8: custom type `T` needs `rust = \"path::To::Type\"`, the Rust type implementing amp_runtime::ArgumentType",
        ]
    );
}

#[test]
fn other_toml_spellings_of_the_same_schema() {
    // `[[commands.X.arguments]]` arrays of tables, a `[commands]` table with
    // inline commands and an `[commands.X.errors]` table all mean the same.
    let a =
        parse("[commands.Sum]\narguments = [{ name = \"a\", type = \"Integer\" }]\nerrors = { E = \"X\" }\n").unwrap();
    let b = parse("[[commands.Sum.arguments]]\nname = \"a\"\ntype = \"Integer\"\n[commands.Sum.errors]\nE = \"X\"\n")
        .unwrap();
    let c = parse("[commands]\nSum = { arguments = [{ name = \"a\", type = \"Integer\" }], errors = { E = \"X\" } }\n")
        .unwrap();
    assert_eq!(a.without_spans(), b.without_spans());
    assert_eq!(a.without_spans(), c.without_spans());
}

#[test]
fn multi_line_nested_fields_parse() {
    let text = "[commands.C]\nresponse = [\n  { name = \"rows\", type = \"AmpList\", fields = [\n    { name = \"x\", type = \"Integer\" },\n  ] },\n]\n";
    assert!(parse(text).is_ok(), "{:?}", parse(text).unwrap_err());
}

#[test]
fn lenient_parse_keeps_the_model_beside_the_errors() {
    let text = r#"
[commands.Sum]
arguments = [{ name = "a", type = "Integr" }, { name = "a", type = "Integer" }, { name = "b", type = "Float" }]
response = [{ name = "total", type = "Integer" }]

[commands.Ping]

[protocols.P]
answers = ["Sum", "Pong"]
"#;
    let (schema, errors) = amp_schema::parse_lenient(text);
    let schema = schema.expect("only a TOML syntax error loses the model");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(errors.len(), 3, "{messages:#?}");
    assert_eq!(amp_schema::parse(text).unwrap_err(), errors, "parse reports the same errors");
    // Everything the file declares is there, mistakes included.
    let sum = schema.command("Sum").expect("Sum is kept");
    assert_eq!(sum.arguments.len(), 3);
    assert_eq!(sum.arguments[0].ty, amp_schema::TypeRef::Custom("Integr".into()));
    assert!(schema.command("Ping").is_some());
    assert_eq!(schema.protocol("P").expect("P is kept").answers, ["Sum", "Pong"]);

    let (schema, errors) = amp_schema::parse_lenient("[commands.Sum\n");
    assert!(schema.is_none());
    assert_eq!(errors.len(), 1);
    let (schema, errors) = amp_schema::parse_lenient("[commands.Ok]\n");
    assert!(schema.is_some() && errors.is_empty());
}
