//! The commands of the interop tests: the same wire names, fields and errors
//! as `tests/interop/commands.py` declares for Twisted.

use amp_runtime::amp_command;

/// `Sum(a, b) -> total`.
#[amp_command(arguments(a: Integer, b: Integer), response(total: Integer))]
pub struct Sum;

/// `Divide(numerator, denominator) -> quotient` (floor division), declaring
/// `ZeroDivisionError` as `ZERO_DIVISION`.
#[amp_command(
    arguments(numerator: Integer, denominator: Integer),
    response(quotient: Integer),
    errors(ZeroDivisionError = "ZERO_DIVISION"),
)]
pub struct Divide;

/// `Fail(kind)`: `"ok"` answers; `"declared"`, `"fatal"` and `"undeclared"`
/// fail in that way.
#[amp_command(arguments(kind: Unicode), errors(DeclaredError = "DECLARED"), fatal_errors(FatalError = "FATAL"))]
pub struct Fail;

/// Every argument type, each optional: a case sets only the fields it tests.
/// The receiver checks the values against its own table of the case and
/// answers the table's values, or `MISMATCH` with the differences.
#[amp_command(
    arguments(
        case: Unicode,
        integer: Option<Integer>,
        big: Option<Integer<BigInt>>,
        string: Option<String>,
        unicode: Option<Unicode>,
        path: Option<Path>,
        boolean: Option<Boolean>,
        float: Option<Float>,
        floats: Option<ListOf(Float)>,
        decimal: Option<Decimal>,
        decimals: Option<ListOf(Decimal)>,
        datetime: Option<DateTime>,
        datetimes: Option<ListOf(DateTime)>,
        ints: Option<ListOf(Integer)>,
        texts: Option<ListOf(ListOf(Unicode))>,
        rows: Option<AmpList(x: Integer, label: Option<Unicode>, flag: Option<Boolean>)>,
        r#type: Option<Unicode>,
        from: Option<Unicode>,
        "long-name": Option<Unicode>,
    ),
    response(
        integer: Option<Integer>,
        big: Option<Integer<BigInt>>,
        string: Option<String>,
        unicode: Option<Unicode>,
        path: Option<Path>,
        boolean: Option<Boolean>,
        float: Option<Float>,
        floats: Option<ListOf(Float)>,
        decimal: Option<Decimal>,
        decimals: Option<ListOf(Decimal)>,
        datetime: Option<DateTime>,
        datetimes: Option<ListOf(DateTime)>,
        ints: Option<ListOf(Integer)>,
        texts: Option<ListOf(ListOf(Unicode))>,
        rows: Option<AmpList(x: Integer, label: Option<Unicode>, flag: Option<Boolean>)>,
        r#type: Option<Unicode>,
        from: Option<Unicode>,
        "long-name": Option<Unicode>,
    ),
    errors(Mismatch = "MISMATCH"),
)]
pub struct Types;

/// `Delayed(id, delay_ms) -> id`, answered after `delay_ms` milliseconds.
#[amp_command(arguments(id: Integer, delay_ms: Integer), response(id: Integer))]
pub struct Delayed;

/// Sent without `_ask`; the receiver keeps `text` for [`Log`]. The text
/// `"raise"` makes the receiver fail, which closes the connection.
#[amp_command(arguments(text: Unicode), requires_answer = false)]
pub struct Notify;

/// What the receiving side of this connection got: the [`Notify`] texts in
/// order, and (Python only) the `_ask` tag of every command box.
#[amp_command(response(notes: ListOf(Unicode), asks: Option<ListOf(String)>))]
pub struct Log;

/// Never answered: the receiver drops the connection (`how`: `"close"`,
/// `"abort"`, `"half_box"`).
#[amp_command(arguments(how: Unicode))]
pub struct Hang;

/// Whether the receiver's side of the connection runs TLS.
#[amp_command(response(tls: Boolean))]
pub struct TlsInfo;

/// Answered by nobody: `UNHANDLED`.
#[amp_command()]
pub struct Nope;

/// Answered by nobody and sent without `_ask`: the receiver closes the connection.
#[amp_command(requires_answer = false)]
pub struct NopeNotify;

/// A protocol switch (Twisted's `ProtocolSwitchCommand`): after the answer
/// the connection carries the upper-casing echo protocol (a greeting
/// `HELLO <name>\n`, then every byte back upper-cased). The name `"refuse"`
/// fails with `REFUSED`, and the connection goes on speaking AMP.
#[amp_command(arguments(name: Unicode), errors(SwitchRefused = "REFUSED"))]
pub struct Switch;
