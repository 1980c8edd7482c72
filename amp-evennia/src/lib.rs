//! Evennia on AMP (being built).

pub mod compressed;
pub use compressed::Compressed;
