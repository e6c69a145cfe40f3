/**
 * The statistics of experiment results (docs/api-product-analytics.md "Experiments"): the
 * frequentist test named in each answer (two-proportion z-test for rates, Welch's t-test for
 * means), the interval of the lift, the Bayesian chance to beat control, the sample size for a
 * minimum detectable effect, the sample-ratio-mismatch check and the sequential (always-valid)
 * mode. Distributions come from @stdlib (maintained, tree-shaken per function); the formulas are
 * the textbook ones, each named where it is used. Pure: no I/O.
 */
import betaln from '@stdlib/math-base-special-betaln';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Per-user values of one variant, as sums: n users, Σx, Σx². A conversion is x ∈ {0, 1}. */
export interface Sample {
  n: number;
  sum: number;
  sumSquares: number;
}

export const PROPORTION_TEST = 'two-proportion z-test';
export const WELCH_TEST = "Welch's t-test";

export type TestName = typeof PROPORTION_TEST | typeof WELCH_TEST;

/** A variant against control, under a fixed-horizon test. */
export interface Comparison {
  test: TestName;
  /** z (proportions) or t (means). */
  statistic: number | null;
  /** Welch–Satterthwaite degrees of freedom (means only). */
  degreesOfFreedom: number | null;
  /** Two-sided. */
  pValue: number | null;
  /** variant − control. */
  difference: number | null;
  differenceInterval: [number, number] | null;
  /** variant / control − 1. */
  lift: number | null;
  liftInterval: [number, number] | null;
  significant: boolean;
}

const mean = (s: Sample) => s.sum / s.n;
/** The unbiased sample variance (n − 1); the proportion's p(1 − p) for conversions. */
function variance(s: Sample, proportion: boolean): number {
  const m = mean(s);
  if (proportion) return m * (1 - m);
  if (s.n < 2) return Number.NaN;
  return Math.max(0, (s.sumSquares - s.n * m * m) / (s.n - 1));
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const intervalOrNull = (lo: number, hi: number): [number, number] | null =>
  Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;

const NOTHING = (test: TestName): Comparison => ({
  test,
  statistic: null,
  degreesOfFreedom: null,
  pValue: null,
  difference: null,
  differenceInterval: null,
  lift: null,
  liftInterval: null,
  significant: false,
});

/**
 * Relative lift and its interval by the delta method on the ratio of means:
 * Var(m̂v/m̂c) ≈ Vv/(nv·mc²) + mv²·Vc/(nc·mc⁴); the lift interval is lift ± q·se.
 */
function liftOf(c: Sample, v: Sample, vc: number, vv: number, q: number) {
  const mc = mean(c);
  const mv = mean(v);
  if (mc === 0) return { lift: null, liftInterval: null };
  const lift = mv / mc - 1;
  const se = Math.sqrt(vv / (v.n * mc * mc) + (mv * mv * vc) / (c.n * mc ** 4));
  return { lift, liftInterval: intervalOrNull(lift - q * se, lift + q * se) };
}

/**
 * Two-proportion z-test: z = (pv − pc) / √(p̄(1 − p̄)(1/nc + 1/nv)) with the pooled p̄ for the
 * p-value; the interval of the difference uses the unpooled standard error (Wald).
 */
export function proportionTest(control: Sample, variant: Sample, alpha: number): Comparison {
  if (control.n === 0 || variant.n === 0) return NOTHING(PROPORTION_TEST);
  const pc = mean(control);
  const pv = mean(variant);
  const pooled = (control.sum + variant.sum) / (control.n + variant.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / variant.n));
  const z = sePooled > 0 ? (pv - pc) / sePooled : Number.NaN;
  const pValue = Number.isFinite(z) ? 2 * normalCdf(-Math.abs(z), 0, 1) : Number.NaN;
  const q = normalQuantile(1 - alpha / 2, 0, 1);
  const vc = variance(control, true);
  const vv = variance(variant, true);
  const se = Math.sqrt(vc / control.n + vv / variant.n);
  const difference = pv - pc;
  return {
    test: PROPORTION_TEST,
    statistic: finiteOrNull(z),
    degreesOfFreedom: null,
    pValue: finiteOrNull(pValue),
    difference,
    differenceInterval: intervalOrNull(difference - q * se, difference + q * se),
    ...liftOf(control, variant, vc, vv, q),
    significant: Number.isFinite(pValue) && pValue < alpha,
  };
}

