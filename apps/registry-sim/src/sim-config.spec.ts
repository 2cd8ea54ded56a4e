import { loadSimConfig, parseSimFaultsJson, SimConfigError } from './sim-config.js';

describe('loadSimConfig', () => {
  it('uses the documented defaults', () => {
    expect(loadSimConfig({})).toEqual({
      seed: 1,
      persons: 1_000_000,
      host: '127.0.0.1',
      grpcBasePort: 50051,
      controlPort: 3100,
      faults: {},
      changesPerSecond: 0,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadSimConfig({
      SIM_SEED: '42',
      SIM_PERSONS: '2000000',
      SIM_HOST: '0.0.0.0',
      SIM_GRPC_BASE_PORT: '0',
      SIM_PORT: '0',
      SIM_FAULTS: '{"land":{"latencyMs":20},"business":{"down":true}}',
      SIM_CHANGES_PER_SECOND: '2.5',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      seed: 42,
      persons: 2_000_000,
      host: '0.0.0.0',
      grpcBasePort: 0,
      controlPort: 0,
      faults: { land: { latencyMs: 20 }, business: { down: true } },
      changesPerSecond: 2.5,
      logLevel: 'debug',
    });
  });

  it.each([
    [{ SIM_SEED: '-1' }, /SIM_SEED must be a number from 0/],
    [{ SIM_PERSONS: '1.5' }, /SIM_PERSONS must be an integer/],
    [{ SIM_PORT: 'http' }, /SIM_PORT/],
    [{ SIM_GRPC_BASE_PORT: '65535' }, /SIM_GRPC_BASE_PORT must be a number from 0 to 65531/],
    [{ SIM_FAULTS: '{land' }, /SIM_FAULTS must be JSON/],
    [{ SIM_FAULTS: '{"cadastre":{}}' }, /unknown registry "cadastre"/],
    [{ SIM_FAULTS: '{"land":{"errorRate":3}}' }, /SIM_FAULTS\.land\.errorRate/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ])('fails fast on %j with one line naming the variable', (env, message) => {
    expect(() => loadSimConfig(env)).toThrow(SimConfigError);
    expect(() => loadSimConfig(env)).toThrow(message);
  });

  it('parses SIM_FAULTS on its own', () => {
    expect(parseSimFaultsJson('{}')).toEqual({});
  });
});
