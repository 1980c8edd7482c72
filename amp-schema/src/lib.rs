//! The AMP command schema (being built).
