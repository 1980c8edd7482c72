//! `String`, `Unicode`, `Path` and `Boolean`: Twisted's `amp.String`,
//! `amp.Unicode`, `amp.Path` and `amp.Boolean`.

use std::path::PathBuf;

use bytes::{Bytes, BytesMut};

use super::error::excerpt;
use super::{DecodeErrorKind, StringArgument};

/// Twisted's `amp.String`: raw bytes, unchanged both ways.
///
/// Decoding is zero-copy: the value is a slice of the received buffer.
pub struct String;

impl StringArgument for String {
    type Value = Bytes;

    fn to_string(value: &Bytes, out: &mut BytesMut) -> Result<(), std::string::String> {
        out.extend_from_slice(value);
        Ok(())
    }

    /// The value itself: sending it copies nothing.
    fn to_bytes(value: &Bytes) -> Result<Bytes, std::string::String> {
        Ok(value.clone())
    }

    fn from_string(input: Bytes) -> Result<Bytes, DecodeErrorKind> {
        Ok(input)
    }
}

/// Twisted's `amp.Unicode`: text as UTF-8.
///
/// Decoding is as strict as Python's `bytes.decode("utf-8")`: invalid
/// sequences, overlong forms and encoded surrogates are
/// [`DecodeErrorKind::NotUtf8`]; a byte-order mark is kept as text.
pub struct Unicode;

impl StringArgument for Unicode {
    type Value = std::string::String;

    fn to_string(value: &std::string::String, out: &mut BytesMut) -> Result<(), std::string::String> {
        out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    fn from_string(input: Bytes) -> Result<std::string::String, DecodeErrorKind> {
        decode_utf8(input)
    }
}

/// Text from received bytes (one copy: a `String` owns its buffer).
pub(crate) fn decode_utf8(input: Bytes) -> Result<std::string::String, DecodeErrorKind> {
    match std::str::from_utf8(&input) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Err(DecodeErrorKind::NotUtf8),
    }
}

/// Twisted's `amp.Path`: a filesystem path as the UTF-8 of its text.
///
/// Encoding a path that is not valid UTF-8 is an error (Twisted fails the
/// same way on a path that has no text form). Twisted's `FilePath` also makes
/// the path absolute (`os.path.abspath`) when it builds one, on both ends;
/// this type carries the text unchanged and leaves resolving it to the user.
pub struct Path;

impl StringArgument for Path {
    type Value = PathBuf;

    fn to_string(value: &PathBuf, out: &mut BytesMut) -> Result<(), std::string::String> {
        let text = value.to_str().ok_or_else(|| format!("path {value:?} is not valid UTF-8"))?;
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn from_string(input: Bytes) -> Result<PathBuf, DecodeErrorKind> {
        decode_utf8(input).map(PathBuf::from)
    }
}

/// Twisted's `amp.Boolean`: exactly `True` or `False`.
///
/// Anything else (`true`, `TRUE`, `1`, ` True`) is [`DecodeErrorKind::BadBoolean`].
pub struct Boolean;

impl StringArgument for Boolean {
    type Value = bool;

    fn to_string(value: &bool, out: &mut BytesMut) -> Result<(), std::string::String> {
        out.extend_from_slice(if *value { b"True" } else { b"False" });
        Ok(())
    }

    fn from_string(input: Bytes) -> Result<bool, DecodeErrorKind> {
        match &input[..] {
            b"True" => Ok(true),
            b"False" => Ok(false),
            other => Err(DecodeErrorKind::BadBoolean(excerpt(other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_is_zero_copy() {
        let raw = Bytes::from_static(b"abc");
        let v = String::from_string(raw.clone()).unwrap();
        assert_eq!(v.as_ptr(), raw.as_ptr());
    }

    #[test]
    fn unicode_refuses_surrogates_and_overlongs() {
        for bad in [&b"\xed\xa0\x80"[..], b"\xc0\xaf", b"\xff", b"a\x80"] {
            assert_eq!(Unicode::from_string(Bytes::copy_from_slice(bad)), Err(DecodeErrorKind::NotUtf8));
        }
        assert_eq!(Unicode::from_string(Bytes::from_static(b"\xef\xbb\xbfx")).unwrap(), "\u{feff}x");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_path_cannot_be_encoded() {
        use std::os::unix::ffi::OsStrExt;
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/\xff"));
        assert!(Path::to_string(&p, &mut BytesMut::new()).is_err());
    }
}
