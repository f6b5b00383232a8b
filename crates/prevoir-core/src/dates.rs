//! The one date parser of the project: ISO (`2018-07-06`), day-first (`06/07/2018`) and day-first
//! with a two-digit year (`06/07/18`), with surrounding spaces tolerated.

use chrono::{NaiveDate, NaiveDateTime};

/// Which textual forms a date column may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `YYYY-MM-DD`
    Iso,
    /// `DD/MM/YYYY`
    DayFirst,
    /// `DD/MM/YY`, years 00–68 read as 20xx, 69–99 as 19xx (POSIX `%y`).
    DayFirstShortYear,
}

impl DateFormat {
    /// What a user should have written, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            DateFormat::Iso => "a date YYYY-MM-DD",
            DateFormat::DayFirst => "a date DD/MM/YYYY",
            DateFormat::DayFirstShortYear => "a date DD/MM/YY",
        }
    }

    fn pattern(self) -> &'static str {
        match self {
            DateFormat::Iso => "%Y-%m-%d",
            DateFormat::DayFirst => "%d/%m/%Y",
            DateFormat::DayFirstShortYear => "%d/%m/%y",
        }
    }
}

/// Parses `text` in `format`. Returns `None` if it does not match; callers turn that into a
/// located [`crate::DataError`] with [`DateFormat::expected`].
pub fn parse_date(text: &str, format: DateFormat) -> Option<NaiveDate> {
    let text = text.trim();
    // chrono's %Y accepts any number of digits; insist on the written width to catch `18` vs `2018`.
    let ok_width = match format {
        DateFormat::Iso => text.len() == 10,
        DateFormat::DayFirst => text.rsplit('/').next().is_some_and(|y| y.len() == 4),
        DateFormat::DayFirstShortYear => text.rsplit('/').next().is_some_and(|y| y.len() == 2),
    };
    if !ok_width {
        return None;
    }
    NaiveDate::parse_from_str(text, format.pattern()).ok()
}

/// Parses a SCADA timestamp `YYYY-MM-DD HH:MM:SS` (seconds optional).
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            parse_date("2018-07-06", DateFormat::Iso),
            Some(d(2018, 7, 6))
        );
        assert_eq!(
            parse_date(" 06/07/2018 ", DateFormat::DayFirst),
            Some(d(2018, 7, 6))
        );
        assert_eq!(
            parse_date("15/12/11", DateFormat::DayFirstShortYear),
            Some(d(2011, 12, 15))
        );
    }

    #[test]
    fn refuses_wrong_widths_and_month_first() {
        assert_eq!(parse_date("15/12/11", DateFormat::DayFirst), None);
        assert_eq!(
            parse_date("15/12/2011", DateFormat::DayFirstShortYear),
            None
        );
        assert_eq!(parse_date("12/31/2011", DateFormat::DayFirst), None);
        assert_eq!(parse_date("2011-1-3", DateFormat::Iso), None);
    }

    #[test]
    fn parses_scada_timestamps() {
        let t = parse_timestamp("2019-01-01 00:05:00").unwrap();
        assert_eq!(t.to_string(), "2019-01-01 00:05:00");
        assert_eq!(parse_timestamp("2019-01-01 00:05"), Some(t));
        assert_eq!(parse_timestamp("01/01/2019 00:05"), None);
    }
}