/**
 * Welch's t-test: t = (mv − mc) / √(sv²/nv + sc²/nc), degrees of freedom by
 * Welch–Satterthwaite; intervals with the t quantile at those degrees of freedom.
 */
export function welchTest(control: Sample, variant: Sample, alpha: number): Comparison {
  if (control.n < 2 || variant.n < 2) return NOTHING(WELCH_TEST);
  const vc = variance(control, false);
  const vv = variance(variant, false);
  const a = vc / control.n;
  const b = vv / variant.n;
  const se = Math.sqrt(a + b);
  const difference = mean(variant) - mean(control);
  if (!(se > 0)) {
    return { ...NOTHING(WELCH_TEST), difference, ...liftOf(control, variant, vc, vv, 0) };
  }
  const t = difference / se;
  const df = (a + b) ** 2 / (a ** 2 / (control.n - 1) + b ** 2 / (variant.n - 1));
  const pValue = 2 * tCdf(-Math.abs(t), df);
  const q = tQuantile(1 - alpha / 2, df);
  return {
    test: WELCH_TEST,
    statistic: t,
    degreesOfFreedom: df,
    pValue,
    difference,
    differenceInterval: intervalOrNull(difference - q * se, difference + q * se),
    ...liftOf(control, variant, vc, vv, q),
    significant: pValue < alpha,
  };
}

/**
 * P(variant's rate > control's) with uniform Beta(1, 1) priors, exactly (Evan Miller's closed
 * form): Σ_{i<αB} B(αA+i, βA+βB) / ((βB+i)·B(1+i, βB)·B(αA, βA)), summed over the smaller of the
 * two α by symmetry. Conversions of the one variant, so the cost is at most its conversions.
 */
export function chanceToBeatProportion(control: Sample, variant: Sample): number | null {
  if (control.n === 0 || variant.n === 0) return null;
  const beats = (a: Sample, b: Sample) => {
    // P(pB > pA), αB terms.
    const aA = 1 + a.sum;
    const bA = 1 + a.n - a.sum;
    const aB = 1 + b.sum;
    const bB = 1 + b.n - b.sum;
    let total = 0;
    for (let i = 0; i < aB; i++) {
      total += Math.exp(
        betaln(aA + i, bA + bB) - Math.log(bB + i) - betaln(1 + i, bB) - betaln(aA, bA),
      );
    }
    return total;
  };
  const p = variant.sum <= control.sum ? beats(control, variant) : 1 - beats(variant, control);
  return Math.min(1, Math.max(0, p));
}

/**
 * P(variant's mean > control's) under flat priors and the normal approximation of each mean:
 * Φ((mv − mc) / √(sv²/nv + sc²/nc)).
 */
export function chanceToBeatMean(control: Sample, variant: Sample): number | null {
  if (control.n < 2 || variant.n < 2) return null;
  const se = Math.sqrt(variance(control, false) / control.n + variance(variant, false) / variant.n);
  const d = mean(variant) - mean(control);
  if (!(se > 0)) return d > 0 ? 1 : d < 0 ? 0 : 0.5;
  return normalCdf(d / se, 0, 1);
}

/**
 * Users per variant to detect a relative change `mde` of the control's figure at `alpha`
 * (two-sided) with `power`. Proportions: n = (z₁₋α/₂·√(2p̄(1−p̄)) + z_power·√(p₁(1−p₁)+p₂(1−p₂)))²
 * / (p₂ − p₁)², p₂ = p₁(1 + mde), p̄ their mean. Means: n = 2(z₁₋α/₂ + z_power)²·σ² / δ², δ = mde·μ.
 * Null when the baseline gives nothing to scale by.
 */
