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
    const config = loadGatewayConfig({
      MOTLAN_ADAPTERS: 'population=10.0.0.1:7000, land=land.local:7001',
      REDIS_URL: 'redis://x',
      KAFKA_BROKERS: 'a:9092,b:9092',
    });
    expect(config.adapters).toEqual({ population: '10.0.0.1:7000', land: 'land.local:7001' });
    expect(config.profile).toBe('production');
    expect(config.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
  });

  it('adapter TLS directory and endpoint allow-list: defaults (data dir, loopback only), explicit values, bad patterns named', () => {
    const defaults = loadGatewayConfig({ MOTLAN_DATA_DIR: '/tmp/motlan-x' });
    expect(defaults.adapterTls).toEqual({ dir: '/tmp/motlan-x/adapter-tls', maxBytes: 65536, envPrefix: 'MOTLAN_ADAPTER_TLS_' });
    expect(defaults.adapterEndpointAllow).toEqual(['loopback']);
    const explicit = loadGatewayConfig({ MOTLAN_ADAPTER_TLS_DIR: '/etc/motlan/adapter-tls', MOTLAN_ADAPTER_ENDPOINT_ALLOW: '*.registry.gov.vn, 10.20.0.0/16' });
    expect(explicit.adapterTls.dir).toBe('/etc/motlan/adapter-tls');
    expect(explicit.adapterEndpointAllow).toEqual(['*.registry.gov.vn', '10.20.0.0/16']);
    expect(() => loadGatewayConfig({ MOTLAN_ADAPTER_ENDPOINT_ALLOW: 'loopback,*' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ MOTLAN_ADAPTER_ENDPOINT_ALLOW: 'loopback,*' })).toThrow(/MOTLAN_ADAPTER_ENDPOINT_ALLOW .*got "\*"/);
  });

  it('defaults the per-adapter resilience settings and reads them from the environment', () => {
    expect(loadGatewayConfig({}).resilience).toEqual({
      maxConcurrency: 64,
      retry: { attempts: 2, backoffMs: 50 },
      breaker: { failureThreshold: 5, errorRate: 0.5, minCalls: 20, windowMs: 10000, openMs: 5000, halfOpenProbes: 1 },
    });
    const config = loadGatewayConfig({
      MOTLAN_ADAPTER_MAX_CONCURRENCY: '2',
      MOTLAN_ADAPTER_RETRY_ATTEMPTS: '1',
      MOTLAN_ADAPTER_RETRY_BACKOFF_MS: '10',
      MOTLAN_BREAKER_FAILURE_THRESHOLD: '3',
      MOTLAN_BREAKER_ERROR_RATE: '0.25',
      MOTLAN_BREAKER_MIN_CALLS: '4',
      MOTLAN_BREAKER_WINDOW_MS: '2000',
      MOTLAN_BREAKER_OPEN_MS: '300',
      MOTLAN_BREAKER_HALF_OPEN_PROBES: '2',
    });
    expect(config.resilience).toEqual({
      maxConcurrency: 2,
      retry: { attempts: 1, backoffMs: 10 },
      breaker: { failureThreshold: 3, errorRate: 0.25, minCalls: 4, windowMs: 2000, openMs: 300, halfOpenProbes: 2 },
    });
  });

  it.each([
    [{ MOTLAN_ADAPTER_MAX_CONCURRENCY: '0' }, /MOTLAN_ADAPTER_MAX_CONCURRENCY must be an integer/],
    [{ MOTLAN_ADAPTER_RETRY_ATTEMPTS: '0' }, /MOTLAN_ADAPTER_RETRY_ATTEMPTS must be an integer/],
    [{ MOTLAN_BREAKER_ERROR_RATE: '0' }, /MOTLAN_BREAKER_ERROR_RATE must be a number greater than 0/],
    [{ MOTLAN_BREAKER_ERROR_RATE: '1.5' }, /MOTLAN_BREAKER_ERROR_RATE must be a number/],
    [{ MOTLAN_BREAKER_ERROR_RATE: 'half' }, /MOTLAN_BREAKER_ERROR_RATE must be a number/],
    [{ MOTLAN_BREAKER_HALF_OPEN_PROBES: '0' }, /MOTLAN_BREAKER_HALF_OPEN_PROBES must be an integer/],
  ])('refuses the resilience setting %j', (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });

  it('audit trail: topic, timeout and instance id (a default one is unique per process)', () => {
    const config = loadGatewayConfig({ MOTLAN_INSTANCE_ID: 'gw-1.hn', MOTLAN_AUDIT_TIMEOUT_MS: '2000' });
    expect(config.instanceId).toBe('gw-1.hn');
    expect(config.audit).toMatchObject({ topic: 'motlan.audit.v1', timeoutMs: 2000, sync: false });
    expect(loadGatewayConfig({}).audit.timeoutMs).toBe(5000);
    expect(loadGatewayConfig({}).instanceId).toMatch(/-\d+-[0-9a-f]{6}$/);
    expect(loadGatewayConfig({}).instanceId).not.toBe(loadGatewayConfig({}).instanceId);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ MOTLAN_ADAPTERS: 'population' }, /MOTLAN_ADAPTERS expected/],
    [{ MOTLAN_TOKEN_ALGORITHMS: 'EdDSA,HS256' }, /asymmetric/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ MOTLAN_AUDIT_FSYNC: 'maybe' }, /true or false/],
    [{ MOTLAN_AUDIT_TIMEOUT_MS: '0' }, /MOTLAN_AUDIT_TIMEOUT_MS must be an integer/],
    [{ MOTLAN_INSTANCE_ID: 'gw 1' }, /MOTLAN_INSTANCE_ID must be/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once, one line each, the Kafka and service-indicator ones included', () => {
    let error: unknown;
    try {
      loadGatewayConfig({
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        MOTLAN_ADAPTER_ENDPOINT_ALLOW: 'loopback,*',
        MOTLAN_BREAKER_ERROR_RATE: '0',
        KAFKA_BROKERS: 'kafka-0',
        MOTLAN_WORKING_HOURS: '17:00-07:30',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('PORT');
    expect((error as ConfigError).message.split('\n')).toEqual([
      'invalid configuration: PORT must be an integer between 0 and 65535, got "abc"',
      'invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'invalid configuration: MOTLAN_ADAPTER_ENDPOINT_ALLOW expected comma-separated host patterns (loopback, *.domain, host name, IP, IPv4 CIDR), got "*"',
      'invalid configuration: MOTLAN_BREAKER_ERROR_RATE must be a number greater than 0 and at most 1, got "0"',
      'invalid configuration: MOTLAN_WORKING_HOURS must be HH:MM-HH:MM with the end after the start (Vietnam time), got "17:00-07:30"',
      'invalid configuration: KAFKA_BROKERS must be host:port pairs, comma-separated, got "kafka-0"',
    ]);
  });
});
