//! Strategies and a sample `AmpList` element shared by the property tests.

#![allow(dead_code)] // each test file uses its own subset

use amp_runtime::types::{self, optional, required, write_optional};
use amp_runtime::{values, AmpBox, ArgContext, ArgumentType, BigInt, BoxFields, DecodeError, EncodeError};
use bytes::Bytes;
use proptest::prelude::*;

/// Integers of up to 384 bits, either sign.
pub fn big_int() -> impl Strategy<Value = BigInt> {
    (any::<bool>(), proptest::collection::vec(any::<u32>(), 0..12)).prop_map(|(neg, digits)| {
        let sign = if neg { num_bigint::Sign::Minus } else { num_bigint::Sign::Plus };
        BigInt::new(sign, digits)
    })
}

/// Finite decimals of up to 40 digits (exponents near zero and at the
/// bounds) and the specials with payloads.
pub fn decimal() -> impl Strategy<Value = values::Decimal> {
    let finite = (any::<bool>(), "[0-9]{1,40}", prop_oneof![-40i64..40, -3_000i64..3_000, Just(0i64)])
        .prop_map(|(neg, digits, exp)| values::Decimal::new(neg, &digits, exp).expect("within bounds"));
    let extreme =
        (any::<bool>(), "[1-9]", prop_oneof![Just(values::Decimal::MIN_ETINY), Just(values::Decimal::MAX_EMAX)])
            .prop_map(|(neg, d, exp)| values::Decimal::new(neg, &d, exp).unwrap());
    let special = (any::<bool>(), 0..3u8, "[0-9]{0,30}").prop_map(|(neg, kind, payload)| match kind {
        0 => values::Decimal::infinity(neg),
        1 => values::Decimal::nan(neg, &payload).unwrap(),
        _ => values::Decimal::snan(neg, &payload).unwrap(),
    });
    prop_oneof![6 => finite, 1 => extreme, 2 => special]
}

/// Any valid date-time, every offset.
pub fn date_time() -> impl Strategy<Value = values::DateTime> {
    (1u16..=9999, 1u8..=12, 1u8..=31, 0u8..24, 0u8..60, 0u8..60, 0u32..1_000_000, -1439i16..=1439).prop_map(
        |(y, mo, d, h, mi, s, us, off)| {
            // Step the day back into the month rather than discarding cases.
            (0..4)
                .find_map(|back| values::DateTime::new(y, mo, d.saturating_sub(back).max(1), h, mi, s, us, off).ok())
                .expect("day 28 exists in every month")
        },
    )
}

/// An `AmpList` element with a required field and two optional ones (one a
/// nested `ListOf`): `AmpList([(b"id", Integer()), (b"label",
/// Unicode(optional=True)), (b"tags", ListOf(String(), optional=True))])`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub label: Option<String>,
    pub tags: Option<Vec<Bytes>>,
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

/// Any [`Item`]: every field absent or present, empty tags and labels included.
pub fn item() -> impl Strategy<Value = Item> {
    (any::<i64>(), proptest::option::of(".{0,12}"), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..6)))
        .prop_map(|(id, label, tags)| Item {
            id,
            label,
            tags: tags.map(|t| t.into_iter().map(|b| Bytes::from(vec![b])).collect()),
        })
}
