/**
 * `npm run -s motlan -- evidence keys|rotate-key|revoke-key`: acts on the evidence key directory
 * itself (not through a gateway), the same directory the gateway signs from. Running gateways pick
 * the change up within MOTLAN_EVIDENCE_KEY_RELOAD_MS (at most 5 s). Exit codes: 0 done (also for a
 * key revoked before), 1 refused (no keys in the directory, unknown kid, bad reason).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveDataDir } from '@motlan/auth/data-dir.js';
import type { TextSink } from '@motlan/auth/token-command.js';
import { EVIDENCE_ALGORITHMS, EVIDENCE_KEYSET_FILE, EvidenceKeyError, EvidenceKeyStore, type EvidenceAlgorithm } from '@motlan/evidence/evidence-key-store.js';

type Env = Readonly<Record<string, string | undefined>>;

export const EVIDENCE_CLI_USAGE = `Evidence commands (act on the key directory itself, no gateway or token needed):
  evidence keys                         the published keys (current first) and the revoked ones
  evidence rotate-key                   make a new current signing key; the previous one stays published
  evidence revoke-key <kid> [--reason <text>]
                                        withdraw a key: its evidence no longer verifies (reason "revoked";
                                        offline: kid not in the key set). Revoking the current key rotates
                                        first. Reasons such as keyCompromise, superseded (default unspecified)
  Key directory: $MOTLAN_EVIDENCE_KEY_DIR, else <data dir>/evidence-keys ($MOTLAN_DATA_DIR, default .data);
  new keys use $MOTLAN_EVIDENCE_ALG (EdDSA or ES256, default EdDSA). Running gateways follow within 5 s.
`;

export interface EvidenceCommandOptions {
  reason?: string;
  json: boolean;
}

/** The key directory the gateway with this environment uses (same rule as its configuration). */
export function evidenceKeyDir(env: Env, cwd: string): string {
  const configured = env.MOTLAN_EVIDENCE_KEY_DIR?.trim();
  return configured ? resolve(cwd, configured) : join(resolveDataDir(env, cwd), 'evidence-keys');
}

export async function runEvidenceCommand(
  command: string,
  arg: string | undefined,
  options: EvidenceCommandOptions,
  env: Env,
  stdout: TextSink,
  stderr: TextSink,
  cwd: string,
): Promise<number> {
  const dir = evidenceKeyDir(env, cwd);
  const algorithm = (env.MOTLAN_EVIDENCE_ALG?.trim() || 'EdDSA') as EvidenceAlgorithm;
  if (!EVIDENCE_ALGORITHMS.includes(algorithm)) {
    stderr.write(`motlan: MOTLAN_EVIDENCE_ALG must be one of ${EVIDENCE_ALGORITHMS.join(', ')}, got "${algorithm}"\n`);
    return 1;
  }
  // Never create keys here: a mistyped directory must not pass for a successful rotation or revocation.
  if (!existsSync(join(dir, EVIDENCE_KEYSET_FILE))) {
    stderr.write(
      `motlan: no evidence keys in ${dir} (the gateway creates them on first start; set MOTLAN_EVIDENCE_KEY_DIR or MOTLAN_DATA_DIR as for the gateway)\n`,
    );
    return 1;
  }
  try {
    const store = await EvidenceKeyStore.open({ dir, algorithm });
    switch (command) {
      case 'keys': {
        const current = store.current().kid;
        const keys = store.jwks().keys.map((k) => ({ kid: k.kid as string, alg: k.alg as string, status: k.kid === current ? 'current' : 'previous' }));
        const revoked = store.revokedKeys();
        if (options.json) {
          stdout.write(pretty({ dir, current, keys, revoked }));
        } else {
          const rows = [
            ['KID', 'ALG', 'STATUS', 'REVOKED AT', 'REASON'],
            ...keys.map((k) => [k.kid, k.alg, k.status, '-', '-']),
            ...revoked.map((r) => [r.kid, r.alg, 'revoked', r.revokedAt, r.reason]),
          ];
          const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
          stdout.write(
            `${dir}\n${rows
              .map((r) =>
                r
                  .map((cell, i) => cell.padEnd(widths[i]))
                  .join('  ')
                  .trimEnd(),
              )
              .join('\n')}\n`,
          );
        }
        return 0;
      }
      case 'rotate-key': {
        const previous = store.current().kid;
        const { kid } = await store.rotate();
        stdout.write(
          options.json
            ? pretty({ dir, current: kid, previous })
            : `new current evidence key ${kid} (${store.current().alg}) in ${dir}; ${previous} stays published for earlier evidence. Running gateways sign with the new key within 5 s.\n`,
        );
        return 0;
      }
      case 'revoke-key': {
        const result = await store.revoke(arg!, options.reason ?? 'unspecified');
        if (options.json) {
          stdout.write(pretty({ dir, ...result }));
        } else if (result.alreadyRevoked) {
          stdout.write(`${result.revoked.kid} was already revoked at ${result.revoked.revokedAt} (${result.revoked.reason}); nothing changed\n`);
        } else {
          const rotated = result.rotatedTo ? ` It was the current key: new current key ${result.rotatedTo}.` : '';
          stdout.write(
            `revoked evidence key ${result.revoked.kid} (${result.revoked.reason}) at ${result.revoked.revokedAt}.${rotated} ` +
              `Its evidence no longer verifies; running gateways follow within 5 s, offline verifiers once they fetch the key set again.\n`,
          );
        }
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof EvidenceKeyError) {
      stderr.write(`motlan: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  stderr.write(`motlan: unknown evidence command "${command}"\n`);
  return 2;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
