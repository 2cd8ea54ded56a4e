import { configProblem, EnvReader, InvalidConfigError, type ConfigProblem } from './env-reader.js';

class TestConfigError extends InvalidConfigError {
  constructor(problems: readonly ConfigProblem[]) {
    super(problems, 'invalid configuration: ');
  }
}

/** The error a reading ends with (it must end with one). */
function thrown(read: (env: EnvReader) => unknown, variables: Record<string, string>): TestConfigError {
  const env = new EnvReader(variables);
  read(env);
  expect(() => env.throwIfInvalid(TestConfigError)).toThrow(TestConfigError);
  return new TestConfigError(env.problems);
}

describe('EnvReader', () => {
  it('returns the defaults for unset, empty and blank variables, and finds no problem', () => {
    const env = new EnvReader({ EMPTY: '', BLANK: '  ' });
    expect(env.int('UNSET', 7, 0, 10)).toBe(7);
    expect(env.int('EMPTY', undefined, 0, 10)).toBeUndefined();
    expect(env.number('BLANK', 0.5, 0, 1)).toBe(0.5);
    expect(env.fraction('UNSET', 0.25)).toBe(0.25);
    expect(env.bool('UNSET', true)).toBe(true);
    expect(env.string('BLANK', 'x')).toBe('x');
    expect(env.oneOf('UNSET', 'info', ['info', 'debug'])).toBe('info');
    expect(env.list('UNSET', ['loopback'])).toEqual(['loopback']);
    expect(env.optional('BLANK')).toBeUndefined();
    expect(env.problems).toEqual([]);
    expect(() => env.throwIfInvalid(TestConfigError)).not.toThrow();
  });

  it('reads set values, trimmed', () => {
    const env = new EnvReader({ N: ' 12 ', R: '0.5', F: '1', B: 'YES', S: ' a ', L: 'debug', LIST: ' a, ,b ' });
    expect(env.int('N', 0, 0, 100)).toBe(12);
    expect(env.number('R', 0, 0, 1)).toBe(0.5);
    expect(env.fraction('F', 0.5)).toBe(1);
    expect(env.bool('B', false)).toBe(true);
    expect(env.string('S', 'x')).toBe('a');
    expect(env.oneOf('L', 'info', ['info', 'debug'])).toBe('debug');
    expect(env.list('LIST', [])).toEqual(['a', 'b']);
  });

  it('names the variable and the value of a bad integer, and of one out of range', () => {
    expect(thrown((env) => env.int('PORT', 3000, 0, 65535), { PORT: 'abc' }).message).toBe(
      'invalid configuration: PORT must be an integer between 0 and 65535, got "abc"',
    );
    expect(thrown((env) => env.int('PORT', 3000, 0, 65535), { PORT: '1.5' }).message).toMatch(/PORT must be an integer .*got "1.5"/);
    const outOfRange = thrown((env) => env.int('PORT', 3000, 1, 65535), { PORT: '0' });
    expect(outOfRange.message).toBe('invalid configuration: PORT must be an integer between 1 and 65535, got "0"');
    expect(outOfRange.variable).toBe('PORT');
    expect(thrown((env) => env.number('RATE', 1, 0, 100), { RATE: '101' }).message).toBe(
      'invalid configuration: RATE must be a number between 0 and 100, got "101"',
    );
    expect(thrown((env) => env.fraction('SHARE', 0.5), { SHARE: '0' }).message).toBe(
      'invalid configuration: SHARE must be a number greater than 0 and at most 1, got "0"',
    );
    expect(thrown((env) => env.bool('SYNC', false), { SYNC: 'maybe' }).message).toBe('invalid configuration: SYNC must be true or false, got "maybe"');
  });

  it('names the allowed values of a bad enum', () => {
    expect(thrown((env) => env.oneOf('LOG_LEVEL', 'info', ['info', 'debug']), { LOG_LEVEL: 'loud' }).message).toBe(
      'invalid configuration: LOG_LEVEL must be one of info, debug, got "loud"',
    );
  });

  it('names the first bad item of a list, and keeps the default meanwhile', () => {
    let value: string[] = [];
    const error = thrown(
      (env) => {
        value = env.list('HOSTS', ['loopback'], { valid: (item) => /^[a-z.]+$/.test(item), expected: 'expected host names' });
      },
      { HOSTS: 'a.example, b_c, d!' },
    );
    expect(error.message).toBe('invalid configuration: HOSTS expected host names, got "b_c"');
    expect(value).toEqual(['loopback']);
  });

  it('lists every bad variable at once, one line each, in the order read, once per variable', () => {
    const error = thrown(
      (env) => {
        env.int('PORT', 3000, 0, 65535);
        env.int('PORT', 3000, 0, 100);
        env.oneOf('LOG_LEVEL', 'info', ['info']);
        env.bool('SYNC', false);
        env.int('FINE', 1, 0, 10);
      },
      { PORT: 'x', LOG_LEVEL: 'loud', SYNC: 'maybe', FINE: '3' },
    );
    expect(error.problems.map((p) => p.variable)).toEqual(['PORT', 'LOG_LEVEL', 'SYNC']);
    expect(error.message.split('\n')).toEqual([
      'invalid configuration: PORT must be an integer between 0 and 65535, got "x"',
      'invalid configuration: LOG_LEVEL must be one of info, got "loud"',
      'invalid configuration: SYNC must be true or false, got "maybe"',
    ]);
  });

  it('checks a rule across variables only when none of them was refused already', () => {
    const env = new EnvReader({ LOW: 'x', HIGH: '5' });
    const low = env.int('LOW', 10, 0, 100);
    const high = env.int('HIGH', 20, 0, 100);
    env.require(high >= low, 'HIGH', 'must be at least LOW', ['LOW']);
    expect(env.problems.map((p) => p.variable)).toEqual(['LOW']);
    const second = new EnvReader({ LOW: '10', HIGH: '5' });
    second.require(second.int('HIGH', 0, 0, 100) >= second.int('LOW', 0, 0, 100), 'HIGH', 'must be at least LOW', ['LOW']);
    expect(second.problems).toEqual([configProblem('HIGH', 'must be at least LOW')]);
  });

  it('keeps the problems of another reader it includes, and passes other errors through', () => {
    const env = new EnvReader({ A: 'x' });
    env.int('A', 1, 0, 10);
    const included = env.include(() => {
      throw new TestConfigError([configProblem('KAFKA_BROKERS', 'must be host:port pairs'), { variable: 'SIM_PORT', message: 'SIM_PORT: port 1 is taken' }]);
    });
    expect(included).toBeUndefined();
    expect(env.include(() => 42)).toBe(42);
    expect(env.problems.map((p) => p.message)).toEqual([
      'A must be an integer between 0 and 10, got "x"',
      'KAFKA_BROKERS must be host:port pairs',
      'SIM_PORT: port 1 is taken',
    ]);
    expect(() =>
      env.include(() => {
        throw new TypeError('a bug, not a setting');
      }),
    ).toThrow(TypeError);
  });
});
