//! RFC 3339 timestamps normalized to UTC, the form PEP 751 asks for
//! (`upload-time`) and the form `exclude-newer` is compared in.

use toml::value::{Date, Datetime, Offset, Time};

/// `text` as a UTC timestamp (`2024-09-17T15:59:51Z`, fractions kept), or
/// `None` when it is not a full RFC 3339 date-time with an offset. A bare
/// date (`2024-09-17`) means midnight UTC.
pub fn to_utc(text: &str) -> Option<String> {
    let datetime: Datetime = text.trim().parse().ok()?;
    datetime_to_utc(&datetime)
}

/// A parsed TOML datetime as a UTC timestamp; local times (no offset) have
/// no fixed instant and give `None`.
pub fn datetime_to_utc(datetime: &Datetime) -> Option<String> {
    let date = datetime.date?;
    let (time, offset) = match (datetime.time, datetime.offset) {
        (Some(time), Some(offset)) => (time, offset),
        (None, None) => (
            Time {
                hour: 0,
                minute: 0,
                second: 0,
                nanosecond: 0,
            },
            Offset::Z,
        ),
        _ => return None,
    };
    if !(1..=12).contains(&date.month) || date.day == 0 || time.hour > 23 || time.minute > 59 {
        return None;
    }
    let minutes = match offset {
        Offset::Z => 0,
        Offset::Custom { minutes } => i64::from(minutes),
    };
    let seconds = days_from_civil(date) * 86_400
        + i64::from(time.hour) * 3600
        + i64::from(time.minute) * 60
        + i64::from(time.second)
        - minutes * 60;
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let date = civil_from_days(days)?;
    let utc = Datetime {
        date: Some(date),
        time: Some(Time {
            // All three fit: `rest` is below 86 400.
            hour: u8::try_from(rest / 3600).ok()?,
            minute: u8::try_from(rest % 3600 / 60).ok()?,
            second: u8::try_from(rest % 60).ok()?,
            nanosecond: time.nanosecond,
        }),
        offset: Some(Offset::Z),
    };
    Some(utc.to_string())
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(date: Date) -> i64 {
    let (month, day) = (i64::from(date.month), i64::from(date.day));
    let year = i64::from(date.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]; `None` outside years 0–9999.
fn civil_from_days(days: i64) -> Option<Date> {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Some(Date {
        year: u16::try_from(year).ok().filter(|y| *y <= 9999)?,
        month: u8::try_from(month).ok()?,
        day: u8::try_from(day).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_utc() {
        assert_eq!(
            to_utc("2024-09-17T15:59:51Z").as_deref(),
            Some("2024-09-17T15:59:51Z")
        );
        assert_eq!(
            to_utc("2025-01-25T11:30:10.164985+00:00").as_deref(),
            Some("2025-01-25T11:30:10.164985Z")
        );
        assert_eq!(
            to_utc("2024-03-01T01:30:00+02:00").as_deref(),
            Some("2024-02-29T23:30:00Z")
        );
        assert_eq!(
            to_utc("2023-12-31T22:00:00-03:00").as_deref(),
            Some("2024-01-01T01:00:00Z")
        );
        assert_eq!(to_utc("2024-01-01").as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(
            to_utc("1970-01-01 00:00:00z").as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
    }

    #[test]
    fn local_or_broken_timestamps_are_refused() {
        for bad in [
            "2024-09-17T15:59:51",
            "15:59:51",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "",
        ] {
            assert_eq!(to_utc(bad), None, "{bad}");
        }
    }
}
