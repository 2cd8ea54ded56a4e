import { formatSentinelUrl, isSentinelUrl, parseSentinelAddresses, parseSentinelUrl, RedisTargetError } from './connection-target.js';
import { reconnectOnReadonly, sentinelOptions } from './redis-connection.client.js';

describe('Redis connection targets', () => {
  it('round-trips a Sentinel target with credentials that need encoding', () => {
    const target = {
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.motlan.svc', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'motlan-primary',
      password: 'p@ss:w/rd',
      sentinelPassword: 's&ntinel=1',
      db: 2,
    };
    const url = formatSentinelUrl(target);
    expect(url).toBe(
      'redis-sentinel://:p%40ss%3Aw%2Frd@10.0.0.1:26379,sentinel-b.motlan.svc:26380,[::1]:26381/motlan-primary?db=2&sentinelPassword=s%26ntinel%3D1',
    );
    expect(isSentinelUrl(url)).toBe(true);
    expect(parseSentinelUrl(url)).toEqual(target);
  });

  it('reads a username with the password, and no credentials at all', () => {
    expect(parseSentinelUrl('redis-sentinel://motlan:secret@127.0.0.1:26379/mymaster')).toEqual({
      sentinels: [{ host: '127.0.0.1', port: 26379 }],
      name: 'mymaster',
      username: 'motlan',
      password: 'secret',
    });
    expect(parseSentinelUrl('REDIS-SENTINEL://127.0.0.1:26379/m')).toEqual({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'm' });
    expect(isSentinelUrl('redis://127.0.0.1:6379')).toBe(false);
  });

  it.each([
    ['redis-sentinel://127.0.0.1:26379', /must name the master/],
    ['redis-sentinel://127.0.0.1:26379/', /must name the master/],
    ['redis-sentinel://127.0.0.1/m', /host:port/],
    ['redis-sentinel://127.0.0.1:99999/m', /host:port/],
    ['redis-sentinel://127.0.0.1:26379/m?password=x', /unknown parameter "password"/],
    ['redis-sentinel://127.0.0.1:26379/m?db=x', /database number/],
    ['redis://127.0.0.1:6379', /must start with redis-sentinel/],
  ])('refuses %s', (url, message) => {
    expect(() => parseSentinelUrl(url)).toThrow(RedisTargetError);
    expect(() => parseSentinelUrl(url)).toThrow(message);
  });

  it('parses sentinel lists with spaces, and refuses an empty one', () => {
    expect(parseSentinelAddresses(' a:1 , b:2,')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(() => parseSentinelAddresses(' , ')).toThrow(/at least one sentinel/);
  });

  it('gives ioredis the sentinels, the master role and the fail-over options', () => {
    const options = sentinelOptions('redis-sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/motlan?sentinelPassword=sp');
    expect(options).toMatchObject({
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
      ],
      name: 'motlan',
      role: 'master',
      password: 'pw',
      sentinelPassword: 'sp',
      db: 0,
      failoverDetector: true,
    });
    // All sentinels unreachable: keep trying with the data connection's backoff (never give up).
    expect(options.sentinelRetryStrategy?.(1)).toBe(100);
    expect(options.sentinelRetryStrategy?.(1000)).toBe(2000);
  });

  it('reconnects (without resending) when a demoted primary refuses a write', () => {
    expect(reconnectOnReadonly(new Error("READONLY You can't write against a read only replica."))).toBe(1);
    expect(reconnectOnReadonly(new Error('ERR unknown command'))).toBe(false);
  });
});
