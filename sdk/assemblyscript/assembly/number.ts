// Shortest digits of a double (Grisu2) laid out as JavaScript writes numbers, for
// JsonWriter.number. This is AssemblyScript's own dtoa with one change: its power-of-ten table
// has the 20 entries the fraction loop can index. The standard library's has 10 and reads past
// them into whatever static data follows, which made the last digit depend on the module's
// layout. sdk/rust (json/grisu.rs) is the same algorithm, so both SDKs write the same bytes.

// Cached powers of ten 1e-348, 1e-340, ..., 1e340: significands and binary exponents.
// @ts-ignore: decorator
@lazy const FRC_POWERS = memory.data<u64>([
  0xFA8FD5A0081C0288, 0xBAAEE17FA23EBF76, 0x8B16FB203055AC76, 0xCF42894A5DCE35EA,
  0x9A6BB0AA55653B2D, 0xE61ACF033D1A45DF, 0xAB70FE17C79AC6CA, 0xFF77B1FCBEBCDC4F,
  0xBE5691EF416BD60C, 0x8DD01FAD907FFC3C, 0xD3515C2831559A83, 0x9D71AC8FADA6C9B5,
  0xEA9C227723EE8BCB, 0xAECC49914078536D, 0x823C12795DB6CE57, 0xC21094364DFB5637,
  0x9096EA6F3848984F, 0xD77485CB25823AC7, 0xA086CFCD97BF97F4, 0xEF340A98172AACE5,
  0xB23867FB2A35B28E, 0x84C8D4DFD2C63F3B, 0xC5DD44271AD3CDBA, 0x936B9FCEBB25C996,
  0xDBAC6C247D62A584, 0xA3AB66580D5FDAF6, 0xF3E2F893DEC3F126, 0xB5B5ADA8AAFF80B8,
  0x87625F056C7C4A8B, 0xC9BCFF6034C13053, 0x964E858C91BA2655, 0xDFF9772470297EBD,
  0xA6DFBD9FB8E5B88F, 0xF8A95FCF88747D94, 0xB94470938FA89BCF, 0x8A08F0F8BF0F156B,
  0xCDB02555653131B6, 0x993FE2C6D07B7FAC, 0xE45C10C42A2B3B06, 0xAA242499697392D3,
  0xFD87B5F28300CA0E, 0xBCE5086492111AEB, 0x8CBCCC096F5088CC, 0xD1B71758E219652C,
  0x9C40000000000000, 0xE8D4A51000000000, 0xAD78EBC5AC620000, 0x813F3978F8940984,
  0xC097CE7BC90715B3, 0x8F7E32CE7BEA5C70, 0xD5D238A4ABE98068, 0x9F4F2726179A2245,
  0xED63A231D4C4FB27, 0xB0DE65388CC8ADA8, 0x83C7088E1AAB65DB, 0xC45D1DF942711D9A,
  0x924D692CA61BE758, 0xDA01EE641A708DEA, 0xA26DA3999AEF774A, 0xF209787BB47D6B85,
  0xB454E4A179DD1877, 0x865B86925B9BC5C2, 0xC83553C5C8965D3D, 0x952AB45CFA97A0B3,
  0xDE469FBD99A05FE3, 0xA59BC234DB398C25, 0xF6C69A72A3989F5C, 0xB7DCBF5354E9BECE,
  0x88FCF317F22241E2, 0xCC20CE9BD35C78A5, 0x98165AF37B2153DF, 0xE2A0B5DC971F303A,
  0xA8D9D1535CE3B396, 0xFB9B7CD9A4A7443C, 0xBB764C4CA7A44410, 0x8BAB8EEFB6409C1A,
  0xD01FEF10A657842C, 0x9B10A4E5E9913129, 0xE7109BFBA19C0C9D, 0xAC2820D9623BF429,
  0x80444B5E7AA7CF85, 0xBF21E44003ACDD2D, 0x8E679C2F5E44FF8F, 0xD433179D9C8CB841,
  0x9E19DB92B4E31BA9, 0xEB96BF6EBADF77D9, 0xAF87023B9BF0EE6B,
]);

