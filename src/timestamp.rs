//! Points in time as packaging files write them: upload times (RFC 3339,
//! which PEP 751 writes in UTC) and the `exclude-newer` cut-off.
//!
//! `exclude-newer` means what uv means by it: a timestamp with an offset
//! (`2025-01-31T12:00:00Z`, `…+01:00`) is that instant; a date
//! (`2025-01-31`) takes in the whole of that day in the machine's time
//! zone, so the cut-off is the next midnight there. Files uploaded at or
//! after the cut-off are left out. A time without an offset names no
//! instant and is refused (uv would read it as its date alone).

use std::fmt;

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub use jiff::Timestamp;

/// `text` as a UTC RFC 3339 timestamp (`2024-09-17T15:59:51Z`, fractions
/// kept), or `None` when it has no time or no offset.
pub fn to_utc(text: &str) -> Option<String> {
    parse_instant(text).map(|at| at.to_string())
}

/// An RFC 3339 timestamp, a space allowed in place of the `T`.
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    text.trim().parse().ok()
}

/// An `exclude-newer` setting, as the user wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcludeNewer {
    /// That instant.
    At(Timestamp),
    /// Up to the end of that day, in the machine's time zone.
    Through(Date),
}

impl ExcludeNewer {
    /// A timestamp with an offset, or a date (`YYYY-MM-DD`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(at) = parse_instant(text) {
            return Ok(Self::At(at));
        }
        // jiff reads the date out of a longer text too: only a bare date
        // is a date here.
        if text.len() == 10
            && let Ok(date) = text.parse::<Date>()
        {
            return Ok(Self::Through(date));
        }
        Err(format!(
            "`{text}` is not a date (`2025-01-31`) or an RFC 3339 timestamp with a time zone (`2025-01-31T00:00:00Z`)"
        ))
    }

    /// The first instant excluded, dates read in the machine's time zone
    /// (`TZ`, else `/etc/localtime`).
    pub fn cutoff(&self) -> Result<Timestamp, String> {
        self.cutoff_in(&TimeZone::system())
    }

    /// The first instant excluded, dates read in `zone`.
    pub fn cutoff_in(&self, zone: &TimeZone) -> Result<Timestamp, String> {
        match self {
            Self::At(at) => Ok(*at),
            Self::Through(date) => date
                .checked_add(1.day())
                .and_then(|next| next.to_zoned_datetime(zone.clone()))
                .map(|zoned| zoned.timestamp())
                .map_err(|err| format!("the end of {date} has no local time: {err}")),
        }
    }
}

/// The canonical form: a UTC timestamp, or the date. It is a lock input,
/// so it does not depend on the machine's time zone.
impl fmt::Display for ExcludeNewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::At(at) => write!(f, "{at}"),
            Self::Through(date) => write!(f, "{date}"),
        }
    }
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
            to_utc("1970-01-01 00:00:00z").as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        for not_an_instant in [
            "2024-01-01",
            "2024-09-17T15:59:51",
            "15:59:51",
            "2024-13-01T00:00:00Z",
            "",
        ] {
            assert_eq!(to_utc(not_an_instant), None, "{not_an_instant}");
        }
    }

    #[test]
    fn exclude_newer_is_an_instant_or_a_whole_day() {
        let parse = |text: &str| ExcludeNewer::parse(text).map(|e| e.to_string());
        assert_eq!(
            parse("2025-01-31T12:00:00+01:00").as_deref(),
            Ok("2025-01-31T11:00:00Z")
        );
        assert_eq!(parse(" 2025-01-31 ").as_deref(), Ok("2025-01-31"));
        for bad in ["2025-01-31T00:00:00", "last week", "2025-1-31", "2025-02-30", ""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let at = ExcludeNewer::parse("2025-01-31T11:00:00Z").unwrap();
        assert_eq!(at.cutoff().unwrap().to_string(), "2025-01-31T11:00:00Z");
    }

    #[test]
    fn a_date_ends_at_the_next_midnight_of_the_zone() {
        let date = ExcludeNewer::parse("2025-01-31").unwrap();
        let new_york_in_winter = TimeZone::fixed(jiff::tz::offset(-5));
        assert_eq!(
            date.cutoff_in(&new_york_in_winter)
                .map(|at| at.to_string())
                .as_deref(),
            Ok("2025-02-01T05:00:00Z")
        );
        assert_eq!(
            date.cutoff_in(&TimeZone::UTC).map(|at| at.to_string()).as_deref(),
            Ok("2025-02-01T00:00:00Z")
        );
    }
}