export function sampleSizeFor(
  kind: 'proportion' | 'mean',
  baseline: { mean: number; sd?: number | undefined },
  mde: number,
  alpha: number,
  power: number,
): number | null {
  const za = normalQuantile(1 - alpha / 2, 0, 1);
  const zb = normalQuantile(power, 0, 1);
  if (kind === 'proportion') {
    const p1 = baseline.mean;
    const p2 = p1 * (1 + mde);
    if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1)) return null;
    const pBar = (p1 + p2) / 2;
    const n =
      (za * Math.sqrt(2 * pBar * (1 - pBar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 /
      (p2 - p1) ** 2;
    return Math.ceil(n);
  }
  const delta = mde * baseline.mean;
  const sd = baseline.sd;
  if (!(delta !== 0 && sd !== undefined && sd > 0)) return null;
  return Math.ceil((2 * (za + zb) ** 2 * sd * sd) / (delta * delta));
}

/** Sample-ratio mismatch: Pearson's chi-square goodness of fit of exposures to the planned split. */
export interface SampleRatio {
  test: 'chi-square goodness of fit';
  chiSquare: number | null;
  degreesOfFreedom: number;
  pValue: number | null;
  /** p < 0.001, as GrowthBook flags it. */
  mismatch: boolean;
}

export const SRM_THRESHOLD = 0.001;

export function sampleRatio(observed: number[], weights: number[]): SampleRatio {
  const total = observed.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const df = observed.length - 1;
  if (total === 0 || df < 1 || weightSum <= 0) {
    return {
      test: 'chi-square goodness of fit',
      chiSquare: null,
      degreesOfFreedom: df,
      pValue: null,
      mismatch: false,
    };
  }
  let chi = 0;
  observed.forEach((o, i) => {
    const expected = (total * (weights[i] ?? 0)) / weightSum;
    chi += (o - expected) ** 2 / expected;
  });
  const pValue = 1 - chisquareCdf(chi, df);
  return {
    test: 'chi-square goodness of fit',
    chiSquare: chi,
    degreesOfFreedom: df,
    pValue,
    mismatch: pValue < SRM_THRESHOLD,
  };
}

/**
 * The sequential mode: a mixture sequential probability ratio test (mSPRT; Johari, Pekelis and
 * Walsh, "Always valid inference", 2017) on the difference of means θ, with a normal mixture
 * N(0, τ²) over θ. With θ̂ the observed difference and V its variance (Σ s²/n),
 *
 *     Λ = √(V / (V + τ²)) · exp(θ̂²·τ² / (2V(V + τ²)))
 *
 * is a test martingale under θ = 0, so the always-valid p-value min(1, 1/Λ), kept as a running
 * minimum over every look, may be read at any time without inflating false positives; its
 * confidence sequence is θ̂ ± √(V(V + τ²)/τ² · (log((V + τ²)/V) − 2·log α)).
 */
export interface SequentialLook {
  difference: number;
  /** Variance of the difference: sv²/nv + sc²/nc. */
  variance: number;
}

export function mixtureLikelihoodRatio(look: SequentialLook, tau2: number): number {
  const { difference: d, variance: v } = look;
  if (!(v > 0) || !(tau2 > 0)) return 1;
  return Math.sqrt(v / (v + tau2)) * Math.exp((d * d * tau2) / (2 * v * (v + tau2)));
}

/** The always-valid p-value after these looks, in order: the running minimum of min(1, 1/Λ). */
export function alwaysValidPValue(looks: SequentialLook[], tau2: number): number {
  let p = 1;
  for (const look of looks) p = Math.min(p, 1 / mixtureLikelihoodRatio(look, tau2));
  return Math.min(1, p);
}

/** The (1 − alpha) confidence sequence of the difference at one look. */
export function confidenceSequence(
  look: SequentialLook,
  tau2: number,
  alpha: number,
): [number, number] | null {
  const { difference: d, variance: v } = look;
  if (!(v > 0) || !(tau2 > 0)) return null;
  const half = Math.sqrt(
    ((v * (v + tau2)) / tau2) * (Math.log((v + tau2) / v) - 2 * Math.log(alpha)),
  );
  return [d - half, d + half];
}

/** The look of a comparison: the difference of means and its variance. */
export function lookOf(
  control: Sample,
  variant: Sample,
  proportion: boolean,
): SequentialLook | null {
  if (control.n < 2 || variant.n < 2) return null;
  return {
    difference: mean(variant) - mean(control),
    variance: variance(control, proportion) / control.n + variance(variant, proportion) / variant.n,
  };
}
