//! Text as both SDKs read it from records: UTF-8 with each invalid sequence replaced by U+FFFD
//! (the AssemblyScript SDK decodes the same way), JSON string unescaping, and JavaScript's
//! notion of white space.
use alloc::borrow::Cow;
use alloc::string::String;

/// The bytes as text, invalid sequences replaced by U+FFFD; borrowed when they are valid UTF-8.
pub fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// JavaScript's white space (what `trim` and `parseFloat` skip), as a UTF-16 code unit.
pub(crate) fn is_js_space_unit(c: u32) -> bool {
    if c < 0x1680 {
        return (c | 0x80) == 0xA0 || c.wrapping_sub(0x09) <= 0x0D - 0x09;
    }
    if c.wrapping_sub(0x2000) <= 0x200A - 0x2000 {
        return true;
    }
    matches!(c, 0x1680 | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000 | 0xFEFF)
}

pub(crate) fn is_js_space(c: char) -> bool {
    is_js_space_unit(c as u32)
}

fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        let h = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | h as u32;
    }
    Some(v)
}

/// Decodes the contents of a JSON string (the bytes between its quotes). `\uXXXX` pairs of
/// surrogates make one character and an unpaired surrogate becomes U+FFFD; a `\u` not followed
/// by four hex digits is dropped (the digits stay as text); any other escaped byte stands for
/// itself, read as Latin-1 (as JavaScript's String.fromCharCode reads it).
pub fn json_unescape(s: &[u8]) -> Cow<'_, str> {
    if !s.contains(&b'\\') {
        return utf8_lossy(s);
    }
    let end = s.len();
    let mut out = String::with_capacity(end);
    let mut run = 0;
    let mut p = 0;
    while p < end {
        if s[p] != b'\\' {
            p += 1;
            continue;
        }
        out.push_str(&utf8_lossy(&s[run..p]));
        if p + 1 >= end {
            run = p; // a trailing backslash stays as text
            break;
        }
        let e = s[p + 1];
        p += 2;
        match e {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'u' if p + 4 <= end => {
                if let Some(u) = hex4(&s[p..p + 4]) {
                    p += 4;
                    out.push(surrogate_aware(u, s, &mut p));
                }
            }
            _ => out.push(e as char),
        }
        run = p;
    }
    if run < end {
        out.push_str(&utf8_lossy(&s[run..end]));
    }
    Cow::Owned(out)
}

/// The character for `\u{u}`: a high surrogate takes the `\uDC00`-`\uDFFF` escape right after
/// it (advancing `p` past it); any other surrogate is U+FFFD.
fn surrogate_aware(u: u32, s: &[u8], p: &mut usize) -> char {
    if (0xD800..0xDC00).contains(&u) {
        let at = *p;
        if at + 6 <= s.len() && s[at] == b'\\' && s[at + 1] == b'u' {
            if let Some(lo) = hex4(&s[at + 2..at + 6]) {
                if (0xDC00..0xE000).contains(&lo) {
                    *p += 6;
                    return char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{FFFD}');
                }
            }
        }
        return '\u{FFFD}';
    }
    char::from_u32(u).unwrap_or('\u{FFFD}')
}
