//! `Display` for [`Value`]: Python's `repr()` syntax.
//!
//! Exact for built-in values made of ASCII text (the captured Evennia traffic
//! prints exactly as Python printed it); close for the rest: Python's notion of
//! a printable character is approximated, and objects print as the call that
//! builds them (`datetime.datetime(b'...')`), not as their class's own repr.

use std::fmt::{self, Display, Formatter, Write};

use amp_runtime::python::write_bytes_repr;

use super::value::{Object, ObjectKind, Value};

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(n) => write!(f, "{n}"),
            Value::BigInt(n) => match self.int_text() {
                Some(digits) => f.write_str(&digits),
                // Python's repr raises here; a placeholder keeps Display total.
                None => write!(f, "<int of {} bits>", n.bits()),
            },
            Value::Float(x) => f.write_str(&amp_runtime::python::float_repr(*x)),
            Value::Str(s) => write_str_repr(f, s),
            Value::Bytes(b) => write_bytes_repr(f, b),
            Value::ByteArray(b) => {
                f.write_str("bytearray(")?;
                write_bytes_repr(f, b)?;
                f.write_str(")")
            }
            Value::List(items) => write_items(f, "[", items, "]"),
            Value::Tuple(items) if items.len() == 1 => write!(f, "({},)", items[0]),
            Value::Tuple(items) => write_items(f, "(", items, ")"),
            Value::Dict(pairs) => write_pairs(f, pairs),
            Value::Set(items) if items.is_empty() => f.write_str("set()"),
            Value::Set(items) => write_items(f, "{", items, "}"),
            Value::FrozenSet(items) if items.is_empty() => f.write_str("frozenset()"),
            Value::FrozenSet(items) => write_items(f, "frozenset({", items, "})"),
            Value::Global(g) => write!(f, "{}.{}", g.module, g.name),
            Value::Object(o) => write_object(f, o),
        }
    }
}

fn write_items(f: &mut Formatter<'_>, open: &str, items: &[Value], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

fn write_pairs(f: &mut Formatter<'_>, pairs: &[(Value, Value)]) -> fmt::Result {
    f.write_str("{")?;
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{k}: {v}")?;
    }
    f.write_str("}")
}

fn write_object(f: &mut Formatter<'_>, o: &Object) -> fmt::Result {
    match o.kind {
        ObjectKind::Reduce => write!(f, "{}", o.callable)?,
        ObjectKind::NewObj | ObjectKind::NewObjEx => write!(f, "{}.__new__", o.callable)?,
    }
    f.write_str("(")?;
    let mut first = true;
    let mut sep = |f: &mut Formatter<'_>| if std::mem::take(&mut first) { Ok(()) } else { f.write_str(", ") };
    if o.kind != ObjectKind::Reduce {
        sep(f)?;
        write!(f, "{}", o.callable)?;
    }
    for arg in &o.args {
        sep(f)?;
        write!(f, "{arg}")?;
    }
    for (k, v) in &o.kwargs {
        sep(f)?;
        match k {
            Value::Str(name) => write!(f, "{name}={v}")?,
            other => write!(f, "**{{{other}: {v}}}")?,
        }
    }
    f.write_str(")")?;
    if !o.list_items.is_empty() {
        write_items(f, " + ", &o.list_items, "")?;
    }
    if !o.dict_items.is_empty() {
        f.write_str(" | ")?;
        write_pairs(f, &o.dict_items)?;
    }
    if let Some(state) = &o.state {
        write!(f, " <- {state}")?;
    }
    Ok(())
}

/// Whether Python's `str.isprintable()` would say yes (approximately, for
/// non-ASCII: control, separator and format characters are not printable).
fn printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let noncharacter = matches!(c, '\u{fdd0}'..='\u{fdef}') || (c as u32) & 0xfffe == 0xfffe;
    let private_use = matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{10ffff}');
    !(c.is_control()
        || c.is_whitespace()
        || noncharacter
        || private_use
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}')
        || matches!(c, '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

fn write_str_repr(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    f.write_char(quote)?;
    for c in s.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '\t' => f.write_str("\\t")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            c if c == quote => write!(f, "\\{c}")?,
            c if printable(c) => f.write_char(c)?,
            c if (c as u32) < 0x100 => write!(f, "\\x{:02x}", c as u32)?,
            c if (c as u32) < 0x10000 => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "\\U{:08x}", c as u32)?,
        }
    }
    f.write_char(quote)
}

#[cfg(test)]
mod tests {
    use super::Value;

    #[test]
    fn floats_print_as_python_prints_them() {
        let cases = [
            (1.5, "1.5"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (5e-324, "5e-324"),
            (1e300, "1e+300"),
            (1795755311.3566732, "1795755311.3566732"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, python) in cases {
            assert_eq!(Value::Float(x).to_string(), python);
        }
    }

    #[test]
    fn float_ties_print_the_digit_python_prints() {
        // Two 16- (or 15-) digit forms read back to each of these doubles,
        // equally near; CPython's repr takes the even last digit, Rust's
        // shortest-digits formatting took the odd one (`...155.3`, `...359.13`).
        // Expected values: CPython 3.11 `repr(float.fromhex(...))`.
        let cases = [
            (0x4301_0edf_6a7f_acda_u64, "600178416416155.2"),
            (0x4302_0417_eec8_1342, "633881302205032.2"),
            (0x42d0_3ac1_6a6c_67c8, "71378156499359.12"),
            (0x42d4_7efe_264f_1008, "90142649433152.12"),
        ];
        for (bits, python) in cases {
            assert_eq!(Value::Float(f64::from_bits(bits)).to_string(), python, "{bits:#x}");
        }
    }
}
