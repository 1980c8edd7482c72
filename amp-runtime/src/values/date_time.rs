//! [`DateTime`]: a calendar date and time with a fixed UTC offset, as
//! Twisted's `amp.DateTime` carries it.

use std::fmt;
use std::str::FromStr;

use crate::python::parse_i64;

/// A date and time with a fixed offset from UTC in minutes: what Twisted's
/// `amp.DateTime` carries (the codec is [`types::DateTime`](crate::types::DateTime)).
///
/// Every value is valid: year 1..=9999 (Python's `datetime` range), a real
/// calendar day (leap years included), hour 0..=23, minute and second
/// 0..=59, microsecond 0..=999999 and an offset strictly within ±24 hours
/// (±1439 minutes). There is no naive (offset-less) form.
///
/// [`Display`](fmt::Display) writes the 32-character wire form
/// `YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM`, with a zero offset as `-00:00`, as
/// Twisted does; [`FromStr`] reads what Twisted's parser reads (see
/// [`DateTime::from_ascii`]).
///
/// Equality compares the fields, so the same instant at two offsets is two
/// different values (Python compares instants); compare
/// [`unix_micros`](DateTime::unix_micros) for that.
///
/// ```
/// use amp_runtime::DateTime;
/// let t = DateTime::new(9876, 1, 23, 12, 34, 56, 54321, -83).unwrap();
/// assert_eq!(t.to_string(), "9876-01-23T12:34:56.054321-01:23");
/// assert_eq!("9876-01-23T12:34:56.054321-01:23".parse::<DateTime>().unwrap(), t);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    microsecond: u32,
    offset_minutes: i16,
}

/// Why a [`DateTime`] cannot be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DateTimeError {
    reason: String,
}

impl DateTimeError {
    fn new(reason: impl Into<String>) -> Self {
        DateTimeError { reason: reason.into() }
    }

    /// What is wrong.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl DateTime {
    /// Largest offset magnitude in minutes (23:59).
    pub const MAX_OFFSET_MINUTES: i16 = 23 * 60 + 59;

    /// A date-time at an offset of `offset_minutes` from UTC (east positive).
    /// Errors name the first field out of range.
    #[allow(clippy::too_many_arguments)] // one argument per field, in Python's datetime order
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        microsecond: u32,
        offset_minutes: i16,
    ) -> Result<DateTime, DateTimeError> {
        Self::checked(
            i64::from(year),
            i64::from(month),
            i64::from(day),
            i64::from(hour),
            i64::from(minute),
            i64::from(second),
            i64::from(microsecond),
            i64::from(offset_minutes),
        )
    }

    #[allow(clippy::too_many_arguments)] // see `new`
    fn checked(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        minute: i64,
        second: i64,
        microsecond: i64,
        offset_minutes: i64,
    ) -> Result<DateTime, DateTimeError> {
        let range = |what: &str, v: i64, lo: i64, hi: i64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(DateTimeError::new(format!("{what} {v} is not in {lo}..={hi}")))
            }
        };
        range("year", year, 1, 9999)?;
        range("month", month, 1, 12)?;
        range("day", day, 1, days_in_month(year, month))?;
        range("hour", hour, 0, 23)?;
        range("minute", minute, 0, 59)?;
        range("second", second, 0, 59)?;
        range("microsecond", microsecond, 0, 999_999)?;
        let max = i64::from(Self::MAX_OFFSET_MINUTES);
        range("UTC offset in minutes", offset_minutes, -max, max)?;
        // Each value was range-checked above, so these conversions are exact.
        Ok(DateTime {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            microsecond: microsecond as u32,
            offset_minutes: offset_minutes as i16,
        })
    }

    /// The same fields at offset zero.
    pub fn utc(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        microsecond: u32,
    ) -> Result<DateTime, DateTimeError> {
        Self::new(year, month, day, hour, minute, second, microsecond, 0)
    }

    /// Year, 1..=9999.
    pub fn year(&self) -> u16 {
        self.year
    }
    /// Month, 1..=12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// Day of the month, from 1.
    pub fn day(&self) -> u8 {
        self.day
    }
    /// Hour, 0..=23.
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute, 0..=59.
    pub fn minute(&self) -> u8 {
        self.minute
    }
    /// Second, 0..=59.
    pub fn second(&self) -> u8 {
        self.second
    }
    /// Microsecond, 0..=999999.
    pub fn microsecond(&self) -> u32 {
        self.microsecond
    }
    /// Offset from UTC in minutes, east positive, within ±1439.
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// Microseconds since 1970-01-01T00:00:00 UTC: equal for equal instants.
    pub fn unix_micros(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let seconds =
            days * 86_400 + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
                - i64::from(self.offset_minutes) * 60;
        seconds * 1_000_000 + i64::from(self.microsecond)
    }

    /// Parses the wire form as leniently as Twisted's `DateTime.fromString`
    /// and no more.
    ///
    /// The text must be ASCII and exactly 32 bytes. Twisted reads the fields at
    /// fixed positions with Python's `int()`, so each field may hold
    /// whitespace, a sign or an underscore (`" 123"` as a year is 123, `"+1"`
    /// as a month is 1), and the separators `-`, `T`, `:`, `.` at positions
    /// 4, 7, 10, 13, 16, 19 and 29 are not checked. The offset sign (position
    /// 26) must be `+` or `-`; the minutes of the offset may exceed 59
    /// (`+00:99` is +1:39). Then every field must make a valid `datetime`.
    ///
    /// One deliberate difference: Twisted accepts an offset of 24 hours or
    /// more and builds a `datetime` whose every later use raises; such an
    /// offset is refused here.
    pub fn from_ascii(raw: &[u8]) -> Result<DateTime, DateTimeError> {
        if !raw.is_ascii() {
            return Err(DateTimeError::new("not ASCII"));
        }
        if raw.len() != 32 {
            return Err(DateTimeError::new(format!("{} bytes long; the wire form is 32", raw.len())));
        }
        let field = |name: &str, at: std::ops::Range<usize>| {
            parse_i64(&raw[at.clone()]).map_err(|why| {
                DateTimeError::new(format!("{name} {:?} is not an integer: {why}", String::from_utf8_lossy(&raw[at])))
            })
        };
        let year = field("year", 0..4)?;
        let month = field("month", 5..7)?;
        let day = field("day", 8..10)?;
        let hour = field("hour", 11..13)?;
        let minute = field("minute", 14..16)?;
        let second = field("second", 17..19)?;
        let microsecond = field("microsecond", 20..26)?;
        let tz_hours = field("offset hours", 27..29)?;
        let tz_minutes = field("offset minutes", 30..32)?;
        let sign = match raw[26] {
            b'+' => 1,
            b'-' => -1,
            other => {
                return Err(DateTimeError::new(format!(
                    "offset sign {:?} is not + or -",
                    char::from(other).escape_default().to_string()
                )))
            }
        };
        let offset = sign * (tz_hours * 60 + tz_minutes);
        Self::checked(year, month, day, hour, minute, second, microsecond, offset)
    }
}

