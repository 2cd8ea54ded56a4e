import { ConfigError, loadGatewayConfig } from '../config/gateway.config.js';

describe('citizen access log settings', () => {
  it('default to the dev citizen issuer of the data directory, two years, and a projector in every instance', () => {
    const config = loadGatewayConfig({ MOTLAN_DATA_DIR: '/tmp/motlan-x' });
    expect(config.citizenAuth).toEqual({
      issuer: 'urn:motlan:dev-citizen-issuer',
      audience: 'motlan-citizen',
      jwks: { file: '/tmp/motlan-x/dev-citizen-issuer/jwks.json' },
      algorithms: ['EdDSA', 'ES256', 'RS256'],
    });
    expect(config.accessLog).toEqual({
      retentionDays: 730,
      maxPerCitizen: 100000,
      maxRefusalsPerCitizen: 200,
      maxRefusalOnlyCitizens: 100000,
      projector: true,
      group: 'motlan-access-log',
    });
  });

  it('take the national e-identity from the environment', () => {
    const config = loadGatewayConfig({
      MOTLAN_CITIZEN_TOKEN_ISSUER: 'https://sso.vneid.example',
      MOTLAN_CITIZEN_TOKEN_AUDIENCE: 'motlan-prod',
      MOTLAN_CITIZEN_JWKS_URL: 'https://sso.vneid.example/jwks',
      MOTLAN_CITIZEN_JWKS_FILE: '/ignored/when/a/url/is/set.json',
      MOTLAN_CITIZEN_TOKEN_ALGORITHMS: 'RS256',
      MOTLAN_ACCESS_LOG_RETENTION_DAYS: '365',
      MOTLAN_ACCESS_LOG_MAX_PER_CITIZEN: '5000',
      MOTLAN_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN: '50',
      MOTLAN_ACCESS_LOG_MAX_REFUSAL_ONLY_CITIZENS: '20000',
      MOTLAN_ACCESS_LOG_PROJECTOR: 'false',
      MOTLAN_ACCESS_LOG_GROUP: 'motlan-access-log-staging',
    });
    expect(config.citizenAuth).toEqual({
      issuer: 'https://sso.vneid.example',
      audience: 'motlan-prod',
      jwks: { url: 'https://sso.vneid.example/jwks' },
      algorithms: ['RS256'],
    });
    expect(config.accessLog).toEqual({
      retentionDays: 365,
      maxPerCitizen: 5000,
      maxRefusalsPerCitizen: 50,
      maxRefusalOnlyCitizens: 20000,
      projector: false,
      group: 'motlan-access-log-staging',
    });
    expect(loadGatewayConfig({ MOTLAN_CITIZEN_JWKS_FILE: '/etc/motlan/vneid.json' }).citizenAuth.jwks).toEqual({ file: '/etc/motlan/vneid.json' });
  });

  it.each([
    [{ MOTLAN_CITIZEN_TOKEN_ISSUER: 'urn:motlan:dev-issuer' }, 'MOTLAN_CITIZEN_TOKEN_ISSUER'],
    [{ MOTLAN_TOKEN_ISSUER: 'https://idp', MOTLAN_CITIZEN_TOKEN_ISSUER: 'https://idp' }, 'MOTLAN_CITIZEN_TOKEN_ISSUER'],
    [{ MOTLAN_CITIZEN_TOKEN_ALGORITHMS: 'HS256' }, 'MOTLAN_CITIZEN_TOKEN_ALGORITHMS'],
    [{ MOTLAN_ACCESS_LOG_RETENTION_DAYS: '0' }, 'MOTLAN_ACCESS_LOG_RETENTION_DAYS'],
    [{ MOTLAN_ACCESS_LOG_PROJECTOR: 'maybe' }, 'MOTLAN_ACCESS_LOG_PROJECTOR'],
    [{ MOTLAN_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN: '0' }, 'MOTLAN_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN'],
  ])('refuse %j', (env, variable) => {
    expect(() => loadGatewayConfig(env)).toThrow(ConfigError);
    expect(() => loadGatewayConfig(env)).toThrow(variable);
  });
});
