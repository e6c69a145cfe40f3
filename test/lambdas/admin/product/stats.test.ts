/**
 * The experiment statistics against jStat (an independent implementation of the distributions):
 * every p-value, interval, chance to beat control, sample size and SRM figure to 1e-6, with the
 * expected values computed here from the raw samples, and the edge cases (no conversions, an
 * empty variant, unequal splits). The sequential mode is checked by its formula and by simulation:
 * peeking every day at A/A tests keeps its false positives under alpha.
 */
import { jStat } from 'jstat';
import { describe, expect, it } from 'vitest';
import {
  alwaysValidPValue,
  chanceToBeatMean,
  chanceToBeatProportion,
  confidenceSequence,
  lookOf,
  mixtureLikelihoodRatio,
  PROPORTION_TEST,
  proportionTest,
  type Sample,
  sampleRatio,
  sampleSizeFor,
  WELCH_TEST,
  welchTest,
} from '../../../../lambdas/admin/reports/experiments/stats.ts';
import { seeded as random } from '../../../helpers/faults.ts';

const TOL = 1e-6;
/** Within 1e-6, relative to the size of the figure when it is above 1 (tokens, say). */
const expectClose = (got: number | null | undefined, want: number) =>
  expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(want)));

const sampleOf = (values: number[]): Sample => ({
  n: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  sumSquares: values.reduce((a, b) => a + b * b, 0),
});
const conversions = (n: number, x: number): Sample => ({ n, sum: x, sumSquares: x });

describe('two-proportion z-test', () => {
  it('matches the pooled z, the normal p-value and the Wald and delta-method intervals', () => {
    for (const [nc, xc, nv, xv] of [
      [1000, 100, 1000, 130],
      [5000, 260, 2500, 150], // unequal split
      [40, 3, 60, 9],
      [1000, 0, 1000, 4], // no conversions in control
    ] as const) {
      const alpha = 0.05;
      const r = proportionTest(conversions(nc, xc), conversions(nv, xv), alpha);
      const pc = xc / nc;
      const pv = xv / nv;
      const pooled = (xc + xv) / (nc + nv);
      const z = (pv - pc) / Math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nv));
      expect(r.test).toBe(PROPORTION_TEST);
      expect(r.statistic).toBeCloseTo(z, 9);
      expectClose(r.pValue, jStat.ztest(z, 2));
      const q = jStat.normal.inv(1 - alpha / 2, 0, 1);
      const se = Math.sqrt((pc * (1 - pc)) / nc + (pv * (1 - pv)) / nv);
      const [lo, hi] = r.differenceInterval as [number, number];
      expectClose(lo, pv - pc - q * se);
      expectClose(hi, pv - pc + q * se);
      expect(r.significant).toBe(jStat.ztest(z, 2) < alpha);
      if (pc === 0) {
        expect(r.lift).toBeNull();
        expect(r.liftInterval).toBeNull();
      } else {
        const lift = pv / pc - 1;
        const seLift = Math.sqrt(
          (pv * (1 - pv)) / (nv * pc * pc) + (pv * pv * pc * (1 - pc)) / (nc * pc ** 4),
        );
        expect(r.lift).toBeCloseTo(lift, 9);
        const [llo, lhi] = r.liftInterval as [number, number];
        expectClose(llo, lift - q * seLift);
        expectClose(lhi, lift + q * seLift);
      }
    }
  });

  it('says nothing when a variant is empty or nobody converted anywhere', () => {
    const empty = proportionTest(conversions(0, 0), conversions(100, 10), 0.05);
    expect(empty).toMatchObject({ pValue: null, statistic: null, significant: false });
    const none = proportionTest(conversions(100, 0), conversions(100, 0), 0.05);
    expect(none).toMatchObject({
      pValue: null,
      statistic: null,
      difference: 0,
      significant: false,
    });
  });

  it('uses the configured alpha', () => {
    const c = conversions(2000, 200);
    const v = conversions(2000, 236);
    const p = proportionTest(c, v, 0.05).pValue as number;
    expect(p).toBeGreaterThan(0.01);
    expect(p).toBeLessThan(0.1);
    expect(proportionTest(c, v, 0.1).significant).toBe(true);
    expect(proportionTest(c, v, 0.01).significant).toBe(false);
  });
});

