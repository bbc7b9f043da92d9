//! Reading a JSON string without keeping it: enum values and timestamps
//! are read from the text where it lies. `String` or `Cow<str>` would
//! allocate one string per field and row (serde's `Cow` always owns), which
//! was most of the time spent decoding a 300,000-row task list.

use serde::Deserializer;
use serde::de::{Error, Visitor};

struct Read<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for Read<F> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
        (self.0)(text).map_err(E::custom)
    }
}

/// Reads a string field through `read`.
pub(crate) fn read<'de, D: Deserializer<'de>, T>(
    d: D,
    read: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    d.deserialize_str(Read(read))
}

struct ReadOption<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for ReadOption<F> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        read(d, self.0).map(Some)
    }
}

/// Reads a string-or-null field through `read`.
pub(crate) fn read_option<'de, D: Deserializer<'de>, T>(
    d: D,
    read: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, D::Error> {
    d.deserialize_option(ReadOption(read))
}
