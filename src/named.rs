//! Closed sets of named values — counting modes, time units, strategies,
//! executors — spelled the same way on the command line, in environment
//! variables, in the manifest and in messages.
//!
//! ```
//! use logcount::named::Named;
//! use logcount::spec::Mode;
//! assert_eq!("words".parse::<Mode>().unwrap(), Mode::Words);
//! assert_eq!(Mode::Keywords.to_string(), "keywords");
//! let err = "lines".parse::<Mode>().unwrap_err();
//! assert_eq!(err.to_string(), "\"lines\" is not one of keywords, words");
//! assert_eq!(Mode::ALL.len(), 2);
//! ```

/// A value from a closed set, each with a name.
pub trait Named: Copy + Sized + 'static {
    /// Every value, in the order help texts list them.
    const ALL: &'static [Self];
    /// The value's name.
    fn name(self) -> &'static str;
    /// A one-line description for help texts.
    fn help(self) -> &'static str;
    /// Whether help texts leave the value out (it still parses).
    fn hidden(self) -> bool {
        false
    }
    /// The value named `name`.
    fn from_name(name: &str) -> Result<Self, UnknownName> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.name() == name)
            .ok_or_else(|| UnknownName {
                given: name.to_string(),
                expected: Self::ALL
                    .iter()
                    .filter(|v| !v.hidden())
                    .map(|v| v.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// A name that is not one of a set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not one of {expected}")]
pub struct UnknownName {
    given: String,
    expected: String,
}

/// Implements [`Named`], `FromStr`, `Display` and serde (as the name) for a
/// fieldless enum: `named!(Mode { Keywords = "keywords": "help", ... })`.
macro_rules! named {
    ($ty:ident { $($variant:ident = $name:literal: $help:literal $(, hidden = $hidden:literal)?);+ $(;)? }) => {
        impl $crate::named::Named for $ty {
            const ALL: &'static [Self] = &[$($ty::$variant),+];
            fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
            fn help(self) -> &'static str {
                match self { $($ty::$variant => $help),+ }
            }
            fn hidden(self) -> bool {
                match self { $($ty::$variant => false $(|| $hidden)?),+ }
            }
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::named::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty as $crate::named::Named>::from_name(s)
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::named::Named::name(*self))
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::named::Named::name(*self))
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$ty as $crate::named::Named>::from_name(&name).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use named;