describe("Welch's t-test", () => {
  it('matches t, Welch–Satterthwaite df, the t p-value and intervals computed from the samples', () => {
    const r = random(7);
    // Tokens per user: skewed, unequal variances and sizes.
    const control = Array.from({ length: 300 }, () => Math.round(-Math.log(r()) * 1200));
    const variant = Array.from({ length: 180 }, () => Math.round(-Math.log(r()) * 1500));
    const alpha = 0.05;
    const out = welchTest(sampleOf(control), sampleOf(variant), alpha);
    const mc = jStat.mean(control);
    const mv = jStat.mean(variant);
    const a = jStat.variance(control, true) / control.length;
    const b = jStat.variance(variant, true) / variant.length;
    const t = (mv - mc) / Math.sqrt(a + b);
    const df = (a + b) ** 2 / (a ** 2 / (control.length - 1) + b ** 2 / (variant.length - 1));
    expect(out.test).toBe(WELCH_TEST);
    expect(out.statistic).toBeCloseTo(t, 9);
    expect(out.degreesOfFreedom).toBeCloseTo(df, 6);
    const p = 2 * jStat.studentt.cdf(-Math.abs(t), df);
    expectClose(out.pValue, p);
    const q = jStat.studentt.inv(1 - alpha / 2, df);
    const [lo, hi] = out.differenceInterval as [number, number];
    expectClose(lo, mv - mc - q * Math.sqrt(a + b));
    expectClose(hi, mv - mc + q * Math.sqrt(a + b));
    const lift = mv / mc - 1;
    const seLift = Math.sqrt(b / (mc * mc) + (mv * mv * a) / mc ** 4);
    const [llo, lhi] = out.liftInterval as [number, number];
    expectClose(llo, lift - q * seLift);
    expectClose(lhi, lift + q * seLift);
  });

  it('says nothing for fewer than two users in a variant', () => {
    expect(welchTest(sampleOf([3]), sampleOf([1, 2, 3]), 0.05).pValue).toBeNull();
    expect(welchTest(sampleOf([]), sampleOf([1, 2, 3]), 0.05).pValue).toBeNull();
  });
});

