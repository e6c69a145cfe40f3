/**
 * The configuration schema: each setting is defined once and read the same way by a function at
 * cold start (from its environment) and by the CDK constructs (their props, at synth): the same
 * default, the same bounds, an error that names the variable and shows the bad value (never a
 * secret).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  ADMIN,
  adminConfig,
  DEFAULT_INTENT_RULES,
  DEFAULT_TOKEN_PRICES,
  INSIGHTS,
} from '../../../lambdas/contract/config/admin.ts';
import { INGEST, ingestConfig } from '../../../lambdas/contract/config/ingest.ts';
import { JWT, jwtConfig } from '../../../lambdas/contract/config/jwt.ts';
import { ROLLUP, rollupConfig } from '../../../lambdas/contract/config/rollup.ts';
import {
  ConfigError,
  read,
  resolve,
  type Setting,
} from '../../../lambdas/contract/config/setting.ts';
import { STORAGE, storageConfig } from '../../../lambdas/contract/config/storage.ts';
import { PRIVACY, TRACK, trackConfig } from '../../../lambdas/contract/config/track.ts';
import { TallyIngestion } from '../../../lib/ingestion.ts';
import { TallyRollup } from '../../../lib/rollup.ts';
import { TallyStorage } from '../../../lib/storage.ts';

const GROUPS = { STORAGE, TRACK, PRIVACY, INGEST, ROLLUP, JWT, ADMIN, INSIGHTS };
const ALL = Object.values(GROUPS).flatMap((g) => Object.values(g)) as Setting<unknown>[];
const BASE = { TABLE_NAME: 't', EVENT_BUS_NAME: 'b', JWT_JWKS_URL: 'https://issuer.test/jwks' };

/** The integer settings and their bounds, from their own description. */
const INTEGERS = ALL.flatMap((s) => {
  const m = /^an integer in \[(-?\d+), (-?\d+)\]$/.exec(s.expected);
  return m ? [{ s, min: Number(m[1]), max: Number(m[2]) }] : [];
});

