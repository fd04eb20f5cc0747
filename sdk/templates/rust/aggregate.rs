//! An aggregate: a running count of records. The host keeps the accumulator between batches
//! (here 8 bytes, the count as a little-endian u64); every record emits {"count":n}.
use sluice_sdk::{Aggregate, Emit, Init, Params, Record, Result};

pub struct Module;

impl Init for Module {
    fn init(_params: &Params) -> Result<Self> {
        Ok(Module)
    }
}

impl Aggregate for Module {
    fn aggregate(&mut self, acc: &mut Vec<u8>, _record: &Record) -> Result<Emit> {
        let before = <[u8; 8]>::try_from(acc.as_slice()).map_or(0, u64::from_le_bytes);
        let count = before + 1;
        *acc = count.to_le_bytes().to_vec();
        Ok(Emit::Value(format!("{{\"count\":{count}}}").into_bytes()))
    }
}

sluice_sdk::aggregate!(Module);
