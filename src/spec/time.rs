//! The time options of a `--by` job: the bucket width ([`TimeUnit`]) and
//! how timestamps are read ([`TimeOptions`]: format, place, year, zone).

use serde::{Deserialize, Serialize};

/// The width of a time bucket (`--by`): `second`, `minute`, `hour`, `day`,
/// or N of seconds, minutes or hours (`10s`, `15m`, `6h`), N dividing the
/// next unit so that buckets align with the clock (a 15m bucket starts at
/// minute 0, 15, 30 or 45).
///
/// ```
/// use logcount::spec::TimeUnit;
/// assert_eq!("15m".parse::<TimeUnit>().unwrap(), TimeUnit::Minutes(15));
/// assert_eq!("1h".parse::<TimeUnit>().unwrap(), TimeUnit::Hour);
/// assert_eq!(TimeUnit::Hours(6).to_string(), "6h");
/// assert!("7m".parse::<TimeUnit>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    /// One second.
    Second,
    /// One minute.
    Minute,
    /// One hour.
    Hour,
    /// One day (UTC).
    Day,
    /// N seconds, N in 2, 3, 4, 5, 6, 10, 12, 15, 20, 30.
    Seconds(u32),
    /// N minutes, N in 2, 3, 4, 5, 6, 10, 12, 15, 20, 30.
    Minutes(u32),
    /// N hours, N in 2, 3, 4, 6, 8, 12.
    Hours(u32),
}

/// Divisors of 60 and of 24 above 1: the widths of N-unit buckets.
const OF_60: [u32; 10] = [2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const OF_24: [u32; 6] = [2, 3, 4, 6, 8, 12];

impl TimeUnit {
    /// The unit whose fields a bucket keeps: `Minute` for `15m`.
    pub fn finest(self) -> TimeUnit {
        match self {
            TimeUnit::Seconds(_) => TimeUnit::Second,
            TimeUnit::Minutes(_) => TimeUnit::Minute,
            TimeUnit::Hours(_) => TimeUnit::Hour,
            u => u,
        }
    }

    /// Its length in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            TimeUnit::Second => 1,
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 3600,
            TimeUnit::Day => 86_400,
            TimeUnit::Seconds(n) => u64::from(n),
            TimeUnit::Minutes(n) => 60 * u64::from(n),
            TimeUnit::Hours(n) => 3600 * u64::from(n),
        }
    }
}

/// A `--by` value that is not a bucket width.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a bucket width: second, minute, hour, day, or Ns / Nm (N dividing 60: \
     2 3 4 5 6 10 12 15 20 30) or Nh (N dividing 24: 2 3 4 6 8 12)"
)]
pub struct BadTimeUnit(String);

impl std::str::FromStr for TimeUnit {
    type Err = BadTimeUnit;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadTimeUnit(s.to_string());
        Ok(match s {
            "second" | "1s" => TimeUnit::Second,
            "minute" | "1m" | "60s" => TimeUnit::Minute,
            "hour" | "1h" | "60m" => TimeUnit::Hour,
            "day" | "1d" | "24h" => TimeUnit::Day,
            _ => {
                let (n, u) = s.split_at(s.len().saturating_sub(1));
                let n: u32 = n
                    .parse()
                    .ok()
                    .filter(|_| n.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(bad)?;
                match u {
                    "s" if OF_60.contains(&n) => TimeUnit::Seconds(n),
                    "m" if OF_60.contains(&n) => TimeUnit::Minutes(n),
                    "h" if OF_24.contains(&n) => TimeUnit::Hours(n),
                    _ => return Err(bad()),
                }
            }
        })
    }
}

impl std::fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeUnit::Second => f.write_str("second"),
            TimeUnit::Minute => f.write_str("minute"),
            TimeUnit::Hour => f.write_str("hour"),
            TimeUnit::Day => f.write_str("day"),
            TimeUnit::Seconds(n) => write!(f, "{n}s"),
            TimeUnit::Minutes(n) => write!(f, "{n}m"),
            TimeUnit::Hours(n) => write!(f, "{n}h"),
        }
    }
}

impl Serialize for TimeUnit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeUnit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How a `--by` job reads timestamps, as given; every field off by default
/// (detection per object, UTC, the year from each object's time). The
/// values are checked where they are used
/// ([`crate::timeline::rule::TimeSettings::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeOptions {
    /// `--time-format`: a format name or a strftime-style pattern.
    pub format: Option<String>,
    /// `--time-field`: `N` or `json:KEY`.
    pub field: Option<String>,
    /// `--year`: the year of each yearless object's first timed line.
    pub year: Option<i32>,
    /// `--timezone`: the zone of timestamps without one.
    pub timezone: Option<String>,
}

impl TimeOptions {
    /// Whether every field is off.
    pub fn is_default(&self) -> bool {
        *self == TimeOptions::default()
    }
}
