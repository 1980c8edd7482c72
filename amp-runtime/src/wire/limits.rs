/// Caps applied to what a peer sends us.
///
/// Twisted has no cap on pairs or bytes per box, so a peer can send an endless
/// box; these stop that. The defaults pass a 10 MB Evennia `Compressed`
/// payload (about 160 slices of at most 64 KiB) with room to spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest received box, framing included, in bytes.
    pub max_box_bytes: usize,
    /// Most key/value pairs in one received box.
    pub max_pairs: usize,
}

impl Limits {
    /// 16 MiB per box.
    pub const DEFAULT_MAX_BOX_BYTES: usize = 16 * 1024 * 1024;
    /// 1,024 pairs per box.
    pub const DEFAULT_MAX_PAIRS: usize = 1024;

    /// Limits with no cap at all, as Twisted behaves. Only for trusted peers.
    pub const fn unlimited() -> Self {
        Limits { max_box_bytes: usize::MAX, max_pairs: usize::MAX }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_box_bytes: Self::DEFAULT_MAX_BOX_BYTES, max_pairs: Self::DEFAULT_MAX_PAIRS }
    }
}
