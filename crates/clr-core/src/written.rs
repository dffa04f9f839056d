//! How presets are written (the `serde` feature): most as the builder they
//! were built from, under `config`, and read back through that builder's
//! `build`, so a crafted configuration is refused as the builder refuses it
//! and nothing derived is ever read. A user's function (a `scale_fn`, an
//! `amplitude_fn`) cannot be written: writing or reading one is an
//! [`Error::Unserializable`] naming it, never a silent stand-in.

use serde::{de, ser, Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// The written form of a preset: its builder.
#[derive(Serialize, Deserialize)]
pub(crate) struct Written<B> {
    pub(crate) config: B,
}

/// Writes `$preset<F>` as its `config` field (a `$builder<F>`) and reads it
/// back through `$builder::$build`, which validates it and derives the rest.
macro_rules! written_as_builder {
    ($preset:ident, $builder:ident, $build:ident) => {
        impl<F: $crate::real::Real + serde::Serialize> serde::Serialize for $preset<F> {
            fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
                let config = &self.config;
                serde::Serialize::serialize(&$crate::written::Written { config }, to)
            }
        }

        impl<'de, F> serde::Deserialize<'de> for $preset<F>
        where
            F: $crate::real::Real + serde::Deserialize<'de>,
        {
            fn deserialize<D: serde::Deserializer<'de>>(from: D) -> Result<Self, D::Error> {
                let written: $crate::written::Written<$builder<F>> =
                    serde::Deserialize::deserialize(from)?;
                written.config.$build().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use written_as_builder;

fn unserializable(param: &'static str) -> Error {
    Error::Unserializable { param }
}

/// `serialize_with` of a `scale_fn`: refused.
pub(crate) fn write_scale_fn<S: Serializer>(_: &fn(f64) -> f64, _: S) -> Result<S::Ok, S::Error> {
    Err(ser::Error::custom(unserializable("scale_fn")))
}

/// `deserialize_with` of a `scale_fn`: refused.
pub(crate) fn read_scale_fn<'de, D: Deserializer<'de>>(_: D) -> Result<fn(f64) -> f64, D::Error> {
    Err(de::Error::custom(unserializable("scale_fn")))
}

/// `serialize_with` of an `amplitude_fn`: refused.
pub(crate) fn write_amplitude_fn<S: Serializer>(
    _: &fn(f64) -> f64,
    _: S,
) -> Result<S::Ok, S::Error> {
    Err(ser::Error::custom(unserializable("amplitude_fn")))
}

/// `deserialize_with` of an `amplitude_fn`: refused.
pub(crate) fn read_amplitude_fn<'de, D: Deserializer<'de>>(
    _: D,
) -> Result<fn(f64) -> f64, D::Error> {
    Err(de::Error::custom(unserializable("amplitude_fn")))
}