// @ts-ignore: decorator
@lazy const EXP_POWERS = memory.data<i16>([
  -1220, -1193, -1166, -1140, -1113, -1087, -1060, -1034, -1007, -980,
  -954, -927, -901, -874, -847, -821, -794, -768, -741, -715,
  -688, -661, -635, -608, -582, -555, -529, -502, -475, -449,
  -422, -396, -369, -343, -316, -289, -263, -236, -210, -183,
  -157, -130, -103, -77, -50, -24, 3, 30, 56, 83,
  109, 136, 162, 189, 216, 242, 269, 295, 322, 348,
  375, 402, 428, 455, 481, 508, 534, 561, 588, 614,
  641, 667, 694, 720, 747, 774, 800, 827, 853, 880,
  907, 933, 960, 986, 1013, 1039, 1066,
]);

// @ts-ignore: decorator
@lazy const POW10 = memory.data<u64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
  10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
  1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000,
  10000000000000000000,
]);
const POW10_ENTRIES: i32 = 20;

/** Bytes writeShortest may write: 17 digits and their layout fit. */
export const NUMBER_TEXT_MAX_BYTES: i32 = 32;

@inline function pow10(i: i32): u64 { return load<u64>(POW10 + (<usize>i << 3)); }

function umul64f(u: u64, v: u64): u64 {
  const u0 = u & 0xFFFFFFFF, v0 = v & 0xFFFFFFFF;
  const u1 = u >> 32, v1 = v >> 32;
  const l = u0 * v0;
  const t = u1 * v0 + (l >> 32);
  const w = u0 * v1 + (t & 0xFFFFFFFF) + 0x7FFFFFFF; // rounding
  return u1 * v1 + (t >> 32) + (w >> 32);
}

function decimalCount(v: u32): i32 {
  if (v < 100000) {
    if (v < 100) return 1 + i32(v >= 10);
    return 3 + i32(v >= 10000) + i32(v >= 1000);
  }
  if (v < 10000000) return 6 + i32(v >= 1000000);
  return 8 + i32(v >= 1000000000) + i32(v >= 100000000);
}

let decimalExp: i32 = 0;

function grisuRound(buf: usize, len: i32, delta: u64, rest: u64, tenKappa: u64, wpW: u64): void {
  const last = buf + <usize>(len - 1);
  let digit = load<u8>(last);
  while (rest < wpW && delta - rest >= tenKappa && (rest + tenKappa < wpW || wpW - rest > rest + tenKappa - wpW)) {
    digit--;
    rest += tenKappa;
  }
  store<u8>(last, digit);
}

function genDigits(buf: usize, wFrc: u64, mpFrc: u64, mpExp: i32, delta: u64): i32 {
  const oneExp = -mpExp;
  const oneFrc = (<u64>1) << oneExp;
  const mask = oneFrc - 1;
  let wpWFrc = mpFrc - wFrc;
  let p1 = <u32>(mpFrc >> oneExp);
  let p2 = mpFrc & mask;
  let kappa = decimalCount(p1);
  let len = 0;
  while (kappa > 0) {
    const unit = <u32>pow10(kappa - 1);
    const d = p1 / unit;
    p1 %= unit;
    if (d | len) store<u8>(buf + <usize>(len++), 0x30 + <u8>d);
    kappa--;
    const rest = ((<u64>p1) << oneExp) + p2;
    if (rest <= delta) {
      decimalExp += kappa;
      grisuRound(buf, len, delta, rest, pow10(kappa) << oneExp, wpWFrc);
      return len;
    }
  }
  while (true) {
    p2 *= 10;
    delta *= 10;
    const d = p2 >> oneExp;
    if (d | len) store<u8>(buf + <usize>(len++), 0x30 + <u8>d);
    p2 &= mask;
    kappa--;
    if (p2 < delta) {
      decimalExp += kappa;
      wpWFrc *= -kappa < POW10_ENTRIES ? pow10(-kappa) : 0;
      grisuRound(buf, len, delta, p2, oneFrc, wpWFrc);
      return len;
    }
  }
  return len;
}