impl fmt::Display for DateTime {
    /// The 32-character wire form; a zero offset is written `-00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset_minutes > 0 { '+' } else { '-' };
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}{sign}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.microsecond,
            off / 60,
            off % 60
        )
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl FromStr for DateTime {
    type Err = DateTimeError;

    /// See [`DateTime::from_ascii`].
    fn from_str(s: &str) -> Result<DateTime, DateTimeError> {
        DateTime::from_ascii(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<DateTime, DateTimeError> {
        s.parse()
    }

    #[test]
    fn twisted_vector_both_ways() {
        let t = DateTime::new(9876, 1, 23, 12, 34, 56, 54_321, -83).unwrap();
        assert_eq!(t.to_string(), "9876-01-23T12:34:56.054321-01:23");
        assert_eq!(p("9876-01-23T12:34:56.054321-01:23").unwrap(), t);
    }

    #[test]
    fn zero_offset_is_minus_and_plus_reads_the_same() {
        let t = DateTime::utc(2010, 12, 25, 0, 0, 0, 0).unwrap();
        assert_eq!(t.to_string(), "2010-12-25T00:00:00.000000-00:00");
        assert_eq!(p("2010-12-25T00:00:00.000000+00:00").unwrap(), t);
    }

    #[test]
    fn lenient_like_twisted() {
        let a = p(" 201-+2- 5T0 :1\t:09X0_0012-00:99").unwrap();
        assert_eq!((a.year(), a.month(), a.day(), a.hour(), a.minute(), a.second()), (201, 2, 5, 0, 1, 9));
        assert_eq!((a.microsecond(), a.offset_minutes()), (12, -99));
        assert_eq!(a.to_string(), "0201-02-05T00:01:09.000012-01:39");
        // A negative offset-hours field under a '-' sign flips, as in Twisted.
        assert_eq!(p("2000-01-01T00:00:00.000000--1:00").unwrap().offset_minutes(), 60);
    }

    #[test]
    fn strict_where_twisted_is() {
        for bad in [
            "abc",
            "2010-12-25T00:00:00.000000-00:0",
            "2010-12-25T00:00:00.000000-00:000",
            "2010-12-25T00:00:00.000000*00:00",
            "2010-02-29T00:00:00.000000-00:00",
            "2000-02-30T00:00:00.000000-00:00",
            "0000-01-01T00:00:00.000000-00:00",
            "2010-13-01T00:00:00.000000-00:00",
            "2010-00-01T00:00:00.000000-00:00",
            "2010-01-00T00:00:00.000000-00:00",
            "2010-01-01T24:00:00.000000-00:00",
            "2010-01-01T00:60:00.000000-00:00",
            "2010-01-01T00:00:60.000000-00:00",
            "2010-01-01T00:00:00.-00001-00:00",
            "2010-01-01T00:00:00.000000+24:00",
            "2010-01-01T00:00:00.000000-23:60",
            "2010-01-01T00:00:00.000000-0a:00",
            "2010-01-01T00:00:00.000000-_1:00",
            "2010-01-01T 0: 0: 0.      -00:00",
            "2010-01-01T00:00:00.000000-00:00\u{e9}",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        assert!(p("2000-02-29T00:00:00.000000-00:00").is_ok());
        assert!(p("2010-01-01T00:00:00.000000+23:59").is_ok());
    }

    #[test]
    fn unix_micros_compares_instants() {
        let a = DateTime::new(2010, 12, 25, 1, 0, 0, 0, 60).unwrap();
        let b = DateTime::utc(2010, 12, 25, 0, 0, 0, 0).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.unix_micros(), b.unix_micros());
        assert_eq!(DateTime::utc(1970, 1, 1, 0, 0, 0, 1).unwrap().unix_micros(), 1);
        assert_eq!(DateTime::utc(1, 1, 1, 0, 0, 0, 0).unwrap().unix_micros(), -62_135_596_800_000_000);
    }
}
