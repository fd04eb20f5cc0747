//! Parameters given at attach time (key=value pairs), decoded once in sluice_init.
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::json::number::js_parse_float;
use crate::text::{is_js_space, utf8_lossy};

pub struct Params {
    pairs: Vec<(String, String)>,
}

fn read_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

impl Params {
    /// Decodes the ABI params layout (u32 count, then u32 length + UTF-8 for each key and
    /// value); None when malformed. A later duplicate key replaces an earlier one.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Params> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if bytes.is_empty() {
            return Some(Params { pairs });
        }
        let count = read_u32(bytes, 0)?;
        let mut at = 4;
        for _ in 0..count {
            let mut text = || -> Option<String> {
                let len = read_u32(bytes, at)?;
                let s = bytes.get(at + 4..(at + 4).checked_add(len)?)?;
                at += 4 + len;
                Some(utf8_lossy(s).into_owned())
            };
            let key = text()?;
            let value = text()?;
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some(pair) => pair.1 = value,
                None => pairs.push((key, value)),
            }
        }
        Some(Params { pairs })
    }

    /// Params from pairs, e.g. to test a module's init on the host.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Params {
        let mut p = Params { pairs: Vec::new() };
        for (k, v) in pairs {
            match p.pairs.iter_mut().find(|(key, _)| key == k) {
                Some(pair) => pair.1 = String::from(v),
                None => p.pairs.push((String::from(k), String::from(v))),
            }
        }
        p
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or `default` when absent.
    pub fn get_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).unwrap_or(default)
    }

    /// The value of `name` as a number, parsed like JavaScript's parseFloat (so the same text
    /// gives the same number in an AssemblyScript module); None when absent, an error naming
    /// the param when it is not a number.
    pub fn number(&self, name: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => {
                let n = js_parse_float(text.as_bytes());
                if n.is_nan() {
                    Err(Error::new(format!("param {name} must be a number, not \"{text}\"")))
                } else {
                    Ok(Some(n))
                }
            }
        }
    }

    /// The comma-separated list in `name`, each entry trimmed, empty entries dropped.
    pub fn list(&self, name: &str) -> Vec<&str> {
        match self.get(name) {
            None => Vec::new(),
            Some(v) => v.split(',').map(|s| s.trim_matches(is_js_space)).filter(|s| !s.is_empty()).collect(),
        }
    }

    /// The names given, in the order the host sent them.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }
}
