//! The decoder, opcode by opcode, on pickles CPython wrote (bytes copied from
//! `pickle.dumps` on CPython 3.12) and on hand-made ones.

use amp_evennia::codec::pickle::{self, DecodeError, DecodeOptions, Global, Object, ObjectKind, Py2Str, Value};
use num_bigint::BigInt;

fn d(bytes: &[u8]) -> Value {
    pickle::decode(bytes).unwrap_or_else(|e| panic!("{e} in {bytes:?}"))
}

fn err(bytes: &[u8]) -> DecodeError {
    match pickle::decode(bytes) {
        Ok(v) => panic!("{bytes:?} decoded to {v}"),
        Err(e) => e,
    }
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn global(module: &str, name: &str) -> Value {
    Value::global(module, name)
}

#[test]
fn protocol_0_spellings_of_builtin_values() {
    assert_eq!(d(b"c__builtin__\nset\np0\n((lp1\nI1\naI2\natp2\nRp3\n."), Value::Set(vec![1.into(), 2.into()]));
    assert_eq!(d(b"c__builtin__\nfrozenset\np0\n((lp1\ntp2\nRp3\n."), Value::FrozenSet(vec![]));
    assert_eq!(d(b"c__builtin__\nbytes\np0\n(tRp1\n."), Value::Bytes(vec![]));
    assert_eq!(d(b"c_codecs\nencode\np0\n(Vab\xff\np1\nVlatin1\np2\ntp3\nRp4\n."), Value::Bytes(b"ab\xff".to_vec()));
    assert_eq!(
        d(b"c__builtin__\nbytearray\np0\n(c_codecs\nencode\np1\n(Vx\np2\nVlatin1\np3\ntp4\nRp5\ntp6\nRp7\n."),
        Value::ByteArray(b"x".to_vec())
    );
    assert_eq!(d(b"L1180591620717411303424L\n."), Value::from(BigInt::from(2).pow(70)));
    assert_eq!(d(b"I01\n."), Value::Bool(true));
    assert_eq!(d(b"I00\n."), Value::Bool(false));
    assert_eq!(d(b"I-1\n."), Value::Int(-1));
    assert_eq!(d(b"F1.5\n."), Value::Float(1.5));
    assert_eq!(d(b"Finf\n."), Value::Float(f64::INFINITY));
    assert_eq!(d(b"F-0.0\n.").as_f64().map(f64::to_bits), Some((-0.0f64).to_bits()));
    assert!(d(b"Fnan\n.").as_f64().is_some_and(f64::is_nan));
    assert_eq!(d(b"Va\\u005cb\\u000a\\u20ac\\U0001f600\np0\n."), s("a\\b\n\u{20ac}\u{1f600}"));
    assert_eq!(d(b"(I1\ntp0\n."), Value::Tuple(vec![1.into()]));
    assert_eq!(d(b"(lp0\nI1\naI2\na."), Value::List(vec![1.into(), 2.into()]));
    assert_eq!(d(b"(dp0\nVa\np1\nI1\ns."), Value::Dict(vec![(s("a"), 1.into())]));
    assert_eq!(d(b"N."), Value::None);
}

#[test]
fn datetime_stays_an_object_with_its_arguments() {
    // datetime.datetime(2020, 1, 2, 3, 4, 5, 6) at protocols 0 and 2.
    let expected = Value::from(Object::reduce(
        global("datetime", "datetime"),
        vec![Value::Bytes(b"\x07\xe4\x01\x02\x03\x04\x05\x00\x00\x06".to_vec())],
    ));
    let p0 = b"cdatetime\ndatetime\np0\n(c_codecs\nencode\np1\n(V\x07\xe4\x01\x02\x03\x04\x05\\u0000\\u0000\x06\np2\nVlatin1\np3\ntp4\nRp5\ntp6\nRp7\n.";
    let p2 = b"\x80\x02cdatetime\ndatetime\nq\x00c_codecs\nencode\nq\x01X\x0b\x00\x00\x00\x07\xc3\xa4\x01\x02\x03\x04\x05\x00\x00\x06q\x02X\x06\x00\x00\x00latin1q\x03\x86q\x04Rq\x05\x85q\x06Rq\x07.";
    assert_eq!(d(p0), expected);
    assert_eq!(d(p2), expected);
    assert_eq!(d(p2).to_string(), "datetime.datetime(b'\\x07\\xe4\\x01\\x02\\x03\\x04\\x05\\x00\\x00\\x06')");
}

#[test]
fn objects_keep_their_recipe() {
    // class P with self.a = 1, protocol 0: copy_reg._reconstructor + BUILD.
    let p0 =
        b"ccopy_reg\n_reconstructor\np0\n(c__main__\nP\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nVa\np6\nI1\nsb.";
    let mut expected = Object::reduce(
        global("copyreg", "_reconstructor"),
        vec![global("__main__", "P"), global("builtins", "object"), Value::None],
    );
    expected.state = Some(Value::Dict(vec![(s("a"), 1.into())]));
    assert_eq!(d(p0), Value::from(expected));

    // Protocol 5: NEWOBJ + BUILD.
    let p5 = b"\x80\x05\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x08__main__\x94\x8c\x01P\x94\x93\x94)\x81\x94}\x94\x8c\x01a\x94K\x01sb.";
    let Value::Object(o) = d(p5) else { panic!("an object") };
    assert_eq!((o.kind, o.global()), (ObjectKind::NewObj, Some(&Global::new("__main__", "P"))));
    assert_eq!(o.state, Some(Value::Dict(vec![(s("a"), 1.into())])));

    // Protocol 4: NEWOBJ_EX with K(1, k=2).
    let p4 = b"\x80\x04\x95!\x00\x00\x00\x00\x00\x00\x00\x8c\x08__main__\x94\x8c\x01K\x94\x93\x94K\x01\x85\x94}\x94\x8c\x01k\x94K\x02s\x92\x94.";
    let Value::Object(o) = d(p4) else { panic!("an object") };
    assert_eq!(o.kind, ObjectKind::NewObjEx);
    assert_eq!(o.args, vec![Value::Int(1)]);
    assert_eq!(o.kwargs, vec![(s("k"), Value::Int(2))]);

    // Protocol 2 spells it functools.partial(getattr(K, '__new__'), ...): the
    // getattr of a global becomes the dotted global K.__new__.
    let p2 = b"\x80\x02cfunctools\npartial\nq\x00c__builtin__\ngetattr\nq\x01c__main__\nK\nq\x02X\x07\x00\x00\x00__new__q\x03\x86q\x04Rq\x05\x85q\x06Rq\x07(h\x05h\x02K\x01\x86q\x08}q\tX\x01\x00\x00\x00kq\nK\x02sNtq\x0bb)Rq\x0c.";
    let Value::Object(o) = d(p2) else { panic!("an object") };
    let Value::Object(partial) = &o.callable else { panic!("a partial") };
    assert_eq!(partial.args, vec![global("__main__", "K.__new__")]);
    assert_eq!(
        partial.state,
        Some(Value::Tuple(vec![
            global("__main__", "K.__new__"),
            Value::Tuple(vec![global("__main__", "K"), 1.into()]),
            Value::Dict(vec![(s("k"), 2.into())]),
            Value::None,
        ]))
    );

    // defaultdict(list, {'a': [1]}) at protocol 5: REDUCE then SETITEMS on the object.
    let dd = b"\x80\x05\x95A\x00\x00\x00\x00\x00\x00\x00\x8c\x0bcollections\x94\x8c\x0bdefaultdict\x94\x93\x94\x8c\x08builtins\x94\x8c\x04list\x94\x93\x94\x85\x94R\x94\x8c\x01a\x94]\x94K\x01as.";
    let Value::Object(o) = d(dd) else { panic!("an object") };
    assert_eq!(o.args, vec![global("builtins", "list")]);
    assert_eq!(o.dict_items, vec![(s("a"), Value::List(vec![1.into()]))]);
    assert_eq!(d(dd).to_string(), "collections.defaultdict(builtins.list) | {'a': [1]}");

    // OrderedDict at protocol 2: REDUCE with () then SETITEM.
    let od = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aq\x02K\x01s.";
    let Value::Object(o) = d(od) else { panic!("an object") };
    assert_eq!(o.dict_items, vec![(s("a"), 1.into())]);
}

#[test]
fn shared_references_decode_to_equal_values() {
    // d = {'k': 1}; pickle.dumps([d, d], 2): the dict is memoized before it is filled.
    let v = d(b"\x80\x02]q\x00(}q\x01X\x01\x00\x00\x00kq\x02K\x01sh\x01e.");
    let dict = Value::Dict(vec![(s("k"), 1.into())]);
    assert_eq!(v, Value::List(vec![dict.clone(), dict]));
    // A shared string and a shared tuple (protocol 4 MEMOIZE / BINGET).
    let v = d(b"\x80\x04\x8c\x01x\x94h\x00\x86\x94h\x01\x86\x94.");
    let inner = Value::Tuple(vec![s("x"), s("x")]);
    assert_eq!(v, Value::Tuple(vec![inner.clone(), inner]));
}

#[test]
fn memo_slots_follow_cpython() {
    // LONG_BINPUT to a far slot, then MEMOIZE stores at the number of slots in
    // use (1), as CPython does; both read back; slot 0 was never stored.
    let v = d(b"\x80\x04(K\x07r\x00\x00\x01\x00K\x08\x94h\x01j\x00\x00\x01\x00t.");
    assert_eq!(v, Value::Tuple(vec![7.into(), 8.into(), 8.into(), 7.into()]));
    assert_eq!(err(b"K\x07r\x00\x00\x01\x00h\x00."), DecodeError::MemoMissing { op: "BINGET", offset: 7, index: 0 });
    // Text PUT / GET of protocol 0.
    assert_eq!(d(b"(I5\np12\ng12\nt."), Value::Tuple(vec![5.into(), 5.into()]));
    assert!(matches!(err(b"I5\np-1\n."), DecodeError::Invalid { op: "PUT", .. }));
}

#[test]
fn stack_opcodes() {
    // DUP then TUPLE2; POP; POP_MARK; POP right after MARK drops the MARK.
    assert_eq!(d(b"\x80\x02K\x052\x86."), Value::Tuple(vec![5.into(), 5.into()]));
    assert_eq!(d(b"K\x01K\x020."), Value::Int(1));
    assert_eq!(d(b"K\x01(K\x02K\x031."), Value::Int(1));
    assert_eq!(d(b"K\x01(0."), Value::Int(1));
    assert_eq!(d(b"(K\x01K\x02K\x03K\x04t."), Value::Tuple((1..=4).map(Value::from).collect()));
    assert_eq!(d(b")."), Value::Tuple(vec![]));
    assert_eq!(d(b"\x80\x04\x8f(K\x01K\x02\x90."), Value::Set(vec![1.into(), 2.into()]));
    assert_eq!(d(b"\x80\x04(K\x01\x91."), Value::FrozenSet(vec![1.into()]));
    assert_eq!(d(b"(K\x01K\x02d."), Value::Dict(vec![(1.into(), 2.into())]));
    // APPENDS/SETITEMS/ADDITEMS with nothing after the MARK do nothing.
    assert_eq!(d(b"](e."), Value::List(vec![]));
    assert_eq!(d(b"}(u."), Value::Dict(vec![]));
}

#[test]
fn every_int_form() {
    assert_eq!(d(b"K\xff."), Value::Int(255));
    assert_eq!(d(b"M\xff\xff."), Value::Int(65535));
    assert_eq!(d(b"J\x00\x00\x00\x80."), Value::Int(i64::from(i32::MIN)));
    assert_eq!(d(b"\x8a\x00."), Value::Int(0));
    assert_eq!(d(b"\x8a\x01\xff."), Value::Int(-1));
    assert_eq!(d(b"\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f."), Value::Int(i64::MAX));
    assert_eq!(d(b"\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00@."), Value::from(BigInt::from(2).pow(70)));
    assert_eq!(d(b"\x8b\x02\x00\x00\x00\x00\x80."), Value::Int(-32768));
    assert_eq!(d(b"\x8b\x00\x00\x00\x00."), Value::Int(0));
    assert!(matches!(err(b"\x8b\xff\xff\xff\xff."), DecodeError::Invalid { op: "LONG4", .. }));
    assert!(matches!(err(b"I010\n."), DecodeError::Invalid { op: "INT", .. }));
    assert!(matches!(err(b"I1x\n."), DecodeError::Invalid { op: "INT", .. }));
    assert_eq!(d(b"L12\n."), Value::Int(12));
    assert_eq!(d(b"G?\xf8\x00\x00\x00\x00\x00\x00."), Value::Float(1.5));
}

#[test]
fn every_string_and_bytes_form() {
    assert_eq!(d(b"X\x03\x00\x00\x00abc."), s("abc"));
    assert_eq!(d(b"\x8c\x02\xc3\xa9."), s("\u{e9}"));
    assert_eq!(d(b"\x8d\x01\x00\x00\x00\x00\x00\x00\x00a."), s("a"));
    assert_eq!(d(b"C\x01\x00."), Value::Bytes(vec![0]));
    assert_eq!(d(b"B\x01\x00\x00\x00\x00."), Value::Bytes(vec![0]));
    assert_eq!(d(b"\x8e\x01\x00\x00\x00\x00\x00\x00\x00\x00."), Value::Bytes(vec![0]));
    assert_eq!(d(b"\x96\x02\x00\x00\x00\x00\x00\x00\x00ab."), Value::ByteArray(b"ab".to_vec()));
    // Python 2 str: ASCII text by default, as CPython's encoding='ASCII'.
    assert_eq!(d(b"S'it\\'s'\n."), s("it's"));
    assert_eq!(d(b"T\x02\x00\x00\x00ab."), s("ab"));
    assert_eq!(d(b"U\x02ab."), s("ab"));
    assert!(matches!(err(b"U\x01\xe9."), DecodeError::Invalid { op: "SHORT_BINSTRING", .. }));
    let latin1 = DecodeOptions { py2_str: Py2Str::Latin1, ..DecodeOptions::default() };
    assert_eq!(pickle::decode_with(b"U\x01\xe9.", &latin1).unwrap(), s("\u{e9}"));
    let bytes = DecodeOptions { py2_str: Py2Str::Bytes, ..DecodeOptions::default() };
    assert_eq!(pickle::decode_with(b"S'\\xe9'\n.", &bytes).unwrap(), Value::Bytes(vec![0xe9]));
    // Lone surrogates (Python allows them in str) cannot be a Rust String.
    assert!(matches!(err(b"X\x03\x00\x00\x00\xed\xa0\x80."), DecodeError::Invalid { op: "BINUNICODE", .. }));
    assert!(matches!(err(b"V\\ud800\n."), DecodeError::Invalid { op: "UNICODE", .. }));
}

#[test]
fn globals_are_data_and_python2_names_are_mapped() {
    assert_eq!(d(b"cos\nsystem\n."), global("os", "system"));
    assert_eq!(d(b"\x80\x04\x8c\x02os\x8c\x06system\x93."), global("os", "system"));
    // Protocol below 3: __builtin__ is builtins; from protocol 3 names are kept.
    assert_eq!(d(b"\x80\x02c__builtin__\nlen\n."), global("builtins", "len"));
    assert_eq!(d(b"\x80\x03c__builtin__\nlen\n."), global("__builtin__", "len"));
    // Calling os.system just records the call; nothing runs.
    let v = d(b"cos\nsystem\n(S'echo hi'\ntR.");
    assert_eq!(v, Value::from(Object::reduce(global("os", "system"), vec![s("echo hi")])));
    // INST and OBJ are calls too.
    assert_eq!(d(b"(I1\nimod\nC\n."), Value::from(Object::reduce(global("mod", "C"), vec![1.into()])));
    assert_eq!(d(b"(cmod\nC\nI1\no."), Value::from(Object::reduce(global("mod", "C"), vec![1.into()])));
}

#[test]
fn frames_are_checked_and_skipped() {
    assert_eq!(d(b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01."), Value::Int(1));
    assert!(matches!(err(b"\x80\x04\x95\x09\x00\x00\x00\x00\x00\x00\x00K\x01."), DecodeError::Truncated { .. }));
}

#[test]
fn malformed_pickles_give_typed_errors_with_offsets() {
    assert_eq!(err(b""), DecodeError::Truncated { offset: 0, what: "the pickle (no STOP opcode)" });
    assert_eq!(err(b"K\x01"), DecodeError::Truncated { offset: 2, what: "the pickle (no STOP opcode)" });
    assert_eq!(err(b"K"), DecodeError::Truncated { offset: 0, what: "an argument" });
    assert_eq!(err(b"N\xff."), DecodeError::UnknownOpcode { opcode: 0xff, offset: 1 });
    assert_eq!(err(b"\x80\x06N."), DecodeError::UnsupportedProtocol { protocol: 6, offset: 0 });
    assert_eq!(err(b"."), DecodeError::StackUnderflow { op: "STOP", offset: 0 });
    assert_eq!(err(b"N(a."), DecodeError::StackUnderflow { op: "APPEND", offset: 2 });
    assert_eq!(err(b"Nt."), DecodeError::MissingMark { op: "TUPLE", offset: 1 });
    assert_eq!(err(b"h\x03."), DecodeError::MemoMissing { op: "BINGET", offset: 0, index: 3 });
    assert_eq!(err(b"X\x05\x00\x00\x00ab."), DecodeError::Truncated { offset: 0, what: "an argument" });
    assert_eq!(err(b"I12"), DecodeError::Truncated { offset: 0, what: "a text argument" });
    assert!(matches!(err(b"Pid\n."), DecodeError::Unsupported { op: "PERSID", offset: 0, .. }));
    assert!(matches!(err(b"NQ."), DecodeError::Unsupported { op: "BINPERSID", offset: 1, .. }));
    assert!(matches!(err(b"\x82\x01."), DecodeError::Unsupported { op: "EXT1", .. }));
    assert!(matches!(err(b"\x97."), DecodeError::Unsupported { op: "NEXT_BUFFER", .. }));
    assert!(matches!(err(b"N\x98."), DecodeError::Unsupported { op: "READONLY_BUFFER", .. }));
    assert!(matches!(err(b"(K\x01d."), DecodeError::Invalid { op: "DICT", offset: 3, .. }));
    assert!(matches!(err(b")N\x85b."), DecodeError::Invalid { op: "BUILD", .. }));
    assert!(matches!(err(b")K\x01a."), DecodeError::Invalid { op: "APPEND", .. }));
    assert!(matches!(err(b"cm\nf\nNR."), DecodeError::Invalid { op: "REDUCE", .. }));
    assert!(matches!(err(b"K\x01)R."), DecodeError::Invalid { op: "REDUCE", .. }));
    assert!(matches!(err(b"\x80\x04\x8c\x01mK\x01\x93."), DecodeError::Invalid { op: "STACK_GLOBAL", .. }));
    assert!(matches!(err(b"cm\nC\n)N\x92."), DecodeError::Invalid { op: "NEWOBJ_EX", .. }));
    assert!(matches!(err(b"cm\nC\n)\x81N\x85bN\x85b."), DecodeError::Invalid { op: "BUILD", .. }));
    let e = err(b"]\x94h\x00a.");
    assert_eq!(e, DecodeError::Recursive { kind: "list", offset: 0 });
    assert_eq!(e.to_string(), "the list created at byte 0 contains itself; recursive structures are not supported");
    assert_eq!(err(b"}]K\x01s."), DecodeError::Unhashable { container: "dict", offset: 0, kind: "list" });
    assert_eq!(err(b"\x80\x04(]\x91."), DecodeError::Unhashable { container: "frozenset", offset: 4, kind: "list" });
    assert_eq!(err(b"N.N"), DecodeError::TrailingBytes { offset: 1, count: 1 });
    let lenient = DecodeOptions { allow_trailing_bytes: true, ..DecodeOptions::default() };
    assert_eq!(pickle::decode_with(b"N.N", &lenient), Ok(Value::None));
}
