import { isIP } from 'node:net';
import { endpointHost, isLoopbackHost } from './tls-material.js';

/**
 * Which hosts registry operators may point the gateway at. Without it, a write scope would let an
 * operator make the gateway connect anywhere it can reach (an internal port scan). Patterns, as
 * given in MOTLAN_ADAPTER_ENDPOINT_ALLOW (comma-separated):
 *
 * - `loopback`: localhost, 127.0.0.0/8 and ::1 (the default: the development profile's simulator);
 * - `*.registry.gov.vn`: any name under that domain (not the domain itself);
 * - `adapter1.registry.gov.vn`, `10.20.0.11`, `fd00::11`: exactly that host;
 * - `10.20.0.0/16`: IPv4 addresses in that network.
 *
 * Matching is on the host as written in the manifest (case-insensitive); a name is trusted to
 * resolve where its zone says, so list names only under zones the registries' operators control.
 */
export class EndpointAllowList {
  private readonly rules: ((host: string) => boolean)[];

  constructor(readonly patterns: readonly string[]) {
    this.rules = patterns.map((pattern) => {
      const rule = parseEndpointPattern(pattern);
      if (!rule) throw new Error(`"${pattern}" is not a host pattern (loopback, *.domain, a host name, an IP address or an IPv4 CIDR)`);
      return rule;
    });
  }

  allows(endpoint: string): boolean {
    const host = endpointHost(endpoint);
    return this.rules.some((rule) => rule(host));
  }
}

/** A matcher for one pattern, or undefined when the pattern is malformed (config validation uses it). */
export function parseEndpointPattern(raw: string): ((host: string) => boolean) | undefined {
  const pattern = raw.trim().toLowerCase();
  if (pattern === 'loopback') return isLoopbackHost;
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(pattern);
  if (cidr) {
    const network = ipv4(cidr[1]);
    const bits = Number(cidr[2]);
    if (network === undefined || bits > 32) return undefined;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (host) => {
      const address = ipv4(host);
      return address !== undefined && (address & mask) >>> 0 === (network & mask) >>> 0;
    };
  }
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    if (!DNS_NAME.test(suffix.slice(1))) return undefined;
    return (host) => host.endsWith(suffix) && host.length > suffix.length && isIP(host) === 0;
  }
  if (isIP(pattern) || DNS_NAME.test(pattern)) return (host) => host === pattern;
  return undefined;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function ipv4(text: string): number | undefined {
  // Only the dotted-quad form: "127.1" or "2130706433" never match a network rule.
  if (isIP(text) !== 4) return undefined;
  return text.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}
