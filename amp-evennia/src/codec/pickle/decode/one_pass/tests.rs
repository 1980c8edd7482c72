//! The one-pass decoder must agree with the graph decoder on every input:
//! `decode_with` (one pass first) against `decode_graph` (the reference).

use proptest::prelude::*;

use crate::codec::pickle::decode::{decode_graph, decode_with};
use crate::codec::pickle::limits::{DecodeOptions, Limits};
use crate::codec::pickle::opcodes as op;
use crate::codec::pickle::value::Value;
use crate::codec::pickle::{encode_with, EncodeOptions};

/// Both decoders give the same answer; returns whether the one-pass
/// decoder answered alone.
fn agree(bytes: &[u8], options: &DecodeOptions) -> bool {
    let reference = decode_graph(bytes, options);
    assert_eq!(decode_with(bytes, options), reference, "on {bytes:?}");
    // Trailing bytes are checked after either decoder, on the offset of STOP.
    let lenient = DecodeOptions { allow_trailing_bytes: true, ..*options };
    match super::decode(bytes, &options.limits) {
        Some((value, _)) => {
            assert_eq!(Ok(value), decode_graph(bytes, &lenient), "on {bytes:?}");
            true
        }
        None => false,
    }
}

fn default_agree(bytes: &[u8]) -> bool {
    agree(bytes, &DecodeOptions::default())
}

/// An Evennia payload as CPython 3.12 pickles it (every dict and str
/// memoized): `(1, {'text': [['look'], {}], 'sessiondata': {1: {...}, 2: {...}}})`.
const CPYTHON_SESSIONS: &[u8] = b"\x80\x05\x95\x8a\x00\x00\x00\x00\x00\x00\x00K\x01}\x94(\x8c\x04text\x94]\x94(]\x94\x8c\x04look\x94a}\x94e\x8c\x0bsessiondata\x94}\x94(K\x01}\x94(\x8c\x0cprotocol_key\x94\x8c\x06telnet\x94\x8c\x05uname\x94N\x8c\x09conn_time\x94G@\xd0\x00\x00\x00\x00\x00\x00uK\x02}\x94(h\x09\x8c\x03ssh\x94h\x0bNh\x0cG@\xd0\x00\x00\x00\x00\x00\x00uuu\x86\x94.";

#[test]
fn evennia_payloads_take_one_pass_and_agree() {
    assert!(default_agree(CPYTHON_SESSIONS));
    let value = decode_graph(CPYTHON_SESSIONS, &DecodeOptions::default()).unwrap();
    assert_eq!(value.as_seq().map(<[Value]>::len), Some(2));
    for protocol in 2..=5 {
        let options = EncodeOptions::protocol(protocol);
        let bytes = encode_with(&value, &options).unwrap();
        assert!(default_agree(&bytes), "protocol {protocol}");
    }
}

#[test]
fn every_cap_agrees_at_every_setting() {
    // Each cap from 0 up past what the payload needs: the one-pass
    // decoder answers or leaves the exact error to the graph decoder.
    // It counts depth and values exactly as the graph decoder does, so it
    // answers alone whenever the graph decoder succeeds; its count of
    // data also includes its copies, so it may leave a close call to it.
    let mut answered = [0, 0, 0];
    for n in 0..160 {
        let caps = [
            Limits { max_depth: n, ..Limits::default() },
            Limits { max_values: n, ..Limits::default() },
            Limits { max_data_bytes: n, ..Limits::default() },
        ];
        for (i, limits) in caps.into_iter().enumerate() {
            let options = DecodeOptions::with_limits(limits);
            let alone = agree(CPYTHON_SESSIONS, &options);
            answered[i] += usize::from(alone);
            if i < 2 {
                assert_eq!(alone, decode_graph(CPYTHON_SESSIONS, &options).is_ok(), "{limits:?}");
            }
        }
    }
    // Depth 4 and 31 values are needed; data is answered alone from some
    // point on.
    assert_eq!(answered[..2], [160 - 4, 160 - 31]);
    assert!(answered[2] > 0);
}

