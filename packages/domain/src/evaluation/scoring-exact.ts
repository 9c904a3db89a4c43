/**
 * Exact arithmetic for evaluation scores (docs/evaluation-scoring.md §1). Every score is computed as a
 * fraction of big integers and rounded once, half up, to hundredths of a point; nothing is computed in
 * floating point, so a report gives the same figures on every machine and by hand.
 *
 * A number from a scoring method or a score sheet (a maximum of 12.5 points, a deduction of 0.5 per
 * percent, a weight of 0.3) is read as the decimal it is written as (`String(x)`), which is what the
 * person typed, not the nearest binary fraction.
 */
import { AppError } from '../errors';

/** A fraction n / d with d > 0 (not necessarily in lowest terms). */
export interface Fraction {
  readonly n: bigint;
  readonly d: bigint;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/** The decimal a finite number is written as, as an exact fraction: 0.3 → 3/10, 1e-7 → 1/10000000. */
export function fromDecimal(x: number): Fraction {
  const m = Number.isFinite(x) ? DECIMAL.exec(String(x)) : null;
  if (!m) throw new AppError('INVALID_INPUT', { zh: `不是有限的数：${x}`, en: `not a finite number: ${x}` }, { reason: 'not-finite' });
  const [, sign, whole, frac = '', exp = '0'] = m;
  const e = Number(exp) - frac.length;
  let n = BigInt(whole! + frac);
  let d = 1n;
  if (e >= 0) n *= 10n ** BigInt(e);
  else d = 10n ** BigInt(-e);
  return { n: sign ? -n : n, d };
}

export const int = (v: number | bigint): Fraction => ({ n: BigInt(v), d: 1n });
export const add = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
export const sub = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d - b.n * a.d, d: a.d * b.d });
export const mul = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.n, d: a.d * b.d });
export function div(a: Fraction, b: Fraction): Fraction {
  if (b.n === 0n) throw new RangeError('division by zero');
  return b.n < 0n ? { n: -a.n * b.d, d: a.d * -b.n } : { n: a.n * b.d, d: a.d * b.n };
}
/** -1, 0 or 1 as a < b, a = b, a > b. */
export const cmp = (a: Fraction, b: Fraction): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const abs = (a: Fraction): Fraction => (a.n < 0n ? { n: -a.n, d: a.d } : a);
export const max = (a: Fraction, b: Fraction): Fraction => (cmp(a, b) >= 0 ? a : b);

/**
 * Rounds half up (half away from zero) to a whole multiple of 1 / `unit`: with unit 100, to
 * hundredths (12.345 → 12.35, -12.345 → -12.35); with unit 1, to a whole number (fen).
 * Returns the integer count of 1 / unit.
 */
export function roundHalfUp(a: Fraction, unit: bigint): bigint {
  const n = a.n < 0n ? -a.n : a.n;
  // floor((n·unit + d/2) / d), computed as floor((2·n·unit + d) / (2·d)) to stay in integers.
  const r = (2n * n * unit + a.d) / (2n * a.d);
  return a.n < 0n ? -r : r;
}

/** Rounds half up to hundredths and returns the number of hundredths as a safe integer. */
export function toCenti(a: Fraction): number {
  return Number(roundHalfUp(a, 100n));
}

/** Hundredths to points for display: 3733 → 37.33 (the nearest double of a 2-decimal figure). */
export const centiToPoints = (centi: number): number => centi / 100;

/** True when the number is written with at most `places` decimals (String(0.1 + 0.2) has 17). */
export function hasAtMostDecimals(x: number, places: number): boolean {
  if (!Number.isFinite(x)) return false;
  const f = fromDecimal(x);
  return (f.n * 10n ** BigInt(places)) % f.d === 0n;
}