/** P(B > A) for Beta posteriors by numerical integration: ∫ pdf_A(x)·(1 − cdf_B(x)) dx (Simpson). */
function integratedChance(a: Sample, b: Sample): number {
  const [aA, bA, aB, bB] = [1 + a.sum, 1 + a.n - a.sum, 1 + b.sum, 1 + b.n - b.sum];
  const steps = 40_000;
  const h = 1 / steps;
  let s = 0;
  for (let i = 0; i <= steps; i++) {
    const x = i * h;
    const f = jStat.beta.pdf(x, aA, bA) * (1 - jStat.beta.cdf(x, aB, bB));
    s += (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * (Number.isFinite(f) ? f : 0);
  }
  return (s * h) / 3;
}

describe('chance to beat control', () => {
  it('is exact for conversions (Beta posteriors), within 1e-6 of numerical integration', () => {
    for (const [c, v] of [
      [conversions(200, 20), conversions(200, 28)],
      [conversions(500, 40), conversions(300, 20)], // unequal split, variant worse
      [conversions(100, 0), conversions(100, 3)], // zero conversions
      [conversions(80, 10), conversions(80, 10)],
    ] as const) {
      const got = chanceToBeatProportion(c, v) as number;
      expectClose(got, integratedChance(c, v));
    }
    expect(chanceToBeatProportion(conversions(0, 0), conversions(10, 1))).toBeNull();
  });

  it('uses the normal approximation of the means for a numeric metric', () => {
    const c = sampleOf([10, 12, 9, 14, 11, 13]);
    const v = sampleOf([13, 15, 12, 16, 14, 12, 17]);
    const se = Math.sqrt(
      jStat.variance([10, 12, 9, 14, 11, 13], true) / 6 +
        jStat.variance([13, 15, 12, 16, 14, 12, 17], true) / 7,
    );
    const d = 99 / 7 - 69 / 6;
    expect(
      Math.abs((chanceToBeatMean(c, v) as number) - jStat.normal.cdf(d / se, 0, 1)),
    ).toBeLessThan(TOL);
  });
});

describe('sample size for a minimum detectable effect', () => {
  it('gives the textbook 3,841 users per variant for 10 % → 12 % at alpha 0.05, power 0.8', () => {
    expect(sampleSizeFor('proportion', { mean: 0.1 }, 0.2, 0.05, 0.8)).toBe(3841);
  });

  it('matches the formulas with jStat quantiles', () => {
    const za = jStat.normal.inv(0.995, 0, 1);
    const zb = jStat.normal.inv(0.9, 0, 1);
    const [p1, p2] = [0.03, 0.03 * 1.1];
    const pBar = (p1 + p2) / 2;
    const n =
      (za * Math.sqrt(2 * pBar * (1 - pBar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 /
      (p2 - p1) ** 2;
    expect(sampleSizeFor('proportion', { mean: 0.03 }, 0.1, 0.01, 0.9)).toBe(Math.ceil(n));
    const m =
      (2 * (jStat.normal.inv(0.975, 0, 1) + jStat.normal.inv(0.8, 0, 1)) ** 2 * 400 ** 2) / 50 ** 2;
    expect(sampleSizeFor('mean', { mean: 1000, sd: 400 }, 0.05, 0.05, 0.8)).toBe(Math.ceil(m));
    expect(sampleSizeFor('proportion', { mean: 0 }, 0.1, 0.05, 0.8)).toBeNull();
    expect(sampleSizeFor('mean', { mean: 10 }, 0.1, 0.05, 0.8)).toBeNull();
  });
});

describe('sample ratio mismatch', () => {
  it('matches the chi-square statistic and its upper tail, flagging p < 0.001', () => {
    for (const [observed, weights] of [
      [
        [5000, 5200],
        [1, 1],
      ],
      [
        [1000, 1100, 950],
        [1, 1, 1],
      ],
      [
        [9000, 1150],
        [9, 1],
      ], // unequal planned split
    ] as const) {
      const r = sampleRatio([...observed], [...weights]);
      const total = observed.reduce((a, b) => a + b, 0);
      const w = weights.reduce((a, b) => a + b, 0);
      const chi = observed.reduce(
        (s, o, i) =>
          s +
          (o - (total * (weights[i] as number)) / w) ** 2 / ((total * (weights[i] as number)) / w),
        0,
      );
      const p = 1 - jStat.chisquare.cdf(chi, observed.length - 1);
      expect(r.chiSquare).toBeCloseTo(chi, 9);
      expectClose(r.pValue, p);
      expect(r.mismatch).toBe(p < 0.001);
    }
    expect(sampleRatio([5000, 5200], [1, 1]).mismatch).toBe(false);
    expect(sampleRatio([5000, 5400], [1, 1]).mismatch).toBe(true);
    expect(sampleRatio([0, 0], [1, 1])).toMatchObject({ pValue: null, mismatch: false });
  });
});

describe('sequential mode (mSPRT)', () => {
  it('computes the mixture likelihood ratio and its confidence sequence by the formula', () => {
    const look = { difference: 0.02, variance: 0.0001 };
    const tau2 = 0.0004;
    const lambda = Math.sqrt(0.0001 / 0.0005) * Math.exp((0.0004 * 0.0004) / (2 * 0.0001 * 0.0005));
    expect(mixtureLikelihoodRatio(look, tau2)).toBeCloseTo(lambda, 9);
    const half = Math.sqrt(((0.0001 * 0.0005) / 0.0004) * (Math.log(5) - 2 * Math.log(0.05)));
    const [lo, hi] = confidenceSequence(look, tau2, 0.05) as [number, number];
    expect(lo).toBeCloseTo(0.02 - half, 12);
    expect(hi).toBeCloseTo(0.02 + half, 12);
    // The running minimum: a later, weaker look never raises the p-value.
    expect(alwaysValidPValue([look, { difference: 0, variance: 0.00005 }], tau2)).toBeCloseTo(
      1 / lambda,
      12,
    );
  });

  it('keeps false positives under alpha when A/A tests are looked at every day', () => {
    const r = random(11);
    const normal = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
    const alpha = 0.05;
    const experiments = 300;
    let sequential = 0;
    let peeking = 0;
    for (let e = 0; e < experiments; e++) {
      let c: Sample = { n: 0, sum: 0, sumSquares: 0 };
      let v: Sample = { n: 0, sum: 0, sumSquares: 0 };
      const looks = [];
      let peekedSignificant = false;
      for (let day = 0; day < 20; day++) {
        for (let i = 0; i < 50; i++) {
          const x = 10 + normal();
          const y = 10 + normal();
          c = { n: c.n + 1, sum: c.sum + x, sumSquares: c.sumSquares + x * x };
          v = { n: v.n + 1, sum: v.sum + y, sumSquares: v.sumSquares + y * y };
        }
        looks.push(lookOf(c, v, false) as { difference: number; variance: number });
        if ((welchTest(c, v, alpha).pValue as number) < alpha) peekedSignificant = true;
      }
      // τ² of the order of the effects looked for (the variance of a 0.2σ difference).
      if (alwaysValidPValue(looks, 0.04) < alpha) sequential++;
      if (peekedSignificant) peeking++;
    }
    expect(sequential / experiments).toBeLessThanOrEqual(alpha);
    // Peeking at the fixed-horizon test every day inflates them well past alpha.
    expect(peeking / experiments).toBeGreaterThan(2 * alpha);
  });
});
