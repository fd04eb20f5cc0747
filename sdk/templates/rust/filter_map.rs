//! A filter_map: replaces each record's value by the JSON of its top-level field `field`
//! (param; default "amount") and drops the records without it.
use sluice_sdk::{FilterMap, Init, JsonField, Params, Record, Result};

pub struct Module {
    field: JsonField,
}

impl Init for Module {
    fn init(params: &Params) -> Result<Self> {
        Ok(Module { field: JsonField::new(params.get_or("field", "amount")) })
    }
}

impl FilterMap for Module {
    fn filter_map<'a>(&mut self, mut record: Record<'a>) -> Result<Option<Record<'a>>> {
        let found = self.field.find(&record).map(|v| v.raw().to_vec());
        Ok(found.map(|json| {
            record.set_value(json);
            record
        }))
    }
}

sluice_sdk::filter_map!(Module);
