/**
 * Fields of an API whose range spans classic and flexible versions: the same field is a STRING or a
 * COMPACT_STRING, an ARRAY or a COMPACT_ARRAY, and each struct of a flexible version ends with a
 * TAG_BUFFER (none understood yet: skipped when read, empty when written).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export function readString(r: Reader, flexible: boolean): string {
  return flexible ? r.compactString() : r.string();
}

export function readNullableString(r: Reader, flexible: boolean): string | null {
  return flexible ? r.compactNullableString() : r.nullableString();
}

export function readArray<T>(r: Reader, flexible: boolean, read: (r: Reader) => T): T[] {
  return flexible ? r.compactArray(read) : r.array(read);
}

/** The TAG_BUFFER that ends a struct of a flexible version. */
export function readTags(r: Reader, flexible: boolean): void {
  if (flexible) r.taggedFields();
}

export function writeString(w: Writer, flexible: boolean, s: string): void {
  if (flexible) w.compactString(s);
  else w.string(s);
}

export function writeNullableString(w: Writer, flexible: boolean, s: string | null): void {
  if (flexible) w.compactNullableString(s);
  else w.nullableString(s);
}

export function writeArray<T>(w: Writer, flexible: boolean, items: readonly T[], write: (w: Writer, item: T) => void): void {
  if (flexible) w.compactArray(items, write);
  else w.array(items, write);
}

export function writeTags(w: Writer, flexible: boolean): void {
  if (flexible) w.taggedFields();
}
