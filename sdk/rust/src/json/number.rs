//! Numbers as both SDKs read and write them, so that a Rust module and its AssemblyScript twin
//! give the same bytes: parsing is AssemblyScript's `parseFloat` (its strtod, JavaScript's
//! prefix rules), writing is the Grisu2 shortest-digit algorithm the AssemblyScript SDK's
//! `JsonWriter.number` uses, in JavaScript's notation. Both work on exact integer and IEEE
//! arithmetic, so the ports agree bit for bit.
use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::grisu::{grisu2, prettify};
use crate::text::{is_js_space_unit, utf8_lossy};

const SIGN_BIT: u64 = 1 << 63;

fn abs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & !SIGN_BIT)
}

fn copysign(x: f64, sign: f64) -> f64 {
    f64::from_bits((x.to_bits() & !SIGN_BIT) | (sign.to_bits() & SIGN_BIT))
}

/// Round half to even, for 0 <= x (wasm's f64.nearest): adding 2^52 leaves no fraction bits.
fn nearest(x: f64) -> f64 {
    const TWO_52: f64 = 4503599627370496.0;
    if x >= TWO_52 {
        x
    } else {
        (x + TWO_52) - TWO_52
    }
}

/// musl's scalbn: x * 2^n without intermediate overflow.
fn scalbn(x: f64, mut n: i32) -> f64 {
    let x1p1023 = f64::from_bits(0x7FE0000000000000);
    let x1p_1022 = f64::from_bits(0x0010000000000000);
    let x1p53 = f64::from_bits(0x4340000000000000);
    let mut y = x;
    if n > 1023 {
        y *= x1p1023;
        n -= 1023;
        if n > 1023 {
            y *= x1p1023;
            n = (n - 1023).min(1023);
        }
    } else if n < -1022 {
        y *= x1p_1022 * x1p53;
        n += 1022 - 53;
        if n < -1022 {
            y *= x1p_1022 * x1p53;
            n = (n + 1022 - 53).max(-1022);
        }
    }
    y * f64::from_bits(((0x3FF + n) as u64) << 52)
}

const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// The number in `text` as JavaScript's parseFloat reads it: leading white space, a sign,
/// "Infinity" or the longest decimal prefix with an optional exponent; NaN when there is none.
pub fn js_parse_float(text: &[u8]) -> f64 {
    // AssemblyScript parses the UTF-16 decoding of the text: ASCII maps byte for byte.
    if text.is_ascii() && text.len() <= 64 {
        let mut units = [0u16; 64];
        for (u, &b) in units.iter_mut().zip(text) {
            *u = b as u16;
        }
        return strtod(&units[..text.len()]);
    }
    let decoded: Cow<'_, str> = utf8_lossy(text);
    let units: Vec<u16> = decoded.encode_utf16().collect();
    strtod(&units)
}

const CHAR_0: u32 = b'0' as u32;
const CAPACITY: i32 = 19; // decimal digits a u64 holds

/// AssemblyScript's strtod. Reads past the end give 0: in every such place AssemblyScript's own
/// read past the string leads to the same result whatever it finds there.
fn strtod(s: &[u16]) -> f64 {
    let at = |i: usize| -> u32 { s.get(i).map_or(0, |&c| c as u32) };
    let mut len = s.len() as i32;
    if len == 0 {
        return f64::NAN;
    }
    let mut i = 0usize;
    let mut code = at(0);
    let mut sign = 1.0f64;
    while len != 0 && is_js_space_unit(code) {
        i += 1;
        code = at(i);
        len -= 1;
    }
    if len == 0 {
        return f64::NAN;
    }
    if code == b'-' as u32 || code == b'+' as u32 {
        if code == b'-' as u32 {
            sign = -1.0;
        }
        len -= 1;
        if len == 0 {
            return f64::NAN;
        }
        i += 1;
        code = at(i);
    }
    if len >= 8 && code == b'I' as u32 {
        let infinity = "Infinity".encode_utf16().eq(s[i..i + 8].iter().copied());
        return if infinity { f64::INFINITY * sign } else { f64::NAN };
    }
    if code != b'.' as u32 && code.wrapping_sub(CHAR_0) >= 10 {
        return f64::NAN;
    }
    let saved = i;
    while code == CHAR_0 {
        i += 1;
        code = at(i);
        len -= 1;
    }
    if len <= 0 {
        return 0.0 * sign;
    }
    let mut pointed = false;
    let mut consumed: i32 = 0;
    let mut position: i32 = 0;
    let mut x: u64 = 0;
    if code == b'.' as u32 {
        let no_digits = saved == i;
        i += 1;
        len -= 1;
        if len == 0 && no_digits {
            return f64::NAN;
        }
        pointed = true;
        loop {
            code = at(i);
            if code != CHAR_0 {
                break;
            }
            len -= 1;
            position -= 1;
            i += 1;
        }
        if len <= 0 {
            return 0.0 * sign;
        }
        if position == 0 && no_digits && code.wrapping_sub(CHAR_0) >= 10 {
            return f64::NAN;
        }
    }
    let mut digit = code.wrapping_sub(CHAR_0);
    while digit < 10 || (code == b'.' as u32 && !pointed) {
        if digit < 10 {
            x = if consumed < CAPACITY { 10 * x + digit as u64 } else { x | (digit != 0) as u64 };
            consumed += 1;
        } else {
            position = consumed;
            pointed = true;
        }
        len -= 1;
        if len == 0 {
            break;
        }
        i += 1;
        code = at(i);
        digit = code.wrapping_sub(CHAR_0);
    }
    if !pointed {
        position = consumed;
    }
    copysign(scientific(x, position - CAPACITY.min(consumed) + parse_exp(s, i, len)), sign)
}

