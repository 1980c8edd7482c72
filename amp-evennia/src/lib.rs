//! Evennia on AMP (being built).
