/**
 * Settings from environment variables: the one typed reader of the gateway, the registry simulator,
 * the Kafka settings and the service indicators (docs/decisions/0008-configuration-reader.md).
 *
 * A bad value does not stop the reading. The reader notes a problem that names the variable, the
 * value it got and what is allowed, carries on with the default, and `throwIfInvalid` then throws
 * one error listing every bad variable, one line each: an operator fixes them all in one go instead
 * of restarting once per typo. Each caller throws its own error class (a subclass of
 * InvalidConfigError), so its process entry point and its specs keep recognising it.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** One bad variable: `message` is the whole line without the caller's prefix, starting with the variable. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** The usual line: `NAME what was expected`. */
export function configProblem(variable: string, expected: string): ConfigProblem {
  return { variable, message: `${variable} ${expected}` };
}

/** Every bad variable of one reading; `variable` is the first one's (single-problem callers read it). */
export class InvalidConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly variable: string;

  constructor(problems: readonly ConfigProblem[], prefix = '') {
    super(problems.map((p) => `${prefix}${p.message}`).join('\n'));
    this.name = 'InvalidConfigError';
    this.problems = problems;
    this.variable = problems[0]?.variable ?? '';
  }
}

/** How a caller's error class is built from the problems found. */
export type InvalidConfigErrorClass<E extends InvalidConfigError> = new (problems: readonly ConfigProblem[]) => E;

export class EnvReader {
  private readonly found: ConfigProblem[] = [];

  constructor(private readonly env: Env) {}

  /** What is wrong so far, in the order read; one entry per variable. */
  get problems(): readonly ConfigProblem[] {
    return this.found;
  }

  /** Whether `variable` (or, without it, anything) has been found bad already. */
  hasProblem(variable?: string): boolean {
    return variable === undefined ? this.found.length > 0 : this.found.some((p) => p.variable === variable);
  }

  /**
   * Notes a bad variable. The first problem of a variable wins: a value read twice (with two
   * bounds) or a rule that compares it with another after it was refused says nothing new.
   */
  problem(variable: string, expected: string): void {
    this.add(configProblem(variable, expected));
  }

  /** Notes a problem whose line the caller wrote whole (it must start with the variable's name). */
  add(problem: ConfigProblem): void {
    if (!this.hasProblem(problem.variable)) this.found.push(problem);
  }

  /**
   * A rule across variables: notes `variable expected` unless `ok`, and unless one of the
   * variables involved was already refused (its value here is then the default, not the operator's).
   */
  require(ok: boolean, variable: string, expected: string, involved: readonly string[] = []): void {
    if (!ok && ![variable, ...involved].some((name) => this.hasProblem(name))) this.problem(variable, expected);
  }

  /**
   * Runs another reader of settings that throws an InvalidConfigError (the Kafka settings, a
   * caller's own parser) and keeps its problems with these; undefined when it threw.
   */
  include<T>(load: () => T): T | undefined {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      error.problems.forEach((p) => this.add(p));
      return undefined;
    }
  }

  /** Throws every problem found as the caller's error, or does nothing. */
  throwIfInvalid<E extends InvalidConfigError>(errorClass: InvalidConfigErrorClass<E>): void {
    if (this.found.length > 0) throw new errorClass([...this.found]);
  }

  /** The value without surrounding white space; unset, empty and blank are all "not set". */
  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  /** An integer from `min` to `max`; `fallback` undefined: unset stays undefined. */
  int(name: string, fallback: number, min: number, max: number): number;
  int(name: string, fallback: number | undefined, min: number, max: number): number | undefined;
  int(name: string, fallback: number | undefined, min: number, max: number): number | undefined {
    return this.parse(name, fallback, (raw) => {
      const value = Number(raw);
      return Number.isInteger(value) && value >= min && value <= max ? value : new Refusal(`must be an integer between ${min} and ${max}`);
    });
  }

  /** A finite number from `min` to `max`. */
  number(name: string, fallback: number, min: number, max: number): number {
    return this.parse(name, fallback, (raw) => {
      const value = Number(raw);
      return Number.isFinite(value) && value >= min && value <= max ? value : new Refusal(`must be a number between ${min} and ${max}`);
    });
  }

  /** A rate in (0, 1]: 0 is refused where it would mean "on the first occurrence" rather than "never". */
  fraction(name: string, fallback: number): number {
    return this.parse(name, fallback, (raw) => {
      const value = Number(raw);
      return Number.isFinite(value) && value > 0 && value <= 1 ? value : new Refusal('must be a number greater than 0 and at most 1');
    });
  }

  /** true/false, yes/no or 1/0, in any case. */
  bool(name: string, fallback: boolean): boolean {
    return this.parse(name, fallback, (raw) => {
      const word = raw.toLowerCase();
      if (['1', 'true', 'yes'].includes(word)) return true;
      if (['0', 'false', 'no'].includes(word)) return false;
      return new Refusal('must be true or false');
    });
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    return this.parse(name, fallback, (raw) =>
      (allowed as readonly string[]).includes(raw) ? (raw as T) : new Refusal(`must be one of ${allowed.join(', ')}`),
    );
  }

  /**
   * Comma-separated items, trimmed, empty ones dropped. With `item`, each is checked: the first bad
   * one is named as `NAME <expected>, got "<item>"`.
   */
  list(name: string, fallback: string[], item?: { valid: (value: string) => boolean; expected: string }): string[] {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = item && items.find((value) => !item.valid(value));
    if (item && bad !== undefined) {
      this.problem(name, `${item.expected}, got "${bad}"`);
      return fallback;
    }
    return items;
  }

  /** The common shape: unset = fallback; a value `check` refuses is noted with the value it got, and the fallback stands in. */
  private parse<T, F extends T | undefined>(name: string, fallback: F, check: (raw: string) => T | Refusal): T | F {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = check(raw);
    if (value instanceof Refusal) {
      this.problem(name, `${value.expected}, got "${raw}"`);
      return fallback;
    }
    return value;
  }
}

/** What a check answers for a value it refuses: what was expected instead. */
class Refusal {
  constructor(readonly expected: string) {}
}
