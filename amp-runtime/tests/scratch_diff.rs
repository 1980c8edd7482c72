// TEMPORARY: local differential check against Python output; deleted after use.
use amp_runtime::types::{DateTime, Decimal, Float, Integer, StringArgument};
use amp_runtime::BigInt;
use bytes::{Bytes, BytesMut};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn scratch() {
    let Ok(text) = std::fs::read_to_string("/tmp/diff/cases.txt") else { return };
    let mut bad = 0;
    for line in text.lines() {
        let parts: Vec<&str> = line.splitn(3, '\t').collect();
        let (kind, input, want) = (parts[0], parts[1], parts[2]);
        let raw = Bytes::from(hex(input));
        let got = match kind {
            "frepr" => {
                let x = f64::from_le_bytes(raw[..].try_into().unwrap());
                let mut out = BytesMut::new();
                Float::to_string(&x, &mut out).unwrap();
                String::from_utf8(out.to_vec()).unwrap()
            }
            "fparse" => match Float::from_string(raw.clone()) {
                Err(_) => "ERR".into(),
                Ok(v) if v.is_nan() => "nan".into(),
                Ok(v) => v.to_le_bytes().iter().map(|b| format!("{b:02x}")).collect(),
            },
            "iparse" => match Integer::<BigInt>::from_string(raw.clone()) {
                Err(_) => "ERR".into(),
                Ok(v) => v.to_string(),
            },
            "dparse" => match Decimal::from_string(raw.clone()) {
                Err(_) => "ERR".into(),
                Ok(v) => v.to_string(),
            },
            "tparse" => match DateTime::from_string(raw.clone()) {
                Err(_) => "ERR".into(),
                Ok(v) => v.to_string(),
            },
            _ => unreachable!(),
        };
        if got != want {
            bad += 1;
            if bad < 30 {
                eprintln!("{kind} {:?}: want {want:?} got {got:?}", String::from_utf8_lossy(&raw));
            }
        }
    }
    assert_eq!(bad, 0);
}
