//! map: projects and rewrites JSON objects. fields=a,b keeps those top-level fields (in that
//! order, absent ones skipped); upper=name upper-cases that string field. A value that is not
//! a JSON object passes through unchanged. The twin of modules/json-map.
use sluice_sdk::json::{self, JsonValue, JsonWriter};
use sluice_sdk::{Init, JsonField, Map, Params, Record, Result};

pub struct JsonMap {
    keep: Vec<JsonField>,
    upper: String,
}

impl Init for JsonMap {
    fn init(params: &Params) -> Result<Self> {
        Ok(JsonMap {
            keep: params.list("fields").into_iter().map(JsonField::new).collect(),
            upper: params.get_or("upper", "").to_string(),
        })
    }
}

fn write_value(w: &mut JsonWriter, upper: bool, v: JsonValue) {
    match v.string() {
        Some(s) if upper => w.string(&s.to_uppercase()),
        _ => w.raw(v.raw()),
    };
}

impl Map for JsonMap {
    fn map<'a>(&mut self, mut record: Record<'a>) -> Result<Record<'a>> {
        let value = record.value().unwrap_or_default();
        let members = match json::object(value) {
            Some(m) => m,
            None => return Ok(record),
        };
        let mut w = JsonWriter::new();
        w.begin_object();
        if self.keep.is_empty() {
            for (key, v) in members {
                w.key(&key.string());
                write_value(&mut w, !self.upper.is_empty() && key.raw() == self.upper.as_bytes(), v);
            }
        } else {
            for field in &self.keep {
                if let Some(v) = field.find_in(value) {
                    w.key(field.name());
                    write_value(&mut w, field.name() == self.upper, v);
                }
            }
        }
        w.end_object();
        record.set_value(w.into_bytes());
        Ok(record)
    }
}

sluice_sdk::map!(JsonMap);