describe('the configuration schema', () => {
  it('names each environment variable once', () => {
    const names = ALL.map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
    expect(INTEGERS.length).toBe(12);
  });

  it('reads the documented defaults when nothing is set', () => {
    expect(storageConfig(BASE)).toEqual({
      tableName: 't',
      dynamodbEndpoint: undefined,
      eventShards: 8,
      userShards: 8,
      bucketSeconds: 300,
      retentionDays: 395,
    });
    expect(trackConfig(BASE)).toMatchObject({
      eventBusName: 'b',
      writeKeyCacheSeconds: 60,
      privacy: { ipMode: 'truncate', botMode: 'flag' },
      jwt: {
        roleClaim: 'roles',
        adminRole: 'admin',
        projectsClaim: 'projects',
        maxLifetimeSeconds: 86_400,
      },
    });
    expect(ingestConfig(BASE)).toMatchObject({ maxReceiveCount: 5, timeoutSeconds: 60 });
    expect(rollupConfig(BASE)).toMatchObject({
      settleSeconds: 120,
      nightlyDays: 3,
      hourly: 'compact',
    });
    expect(adminConfig(BASE)).toMatchObject({
      tokenPrices: DEFAULT_TOKEN_PRICES,
      insights: { sentimentProvider: 'lexicon', intentRules: DEFAULT_INTENT_RULES },
    });
  });

  it.each(INTEGERS.map((i) => [i.s.env, i] as const))(
    '%s: the function and the constructs accept and refuse the same integers',
    (_, { s, min, max }) => {
      for (const ok of [min, max]) {
        expect(read(s, { [s.env]: String(ok) })).toBe(ok);
        expect(resolve(s, ok, 'prop')).toBe(ok);
      }
      for (const bad of [min - 1, max + 1, min + 0.5]) {
        expect(() => read(s, { [s.env]: String(bad) })).toThrow(
          `${s.env} must be an integer in [${min}, ${max}], got "${bad}"`,
        );
        expect(() => resolve(s, bad, 'prop')).toThrow(
          `prop must be an integer in [${min}, ${max}], got ${bad}`,
        );
      }
      expect(() => read(s, { [s.env]: '5 days' })).toThrow(ConfigError);
    },
  );

  it('refuses a word outside its list, naming the choices', () => {
    expect(() => trackConfig({ ...BASE, TALLY_IP_MODE: 'keep' })).toThrow(
      'TALLY_IP_MODE must be one of truncate, hash, drop, got "keep"',
    );
    expect(() => adminConfig({ ...BASE, TALLY_SENTIMENT_PROVIDER: 'vader' })).toThrow(
      'TALLY_SENTIMENT_PROVIDER must be one of lexicon, comprehend, got "vader"',
    );
    expect(() =>
      resolve(INSIGHTS.sentimentProvider, 'vader' as never, 'sentimentProvider'),
    ).toThrow('sentimentProvider must be one of lexicon, comprehend, got "vader"');
  });

  it('requires what has no default', () => {
    expect(() => storageConfig({})).toThrow(
      'Environment variable TABLE_NAME is required but not set',
    );
    expect(() => trackConfig({ TABLE_NAME: 't' })).toThrow(
      'Environment variable EVENT_BUS_NAME is required but not set',
    );
  });

  it('checks the rules between settings', () => {
    expect(() => jwtConfig({})).toThrow('Set exactly one of JWT_JWKS_URL and JWT_HS256_SECRET');
    expect(() =>
      jwtConfig({ JWT_JWKS_URL: 'https://a.test/jwks', JWT_HS256_SECRET: 'x'.repeat(32) }),
    ).toThrow('Set exactly one of');
    expect(() => jwtConfig({ JWT_JWKS_URL: 'ftp://a.test' })).toThrow(
      'JWT_JWKS_URL must be an http(s) URL, got "ftp://a.test"',
    );
    expect(() => trackConfig({ ...BASE, TALLY_IP_MODE: 'hash' })).toThrow(
      'TALLY_IP_MODE=hash needs TALLY_IP_HASH_SECRET of at least 32 characters',
    );
    // No token service configured: the track function takes write keys only.
    expect(trackConfig({ TABLE_NAME: 't', EVENT_BUS_NAME: 'b' }).jwt).toBeUndefined();
  });

  it('never shows a secret in an error', () => {
    const secret = 'too-short-but-secret';
    let message = '';
    try {
      jwtConfig({ JWT_HS256_SECRET: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'JWT_HS256_SECRET must be at least 32 characters, got (not shown: secret)',
    );
    expect(message).not.toContain(secret);
  });

  it('reads JSON settings with their schema', () => {
    const prices = adminConfig({
      ...BASE,
      TALLY_TOKEN_PRICES: '{"m":{"input":1,"output":2,"total":1.5,"extra":9}}',
    });
    expect(prices.tokenPrices).toEqual({ m: { input: 1, output: 2, total: 1.5 } });
    expect(() =>
      adminConfig({ ...BASE, TALLY_TOKEN_PRICES: '{"m":{"input":-1,"output":2}}' }),
    ).toThrow(/^TALLY_TOKEN_PRICES must be JSON like .*\(m\.input: /);
    expect(() => adminConfig({ ...BASE, TALLY_TOKEN_PRICES: 'gpt-4o=2.5' })).toThrow(
      /^TALLY_TOKEN_PRICES must be JSON like/,
    );
    expect(
      adminConfig({ ...BASE, TALLY_INTENT_RULES: '[{"intent":"refund","pattern":"refund\\\\b"}]' })
        .insights.intentRules,
    ).toEqual([{ intent: 'refund', pattern: 'refund\\b' }]);
    expect(() =>
      adminConfig({ ...BASE, TALLY_INTENT_RULES: '[{"intent":"x","pattern":"("}]' }),
    ).toThrow(/0\.pattern: is not a valid regular expression/);
  });
});

describe('the constructs, resolving their props with the same settings', () => {
  const scope = () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    return { stack, storage: new TallyStorage(stack, 'T') };
  };

  it('refuse what the functions would refuse, naming the prop and the value', () => {
    const a = scope();
    expect(
      () => new TallyIngestion(a.stack, 'I', { storage: a.storage, maxReceiveCount: 0 }),
    ).toThrow('maxReceiveCount must be an integer in [1, 1000], got 0');
    const b = scope();
    expect(() => new TallyRollup(b.stack, 'R', { storage: b.storage, nightlyDays: 401 })).toThrow(
      'nightlyDays must be an integer in [1, 400], got 401',
    );
    const c = scope();
    expect(
      () => new TallyRollup(c.stack, 'R', { storage: c.storage, settle: Duration.hours(2) }),
    ).toThrow('settle (s) must be an integer in [0, 3600], got 7200');
  });

  it('write the defaults the functions would read', () => {
    const { stack, storage } = scope();
    const rollup = new TallyRollup(stack, 'R', { storage });
    expect(rollup.environment).toEqual({
      [ROLLUP.settleSeconds.env]: String(ROLLUP.settleSeconds.fallback),
      [ROLLUP.nightlyDays.env]: String(ROLLUP.nightlyDays.fallback),
      [ROLLUP.hourly.env]: ROLLUP.hourly.fallback,
    });
    expect(rollupConfig({ ...BASE, ...rollup.environment })).toMatchObject({
      settleSeconds: 120,
      nightlyDays: 3,
      hourly: 'compact',
    });
  });
});