fn parse_exp(s: &[u16], mut i: usize, mut len: i32) -> i32 {
    let at = |i: usize| -> u32 { s.get(i).map_or(0, |&c| c as u32) };
    let mut sign = 1;
    let mut magnitude: i32 = 0;
    let mut code = at(i);
    if (code | 32) != b'e' as u32 {
        return 0;
    }
    len -= 1;
    if len == 0 {
        return 0;
    }
    i += 1;
    code = at(i);
    if code == b'-' as u32 || code == b'+' as u32 {
        if code == b'-' as u32 {
            sign = -1;
        }
        len -= 1;
        if len == 0 {
            return 0;
        }
        i += 1;
        code = at(i);
    }
    while code == CHAR_0 {
        len -= 1;
        if len == 0 {
            return 0;
        }
        i += 1;
        code = at(i);
    }
    let mut digit = code.wrapping_sub(CHAR_0);
    while len != 0 && digit < 10 {
        if magnitude >= 3200 {
            return sign * 3200;
        }
        magnitude = 10 * magnitude + digit as i32;
        i += 1;
        code = at(i);
        len -= 1;
        digit = code.wrapping_sub(CHAR_0);
    }
    sign * magnitude
}

fn scientific(significand: u64, mut exp: i32) -> f64 {
    if significand == 0 || exp < -342 {
        return 0.0;
    }
    if exp > 308 {
        return f64::INFINITY;
    }
    let mut significandf = significand as f64;
    if exp == 0 {
        return significandf;
    }
    if exp > 22 && exp <= 22 + 15 {
        significandf *= POW10_F64[(exp - 22) as usize];
        exp = 22;
    }
    if significand <= 9007199254740991 && exp.abs() <= 22 {
        if exp > 0 {
            return significandf * POW10_F64[exp as usize];
        }
        return significandf / POW10_F64[(-exp) as usize];
    }
    if exp < 0 {
        scaledown(significand, exp)
    } else {
        scaleup(significand, exp)
    }
}

fn scaledown(mut significand: u64, mut exp: i32) -> f64 {
    const DENOM: u64 = 6103515625; // 1e14 * 0x1p-14
    let scale = f64::from_bits(0x3F06849B86A12B9B); // 1e-14 * 0x1p32
    let shift0 = significand.leading_zeros() as u64;
    significand <<= shift0;
    let mut shift = (exp as i64 as u64).wrapping_sub(shift0);
    while exp <= -14 {
        let q = significand / DENOM;
        let r = significand % DENOM;
        let s = q.leading_zeros() as u64;
        let frac = nearest(scale * (r.wrapping_shl(s.wrapping_sub(18) as u32) as f64));
        significand = (q << s).wrapping_add(frac as u64);
        shift = shift.wrapping_sub(s);
        exp += 14;
    }
    let b = 5u64.pow((-exp) as u32);
    let q = significand / b;
    let r = significand % b;
    let s = q.leading_zeros() as u64;
    let scaled = f64::from_bits((r as f64).to_bits().wrapping_add(s << 52)) / b as f64;
    significand = (q << s).wrapping_add(scaled as u64);
    shift = shift.wrapping_sub(s);
    scalbn(significand as f64, shift as i32)
}

fn fixmul(a: u64, b: u32, shift: &mut u64) -> u64 {
    let low = (a & 0xFFFFFFFF).wrapping_mul(b as u64);
    let high = (a >> 32).wrapping_mul(b as u64).wrapping_add(low >> 32);
    let overflow = (high >> 32) as u32;
    let space = overflow.leading_zeros() as u64;
    let revspace = 32 - space;
    *shift = shift.wrapping_add(revspace);
    ((high << space) | ((low & 0xFFFFFFFF) >> revspace)).wrapping_add((low << space) >> 31 & 1)
}

fn scaleup(mut significand: u64, mut exp: i32) -> f64 {
    const COEFF: u32 = 1220703125; // 1e13 * 0x1p-13
    let mut shift = significand.trailing_zeros() as u64;
    significand >>= shift;
    shift = shift.wrapping_add(exp as i64 as u64);
    while exp >= 13 {
        significand = fixmul(significand, COEFF, &mut shift);
        exp -= 13;
    }
    significand = fixmul(significand, 5u32.pow(exp as u32), &mut shift);
    scalbn(significand as f64, shift as i32)
}

/// Appends `v` as the AssemblyScript SDK's JsonWriter.number writes it: null when not finite,
/// integers within 2^53 without a fraction, anything else in shortest digits (Grisu2) laid out
/// as JavaScript does (21 integer digits at most before switching to an exponent).
pub fn write_number(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    if abs(v) < 9007199254740992.0 && (v as i64) as f64 == v {
        write_integer(out, v as i64);
        return;
    }
    if v < 0.0 {
        out.push(b'-');
    }
    let mut buf = [0u8; 32];
    let (len, k) = grisu2(abs(v), &mut buf);
    let n = prettify(&mut buf, len, k);
    out.extend_from_slice(&buf[..n]);
}

/// Appends the decimal digits of `v`.
pub fn write_integer(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    let mut scratch = [0; 20];
    out.extend_from_slice(decimal_digits(v.unsigned_abs(), &mut scratch));
}

/// The decimal digits of `n`, written at the end of `buf`.
pub(super) fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

