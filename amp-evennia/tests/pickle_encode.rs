//! The encoder: CPython's bytes where CPython writes no memo, its framing and
//! batching, its protocol 2-3 spellings, and typed refusals.

use amp_evennia::codec::pickle::{self, EncodeError, EncodeOptions, Object, ObjectKind, Value};
use num_bigint::BigInt;

fn at(v: &Value, protocol: u8) -> Vec<u8> {
    pickle::encode_with(v, &EncodeOptions::protocol(protocol)).unwrap_or_else(|e| panic!("{v}: {e}"))
}

#[test]
fn scalars_are_byte_identical_to_cpython_protocol_5() {
    // pickle.dumps(v, 5) on CPython 3.12.
    let cases: &[(Value, &[u8])] = &[
        (Value::None, b"\x80\x05N."),
        (Value::Bool(true), b"\x80\x05\x88."),
        (Value::Bool(false), b"\x80\x05\x89."),
        (Value::Int(0), b"\x80\x05K\x00."),
        (Value::Int(255), b"\x80\x05K\xff."),
        (Value::Int(256), b"\x80\x05\x95\x04\x00\x00\x00\x00\x00\x00\x00M\x00\x01."),
        (Value::Int(65536), b"\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00J\x00\x00\x01\x00."),
        (Value::Int(-1), b"\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00J\xff\xff\xff\xff."),
        (Value::Int(1 << 31), b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8a\x05\x00\x00\x00\x80\x00."),
        (Value::Int(-(1 << 31) - 1), b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8a\x05\xff\xff\xff\x7f\xff."),
        (
            Value::Int(i64::MAX),
            b"\x80\x05\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f.",
        ),
        (Value::Float(1.5), b"\x80\x05\x95\n\x00\x00\x00\x00\x00\x00\x00G?\xf8\x00\x00\x00\x00\x00\x00."),
        (
            Value::Float(f64::NEG_INFINITY),
            b"\x80\x05\x95\n\x00\x00\x00\x00\x00\x00\x00G\xff\xf0\x00\x00\x00\x00\x00\x00.",
        ),
    ];
    for (v, cpython) in cases {
        assert_eq!(pickle::encode(v).unwrap(), *cpython, "{v}");
    }
    let two_64 = Value::from(BigInt::from(2).pow(64));
    assert_eq!(
        pickle::encode(&two_64).unwrap(),
        b"\x80\x05\x95\x0c\x00\x00\x00\x00\x00\x00\x00\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00\x01."
    );
    assert_eq!(at(&two_64, 2), b"\x80\x02\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00\x01.");
    // A big int past 255 bytes is LONG4.
    let big = pickle::encode(&Value::from(BigInt::from(2).pow(2100))).unwrap();
    assert_eq!(big.len(), 280);
    assert_eq!(big[11..16], [0x8b, 0x07, 0x01, 0x00, 0x00]);
    // A BigInt built in Rust with a small value is still written as a small int.
    assert_eq!(pickle::encode(&Value::BigInt(Box::new(BigInt::from(5)))).unwrap(), b"\x80\x05K\x05.");
}

/// The frames of a protocol 4/5 pickle: (offset of the payload, payload length).
fn frames(p: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 2;
    while i < p.len() {
        if p.len() - i < 4 {
            // A last frame under 4 bytes goes out without a header, as in CPython.
            break;
        }
        assert_eq!(p[i], 0x95, "a FRAME at {i}");
        let len = u64::from_le_bytes(p[i + 1..i + 9].try_into().unwrap()) as usize;
        out.push((i + 9, len));
        i += 9 + len;
    }
    assert!(i <= p.len() && p.len() - i < 4, "frames cover the pickle");
    out
}

#[test]
fn frames_close_at_64_kib_on_opcode_boundaries() {
    let v = Value::List((0..20_000).map(|i| Value::from(format!("item {i}"))).collect());
    let p = pickle::encode(&v).unwrap();
    let f = frames(&p);
    assert!(f.len() >= 3, "{} frames", f.len());
    for (_, len) in &f[..f.len() - 1] {
        assert!((64 * 1024..64 * 1024 + 300).contains(len), "frame of {len}");
    }
    assert_eq!(p.last(), Some(&b'.'));
    assert_eq!(pickle::decode(&p).unwrap(), v);
    // One big string: a single frame holding it.
    let s = Value::from("x".repeat(200_000));
    assert_eq!(frames(&pickle::encode(&s).unwrap()).len(), 1);
    // No frames before protocol 4.
    assert_eq!(at(&v, 3)[2], b']');
}

#[test]
fn items_are_batched_by_1000_as_cpython_does() {
    let count = |p: &[u8], op: u8| p.iter().filter(|&&b| b == op).count();
    let list = Value::List(vec![Value::None; 2500]);
    let p = at(&list, 3);
    assert_eq!((count(&p, b'('), count(&p, b'e'), count(&p, b'a')), (3, 3, 0));
    let list = Value::List(vec![Value::None; 1001]);
    let p = at(&list, 3);
    assert_eq!((count(&p, b'('), count(&p, b'e'), count(&p, b'a')), (1, 1, 1));
    assert_eq!(at(&Value::List(vec![Value::None]), 3), b"\x80\x03]Na.");
    let dict = Value::Dict(vec![(Value::None, Value::None); 1500]);
    let p = at(&dict, 3);
    assert_eq!(count(&p, b'u'), 2);
    assert_eq!(pickle::decode(&p).unwrap(), dict);
    assert_eq!(at(&Value::Dict(vec![(Value::None, Value::None)]), 3), b"\x80\x03}NNs.");
    let set = Value::Set(vec![Value::Int(1)]);
    assert_eq!(at(&set, 4), b"\x80\x04\x95\x06\x00\x00\x00\x00\x00\x00\x00\x8f(K\x01\x90.");
    assert_eq!(at(&Value::FrozenSet(vec![]), 4), b"\x80\x04(\x91.");
    assert_eq!(at(&Value::Tuple(vec![Value::None; 4]), 2), b"\x80\x02(NNNNt.");
    assert_eq!(at(&Value::Tuple(vec![Value::None; 3]), 2), b"\x80\x02NNN\x87.");
    assert_eq!(at(&Value::Tuple(vec![]), 2), b"\x80\x02).");
}

#[test]
fn protocols_2_and_3_spell_sets_and_bytes_as_cpython() {
    // What CPython writes, without its memo opcodes.
    assert_eq!(at(&Value::Set(vec![1.into()]), 2), b"\x80\x02c__builtin__\nset\n]K\x01a\x85R.");
    assert_eq!(at(&Value::FrozenSet(vec![]), 3), b"\x80\x03cbuiltins\nfrozenset\n]\x85R.");
    assert_eq!(at(&Value::Bytes(vec![]), 2), b"\x80\x02c__builtin__\nbytes\n)R.");
    assert_eq!(
        at(&Value::Bytes(b"a\xff".to_vec()), 2),
        b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00a\xc3\xbfX\x06\x00\x00\x00latin1q\x00\x86R."
    );
    assert_eq!(at(&Value::Bytes(b"ab".to_vec()), 3), b"\x80\x03C\x02ab.");
    assert_eq!(at(&Value::ByteArray(b"ab".to_vec()), 3), b"\x80\x03cbuiltins\nbytearray\nC\x02ab\x85R.");
    assert_eq!(at(&Value::ByteArray(vec![]), 3), b"\x80\x03cbuiltins\nbytearray\n)R.");
    assert_eq!(
        at(&Value::ByteArray(b"ab".to_vec()), 5),
        b"\x80\x05\x95\x0c\x00\x00\x00\x00\x00\x00\x00\x96\x02\x00\x00\x00\x00\x00\x00\x00ab."
    );
    // Python 3 names go out as CPython's protocol 2 writes them.
    assert_eq!(at(&Value::global("copyreg", "_reconstructor"), 2), b"\x80\x02ccopy_reg\n_reconstructor\n.");
    assert_eq!(at(&Value::global("builtins", "KeyError"), 2), b"\x80\x02cexceptions\nKeyError\n.");
    assert_eq!(at(&Value::global("copyreg", "_reconstructor"), 3), b"\x80\x03ccopyreg\n_reconstructor\n.");
    for v in [Value::Set(vec![1.into()]), Value::Bytes(b"a\xff".to_vec()), Value::ByteArray(b"x".to_vec())] {
        for protocol in 2..=5 {
            assert_eq!(pickle::decode(&at(&v, protocol)).unwrap(), v, "{v} at {protocol}");
        }
    }
}

#[test]
fn dotted_globals_and_keyword_objects_round_trip_before_protocol_4() {
    let dotted = Value::global("mod", "Outer.Inner.method");
    let p3 = at(&dotted, 3);
    assert_eq!(
        p3,
        b"\x80\x03cbuiltins\ngetattr\ncbuiltins\ngetattr\ncmod\nOuter\nX\x05\x00\x00\x00Innerq\x00\x86RX\x06\x00\x00\x00methodq\x01\x86R."
    );
    for protocol in 2..=5 {
        assert_eq!(pickle::decode(&at(&dotted, protocol)).unwrap(), dotted);
    }
    let mut obj = Object::reduce(Value::global("mod", "K"), vec![1.into()]);
    obj.kind = ObjectKind::NewObjEx;
    obj.kwargs = vec![(Value::from("k"), 2.into())];
    obj.state = Some(Value::Dict(vec![]));
    let obj = Value::from(obj);
    for protocol in 2..=5 {
        assert_eq!(pickle::decode(&at(&obj, protocol)).unwrap(), obj, "protocol {protocol}");
    }
    assert!(at(&obj, 3).windows(13).any(|w| w == b"__newobj_ex__"));
    assert!(at(&obj, 4).contains(&0x92));
}

#[test]
fn values_python_would_refuse_are_typed_errors() {
    let v = Value::None;
    assert_eq!(pickle::encode_with(&v, &EncodeOptions::protocol(1)), Err(EncodeError::UnsupportedProtocol(1)));
    assert_eq!(pickle::encode_with(&v, &EncodeOptions::protocol(6)), Err(EncodeError::UnsupportedProtocol(6)));
    let bad_key = Value::Dict(vec![(Value::List(vec![]), Value::None)]);
    assert_eq!(pickle::encode(&bad_key), Err(EncodeError::Unhashable { kind: "list" }));
    let bad_member = Value::Set(vec![Value::Tuple(vec![Value::Dict(vec![])])]);
    assert_eq!(pickle::encode(&bad_member), Err(EncodeError::Unhashable { kind: "tuple" }));
    let newline = Value::global("a\nb", "c");
    assert!(matches!(
        pickle::encode_with(&newline, &EncodeOptions::protocol(3)),
        Err(EncodeError::GlobalName { protocol: 3, .. })
    ));
    assert_eq!(pickle::decode(&pickle::encode(&newline).unwrap()).unwrap(), newline);
    let py2_name = Value::global("__builtin__", "set");
    assert!(matches!(
        pickle::encode_with(&py2_name, &EncodeOptions::protocol(2)),
        Err(EncodeError::GlobalName { protocol: 2, .. })
    ));
    let not_callable = Value::from(Object::reduce(Value::Int(1), vec![]));
    assert_eq!(pickle::encode(&not_callable), Err(EncodeError::NotCallable { kind: "int" }));
    // Nothing is left in the buffer after an error.
    let mut out = b"keep".to_vec();
    let nested = Value::List(vec![Value::from("ok"), bad_key]);
    assert!(pickle::encode_into(&nested, &EncodeOptions::default(), &mut out).is_err());
    assert_eq!(out, b"keep");
    pickle::encode_into(&Value::None, &EncodeOptions::default(), &mut out).unwrap();
    assert_eq!(out, b"keep\x80\x05N.");
}

#[test]
fn repeated_strings_are_written_once_and_fetched_from_the_memo() {
    let key = Value::from("protocol_key");
    let sessions = Value::List(vec![Value::Dict(vec![(key.clone(), Value::from("telnet"))]); 300]);
    let p5 = pickle::encode(&sessions).unwrap();
    let occurrences = |p: &[u8], needle: &[u8]| p.windows(needle.len()).filter(|w| *w == needle).count();
    assert_eq!(occurrences(&p5, b"protocol_key"), 1);
    assert_eq!(occurrences(&p5, b"telnet"), 1);
    assert_eq!(pickle::decode(&p5).unwrap(), sessions);
    // Past 256 strings the memo is read with LONG_BINGET / written with LONG_BINPUT.
    let many = Value::List((0..600).map(|i| Value::from(format!("s{}", i % 300))).collect());
    for protocol in 2..=5 {
        let p = at(&many, protocol);
        assert_eq!(occurrences(&p, b"s299"), 1, "protocol {protocol}");
        assert_eq!(pickle::decode(&p).unwrap(), many, "protocol {protocol}");
    }
    assert!(at(&many, 3).contains(&b'r') && at(&many, 3).contains(&b'j'));
}
