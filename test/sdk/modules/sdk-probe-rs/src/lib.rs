//! A map module that exercises one SDK feature per `mode` param, for test/sdk: the Rust twin
//! of test/sdk/modules/sdk-probe.
use sluice_sdk::json::{self, JsonType};
use sluice_sdk::{js_parse_float, log, Error, Header, Init, JsonField, JsonWriter, Level, Map, Params, Record, Result};

pub struct Probe {
    mode: String,
    field: JsonField,
}

impl Init for Probe {
    fn init(params: &Params) -> Result<Self> {
        let mode = params.get_or("mode", "");
        if mode.is_empty() {
            return Err(Error::new("param mode is required"));
        }
        Ok(Probe { mode: mode.to_string(), field: JsonField::new(params.get_or("field", "s")) })
    }
}

/// The AssemblyScript SDK's type codes, so both probes print the same.
fn type_code(t: JsonType) -> u8 {
    match t {
        JsonType::String => 1,
        JsonType::Number => 2,
        JsonType::Object => 3,
        JsonType::Array => 4,
        JsonType::True => 5,
        JsonType::False => 6,
        JsonType::Null => 7,
    }
}

fn headers_mode(mut r: Record) -> Record {
    let key = match r.key_str() {
        Some(k) => format!("k:{k}"),
        None => "none".to_string(),
    };
    r.set_key(key.into_bytes());
    r.set_timestamp(r.timestamp() + 1);
    let mut listed = String::new();
    for h in r.headers() {
        let v = h.value.as_deref().map_or("null".into(), String::from_utf8_lossy);
        listed += &format!("{}={};", h.key, v);
    }
    r.add_header(Header::new("seen", b"1".to_vec()));
    let first = r.header("a").map_or("-".to_string(), |v| String::from_utf8_lossy(&v).into_owned());
    r.set_value(format!("{listed}|{first}").into_bytes());
    r
}

fn writer_mode(mut r: Record) -> Record {
    let mut w = JsonWriter::new();
    w.begin_object()
        .key("s")
        .string("q\"b\\n\n\t\u{1}é😀")
        .key("nums")
        .begin_array()
        .number(1.5)
        .number(3.0)
        .number(-2.0)
        .number(f64::NAN)
        .integer(9007199254740993)
        .end_array()
        .key("b")
        .bool(true)
        .key("n")
        .null()
        .key("o")
        .begin_object()
        .key("e")
        .begin_array()
        .end_array()
        .end_object()
        .key("raw")
        .raw(r.value().unwrap_or_default())
        .end_object();
    r.set_value(w.into_bytes());
    r
}

fn unescape_mode<'a>(field: &JsonField, mut r: Record<'a>) -> Record<'a> {
    let out = match field.find(&r) {
        None => "absent".to_string(),
        Some(v) => match (v.string(), v.number()) {
            (Some(s), _) => format!("string:{s}:{}", s.encode_utf16().count()),
            (None, Some(n)) => {
                let mut w = JsonWriter::new();
                w.number(n * 2.0);
                format!("number:{}", String::from_utf8_lossy(w.as_bytes()))
            }
            (None, None) => format!("raw:{}:{}", String::from_utf8_lossy(v.raw()), type_code(v.kind())),
        },
    };
    r.set_value(out.into_bytes());
    r
}

fn keys_mode(mut r: Record) -> Record {
    let out = match json::object(r.value().unwrap_or_default()) {
        None => "not-object".to_string(),
        Some(members) => members.map(|(k, v)| format!("{}@{},", k.string(), type_code(v.kind()))).collect(),
    };
    r.set_value(out.into_bytes());
    r
}

/// The value parsed as a number and written back: "<JSON text>|<the parsed double's bits in hex>".
fn number_mode(mut r: Record) -> Record {
    let v = js_parse_float(r.value().unwrap_or_default());
    let mut w = JsonWriter::new();
    w.number(v);
    r.set_value(format!("{}|{:x}", String::from_utf8_lossy(w.as_bytes()), v.to_bits()).into_bytes());
    r
}

/// Key, value and header keys read as text.
fn text_mode(mut r: Record) -> Record {
    let keys: String = r.headers().map(|h| format!("{};", h.key)).collect();
    let key = r.key_str().map_or("null".to_string(), |k| k.into_owned());
    let value = r.value_str().unwrap_or_default().into_owned();
    r.set_value(format!("{key}|{value}|{keys}").into_bytes());
    r
}

impl Map for Probe {
    fn map<'a>(&mut self, mut r: Record<'a>) -> Result<Record<'a>> {
        Ok(match self.mode.as_str() {
            "number" => number_mode(r),
            "text" => text_mode(r),
            "headers" => headers_mode(r),
            "writer" => writer_mode(r),
            "unescape" => unescape_mode(&self.field, r),
            "keys" => keys_mode(r),
            "fail" => {
                if r.value() == Some(b"bad") {
                    return Err(Error::new(format!("bad record at offset {}", r.offset())));
                }
                r
            }
            "panic" => {
                // Out of range for values longer than 0 bytes: Rust panics.
                let a = [0u8; 1];
                if a[r.value().map_or(0, |v| v.len())] == 7 {
                    r.set_value(b"never".to_vec());
                }
                r
            }
            "log" => {
                log(Level::Info, &format!("saw {}", r.value_str().unwrap_or_default()));
                r
            }
            "null" => {
                r.set_null_value();
                r.set_null_key();
                r.set_headers(vec![Header::null("x")]);
                r
            }
            _ => r,
        })
    }
}

sluice_sdk::map!(Probe);
