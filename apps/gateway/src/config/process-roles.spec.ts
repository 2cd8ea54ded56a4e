import { ConfigError, loadGatewayConfig } from './gateway.config.js';
import { parseRoles, rolesRefusal } from './process-roles.js';

const PRODUCTION = { REDIS_URL: 'redis://127.0.0.1:6379', KAFKA_BROKERS: '127.0.0.1:9092' };

describe('process roles (MOTLAN_ROLES)', () => {
  it.each([
    ['api', { api: true, worker: false }],
    ['worker', { api: false, worker: true }],
    ['api,worker', { api: true, worker: true }],
    ['worker,api', { api: true, worker: true }],
    [' api , worker ', { api: true, worker: true }],
  ])('parses "%s"', (raw, roles) => {
    expect(parseRoles(raw)).toEqual({ ok: true, roles });
  });

  it.each(['', 'web', 'api,', 'api;worker', 'API', 'api,cron'])('refuses "%s"', (raw) => {
    expect(parseRoles(raw)).toEqual({ ok: false, expected: `must be "api", "worker" or "api,worker", got "${raw}"` });
  });

  it('default to both roles, on either profile', () => {
    expect(loadGatewayConfig({}).roles).toEqual({ api: true, worker: true });
    expect(loadGatewayConfig(PRODUCTION).roles).toEqual({ api: true, worker: true });
  });

  it('split on the production profile', () => {
    expect(loadGatewayConfig({ ...PRODUCTION, MOTLAN_ROLES: 'api' }).roles).toEqual({ api: true, worker: false });
    expect(loadGatewayConfig({ ...PRODUCTION, MOTLAN_ROLES: 'worker' }).roles).toEqual({ api: false, worker: true });
  });

  it.each([
    [{ MOTLAN_ROLES: 'api' }, /MOTLAN_ROLES must be "api,worker" on the embedded profile/],
    [{ MOTLAN_ROLES: 'worker' }, /MOTLAN_ROLES must be "api,worker" on the embedded profile/],
    // Redis alone, or Kafka alone, is still the embedded profile.
    [{ MOTLAN_ROLES: 'worker', REDIS_URL: PRODUCTION.REDIS_URL }, /needs REDIS_URL and KAFKA_BROKERS/],
    [{ MOTLAN_ROLES: 'api', KAFKA_BROKERS: PRODUCTION.KAFKA_BROKERS }, /needs REDIS_URL and KAFKA_BROKERS/],
    [{ ...PRODUCTION, MOTLAN_ROLES: 'apis' }, /MOTLAN_ROLES must be "api", "worker" or "api,worker", got "apis"/],
  ])('stop the start of %j with one line naming MOTLAN_ROLES', (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(message);
    try {
      loadGatewayConfig(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe('MOTLAN_ROLES');
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('the embedded refusal names the role asked for', () => {
    expect(rolesRefusal({ api: false, worker: true }, false)).toContain('running "worker" alone');
    expect(rolesRefusal({ api: true, worker: false }, false)).toContain('running "api" alone');
    expect(rolesRefusal({ api: true, worker: false }, true)).toBeUndefined();
  });

  it('fold the per-job switches into the worker role: they can turn a job off, never on in an api process', () => {
    const worker = loadGatewayConfig({ ...PRODUCTION, MOTLAN_ROLES: 'worker' });
    expect([worker.portalSync.worker, worker.accessLog.projector]).toEqual([true, true]);
    const narrowed = loadGatewayConfig({ ...PRODUCTION, MOTLAN_ROLES: 'worker', MOTLAN_PORTAL_SYNC_WORKER: 'false', MOTLAN_ACCESS_LOG_PROJECTOR: 'false' });
    expect([narrowed.portalSync.worker, narrowed.accessLog.projector]).toEqual([false, false]);
    const api = loadGatewayConfig({ ...PRODUCTION, MOTLAN_ROLES: 'api', MOTLAN_PORTAL_SYNC_WORKER: 'true', MOTLAN_ACCESS_LOG_PROJECTOR: 'true' });
    expect([api.portalSync.worker, api.accessLog.projector]).toEqual([false, false]);
  });
});
