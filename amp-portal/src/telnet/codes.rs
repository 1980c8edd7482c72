//! Telnet command and option bytes (RFC 854 and the MUD protocols' numbers).

/// Interpret As Command: starts every telnet command.
pub const IAC: u8 = 255;
/// The peer should not perform the option (or confirms it stopped).
pub const DONT: u8 = 254;
/// The peer should perform the option (or confirms it may).
pub const DO: u8 = 253;
/// The sender refuses (or stops) performing the option.
pub const WONT: u8 = 252;
/// The sender offers (or agrees) to perform the option.
pub const WILL: u8 = 251;
/// Subnegotiation begins.
pub const SB: u8 = 250;
/// Go Ahead.
pub const GA: u8 = 249;
/// Erase Line.
pub const EL: u8 = 248;
/// Erase Character.
pub const EC: u8 = 247;
/// Are You There.
pub const AYT: u8 = 246;
/// Abort Output.
pub const AO: u8 = 245;
/// Interrupt Process.
pub const IP: u8 = 244;
/// Break.
pub const BRK: u8 = 243;
/// Data Mark.
pub const DM: u8 = 242;
/// No Operation (Evennia's keepalive).
pub const NOP: u8 = 241;
/// Subnegotiation ends.
pub const SE: u8 = 240;
/// End Of Record (RFC 885).
pub const EOR: u8 = 239;

/// Option ECHO (RFC 857).
pub const ECHO: u8 = 1;
/// Option SUPPRESS-GO-AHEAD (RFC 858).
pub const SGA: u8 = 3;
/// Option TERMINAL-TYPE (RFC 1091), MTTS on top.
pub const TTYPE: u8 = 24;
/// Option NAWS, window size (RFC 1073).
pub const NAWS: u8 = 31;
/// Option LINEMODE (RFC 1184).
pub const LINEMODE: u8 = 34;
/// Option MSDP, Mud Server Data Protocol.
pub const MSDP: u8 = 69;
/// Option MSSP, Mud Server Status Protocol.
pub const MSSP: u8 = 70;
/// Option MCCP2 (COMPRESS2), Mud Client Compression Protocol v2.
pub const MCCP: u8 = 86;
/// Option MXP, Mud eXtension Protocol.
pub const MXP: u8 = 91;
/// Option GMCP, Generic Mud Communication Protocol.
pub const GMCP: u8 = 201;

/// LINEMODE subnegotiation: MODE.
pub const LINEMODE_MODE: u8 = 1;
/// LINEMODE MODE bit: the client edits lines locally.
pub const LINEMODE_EDIT: u8 = 1;
/// LINEMODE MODE bit: the client traps signals.
pub const LINEMODE_TRAPSIG: u8 = 2;

/// TTYPE subnegotiation: IS (the client's answer).
pub const TTYPE_IS: u8 = 0;
/// TTYPE subnegotiation: SEND (the server's request).
pub const TTYPE_SEND: u8 = 1;

/// MSSP and MSDP: a variable name follows.
pub const VAR: u8 = 1;
/// MSSP and MSDP: a value follows.
pub const VAL: u8 = 2;
/// MSDP: a table opens.
pub const MSDP_TABLE_OPEN: u8 = 3;
/// MSDP: a table closes.
pub const MSDP_TABLE_CLOSE: u8 = 4;
/// MSDP: an array opens.
pub const MSDP_ARRAY_OPEN: u8 = 5;
/// MSDP: an array closes.
pub const MSDP_ARRAY_CLOSE: u8 = 6;
