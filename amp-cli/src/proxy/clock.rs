//! Timestamps of the proxy's lines: UTC, RFC 3339, to the microsecond
//! (`2026-05-12T10:11:12.123456Z`), from the system clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// The time now, as a timestamp.
pub fn now() -> String {
    // A clock before 1970 is shown as the epoch rather than refused.
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    timestamp(since.as_secs(), since.subsec_micros())
}

/// `secs` seconds and `micros` microseconds after the Unix epoch, as a timestamp.
pub fn timestamp(secs: u64, micros: u32) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The proleptic Gregorian date `days` days after 1970-01-01 (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        // date -u -d @951782400: the leap day of a year divisible by 400.
        assert_eq!(timestamp(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(timestamp(1_330_559_998, 123_456), "2012-02-29T23:59:58.123456Z");
        assert_eq!(timestamp(4_107_542_399, 999_999), "2100-02-28T23:59:59.999999Z");
        assert_eq!(timestamp(4_107_542_400, 0), "2100-03-01T00:00:00.000000Z");
    }

    #[test]
    fn every_day_follows_the_last() {
        // Day by day over 1970..2400: the date always advances by one day.
        let mut last = civil_from_days(0);
        for d in 1..(430 * 366) {
            let next = civil_from_days(d);
            let (y, m, dd) = last;
            let month_len = match m {
                2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let expected = if dd < month_len {
                (y, m, dd + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!(next, expected, "day {d}");
            last = next;
        }
    }
}
