//! Evennia on AMP (being built).

pub mod compressed;
pub mod pickle;
pub use compressed::Compressed;
