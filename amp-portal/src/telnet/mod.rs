//! The telnet protocol, without I/O.
