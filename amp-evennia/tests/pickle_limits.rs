//! Hostile pickles: every cap gives its typed error, nothing overflows a 2 MiB
//! stack (tokio's default), nothing expands without bound, nothing panics.

use amp_evennia::codec::pickle::{self, DecodeError, DecodeOptions, EncodeOptions, Limits, Value};

/// Runs `f` on a thread with tokio's default 2 MiB stack.
fn on_2mib_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow or panic")
}

fn with(limits: Limits) -> DecodeOptions {
    DecodeOptions::with_limits(limits)
}

/// `[[[...]]]` nested `depth` deep, built with EMPTY_LIST and APPEND.
fn nested_lists(depth: usize) -> Vec<u8> {
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat(b']').take(depth));
    p.extend(std::iter::repeat(b'a').take(depth - 1));
    p.push(b'.');
    p
}

/// `((((...))))` nested `depth` deep, built with MARK and TUPLE.
fn nested_tuples(depth: usize) -> Vec<u8> {
    let mut p = vec![b'('; depth];
    p.extend(std::iter::repeat(b't').take(depth));
    p.push(b'.');
    p
}

/// `{'k': {'k': ...}}` nested `depth` deep, built with EMPTY_DICT, key, ... SETITEM.
fn nested_dicts(depth: usize) -> Vec<u8> {
    let mut p = b"\x80\x04".to_vec();
    for _ in 0..depth {
        p.extend(b"}\x8c\x01k");
    }
    p.pop();
    p.pop();
    p.pop();
    p.extend(std::iter::repeat(b's').take(depth - 1));
    p.push(b'.');
    p
}

