//! Grisu2 (Loitsch, "Printing Floating-Point Numbers Quickly and Accurately with Integers"):
//! the digits of a positive finite double that read back as the same double, mostly the
//! shortest such. The same steps as the AssemblyScript SDK's number.ts, which in turn is
//! AssemblyScript's dtoa with its power-of-ten table widened to the 20 entries the
//! fraction loop can reach (the standard library's has 10, and read past them).

use super::number::decimal_digits;

/// Cached powers of ten 1e-348, 1e-340, …, 1e340: significands, then binary exponents.
const FRC_POWERS: [u64; 87] = [
    0xFA8FD5A0081C0288, 0xBAAEE17FA23EBF76, 0x8B16FB203055AC76, 0xCF42894A5DCE35EA, 0x9A6BB0AA55653B2D,
    0xE61ACF033D1A45DF, 0xAB70FE17C79AC6CA, 0xFF77B1FCBEBCDC4F, 0xBE5691EF416BD60C, 0x8DD01FAD907FFC3C,
    0xD3515C2831559A83, 0x9D71AC8FADA6C9B5, 0xEA9C227723EE8BCB, 0xAECC49914078536D, 0x823C12795DB6CE57,
    0xC21094364DFB5637, 0x9096EA6F3848984F, 0xD77485CB25823AC7, 0xA086CFCD97BF97F4, 0xEF340A98172AACE5,
    0xB23867FB2A35B28E, 0x84C8D4DFD2C63F3B, 0xC5DD44271AD3CDBA, 0x936B9FCEBB25C996, 0xDBAC6C247D62A584,
    0xA3AB66580D5FDAF6, 0xF3E2F893DEC3F126, 0xB5B5ADA8AAFF80B8, 0x87625F056C7C4A8B, 0xC9BCFF6034C13053,
    0x964E858C91BA2655, 0xDFF9772470297EBD, 0xA6DFBD9FB8E5B88F, 0xF8A95FCF88747D94, 0xB94470938FA89BCF,
    0x8A08F0F8BF0F156B, 0xCDB02555653131B6, 0x993FE2C6D07B7FAC, 0xE45C10C42A2B3B06, 0xAA242499697392D3,
    0xFD87B5F28300CA0E, 0xBCE5086492111AEB, 0x8CBCCC096F5088CC, 0xD1B71758E219652C, 0x9C40000000000000,
    0xE8D4A51000000000, 0xAD78EBC5AC620000, 0x813F3978F8940984, 0xC097CE7BC90715B3, 0x8F7E32CE7BEA5C70,
    0xD5D238A4ABE98068, 0x9F4F2726179A2245, 0xED63A231D4C4FB27, 0xB0DE65388CC8ADA8, 0x83C7088E1AAB65DB,
    0xC45D1DF942711D9A, 0x924D692CA61BE758, 0xDA01EE641A708DEA, 0xA26DA3999AEF774A, 0xF209787BB47D6B85,
    0xB454E4A179DD1877, 0x865B86925B9BC5C2, 0xC83553C5C8965D3D, 0x952AB45CFA97A0B3, 0xDE469FBD99A05FE3,
    0xA59BC234DB398C25, 0xF6C69A72A3989F5C, 0xB7DCBF5354E9BECE, 0x88FCF317F22241E2, 0xCC20CE9BD35C78A5,
    0x98165AF37B2153DF, 0xE2A0B5DC971F303A, 0xA8D9D1535CE3B396, 0xFB9B7CD9A4A7443C, 0xBB764C4CA7A44410,
    0x8BAB8EEFB6409C1A, 0xD01FEF10A657842C, 0x9B10A4E5E9913129, 0xE7109BFBA19C0C9D, 0xAC2820D9623BF429,
    0x80444B5E7AA7CF85, 0xBF21E44003ACDD2D, 0x8E679C2F5E44FF8F, 0xD433179D9C8CB841, 0x9E19DB92B4E31BA9,
    0xEB96BF6EBADF77D9, 0xAF87023B9BF0EE6B,
];

