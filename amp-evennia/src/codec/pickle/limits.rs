//! Caps and options for decoding and encoding.

/// Caps applied while decoding a pickle from a peer.
///
/// Every cap fails with a typed [`DecodeError`](super::DecodeError), never a
/// panic or an abort. The defaults pass any pickle CPython writes for data of
/// tens of megabytes (a 10 MB Evennia payload fits with room to spare) and
/// keep the memory a hostile pickle can claim to a few hundred megabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest pickle accepted, in bytes.
    pub max_input_bytes: usize,
    /// Deepest nesting of containers and objects: `[]` is 1 deep, `[[1]]` 2.
    ///
    /// The decoder and encoder never recurse, and this module's own recursive
    /// operations on a [`Value`](super::Value) (drop, clone, compare, print,
    /// serde) handle 1,024 levels on a 2 MiB thread stack (tokio's default) even
    /// in debug builds; deserializing into a user's recursive types costs more
    /// stack per level, hence a default of 128, the same as serde_json's.
    /// Evennia's payloads nest about 5 deep.
    pub max_depth: usize,
    /// Most values (scalars, containers and objects) in the result, counting a
    /// shared object once per place it appears, and most values the decoder
    /// creates on the way. This is what stops a "billion laughs" pickle that
    /// references the same list over and over.
    pub max_values: usize,
    /// Most bytes of text, binary and big-int data in the result, counting a
    /// shared string once per place it appears.
    pub max_data_bytes: usize,
}

impl Limits {
    /// 32 MiB of pickle.
    pub const DEFAULT_MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;
    /// 128 levels of nesting.
    pub const DEFAULT_MAX_DEPTH: usize = 128;
    /// 4 Mi (4,194,304) values.
    pub const DEFAULT_MAX_VALUES: usize = 4 * 1024 * 1024;
    /// 64 MiB of text and binary data.
    pub const DEFAULT_MAX_DATA_BYTES: usize = 64 * 1024 * 1024;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: Self::DEFAULT_MAX_INPUT_BYTES,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_values: Self::DEFAULT_MAX_VALUES,
            max_data_bytes: Self::DEFAULT_MAX_DATA_BYTES,
        }
    }
}

/// What a Python 2 `str` (opcodes STRING, BINSTRING, SHORT_BINSTRING) becomes.
///
/// Python 3 never writes these opcodes; they come from Python 2 pickles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Py2Str {
    /// A `str` when the bytes are ASCII, else an error: CPython's default
    /// (`pickle.loads(data)`, i.e. `encoding="ASCII"`).
    #[default]
    Ascii,
    /// A `str`, each byte taken as a Latin-1 character (`encoding="latin1"`).
    Latin1,
    /// A `bytes` (`encoding="bytes"`).
    Bytes,
}

/// Everything that tunes decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    /// The caps.
    pub limits: Limits,
    /// What Python 2 strings become.
    pub py2_str: Py2Str,
    /// Accept bytes after the STOP opcode and ignore them, as `pickle.loads`
    /// does. Off by default: CPython never writes any, so they are a sign of a
    /// framing error.
    pub allow_trailing_bytes: bool,
}

impl DecodeOptions {
    /// Default options with these limits.
    pub fn with_limits(limits: Limits) -> Self {
        DecodeOptions { limits, ..DecodeOptions::default() }
    }
}

/// Everything that tunes encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// The pickle protocol to write, 2 to 5. Default 5, with FRAME opcodes, as
    /// Evennia writes (`pickle.HIGHEST_PROTOCOL` on Python 3.8+).
    pub protocol: u8,
}

impl EncodeOptions {
    /// The newest protocol, 5.
    pub const HIGHEST_PROTOCOL: u8 = 5;
    /// The oldest protocol this encoder writes, 2.
    pub const LOWEST_PROTOCOL: u8 = 2;

    /// Options writing `protocol`.
    pub fn protocol(protocol: u8) -> Self {
        EncodeOptions { protocol }
    }
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { protocol: Self::HIGHEST_PROTOCOL }
    }
}