#[test]
fn shared_containers_and_old_constructors_go_to_the_graph_decoder() {
    let cases: &[&[u8]] = &[
        // l = []; [l, l] (a memoized list fetched again).
        b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(]\x94h\x01e.",
        // A list filled after it was fetched again: both places see 1.
        b"\x80\x02]q\x00]q\x01h\x01aK\x01a.",
        // DUP of a list, then a list that contains itself.
        b"]2a.",
        // set([1, 2]) and bytes at protocol 2.
        b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.",
        b"\x80\x02c_codecs\nencode\nq\x00X\x01\x00\x00\x00aq\x01X\x06\x00\x00\x00latin1q\x02\x86q\x03Rq\x04.",
        // OBJ and INST (protocols 0 and 1), a Python 2 str.
        b"(cdatetime\ndate\nK\x01o.",
        b"(K\x01idatetime\ndate\n.",
        b"U\x02ab.",
    ];
    for case in cases {
        assert!(!default_agree(case), "{case:?} should need the graph decoder");
    }
}

#[test]
fn objects_memoized_scalars_and_errors_agree() {
    let cases: &[&[u8]] = &[
        // datetime(b'...') at protocol 3, state set by BUILD, a memoized global.
        b"\x80\x03cdatetime\ndatetime\nq\x00C\n\x07\xe4\x01\x02\x03\x04\x05\x00\x00\x06q\x01\x85q\x02Rq\x03}q\x04X\x01\x00\x00\x00aq\x05K\x01sbh\x00.",
        // NEWOBJ_EX with kwargs, then list and dict items on the object.
        b"\x80\x04\x8c\x01m\x8c\x01C\x93)}\x8c\x01k\x88s\x92(K\x01e(K\x02K\x03u.",
        // An unhashable key, a list as a set member, a tuple key holding a list.
        b"\x80\x04}]K\x01s.",
        b"\x80\x04\x8f(]\x90.",
        b"\x80\x04}(](\x85K\x01u.",
        b"\x80\x04}]\x85K\x01s.",
        // DUP and GET of scalars, POP of a MARK, trailing bytes, truncation.
        b"\x80\x04\x8c\x01a2\x94(0h\x00\x87.",
        b"N.N",
        b"\x80\x04\x8c\x05abc",
        b"\x80\x04h\x00.",
        b"(.",
        b"\x80\x06N.",
        b"\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N.",
        // Text opcodes, memo by text index.
        b"I5\np1\nFinf\nL12L\nVa\\u20ac\np2\ng1\n(g2\nl.",
    ];
    for case in cases {
        default_agree(case);
    }
    assert!(default_agree(cases[0]) && default_agree(cases[1]), "objects take one pass");
}

