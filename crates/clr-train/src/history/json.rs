//! `{"epochs": [0, 1], "series": {"loss": [0.9, 0.5], "val_loss": [1.0, null]}}`:
//! series as a map in order, `NaN` as `null` (JSON has no NaN).

use super::History;
use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

struct Column<'a>(&'a [f64]);

impl Serialize for Column<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&x| (!x.is_nan()).then_some(x)))
    }
}

struct Columns<'a>(&'a [(String, Vec<f64>)]);

impl Serialize for Columns<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, column) in self.0 {
            map.serialize_entry(name, &Column(column))?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Out<'a> {
    epochs: &'a [u64],
    series: Columns<'a>,
}

impl Serialize for History {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Out {
            epochs: &self.epochs,
            series: Columns(&self.series),
        }
        .serialize(s)
    }
}

struct OrderedColumns(Vec<(String, Vec<f64>)>);

impl<'de> Deserialize<'de> for OrderedColumns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OrderedColumns;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of series names to arrays of numbers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((name, column)) = map.next_entry::<String, Vec<Option<f64>>>()? {
                    out.push((
                        name,
                        column.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect(),
                    ));
                }
                Ok(OrderedColumns(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct In {
    epochs: Vec<u64>,
    series: OrderedColumns,
}

impl<'de> Deserialize<'de> for History {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = In::deserialize(d)?;
        History::from_parts(raw.epochs, raw.series.0).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(values: &[f64]) -> Vec<u64> {
        values.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn serde_json_round_trip_with_nan_as_null() {
        let mut h = History::new();
        h.push_epoch(0, &[("val_loss", 1.5), ("loss", 0.25)]);
        h.push_epoch(1, &[("loss", 0.125)]);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(
            json,
            r#"{"epochs":[0,1],"series":{"val_loss":[1.5,null],"loss":[0.25,0.125]}}"#
        );
        let back: History = serde_json::from_str(&json).unwrap();
        assert_eq!(back.names().collect::<Vec<_>>(), ["val_loss", "loss"]);
        assert_eq!(bits(back.get("val_loss").unwrap()), bits(&[1.5, f64::NAN]));
        let bad = r#"{"epochs":[0],"series":{"loss":[1,2]}}"#;
        let e = serde_json::from_str::<History>(bad).unwrap_err();
        assert!(
            e.to_string().contains("series `loss` has 2 values where 1"),
            "{e}"
        );
    }
}
