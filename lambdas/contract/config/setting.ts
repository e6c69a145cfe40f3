/**
 * A configuration setting, defined once: its environment variable, what a valid value is
 * (a valibot schema), and its default. The Lambda config reads settings from the environment at
 * cold start (`read`); the CDK constructs resolve their props with the same settings (`resolve`),
 * so a default or a bound cannot differ between the two, and a bad value fails at synth.
 */
import * as v from 'valibot';
import { describeIssues } from '../../model/issues.ts';

/** Thrown at cold start when the environment is incomplete or malformed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  /** The environment variable. */
  readonly env: string;
  /** What a valid value is, to end "… must be": `an integer in [1, 1000]`. */
  readonly expected: string;
  /** Checks a value (read from the environment, or given to a construct). */
  readonly schema: v.GenericSchema<unknown, T>;
  /** The environment's text as the schema's input (a number, parsed JSON…). */
  readonly parse: (raw: string) => unknown;
  /** The value as the environment's text (a method: settings of any type fit `Setting<unknown>`). */
  format(value: Exclude<T, undefined>): string;
  /** The value when the variable is unset: undefined for an optional setting. */
  readonly fallback: T;
  /** Unset is an error (at cold start; a construct must be given the value). */
  readonly required: boolean;
  /** Never echo the value in an error. */
  readonly secret: boolean;
}

type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The values of a group of settings; an optional setting's value is an optional property. */
export type Values<S extends Record<string, Setting<unknown>>> = {
  readonly [K in keyof S as undefined extends ValueOf<S[K]> ? never : K]: ValueOf<S[K]>;
} & {
  readonly [K in keyof S as undefined extends ValueOf<S[K]> ? K : never]?: ValueOf<S[K]>;
};

const shown = (s: Setting<unknown>, value: unknown) =>
  s.secret ? '(not shown: secret)' : JSON.stringify(value);

/** The setting's value in `env`: parsed, checked, or the default; throws ConfigError. */
export function read<T>(s: Setting<T>, env: Env): T {
  const raw = env[s.env];
  if (raw === undefined || raw === '') {
    if (s.required) throw new ConfigError(`Environment variable ${s.env} is required but not set`);
    return s.fallback;
  }
  let input: unknown;
  try {
    input = s.parse(raw);
  } catch {
    throw new ConfigError(`${s.env} must be ${s.expected}, got ${shown(s, raw)}`);
  }
  const parsed = v.safeParse(s.schema, input);
  if (!parsed.success) {
    const detail = s.secret ? '' : ` (${describeIssues(parsed.issues)})`;
    throw new ConfigError(`${s.env} must be ${s.expected}, got ${shown(s, raw)}${detail}`);
  }
  return parsed.output;
}

/** Every setting of a group, read from `env`. */
export function readAll<S extends Record<string, Setting<unknown>>>(
  settings: S,
  env: Env,
): Values<S> {
  return Object.fromEntries(
    Object.entries(settings).map(([key, s]) => [key, read(s, env)]),
  ) as Values<S>;
}

/**
 * A construct's prop for the setting: `value`, else the default, checked at synth with the same
 * schema the function reads it with. `name` is the prop (or context value) the error names.
 */
export function resolve<T>(s: Setting<T>, value: T | undefined, name: string): T {
  if (value === undefined) {
    if (s.required) throw new Error(`${name} is required`);
    return s.fallback;
  }
  const parsed = v.safeParse(s.schema, value);
  if (!parsed.success) throw new Error(`${name} must be ${s.expected}, got ${shown(s, value)}`);
  return parsed.output;
}

/** The environment entry that sets `value` (none for an unset optional value). */
export function envOf<T>(s: Setting<T>, value: T): Record<string, string> {
  return value === undefined ? {} : { [s.env]: s.format(value as Exclude<T, undefined>) };
}

// ---- kinds of settings ----

interface Options<T> {
  fallback?: T;
  required?: boolean;
  secret?: boolean;
}

function setting<T>(
  env: string,
  expected: string,
  schema: v.GenericSchema<unknown, T>,
  parse: (raw: string) => unknown,
  format: (value: Exclude<T, undefined>) => string,
  options: Options<T>,
): Setting<T> {
  return {
    env,
    expected,
    schema,
    parse,
    format,
    fallback: options.fallback as T,
    required: options.required ?? false,
    secret: options.secret ?? false,
  };
}

/** An integer in [min, max]. */
export function integer(env: string, fallback: number, min: number, max: number): Setting<number> {
  return setting(
    env,
    `an integer in [${min}, ${max}]`,
    v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)),
    // Number('') is 0 and Number(' 5') 5: only plain digits count as an integer here.
    (raw) => (/^-?\d+$/.test(raw) ? Number(raw) : Number.NaN),
    String,
    { fallback },
  );
}

/** One of a few words. */
export function oneOf<const T extends string>(
  env: string,
  values: readonly T[],
  fallback: NoInfer<T>,
): Setting<T> {
  return setting(env, `one of ${values.join(', ')}`, v.picklist(values), (raw) => raw, String, {
    fallback,
  });
}

interface TextOptions {
  readonly secret?: boolean;
  /** Narrows the text (a URL, a minimum length); `expected` says how. */
  readonly rule?: v.GenericSchema<string, string>;
  readonly expected?: string;
}

/** Text: required, with a default, or optional (undefined when unset). */
export function text(env: string, options: TextOptions & { required: true }): Setting<string>;
export function text(env: string, options: TextOptions & { fallback: string }): Setting<string>;
export function text(env: string, options?: TextOptions): Setting<string | undefined>;
export function text(
  env: string,
  options: TextOptions & { required?: boolean; fallback?: string } = {},
): Setting<string | undefined> {
  const schema = (options.rule ?? v.string()) as v.GenericSchema<unknown, string>;
  return setting(env, options.expected ?? 'a string', schema, (raw) => raw, String, options);
}

/** A JSON value, checked by `schema`; `expected` shows an example. */
export function json<T>(
  env: string,
  schema: v.GenericSchema<unknown, T>,
  fallback: T,
  expected: string,
): Setting<T> {
  return setting(
    env,
    expected,
    schema,
    (raw) => JSON.parse(raw),
    (value) => JSON.stringify(value),
    {
      fallback,
    },
  );
}
