//! The values of each `Types` case: the same table as `CASES` in
//! `tests/interop/commands.py`. Each side checks what it received against its
//! own table, so both encoders and both decoders are checked, not an echo.

use std::path::PathBuf;

use amp_runtime::{AmpBox, ArgContext, BigInt, BoxFields, DateTime, Decimal};
use bytes::Bytes;

use super::commands::{TypesArguments, TypesResponse, TypesResponseRows};

/// The case names, in the order the tests send them.
pub const CASES: &[&str] = &[
    "none",
    "integers",
    "integers2",
    "zero",
    "bytes",
    "empty",
    "unicode",
    "path",
    "true",
    "false",
    "float",
    "nan",
    "floats",
    "decimal",
    "decimals",
    "datetime",
    "datetimes",
    "lists",
    "rows",
    "names",
    "max_string",
    "max_unicode",
    "everything",
];

/// `bytes(i % 251 for i in range(65535))`: the longest value AMP allows.
pub fn max_string() -> Bytes {
    (0..65_535u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

/// 16,383 four-byte characters and `abc`: exactly 65,535 bytes of UTF-8.
pub fn max_unicode() -> String {
    let mut s = "\u{1d11e}".repeat(16_383);
    s.push_str("abc");
    s
}

/// The floats of the `floats` case.
pub fn floats() -> Vec<f64> {
    vec![
        1.234,
        10.0,
        1e16,
        1e-05,
        0.1,
        -0.0,
        0.0,
        5e-324,
        1.797_693_134_862_315_7e308,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        123_456_789_012_345.6,
        1e22,
        0.0001,
        2.5e-05,
        -1.5,
    ]
}

/// The decimals of the `decimals` case, as Python's `str(Decimal)` writes them.
pub const DECIMALS: &[&str] = &[
    "1.1",
    "Infinity",
    "-Infinity",
    "NaN",
    "-NaN",
    "sNaN",
    "-sNaN",
    "3.141E+5",
    "0.00003141",
    "3.141E-7",
    "-3.141E+5",
    "0E+6",
    "1.5E-9",
    "-0",
    "0E-7",
    "1.000",
    "NaN123",
    "-sNaN4",
    "123456789012345678901234567890.123456789",
    "1E+999999",
    "-7.00E-999990",
];

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("decimal {s}: {e}"))
}

#[allow(clippy::too_many_arguments)] // Python's datetime order
fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8, us: u32, offset: i16) -> DateTime {
    DateTime::new(y, mo, d, h, mi, s, us, offset).expect("a valid date-time")
}

/// The date-times of the `datetimes` case.
pub fn datetimes() -> Vec<DateTime> {
    vec![
        dt(2010, 12, 25, 0, 0, 0, 0, 0),
        dt(9876, 1, 23, 12, 34, 56, 54_321, -83),
        dt(1, 1, 1, 0, 0, 0, 0, 23 * 60 + 59),
        dt(9999, 12, 31, 23, 59, 59, 999_999, -(23 * 60 + 59)),
        dt(2024, 2, 29, 12, 0, 0, 500_000, 330),
    ]
}

fn big(s: &str) -> BigInt {
    s.parse().expect("a decimal integer")
}

fn row(x: i64, label: Option<&str>, flag: Option<bool>) -> TypesResponseRows {
    TypesResponseRows { x, label: label.map(str::to_owned), flag }
}

/// No field set.
fn none() -> TypesResponse {
    TypesResponse {
        integer: None,
        big: None,
        string: None,
        unicode: None,
        path: None,
        boolean: None,
        float: None,
        floats: None,
        decimal: None,
        decimals: None,
        datetime: None,
        datetimes: None,
        ints: None,
        texts: None,
        rows: None,
        r#type: None,
        from: None,
        long_name: None,
    }
}

