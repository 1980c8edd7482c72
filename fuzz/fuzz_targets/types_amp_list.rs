//! `AmpList` decoding of elements with required and optional fields (one a
//! nested `ListOf`): no panic; a decoded list re-encodes to bytes that
//! decode to the same elements and encode the same again
//! (`amp_runtime::testing::round_trip_field`).

#![no_main]

use amp_runtime::testing::{round_trip_field, Same};
use amp_runtime::types::{self, optional, required, write_optional};
use amp_runtime::{AmpBox, ArgContext, ArgumentType, BoxFields, DecodeError, EncodeError};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
struct Item {
    id: i64,
    label: Option<String>,
    tags: Option<Vec<Bytes>>,
}

impl Same for Item {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl BoxFields for Item {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("id", &self.id, out, cx)?;
        write_optional::<types::Unicode>("label", &self.label, out, cx)?;
        write_optional::<types::ListOf<types::String>>("tags", &self.tags, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Item {
            id: required::<types::Integer>("id", input, cx)?,
            label: optional::<types::Unicode>("label", input, cx)?,
            tags: optional::<types::ListOf<types::String>>("tags", input, cx)?,
        })
    }
}

/// An element whose only field is optional: `00 00` when absent.
#[derive(Debug, PartialEq)]
struct Sparse {
    note: Option<String>,
}

impl Same for Sparse {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl BoxFields for Sparse {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        write_optional::<types::Unicode>("note", &self.note, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Sparse { note: optional::<types::Unicode>("note", input, cx)? })
    }
}

fn check<T: BoxFields + Same>(value: &Bytes) {
    let mut input = AmpBox::new();
    input.insert("items", value.clone());
    round_trip_field::<types::AmpList<T>>("items", &input).unwrap_or_else(|e| panic!("{e}"));
}

fuzz_target!(|data: &[u8]| {
    let value = Bytes::copy_from_slice(data);
    check::<Item>(&value);
    check::<Sparse>(&value);
});