/// One opcode with a plausible argument (or none).
fn instruction() -> impl Strategy<Value = Vec<u8>> {
    let simple = prop::sample::select(vec![
        op::MARK,
        op::POP,
        op::POP_MARK,
        op::DUP,
        op::NONE,
        op::NEWTRUE,
        op::NEWFALSE,
        op::EMPTY_LIST,
        op::EMPTY_TUPLE,
        op::EMPTY_DICT,
        op::EMPTY_SET,
        op::LIST,
        op::TUPLE,
        op::TUPLE1,
        op::TUPLE2,
        op::TUPLE3,
        op::DICT,
        op::FROZENSET,
        op::APPEND,
        op::APPENDS,
        op::SETITEM,
        op::SETITEMS,
        op::ADDITEMS,
        op::MEMOIZE,
        op::STACK_GLOBAL,
        op::REDUCE,
        op::NEWOBJ,
        op::NEWOBJ_EX,
        op::BUILD,
        op::STOP,
    ])
    .prop_map(|c| vec![c]);
    let text = prop::sample::select(vec!["a", "k", "builtins", "set", "copyreg", "datetime", "date", "\u{e9}"]);
    prop_oneof![
        8 => simple,
        1 => (0u8..7).prop_map(|v| vec![op::PROTO, v]),
        1 => any::<u8>().prop_map(|n| vec![op::BININT1, n]),
        1 => any::<i32>().prop_map(|n| [&[op::BININT][..], &n.to_le_bytes()].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..10).prop_map(|b| [&[op::LONG1, b.len() as u8][..], &b].concat()),
        1 => any::<f64>().prop_map(|x| [&[op::BINFLOAT][..], &x.to_be_bytes()].concat()),
        2 => text.prop_map(|t| [&[op::SHORT_BINUNICODE, t.len() as u8][..], t.as_bytes()].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..4)
            .prop_map(|b| [&[op::SHORT_BINUNICODE, b.len() as u8][..], &b].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..4)
            .prop_map(|b| [&[op::SHORT_BINBYTES, b.len() as u8][..], &b].concat()),
        2 => (0u8..4).prop_map(|i| vec![op::BINPUT, i]),
        3 => (0u8..4).prop_map(|i| vec![op::BINGET, i]),
        1 => (0u32..3).prop_map(|i| [&[op::LONG_BINPUT][..], &(i * 1000).to_le_bytes()].concat()),
        1 => prop::sample::select(vec![
            &b"cbuiltins\nset\n"[..],
            b"c__builtin__\nfrozenset\n",
            b"cdatetime\ndate\n",
            b"I7\n",
            b"I01\n",
            b"F2.5\n",
            b"Vx\n",
            b"p1\n",
            b"g1\n",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn limits() -> impl Strategy<Value = Limits> {
    (
        prop_oneof![4 => Just(Limits::DEFAULT_MAX_DEPTH), 1 => 0usize..6],
        prop_oneof![4 => Just(Limits::DEFAULT_MAX_VALUES), 1 => 0usize..60],
        prop_oneof![4 => Just(Limits::DEFAULT_MAX_DATA_BYTES), 1 => 0usize..60],
    )
        .prop_map(|(max_depth, max_values, max_data_bytes)| Limits {
            max_depth,
            max_values,
            max_data_bytes,
            ..Limits::default()
        })
}

/// A program that pushes one value (usually: a noise instruction may
/// spoil it), built the many ways CPython and hostile pickles build them.
fn value_program() -> impl Strategy<Value = Vec<u8>> {
    let text = prop::sample::select(vec!["a", "k", "set", "\u{e9}t\u{e9}", ""]);
    let leaf = prop_oneof![
        2 => prop::sample::select(vec![op::NONE, op::NEWTRUE, op::NEWFALSE, op::EMPTY_LIST, op::EMPTY_DICT,
            op::EMPTY_TUPLE, op::EMPTY_SET]).prop_map(|c| vec![c]),
        1 => any::<u8>().prop_map(|n| vec![op::BININT1, n]),
        1 => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(|b| [&[op::LONG1, b.len() as u8][..], &b].concat()),
        1 => any::<f64>().prop_map(|x| [&[op::BINFLOAT][..], &x.to_be_bytes()].concat()),
        3 => text.prop_map(|t| [&[op::SHORT_BINUNICODE, t.len() as u8][..], t.as_bytes()].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..4)
            .prop_map(|b| [&[op::BINBYTES][..], &(b.len() as u32).to_le_bytes(), &b].concat()),
        1 => (0u8..6).prop_map(|i| vec![op::BINGET, i]),
        1 => instruction(),
    ];
    let callable = prop_oneof![
        prop::sample::select(vec![&b"cdatetime\ndate\n"[..], b"c__builtin__\nobject\n", b"cbuiltins\nset\n"])
            .prop_map(<[u8]>::to_vec),
        Just(b"\x8c\x01m\x8c\x01C\x93".to_vec()),
    ];
    let value = leaf.prop_recursive(4, 48, 5, move |inner| {
        let items = prop::collection::vec(inner.clone(), 0..5);
        prop_oneof![
            // [a, b] by APPENDS or APPEND, (a, b) by TUPLE / TUPLE1-3, [a, b] by LIST.
            (items.clone(), any::<bool>()).prop_map(|(items, one_by_one)| if one_by_one {
                let mut p = vec![op::EMPTY_LIST];
                for i in items {
                    p.extend(i);
                    p.push(op::APPEND);
                }
                p
            } else {
                [&[op::EMPTY_LIST, op::MARK][..], &items.concat(), &[op::APPENDS]].concat()
            }),
            items.clone().prop_map(|items| {
                let n = items.len();
                let close = if (1..=3).contains(&n) { op::TUPLE1 + n as u8 - 1 } else { op::TUPLE };
                let open: &[u8] = if close == op::TUPLE { &[op::MARK] } else { &[] };
                [open, &items.concat(), &[close]].concat()
            }),
            items.clone().prop_map(|items| [&[op::MARK][..], &items.concat(), &[op::LIST]].concat()),
            // Dicts by SETITEMS, SETITEM and DICT; sets by ADDITEMS and FROZENSET.
            (items.clone(), items.clone(), 0..3u8).prop_map(|(keys, values, how)| {
                let pairs: Vec<u8> = keys.into_iter().zip(values).flat_map(|(k, v)| [k, v].concat()).collect();
                match how {
                    0 => [&[op::EMPTY_DICT, op::MARK][..], &pairs, &[op::SETITEMS]].concat(),
                    1 => [&[op::MARK][..], &pairs, &[op::DICT]].concat(),
                    _ => [&[op::EMPTY_DICT][..], &pairs, &[op::SETITEM]].concat(),
                }
            }),
            (items.clone(), any::<bool>()).prop_map(|(items, frozen)| if frozen {
                [&[op::MARK][..], &items.concat(), &[op::FROZENSET]].concat()
            } else {
                [&[op::EMPTY_SET, op::MARK][..], &items.concat(), &[op::ADDITEMS]].concat()
            }),
            // Objects: a callable, a tuple of arguments, maybe kwargs, state and items.
            (callable.clone(), items.clone(), 0..3u8, prop::option::of(inner.clone()), items.clone()).prop_map(
                |(callable, args, how, state, more)| {
                    let mut p = callable;
                    p.push(op::MARK);
                    p.extend(args.concat());
                    p.push(op::TUPLE);
                    match how {
                        0 => p.push(op::REDUCE),
                        1 => p.push(op::NEWOBJ),
                        _ => p.extend([op::EMPTY_DICT, op::NEWOBJ_EX]),
                    }
                    if let Some(state) = state {
                        p.extend(state);
                        p.push(op::BUILD);
                    }
                    p.push(op::MARK);
                    p.extend(more.concat());
                    p.push(op::APPENDS);
                    p
                }
            ),
        ]
    });
    // After a value: often memoized (or copied and dropped), sometimes noise.
    let after = prop_oneof![
        8 => Just(vec![]),
        6 => Just(vec![op::MEMOIZE]),
        4 => (0u8..6).prop_map(|i| vec![op::BINPUT, i]),
        1 => Just(vec![op::DUP, op::POP]),
        1 => instruction(),
    ];
    (value, after).prop_map(|(v, a)| [v, a].concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_agree(
        program in prop::collection::vec(instruction(), 0..40),
        limits in limits(),
        trailing in any::<bool>(),
    ) {
        let mut bytes: Vec<u8> = b"\x80\x04".iter().copied().chain(program.concat()).collect();
        bytes.push(op::STOP);
        let options = DecodeOptions { allow_trailing_bytes: trailing, ..DecodeOptions::with_limits(limits) };
        agree(&bytes, &options);
    }

    #[test]
    fn random_values_agree(
        protocol in 0u8..6,
        program in value_program(),
        limits in limits(),
    ) {
        let proto = if protocol > 0 { vec![op::PROTO, protocol] } else { vec![] };
        let bytes = [&proto[..], &program, &[op::STOP]].concat();
        agree(&bytes, &DecodeOptions::with_limits(limits));
    }
}
