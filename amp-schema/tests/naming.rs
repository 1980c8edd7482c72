//! The wire name -> Rust name rules (documented in schema/README.md).

use amp_schema::naming::{is_keyword, rust_ident, snake_case, type_ident};

#[test]
fn rust_ident_maps_dashes_and_keeps_case() {
    assert_eq!(rust_ident("packed_data").unwrap(), "packed_data");
    assert_eq!(rust_ident("my-arg").unwrap(), "my_arg");
    assert_eq!(rust_ident("packedData").unwrap(), "packedData");
    assert_eq!(rust_ident("_private").unwrap(), "_private");
}

#[test]
fn rust_ident_makes_keywords_raw() {
    for kw in ["type", "move", "ref", "fn", "match", "async", "await", "dyn", "try", "gen", "yield", "abstract"] {
        assert_eq!(rust_ident(kw).unwrap(), format!("r#{kw}"));
    }
    assert_eq!(rust_ident("from").unwrap(), "from", "Python keywords are not Rust ones");
    assert_eq!(rust_ident("union").unwrap(), "union", "contextual keywords are identifiers");
}

#[test]
fn rust_ident_appends_underscore_where_raw_is_impossible() {
    assert_eq!(rust_ident("self").unwrap(), "self_");
    assert_eq!(rust_ident("Self").unwrap(), "Self_");
    assert_eq!(rust_ident("super").unwrap(), "super_");
    assert_eq!(rust_ident("crate").unwrap(), "crate_");
    assert_eq!(rust_ident("_").unwrap(), "__");
    assert_eq!(rust_ident("-").unwrap(), "__");
}

#[test]
fn rust_ident_rejects_what_no_identifier_holds() {
    assert!(rust_ident("").is_err());
    assert!(rust_ident("a b").unwrap_err().contains("U+0020"));
    assert!(rust_ident("a.2").unwrap_err().contains("`.`"));
    assert!(rust_ident("café").unwrap_err().contains("`é`"));
    assert!(rust_ident("9a").unwrap_err().contains("starts with a digit"));
}

#[test]
fn snake_case_names_handler_methods() {
    assert_eq!(snake_case("MsgPortal2Server"), "msg_portal2_server");
    assert_eq!(snake_case("Sum"), "sum");
    assert_eq!(snake_case("FunctionCall"), "function_call");
    assert_eq!(snake_case("Type"), "r#type");
    assert_eq!(snake_case("Crate"), "crate_");
}

#[test]
fn type_ident_takes_keys_as_they_are() {
    assert_eq!(type_ident("MsgStatus").unwrap(), "MsgStatus");
    assert_eq!(type_ident("sum").unwrap(), "sum");
    assert!(type_ident("Self").is_err());
    assert!(type_ident("type").is_err());
    assert!(type_ident("_").is_err());
    assert!(type_ident("Msg-Status").is_err());
    assert!(type_ident("").is_err());
    assert!(type_ident("2x").is_err());
}

#[test]
fn keywords() {
    assert!(is_keyword("fn") && is_keyword("self") && is_keyword("_"));
    assert!(!is_keyword("union") && !is_keyword("r#fn"));
}
