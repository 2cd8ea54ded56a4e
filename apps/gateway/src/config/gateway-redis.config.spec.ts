import { parseSentinelUrl } from '@motlan/redis/connection-target.js';
import { ConfigError, loadGatewayConfig } from './gateway.config.js';

/** Redis settings: one URL, or Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME); and the shutdown bound. */
describe('loadGatewayConfig: Redis target and shutdown', () => {
  const base = { MOTLAN_DATA_DIR: '/tmp/motlan-x', KAFKA_BROKERS: 'a:9092' };

  it('takes REDIS_URL as given (a single server)', () => {
    const config = loadGatewayConfig({ ...base, REDIS_URL: 'redis://cache.local:6379' });
    expect(config.redisUrl).toBe('redis://cache.local:6379');
    expect(config.profile).toBe('production');
  });

  it('builds a Sentinel target from REDIS_SENTINELS, REDIS_SENTINEL_NAME and the passwords: the production profile', () => {
    const config = loadGatewayConfig({
      ...base,
      REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2:26379,10.0.0.3:26379',
      REDIS_SENTINEL_NAME: 'motlan',
      REDIS_PASSWORD: 'data:pw@1',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    expect(config.profile).toBe('production');
    expect(parseSentinelUrl(config.redisUrl!)).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '10.0.0.3', port: 26379 },
      ],
      name: 'motlan',
      password: 'data:pw@1',
      sentinelPassword: 'sentinel-pw',
    });
  });

  it('accepts a redis-sentinel:// URL in REDIS_URL, and names REDIS_URL when it is malformed', () => {
    expect(loadGatewayConfig({ ...base, REDIS_URL: 'redis-sentinel://127.0.0.1:26379/motlan' }).redisUrl).toBe('redis-sentinel://127.0.0.1:26379/motlan');
    expect(() => loadGatewayConfig({ ...base, REDIS_URL: 'redis-sentinel://127.0.0.1:26379' })).toThrow(
      'invalid configuration: REDIS_URL must name the master after the sentinels',
    );
  });

  it.each([
    [{ REDIS_URL: 'redis://x', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS cannot be set with REDIS_URL'],
    [{ REDIS_URL: 'redis://x', REDIS_SENTINEL_PASSWORD: 'p' }, 'REDIS_SENTINEL_PASSWORD cannot be set with REDIS_URL'],
    [{ REDIS_SENTINELS: 'a:1' }, 'REDIS_SENTINEL_NAME must be set with REDIS_SENTINELS'],
    [{ REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINEL_NAME needs REDIS_SENTINELS'],
    [{ REDIS_PASSWORD: 'p' }, 'REDIS_PASSWORD needs REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 'a:1,b', REDIS_SENTINEL_NAME: 'm' }, 'REDIS_SENTINELS must be host:port[,host:port…], got "b"'],
    [{ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_DB: '99' }, 'REDIS_DB must be an integer between 0 and 15'],
  ])('refuses an inconsistent Redis setting: %j', (env, message) => {
    expect(() => loadGatewayConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ ...base, ...env })).toThrow(`invalid configuration: ${message}`);
  });

  it('bounds the shutdown: 8 s by default, MOTLAN_SHUTDOWN_GRACE_MS from 1 s', () => {
    expect(loadGatewayConfig(base).http.shutdownGraceMs).toBe(8000);
    expect(loadGatewayConfig({ ...base, MOTLAN_SHUTDOWN_GRACE_MS: '3000' }).http.shutdownGraceMs).toBe(3000);
    expect(() => loadGatewayConfig({ ...base, MOTLAN_SHUTDOWN_GRACE_MS: '10' })).toThrow('MOTLAN_SHUTDOWN_GRACE_MS must be an integer between 1000 and 600000');
  });
});