const EXP_POWERS: [i16; 87] = [
    -1220, -1193, -1166, -1140, -1113, -1087, -1060, -1034, -1007, -980, -954, -927, -901, -874, -847, -821, -794, -768,
    -741, -715, -688, -661, -635, -608, -582, -555, -529, -502, -475, -449, -422, -396, -369, -343, -316, -289, -263,
    -236, -210, -183, -157, -130, -103, -77, -50, -24, 3, 30, 56, 83, 109, 136, 162, 189, 216, 242, 269, 295, 322, 348,
    375, 402, 428, 455, 481, 508, 534, 561, 588, 614, 641, 667, 694, 720, 747, 774, 800, 827, 853, 880, 907, 933, 960,
    986, 1013, 1039, 1066,
];

const POW10: [u64; 20] = [
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
    10000000,
    100000000,
    1000000000,
    10000000000,
    100000000000,
    1000000000000,
    10000000000000,
    100000000000000,
    1000000000000000,
    10000000000000000,
    100000000000000000,
    1000000000000000000,
    10000000000000000000,
];

fn umul64f(u: u64, v: u64) -> u64 {
    let u0 = u & 0xFFFFFFFF;
    let v0 = v & 0xFFFFFFFF;
    let u1 = u >> 32;
    let v1 = v >> 32;
    let l = u0.wrapping_mul(v0);
    let t = u1.wrapping_mul(v0).wrapping_add(l >> 32);
    let w = u0.wrapping_mul(v1).wrapping_add(t & 0xFFFFFFFF).wrapping_add(0x7FFFFFFF); // rounding
    u1.wrapping_mul(v1).wrapping_add(t >> 32).wrapping_add(w >> 32)
}

fn decimal_count32(v: u32) -> u32 {
    if v < 100000 {
        if v < 100 {
            1 + (v >= 10) as u32
        } else {
            3 + (v >= 10000) as u32 + (v >= 1000) as u32
        }
    } else if v < 10000000 {
        6 + (v >= 1000000) as u32
    } else {
        8 + (v >= 1000000000) as u32 + (v >= 100000000) as u32
    }
}

/// The ASCII digits of `value` (> 0, finite) into `buf`; returns their count and the decimal
/// exponent k (value ≈ digits × 10^k).
pub(super) fn grisu2(value: f64, buf: &mut [u8; 32]) -> (usize, i32) {
    let bits = value.to_bits();
    let biased = ((bits & 0x7FF0000000000000) >> 52) as i32;
    let mut frc = (((biased != 0) as u64) << 52) + (bits & 0x000FFFFFFFFFFFFF);
    let exp = (if biased != 0 { biased } else { 1 }) - (0x3FF + 52);

    // The boundaries m+ and m- of the interval that reads back as the value.
    let mut plus = (frc << 1) + 1;
    let mut bexp = exp - 1;
    let off = plus.leading_zeros() as i32;
    plus <<= off;
    bexp -= off;
    let m = 1 + (frc == 0x0010000000000000) as i32;
    let minus = ((frc << m) - 1) << (exp - m - bexp) as u32;

    // The cached power of ten that brings the exponent into [-60, -32].
    let dk = (-61 - bexp) as f64 * f64::from_bits(0x3FD34413509F79FE) + 347.0;
    let mut k = dk as i32;
    k += (k as f64 != dk) as i32;
    let index = ((k >> 3) + 1) as usize;
    let mut decimal_exp = 348 - ((index as i32) << 3);
    let frc_pow = FRC_POWERS[index];
    let exp_pow = EXP_POWERS[index] as i32;

    frc <<= frc.leading_zeros();
    let w_frc = umul64f(frc, frc_pow);
    let wp_frc = umul64f(plus, frc_pow).wrapping_sub(1);
    let wp_exp = bexp + exp_pow + 64;
    let wm_frc = umul64f(minus, frc_pow).wrapping_add(1);
    let len = gen_digits(buf, w_frc, wp_frc, wp_exp, wp_frc.wrapping_sub(wm_frc), &mut decimal_exp);
    (len, decimal_exp)
}

