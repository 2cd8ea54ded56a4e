import { ConfigError, loadGatewayConfig } from './gateway.config.js';

describe('loadGatewayConfig', () => {
  it('defaults to the embedded profile against the simulator ports', () => {
    const config = loadGatewayConfig({ MOTLAN_DATA_DIR: '/tmp/motlan-x' });
    expect(config.profile).toBe('embedded');
    expect(config.http.port).toBe(3000);
    expect(config.adapters.population).toBe('127.0.0.1:50051');
    expect(config.adapters['civil-status']).toBe('127.0.0.1:50055');
    expect(config.auth.jwks).toEqual({ file: '/tmp/motlan-x/dev-issuer/jwks.json' });
  });

  it('parses explicit adapters and the production profile', () => {
    const config = loadGatewayConfig({ MOTLAN_ADAPTERS: 'population=10.0.0.1:7000, land=land.local:7001', REDIS_URL: 'redis://x', KAFKA_BROKERS: 'a:9092,b:9092' });
    expect(config.adapters).toEqual({ population: '10.0.0.1:7000', land: 'land.local:7001' });
    expect(config.profile).toBe('production');
    expect(config.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ MOTLAN_ADAPTERS: 'population' }, /MOTLAN_ADAPTERS expected/],
    [{ MOTLAN_TOKEN_ALGORITHMS: 'EdDSA,HS256' }, /asymmetric/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ MOTLAN_AUDIT_FSYNC: 'maybe' }, /true or false/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });
});