/** The digits of `value` (> 0, finite) at `buf`; returns their count, decimalExp the exponent. */
function grisu2(value: f64, buf: usize): i32 {
  const bits = reinterpret<u64>(value);
  const biased = i32((bits & 0x7FF0000000000000) >>> 52);
  let frc = (u64(biased != 0) << 52) + (bits & 0x000FFFFFFFFFFFFF);
  const exp = (biased != 0 ? biased : 1) - (0x3FF + 52);

  // The boundaries m+ and m- of the interval that reads back as the value.
  let plus = (frc << 1) + 1;
  let bexp = exp - 1;
  const off = <i32>clz<u64>(plus);
  plus <<= off;
  bexp -= off;
  const m = 1 + i32(frc == 0x0010000000000000);
  const minus = ((frc << m) - 1) << (exp - m - bexp);

  // The cached power of ten that brings the exponent into [-60, -32].
  const dk = <f64>(-61 - bexp) * reinterpret<f64>(0x3FD34413509F79FE) + 347;
  let k = <i32>dk;
  k += i32(<f64>k != dk);
  const index = (k >> 3) + 1;
  decimalExp = 348 - (index << 3);
  const frcPow = load<u64>(FRC_POWERS + (<usize>index << 3));
  const expPow = <i32>load<i16>(EXP_POWERS + (<usize>index << 1));

  frc <<= clz<u64>(frc);
  const wFrc = umul64f(frc, frcPow);
  const wpFrc = umul64f(plus, frcPow) - 1;
  const wmFrc = umul64f(minus, frcPow) + 1;
  return genDigits(buf, wFrc, wpFrc, bexp + expPow + 64, wpFrc - wmFrc);
}

/** Writes "+k" or "-k" at `buf`; returns its length. */
function genExponent(buf: usize, k: i32): i32 {
  store<u8>(buf, k < 0 ? 0x2d : 0x2b);
  let n = <u32>(k < 0 ? -k : k);
  const decimals = decimalCount(n) + 1;
  let at = decimals;
  do {
    at--;
    store<u8>(buf + <usize>at, 0x30 + <u8>(n % 10));
    n /= 10;
  } while (at > 1);
  return decimals;
}

/** Lays the digits out as JavaScript writes numbers: 12.34, 0.001234, 1.234e+30, 1e-7. */
function prettify(buf: usize, length: i32, k: i32): i32 {
  if (!k) {
    store<u8>(buf + <usize>length, 0x2e);
    store<u8>(buf + <usize>length + 1, 0x30);
    return length + 2;
  }
  const kk = length + k;
  if (length <= kk && kk <= 21) {
    // 1234e7 -> 12340000000.0
    for (let i = length; i < kk; i++) store<u8>(buf + <usize>i, 0x30);
    store<u8>(buf + <usize>kk, 0x2e);
    store<u8>(buf + <usize>kk + 1, 0x30);
    return kk + 2;
  }
  if (kk > 0 && kk <= 21) {
    // 1234e-2 -> 12.34
    memory.copy(buf + <usize>kk + 1, buf + <usize>kk, <usize>(length - kk));
    store<u8>(buf + <usize>kk, 0x2e);
    return length + 1;
  }
  if (-6 < kk && kk <= 0) {
    // 1234e-6 -> 0.001234
    const offset = 2 - kk;
    memory.copy(buf + <usize>offset, buf, <usize>length);
    store<u8>(buf, 0x30);
    store<u8>(buf + 1, 0x2e);
    for (let i = 2; i < offset; i++) store<u8>(buf + <usize>i, 0x30);
    return length + offset;
  }
  if (length == 1) {
    // 1e30
    store<u8>(buf + 1, 0x65);
    return genExponent(buf + 2, kk - 1) + 2;
  }
  // 1.234e+30
  memory.copy(buf + 2, buf + 1, <usize>(length - 1));
  store<u8>(buf + 1, 0x2e);
  store<u8>(buf + <usize>length + 1, 0x65);
  return length + genExponent(buf + <usize>length + 2, kk - 1) + 2;
}

/** Writes `v` (finite, non-zero) at `buf` in shortest digits; returns the length (at most NUMBER_TEXT_MAX_BYTES). */
export function writeShortest(v: f64, buf: usize): i32 {
  let sign = 0;
  if (v < 0) {
    store<u8>(buf, 0x2d);
    sign = 1;
    v = -v;
  }
  const len = grisu2(v, buf + <usize>sign);
  return prettify(buf + <usize>sign, len, decimalExp) + sign;
}
