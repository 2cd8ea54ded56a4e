import { describe, expect, it } from '@jest/globals';
import { loadSimConfig, parseExtraAdapters, parseSimFaultsJson, SimConfigError, validateExtraAdapters } from './sim-config.js';

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
      extraAdapters: [],
      portalPort: 50056,
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
      SIM_EXTRA_ADAPTERS: 'land-2=land:0',
      SIM_PORTAL_PORT: '50070',
      SIM_DOSSIERS_PER_SECOND: '1.5',
      SIM_GATEWAY_URL: 'http://gateway.local:8080/',
      SIM_GATEWAY_TOKEN: 'eyJ.test.token',
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
      extraAdapters: [{ id: 'land-2', registry: 'land', port: 0 }],
      portalPort: 50070,
      dossierTraffic: { gatewayUrl: 'http://gateway.local:8080', token: 'eyJ.test.token', perSecond: 1.5 },
    });
  });

  it.each([
    [{ SIM_SEED: '-1' }, /SIM_SEED must be an integer between 0 and 4294967295/],
    [{ SIM_PERSONS: '1.5' }, /SIM_PERSONS must be an integer/],
    [{ SIM_PORT: 'http' }, /SIM_PORT/],
    [{ SIM_GRPC_BASE_PORT: '65535' }, /SIM_GRPC_BASE_PORT must be an integer between 0 and 65529/],
    [{ SIM_FAULTS: '{land' }, /SIM_FAULTS must be JSON/],
    [{ SIM_FAULTS: '{"cadastre":{}}' }, /unknown registry "cadastre"/],
    [{ SIM_FAULTS: '{"land":{"errorRate":3}}' }, /SIM_FAULTS\.land\.errorRate/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SIM_EXTRA_ADAPTERS: 'population-north' }, /SIM_EXTRA_ADAPTERS: "population-north" must be id=registry\[@provinces\]:port/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population@01' }, /SIM_EXTRA_ADAPTERS: "p2=population@01" must be/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population:http' }, /needs a port from 0 to 65535 after ':', got "http"/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population:70000' }, /adapter "p2": port must be an integer from 0 to 65535, got 70000/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=cadastre:50061' }, /adapter "p2": unknown registry "cadastre"/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population@1,04:50061' }, /adapter "p2": province "1" is not a 2-digit province code/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population@:50061' }, /adapter "p2": province "" is not a 2-digit/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population@01,01:50061' }, /adapter "p2" names a province twice/],
    [{ SIM_EXTRA_ADAPTERS: 'p2=population:50061;p2=land:50062' }, /adapter "p2" is named twice/],
    [{ SIM_EXTRA_ADAPTERS: 'land=land:50061' }, /adapter "land" must not be named like a registry/],
    [{ SIM_EXTRA_ADAPTERS: 'north pole=population:50061' }, /adapter id "north pole" must be 1-63 letters/],
    [{ SIM_EXTRA_ADAPTERS: 'a=land:50061;b=business:50061' }, /adapter "b": port 50061 is already taken by "a"/],
    [{ SIM_EXTRA_ADAPTERS: 'a=land:50053' }, /port 50053 of "a" is already taken by the land registry \(SIM_GRPC_BASE_PORT\+2\)/],
    [{ SIM_EXTRA_ADAPTERS: 'a=land:3100' }, /port 3100 of "a" is already taken by SIM_PORT/],
    [{ SIM_EXTRA_ADAPTERS: ' ; ' }, /SIM_EXTRA_ADAPTERS has no adapter/],
    [{ SIM_PORTAL_PORT: '65536' }, /SIM_PORTAL_PORT must be an integer between 0 and 65535/],
    [{ SIM_PORTAL_PORT: '50053' }, /SIM_PORTAL_PORT: port 50053 is already taken by the land registry \(SIM_GRPC_BASE_PORT\+2\)/],
    [{ SIM_PORTAL_PORT: '3100' }, /SIM_PORTAL_PORT: port 3100 is already taken by SIM_PORT/],
    [{ SIM_EXTRA_ADAPTERS: 'a=land:50057' }, /port 50057 of "a" is already taken by the judicial-records registry \(SIM_GRPC_BASE_PORT\+6\)/],
    [{ SIM_EXTRA_ADAPTERS: 'a=land:50056' }, /port 50056 of "a" is already taken by the portal \(SIM_PORTAL_PORT\)/],
    [{ SIM_DOSSIERS_PER_SECOND: '2' }, /SIM_DOSSIERS_PER_SECOND needs SIM_GATEWAY_TOKEN/],
    [{ SIM_DOSSIERS_PER_SECOND: '101', SIM_GATEWAY_TOKEN: 't' }, /SIM_DOSSIERS_PER_SECOND must be a number between 0 and 100/],
    [{ SIM_DOSSIERS_PER_SECOND: 'many', SIM_GATEWAY_TOKEN: 't' }, /SIM_DOSSIERS_PER_SECOND must be a number/],
    [{ SIM_GATEWAY_URL: 'gateway:3000', SIM_GATEWAY_TOKEN: 't' }, /SIM_GATEWAY_URL must be an http\(s\) URL, got "gateway:3000"/],
  ])('fails fast on %j with one line naming the variable', (env, message) => {
    expect(() => loadSimConfig(env)).toThrow(SimConfigError);
    expect(() => loadSimConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once, one line each', () => {
    let error: unknown;
    try {
      loadSimConfig({ SIM_SEED: '-1', LOG_LEVEL: 'loud', SIM_FAULTS: '{land', SIM_PORTAL_PORT: '3100', KAFKA_SASL_USERNAME: 'u', KAFKA_BROKERS: 'k:1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SimConfigError);
    expect((error as SimConfigError).message.split('\n').sort()).toEqual(
      [
        'SIM_PORTAL_PORT: port 3100 is already taken by SIM_PORT',
        'KAFKA_SASL_MECHANISM must be set when KAFKA_SASL_USERNAME is (scram-sha-512 for SCRAM users)',
        'SIM_SEED must be an integer between 0 and 4294967295, got "-1"',
        'SIM_FAULTS must be JSON, e.g. {"land":{"latencyMs":20}}',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ].sort(),
    );
  });

  it('parses SIM_FAULTS on its own', () => {
    expect(parseSimFaultsJson('{}')).toEqual({});
  });
});

describe('portal port and commune traffic', () => {
  it('puts the portal after the registries, or on an ephemeral port with an ephemeral base', () => {
    expect(loadSimConfig({ SIM_GRPC_BASE_PORT: '40000' }).portalPort).toBe(40005);
    expect(loadSimConfig({ SIM_GRPC_BASE_PORT: '0' }).portalPort).toBe(0);
    expect(loadSimConfig({ SIM_GRPC_BASE_PORT: '65529', SIM_PORTAL_PORT: '0' }).portalPort).toBe(0);
  });

  it('sets the traffic up idle with a token and no rate (to be started with PUT /sim/traffic), and not at all without a token', () => {
    expect(loadSimConfig({ SIM_GATEWAY_TOKEN: ' t ' }).dossierTraffic).toEqual({ gatewayUrl: 'http://127.0.0.1:3000', token: 't', perSecond: 0 });
    expect(loadSimConfig({ SIM_DOSSIERS_PER_SECOND: '0', SIM_GATEWAY_URL: 'https://gw.example' }).dossierTraffic).toBeUndefined();
  });
});

describe('SIM_EXTRA_ADAPTERS', () => {
  it('reads shards and replicas: id=registry[@provinces]:port, separated by ;', () => {
    expect(parseExtraAdapters(' population-north=population@01,04:50061; population-south = population @ 79 : 50062;business-2=business:50063;')).toEqual([
      { id: 'population-north', registry: 'population', provinces: ['01', '04'], port: 50061 },
      { id: 'population-south', registry: 'population', provinces: ['79'], port: 50062 },
      { id: 'business-2', registry: 'business', port: 50063 },
    ]);
  });

  it('allows several ephemeral ports, and base ports when those are ephemeral', () => {
    const config = loadSimConfig({ SIM_GRPC_BASE_PORT: '0', SIM_EXTRA_ADAPTERS: 'a=land:0;b=land:0;c=residence:50051' });
    expect(config.extraAdapters.map((a) => a.port)).toEqual([0, 0, 50051]);
  });

  it('validates specs given to startRegistrySim, contract versions included', () => {
    expect(validateExtraAdapters([{ id: 'p-next', registry: 'population', contractVersion: '2.0' }])).toEqual([
      { id: 'p-next', registry: 'population', contractVersion: '2.0' },
    ]);
    expect(() => validateExtraAdapters([{ id: 'p', registry: 'population', contractVersion: 'v2' }])).toThrow(
      /extraAdapters: adapter "p": contractVersion must be "MAJOR.MINOR", got "v2"/,
    );
    expect(() => validateExtraAdapters([{ id: 'p', registry: 'population', provinces: [] }])).toThrow(/provinces must be a non-empty list/);
    expect(() => validateExtraAdapters({ id: 'p' })).toThrow(/extraAdapters must be an array/);
    expect(() => validateExtraAdapters([null])).toThrow(/extraAdapters\[0\] must be an object/);
  });

  it('keeps the TLS material of a mutual-TLS adapter and refuses what is not PEM', () => {
    const tls = { ca: '-----BEGIN CERTIFICATE-----\nca', cert: '-----BEGIN CERTIFICATE-----\nserver', key: '-----BEGIN PRIVATE KEY-----\nkey' };
    expect(validateExtraAdapters([{ id: 'p-tls', registry: 'population', tls }])).toEqual([{ id: 'p-tls', registry: 'population', tls }]);
    expect(() => validateExtraAdapters([{ id: 'p', registry: 'population', tls: true }])).toThrow(/adapter "p": tls must be an object \{ ca, cert, key \}/);
    expect(() => validateExtraAdapters([{ id: 'p', registry: 'population', tls: { ...tls, key: 'file:/server.key' } }])).toThrow(
      /adapter "p": tls.key must be PEM text/,
    );
  });
});
