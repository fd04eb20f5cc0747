// String.toUpperCase with the case pairs Unicode 14 added: AssemblyScript's case tables predate
// them, while JavaScript and Rust's str::to_uppercase have them. 40 letters: Glagolitic ⱟ,
// Latin ꟁ ꟑ ꟗ ꟙ and the Vithkuqi small letters (each 0x27 above its capital).

function upperOf14(cp: i32): i32 {
  if (cp == 0x2c5f) return 0x2c2f;
  if (cp == 0xa7c1 || cp == 0xa7d1 || cp == 0xa7d7 || cp == 0xa7d9) return cp - 1;
  if (cp >= 0x10597 && cp <= 0x105bc && cp != 0x105a2 && cp != 0x105b2 && cp != 0x105ba) return cp - 0x27;
  return cp;
}

/** `s` upper-cased by Unicode's full case mappings (ß → SS), Unicode 14 letters included. */
export function upperCase(s: string): string {
  const u = s.toUpperCase();
  let touched = false;
  for (let i = 0; i < u.length; i++) {
    const c = u.charCodeAt(i);
    if (c == 0x2c5f || (c >= 0xa7c1 && c <= 0xa7d9) || c == 0xd801) { touched = true; break; }
  }
  if (!touched) return u;
  let out = "";
  for (let i = 0; i < u.length; i++) {
    const cp = u.codePointAt(i);
    out += String.fromCodePoint(upperOf14(cp));
    if (cp > 0xffff) i++;
  }
  return out;
}