fn gen_digits(buf: &mut [u8; 32], w_frc: u64, mp_frc: u64, mp_exp: i32, mut delta: u64, k: &mut i32) -> usize {
    let one_exp = (-mp_exp) as u32;
    let one_frc: u64 = 1 << one_exp;
    let mask = one_frc - 1;
    let mut wp_w_frc = mp_frc.wrapping_sub(w_frc);
    let mut p1 = (mp_frc >> one_exp) as u32;
    let mut p2 = mp_frc & mask;
    let mut kappa = decimal_count32(p1) as i32;
    let mut len = 0usize;

    while kappa > 0 {
        let unit = POW10[(kappa - 1) as usize] as u32;
        let d = p1 / unit;
        p1 %= unit;
        if d != 0 || len != 0 {
            buf[len] = b'0' + d as u8;
            len += 1;
        }
        kappa -= 1;
        let rest = ((p1 as u64) << one_exp) + p2;
        if rest <= delta {
            *k += kappa;
            grisu_round(buf, len, delta, rest, POW10[kappa as usize] << one_exp, wp_w_frc);
            return len;
        }
    }
    loop {
        p2 = p2.wrapping_mul(10);
        delta = delta.wrapping_mul(10);
        let d = p2 >> one_exp;
        if d != 0 || len != 0 {
            buf[len] = b'0' + d as u8;
            len += 1;
        }
        p2 &= mask;
        kappa -= 1;
        if p2 < delta {
            *k += kappa;
            let index = (-kappa) as usize;
            wp_w_frc = wp_w_frc.wrapping_mul(if index < POW10.len() { POW10[index] } else { 0 });
            grisu_round(buf, len, delta, p2, one_frc, wp_w_frc);
            return len;
        }
    }
}

fn grisu_round(buf: &mut [u8; 32], len: usize, delta: u64, mut rest: u64, ten_kappa: u64, wp_w: u64) {
    let last = len - 1;
    let mut digit = buf[last];
    while rest < wp_w
        && delta.wrapping_sub(rest) >= ten_kappa
        && (rest.wrapping_add(ten_kappa) < wp_w
            || wp_w.wrapping_sub(rest) > rest.wrapping_add(ten_kappa).wrapping_sub(wp_w))
    {
        digit -= 1;
        rest = rest.wrapping_add(ten_kappa);
    }
    buf[last] = digit;
}

/// Writes the exponent k as "+k" or "-k" at `buf`; returns its length.
fn gen_exponent(buf: &mut [u8], k: i32) -> usize {
    buf[0] = if k < 0 { b'-' } else { b'+' };
    let mut scratch = [0; 20];
    let digits = decimal_digits(k.unsigned_abs() as u64, &mut scratch);
    buf[1..1 + digits.len()].copy_from_slice(digits);
    digits.len() + 1
}

/// Lays the digits out as JavaScript writes numbers: 12.34, 0.001234, 1.234e+30, 1e-7.
pub(super) fn prettify(buf: &mut [u8; 32], length: usize, k: i32) -> usize {
    let len = length as i32;
    if k == 0 {
        buf[length] = b'.';
        buf[length + 1] = b'0';
        return length + 2;
    }
    let kk = len + k;
    if len <= kk && kk <= 21 {
        // 1234e7 -> 12340000000.0
        let kk = kk as usize;
        for b in &mut buf[length..kk] {
            *b = b'0';
        }
        buf[kk] = b'.';
        buf[kk + 1] = b'0';
        kk + 2
    } else if kk > 0 && kk <= 21 {
        // 1234e-2 -> 12.34
        let kk = kk as usize;
        buf.copy_within(kk..length, kk + 1);
        buf[kk] = b'.';
        length + 1
    } else if -6 < kk && kk <= 0 {
        // 1234e-6 -> 0.001234
        let offset = (2 - kk) as usize;
        buf.copy_within(0..length, offset);
        buf[0] = b'0';
        buf[1] = b'.';
        for b in &mut buf[2..offset] {
            *b = b'0';
        }
        length + offset
    } else if length == 1 {
        // 1e30
        buf[1] = b'e';
        gen_exponent(&mut buf[2..], kk - 1) + 2
    } else {
        // 1.234e+30
        buf.copy_within(1..length, 2);
        buf[1] = b'.';
        buf[length + 1] = b'e';
        length + gen_exponent(&mut buf[length + 2..], kk - 1) + 2
    }
}