/// The values of case `name`; `None` for a name not in [`CASES`].
pub fn case(name: &str) -> Option<TypesResponse> {
    let s = |v: &str| Some(v.to_owned());
    let base = none();
    Some(match name {
        "none" => base,
        "integers" => TypesResponse { integer: Some(i64::MIN), big: Some(big(&"9".repeat(116))), ..base },
        "integers2" => {
            TypesResponse { integer: Some(i64::MAX), big: Some(-(BigInt::from(2).pow(400)) + 12_345), ..base }
        }
        "zero" => TypesResponse { integer: Some(0), big: Some(BigInt::from(0)), ..base },
        "bytes" => {
            TypesResponse { string: Some((0..512u32).map(|i| (i % 256) as u8).collect::<Vec<u8>>().into()), ..base }
        }
        "empty" => TypesResponse {
            string: Some(Bytes::new()),
            unicode: s(""),
            ints: Some(vec![]),
            texts: Some(vec![]),
            rows: Some(vec![]),
            floats: Some(vec![]),
            ..base
        },
        "unicode" => TypesResponse {
            unicode: s("snow \u{2603}, clef \u{1d11e}, emoji \u{1f600}, nul \0, crlf \r\n, \u{e9}"),
            ..base
        },
        "path" => TypesResponse { path: Some(PathBuf::from("/tmp/amp interop/\u{fc}n\u{ef}/\u{1d11e}.txt")), ..base },
        "true" => TypesResponse { boolean: Some(true), ..base },
        "false" => TypesResponse { boolean: Some(false), ..base },
        "float" => TypesResponse { float: Some(1e-05), ..base },
        "nan" => TypesResponse { float: Some(f64::NAN), ..base },
        "floats" => TypesResponse { floats: Some(floats()), ..base },
        "decimal" => TypesResponse { decimal: Some(dec("-sNaN4")), ..base },
        "decimals" => TypesResponse { decimals: Some(DECIMALS.iter().map(|s| dec(s)).collect()), ..base },
        "datetime" => TypesResponse { datetime: Some(dt(9876, 1, 23, 12, 34, 56, 54_321, -83)), ..base },
        "datetimes" => TypesResponse { datetimes: Some(datetimes()), ..base },
        "lists" => TypesResponse {
            ints: Some(vec![1, -20, 500, i64::MAX, i64::MIN]),
            texts: Some(vec![
                vec!["\u{2603}".into(), "Hello".into(), "world".into()],
                vec![],
                vec![String::new()],
                vec!["\u{1d11e}".into(), "a\0b".into()],
            ]),
            ..base
        },
        "rows" => TypesResponse {
            rows: Some(vec![row(1, Some("one"), Some(true)), row(2, None, None), row(-3, Some(""), Some(false))]),
            ..base
        },
        "names" => TypesResponse { r#type: s("t"), from: s("f"), long_name: s("l"), ..base },
        "max_string" => TypesResponse { string: Some(max_string()), ..base },
        "max_unicode" => TypesResponse { unicode: Some(max_unicode()), ..base },
        "everything" => TypesResponse {
            integer: Some(7),
            big: Some(-(BigInt::from(10).pow(40))),
            string: Some(Bytes::from_static(b"\x00\x01\xff")),
            unicode: s("\u{e9}\u{1d11e}"),
            path: Some(PathBuf::from("/")),
            boolean: Some(true),
            float: Some(f64::NEG_INFINITY),
            floats: Some(vec![f64::NAN, 1.0]),
            decimal: Some(dec("0E-7")),
            decimals: Some(vec![dec("1.000")]),
            datetime: Some(dt(2024, 2, 29, 12, 0, 0, 500_000, 330)),
            datetimes: Some(vec![]),
            ints: Some(vec![0]),
            texts: Some(vec![vec!["x".into()]]),
            rows: Some(vec![row(0, None, None)]),
            r#type: s(""),
            from: s("\u{1f600}"),
            long_name: s("-"),
        },
        _ => return None,
    })
}

/// The arguments of a `Types` call for case `name`: its values plus `case`.
///
/// Built by encoding the case's response and decoding the box as arguments:
/// the two field lists are the same, so this is the same values in the
/// other struct (the Python side checks what actually goes on the wire).
pub fn arguments(name: &str) -> Option<TypesArguments> {
    let values = case(name)?;
    let mut b = AmpBox::new();
    values.write_fields(&mut b, &mut ArgContext::new()).expect("a case encodes");
    b.insert("case", name.to_owned());
    Some(TypesArguments::read_fields(&b, &mut ArgContext::new()).expect("a case decodes as arguments"))
}

/// Differences between `got` and the case's values, as text; empty when equal.
///
/// Fields are compared by their `Debug` text, which is exact for every type
/// here: floats print the shortest text that reads back to the same bits
/// (`NaN`, `-0.0`), decimals keep precision, sign and NaN payload, and
/// date-times compare fields and offset.
pub fn differences(name: &str, got: &TypesResponse) -> String {
    let Some(want) = case(name) else { return format!("unknown case {name:?}") };
    let fields = |r: &TypesResponse| -> Vec<(&'static str, String)> {
        vec![
            ("integer", format!("{:?}", r.integer)),
            ("big", format!("{:?}", r.big)),
            ("string", format!("{:?}", r.string)),
            ("unicode", format!("{:?}", r.unicode)),
            ("path", format!("{:?}", r.path)),
            ("boolean", format!("{:?}", r.boolean)),
            ("float", format!("{:?}", r.float)),
            ("floats", format!("{:?}", r.floats)),
            ("decimal", format!("{:?}", r.decimal)),
            ("decimals", format!("{:?}", r.decimals)),
            ("datetime", format!("{:?}", r.datetime)),
            ("datetimes", format!("{:?}", r.datetimes)),
            ("ints", format!("{:?}", r.ints)),
            ("texts", format!("{:?}", r.texts)),
            ("rows", format!("{:?}", r.rows)),
            ("type", format!("{:?}", r.r#type)),
            ("from", format!("{:?}", r.from)),
            ("long-name", format!("{:?}", r.long_name)),
        ]
    };
    fields(&want)
        .into_iter()
        .zip(fields(got))
        .filter(|((_, w), (_, g))| w != g)
        .map(|((name, w), (_, g))| format!("{name}: expected {}, got {}", short(&w), short(&g)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The received arguments as the response struct (same fields), to compare
/// with [`differences`].
pub fn arguments_as_response(args: &TypesArguments) -> TypesResponse {
    let mut b = AmpBox::new();
    args.write_fields(&mut b, &mut ArgContext::new()).expect("received arguments re-encode");
    TypesResponse::read_fields(&b, &mut ArgContext::new()).expect("arguments decode as the response")
}

fn short(s: &str) -> String {
    if s.len() <= 200 {
        s.to_owned()
    } else {
        let cut = (0..=200).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        format!("{}...({} chars)", &s[..cut], s.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_has_values_and_compares_equal_to_itself() {
        for name in CASES {
            let values = case(name).unwrap_or_else(|| panic!("case {name}"));
            assert_eq!(differences(name, &values), "", "{name}");
            assert_eq!(arguments(name).unwrap().case, *name);
            assert_eq!(differences(name, &arguments_as_response(&arguments(name).unwrap())), "", "{name}");
        }
        assert!(case("no such case").is_none());
    }

    #[test]
    fn a_changed_value_is_a_difference() {
        let mut v = case("floats").unwrap();
        v.floats.as_mut().unwrap()[5] = 0.0; // -0.0 became 0.0
        assert!(differences("floats", &v).starts_with("floats: expected"));
        let mut v = case("decimals").unwrap();
        v.decimals.as_mut().unwrap()[15] = dec("1.0"); // 1.000 lost precision
        assert!(!differences("decimals", &v).is_empty());
    }

    #[test]
    fn the_max_values_are_exactly_65535_bytes() {
        assert_eq!(max_string().len(), 65_535);
        assert_eq!(max_unicode().len(), 65_535);
    }
}
