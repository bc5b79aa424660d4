//! Times in words, as the account pages say them.

/// "3 minutes ago", from Unix seconds.
pub(crate) fn ago(now: i64, at: i64) -> String {
    let secs = (now - at).max(0);
    let (n, unit) = match secs {
        0..60 => return "just now".into(),
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        86_400..2_592_000 => (secs / 86_400, "day"),
        2_592_000..31_536_000 => (secs / 2_592_000, "month"),
        _ => (secs / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// "7 December at 14:03 UTC", from Unix seconds (the browser's clock is in UTC terms
/// here too: one wording for every visitor).
pub(crate) fn day_and_time(at: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!(
        "{day} {} at {:02}:{:02} UTC",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_said_in_words() {
        assert_eq!(ago(1000, 990), "just now");
        assert_eq!(ago(1000, 2000), "just now", "a clock a little ahead");
        assert_eq!(ago(3600, 3540), "1 minute ago");
        assert_eq!(ago(7200, 0), "2 hours ago");
        assert_eq!(ago(86_400 * 3, 0), "3 days ago");
        assert_eq!(ago(31_536_000 * 2, 0), "2 years ago");
    }

    #[test]
    fn dates_are_said_in_words() {
        assert_eq!(day_and_time(0), "1 January at 00:00 UTC");
        // 2026-12-07 14:03:00 UTC
        assert_eq!(day_and_time(1_796_652_180), "7 December at 14:03 UTC");
        assert_eq!(day_and_time(951_782_400), "29 February at 00:00 UTC");
    }
}