#[test]
fn a_5000_deep_pickle_is_an_error_not_a_stack_overflow() {
    on_2mib_stack(|| {
        for (what, p) in [("lists", nested_lists(5000)), ("tuples", nested_tuples(5000)), ("dicts", nested_dicts(5000))]
        {
            match pickle::decode(&p) {
                Err(DecodeError::TooDeep { limit: Limits::DEFAULT_MAX_DEPTH, .. }) => {}
                other => panic!("{what}: {other:?}"),
            }
        }
        // A million deep: still just an error, in bounded time.
        match pickle::decode(&nested_lists(1_000_000)) {
            Err(DecodeError::TooDeep { .. }) => {}
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn a_value_at_the_default_depth_limit_is_safe_to_use_on_2mib() {
    on_2mib_stack(|| {
        let depth = Limits::DEFAULT_MAX_DEPTH;
        for p in [nested_lists(depth), nested_tuples(depth), nested_dicts(depth)] {
            let v = pickle::decode(&p).expect("exactly at the limit");
            let copy = v.clone();
            assert_eq!(copy, v);
            assert!(!v.to_string().is_empty());
            assert!(!format!("{v:?}").is_empty());
            let bytes = pickle::encode(&v).expect("encodes");
            assert_eq!(pickle::decode(&bytes).expect("decodes again"), v);
            assert_eq!(pickle::to_value(&v).expect("serializes"), v);
            let back: Value = pickle::from_value(copy).expect("deserializes");
            assert_eq!(back, v);
            let json: serde_json::Value = pickle::from_value(v.clone()).expect("to json");
            drop(json);
            drop(v);
        }
        // One more level is refused.
        for p in [nested_lists(depth + 1), nested_tuples(depth + 1), nested_dicts(depth + 1)] {
            assert!(matches!(pickle::decode(&p), Err(DecodeError::TooDeep { .. })));
        }
    });
}

#[test]
fn this_modules_operations_handle_1024_levels_on_2mib() {
    on_2mib_stack(|| {
        let relaxed = with(Limits { max_depth: 1024, ..Limits::default() });
        for p in [nested_lists(1024), nested_tuples(1024), nested_dicts(1024)] {
            let v = pickle::decode_with(&p, &relaxed).expect("within the raised limit");
            assert_eq!(v.clone(), v);
            assert!(!v.to_string().is_empty() && !format!("{v:?}").is_empty());
            assert_eq!(pickle::decode_with(&pickle::encode(&v).expect("encodes"), &relaxed).as_ref(), Ok(&v));
            assert_eq!(pickle::to_value(&v).as_ref(), Ok(&v));
            assert_eq!(pickle::from_value::<Value>(v.clone()).as_ref(), Ok(&v));
            // A Value inside a typed structure moves over whole.
            let (inner, n): (Value, u8) = pickle::from_value(Value::Tuple(vec![v.clone(), 1.into()])).expect("typed");
            assert_eq!((&inner, n), (&v, 1));
        }
    });
}

#[test]
fn a_deep_value_built_in_rust_encodes_without_recursion() {
    on_2mib_stack(|| {
        let mut v = Value::None;
        for _ in 0..100_000 {
            v = Value::List(vec![v]);
        }
        let bytes = pickle::encode(&v).expect("the encoder is iterative");
        assert!(matches!(pickle::decode(&bytes), Err(DecodeError::TooDeep { .. })));
        // Tear the value down iteratively: dropping it whole would recurse.
        while let Value::List(mut items) = v {
            v = items.pop().unwrap_or(Value::None);
        }
    });
}

#[test]
fn a_shared_value_reused_deeper_counts_its_own_depth() {
    // x = [[1]] (2 deep) memoized and popped, then put under 127 more
    // lists: 129 deep, though x itself was built only 2 deep.
    let under = Limits::DEFAULT_MAX_DEPTH - 1;
    let mut p = b"\x80\x02]]K\x01aaq\x000".to_vec();
    p.extend(std::iter::repeat(b']').take(under));
    p.extend(b"h\x00");
    p.extend(std::iter::repeat(b'a').take(under));
    p.push(b'.');
    match pickle::decode(&p) {
        Err(DecodeError::TooDeep { limit: Limits::DEFAULT_MAX_DEPTH, .. }) => {}
        other => panic!("{other:?}"),
    }
    let relaxed = with(Limits { max_depth: Limits::DEFAULT_MAX_DEPTH + 1, ..Limits::default() });
    assert!(pickle::decode_with(&p, &relaxed).is_ok());

    // Now x is shared: built first 2 deep in (x, [[...[x]...]]), then its copy
    // lands 1 + 126 + 2 = 129 deep.
    let under = Limits::DEFAULT_MAX_DEPTH - 2;
    let mut p = b"\x80\x02]]K\x01aaq\x00".to_vec();
    p.extend(std::iter::repeat(b']').take(under));
    p.extend(b"h\x00");
    p.extend(std::iter::repeat(b'a').take(under));
    p.extend(b"\x86.");
    match pickle::decode(&p) {
        Err(DecodeError::TooDeep { limit: Limits::DEFAULT_MAX_DEPTH, .. }) => {}
        other => panic!("{other:?}"),
    }
    let Value::Tuple(parts) = pickle::decode_with(&p, &relaxed).expect("within the raised limit") else { panic!() };
    assert_eq!(parts[0].to_string(), "[[1]]");
}

/// Level 0 is a list of ten 1s; level i is a list of ten references to level
/// i-1 (BINPUT i / BINGET i-1): `levels` levels expand to 10^(levels+1) values.
fn billion_laughs(levels: u8) -> Vec<u8> {
    let mut p = b"\x80\x02](".to_vec();
    p.extend([b'K', 1].repeat(10));
    p.extend(b"eq\x00");
    for i in 1..=levels {
        p.extend(b"](");
        p.extend([b'h', i - 1].repeat(10));
        p.extend([b'e', b'q', i]);
    }
    p.push(b'.');
    p
}

#[test]
fn a_billion_laughs_pickle_hits_the_value_cap_fast() {
    let p = billion_laughs(9);
    assert!(p.len() < 300, "a tiny pickle");
    let started = std::time::Instant::now();
    assert_eq!(pickle::decode(&p), Err(DecodeError::TooManyValues { limit: Limits::DEFAULT_MAX_VALUES }));
    // Not a pass/fail timing: just proof the cap fires before expanding (printed for -- --nocapture).
    eprintln!("billion laughs refused in {:?}", started.elapsed());
    // Three levels (11,111 values) are fine and expand to equal copies.
    let Value::List(items) = pickle::decode(&billion_laughs(3)).expect("small enough") else { panic!() };
    assert_eq!(items.len(), 10);
    assert!(items.iter().all(|i| *i == items[0]));
}

#[test]
fn a_big_string_referenced_many_times_hits_the_data_cap() {
    // A 1 MiB string, memoized, then a list of 100 references: 100 MiB expanded.
    let mut p = b"\x80\x04\x8d\x00\x00\x10\x00\x00\x00\x00\x00".to_vec();
    p.extend(vec![b'x'; 1 << 20]);
    p.extend(b"\x94](");
    p.extend([b'h', 0].repeat(100));
    p.extend(b"e.");
    assert_eq!(pickle::decode(&p), Err(DecodeError::TooMuchData { limit: Limits::DEFAULT_MAX_DATA_BYTES }));
    // The same with DUP instead of the memo.
    let mut p = b"\x80\x04(\x8d\x00\x00\x10\x00\x00\x00\x00\x00".to_vec();
    p.extend(vec![b'x'; 1 << 20]);
    p.extend([b'2'; 99]);
    p.extend(b"l.");
    assert_eq!(pickle::decode(&p), Err(DecodeError::TooMuchData { limit: Limits::DEFAULT_MAX_DATA_BYTES }));
}

#[test]
fn set_of_a_memoized_list_repeated_is_capped() {
    // set(L) rebuilt again and again from one 1000-item list: each call copies
    // 1000 references, so the copies are counted as they are made.
    let mut p = b"\x80\x02c__builtin__\nset\nq\x00](".to_vec();
    for _ in 0..1000 {
        p.extend(b"K\x01");
    }
    p.extend(b"e\x85q\x01(");
    p.extend(b"h\x00h\x01R0".repeat(5000));
    p.extend(b"N.");
    let small = with(Limits { max_values: 1_000_000, ..Limits::default() });
    assert_eq!(pickle::decode_with(&p, &small), Err(DecodeError::TooManyValues { limit: 1_000_000 }));
}

#[test]
fn each_cap_has_an_exact_boundary() {
    // max_input_bytes
    let p = b"\x80\x02N.";
    assert!(pickle::decode_with(p, &with(Limits { max_input_bytes: 4, ..Limits::default() })).is_ok());
    assert_eq!(
        pickle::decode_with(p, &with(Limits { max_input_bytes: 3, ..Limits::default() })),
        Err(DecodeError::InputTooLarge { len: 4, limit: 3 })
    );
    // max_depth: [[1]] is 2 deep.
    let p = b"\x80\x02]]K\x01aa.";
    assert!(pickle::decode_with(p, &with(Limits { max_depth: 2, ..Limits::default() })).is_ok());
    assert_eq!(
        pickle::decode_with(p, &with(Limits { max_depth: 1, ..Limits::default() })),
        Err(DecodeError::TooDeep { kind: "list", offset: 3, limit: 1 })
    );
    // max_values: [1, 2, 3] is 4 values.
    let p = b"\x80\x02](K\x01K\x02K\x03e.";
    assert!(pickle::decode_with(p, &with(Limits { max_values: 5, ..Limits::default() })).is_ok());
    assert_eq!(
        pickle::decode_with(p, &with(Limits { max_values: 4, ..Limits::default() })),
        Err(DecodeError::TooManyValues { limit: 4 })
    );
    // max_data_bytes: ['abcde', <same>] is 10 bytes once the reference is expanded.
    let p = b"\x80\x04](\x8c\x05abcde\x94h\x00e.";
    assert!(pickle::decode_with(p, &with(Limits { max_data_bytes: 10, ..Limits::default() })).is_ok());
    assert_eq!(
        pickle::decode_with(p, &with(Limits { max_data_bytes: 9, ..Limits::default() })),
        Err(DecodeError::TooMuchData { limit: 9 })
    );
}

#[test]
fn every_prefix_of_a_pickle_is_truncated() {
    let v = pickle::decode(b"\x80\x02]q\x00(}q\x01X\x01\x00\x00\x00kq\x02K\x01sh\x01e.").expect("valid");
    let big = Value::Tuple(vec![
        v,
        Value::from("text \u{20ac}"),
        Value::Bytes(vec![1, 2, 3]),
        Value::from(1u64 << 63),
        Value::Float(f64::NAN),
        Value::Set(vec![1.into()]),
        Value::ByteArray(vec![9]),
        Value::FrozenSet(vec![Value::None]),
    ]);
    let mut pickles = Vec::new();
    for protocol in 2..=5 {
        pickles.push(pickle::encode_with(&big, &EncodeOptions::protocol(protocol)).expect("encodes"));
    }
    pickles.push(b"(lp0\nI1\naF1.5\naS'x'\naVy\np1\nag1\naL5L\na.".to_vec());
    for p in pickles {
        for cut in 0..p.len() {
            match pickle::decode(&p[..cut]) {
                Err(DecodeError::Truncated { .. }) => {}
                other => panic!("prefix of {cut} bytes of {p:?}: {other:?}"),
            }
        }
        assert!(pickle::decode(&p).is_ok());
    }
}

#[test]
fn an_object_whose_state_is_itself_is_recursive() {
    let e = pickle::decode(b"cm\nC\n)\x81\x94h\x00b.").unwrap_err();
    assert_eq!(e, DecodeError::Recursive { kind: "object", offset: 6 });
}

#[test]
fn huge_announced_lengths_do_not_allocate() {
    // 2^63 bytes of text announced, 1 present: an error, no allocation attempt.
    for p in [
        &b"\x8d\x00\x00\x00\x00\x00\x00\x00\x80a."[..],
        b"\x8e\xff\xff\xff\xff\xff\xff\xff\xffa.",
        b"\x96\xff\xff\xff\xff\xff\xff\xff\x7fa.",
        b"B\xff\xff\xff\xffa.",
        b"\x8b\xff\xff\xff\x7fa.",
        b"\x95\xff\xff\xff\xff\xff\xff\xff\xffN.",
    ] {
        assert!(matches!(pickle::decode(p), Err(DecodeError::Truncated { .. })), "{p:?}");
    }
    // A far memo index is kept in a map, not a 4 GiB vector.
    assert_eq!(pickle::decode(b"K\x01r\xff\xff\xff\xff0j\xff\xff\xff\xff."), Ok(Value::Int(1)));
}

#[test]
fn a_huge_int_is_data_and_never_turned_into_text() {
    // A LONG4 of 1 MiB: decoding and encoding are linear; decimal text (quadratic)
    // is refused past CPython's 4300 digits, as CPython refuses it.
    let mut p = b"\x80\x02\x8b\x00\x00\x10\x00".to_vec();
    p.extend(vec![0x5a; 1 << 20]);
    p.push(b'.');
    let v = pickle::decode(&p).expect("a big int");
    assert_eq!(pickle::decode(&pickle::encode(&v).unwrap()).unwrap(), v);
    assert_eq!(v.to_string(), "<int of 8388607 bits>");
    assert_eq!(v.int_text(), None);
    assert!(pickle::from_value::<serde_json::Value>(v.clone()).is_err());
    assert!(serde_json::to_string(&v).is_err());
    // 4300 digits is fine.
    let digits = "9".repeat(4300);
    let v = pickle::decode(format!("L{digits}L\n.").as_bytes()).expect("4300 digits");
    assert_eq!(v.int_text(), Some(digits));
}
