/**
 * The Dockerfile, read for its rules (no container engine runs here, so the image is not built in
 * this suite): several stages, Node 24 on every stage, production dependencies only
 * (`npm ci --omit=dev`), a non-root numeric user, node as the entry point (signals reach the
 * gateway), and everything the gateway reads at run time copied in.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readText, ROOT } from './deploy-files.js';

interface Stage {
  image: string;
  name?: string;
  instructions: Array<{ op: string; args: string }>;
}

/** Instructions with line continuations joined and comments dropped; ARG defaults substituted into FROM. */
function parseDockerfile(text: string): { stages: Stage[]; globalArgs: Map<string, string> } {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!op) continue;
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const [image, , name] = args.split(/\s+/);
      stages.push({ image: image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => globalArgs.get(a ?? b) ?? ''), name, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [name, value = ''] = args.split('=');
      globalArgs.set(name.trim(), value.trim());
    } else {
      stages.at(-1)?.instructions.push({ op: upper, args });
    }
  }
  return { stages, globalArgs };
}

const { stages } = parseDockerfile(readText('Dockerfile'));
const runtime = stages.at(-1)!;

describe('Dockerfile', () => {
  it('is multi-stage, every stage on Node 24 (Node 20 reached its end of life on 2026-04-30)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:24(\.|-|$)/);
  });

  it('installs production dependencies only, with npm ci, for the image that runs', () => {
    const installs = stages.flatMap((s) =>
      s.instructions.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args)).map((i) => ({ stage: s.name, args: i.args })),
    );
    expect(installs.some((i) => /--omit=dev\b/.test(i.args))).toBe(true);
    // node_modules of the runtime stage come from a stage that ran `npm ci --omit=dev`
    const copied = runtime.instructions.find((i) => i.op === 'COPY' && /node_modules/.test(i.args));
    const from = /--from=(\S+)/.exec(copied?.args ?? '')?.[1];
    expect(installs.filter((i) => i.stage === from).map((i) => /--omit=dev\b/.test(i.args))).toEqual([true]);
  });

  it('runs as a non-root numeric user (so Kubernetes can enforce runAsNonRoot), with node as PID 1', () => {
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args ?? 'root';
    const [uid] = user.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    const entrypoint = runtime.instructions.filter((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD').at(-1)?.args ?? '';
    expect(JSON.parse(entrypoint) as string[]).toEqual(['node', expect.stringMatching(/^dist\/apps\/gateway\/src\/main\.js$/)]);
  });

  it('copies in what the gateway reads at run time, and the build context leaves local state out', () => {
    const sources = runtime.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args.split(/\s+/)[0]);
    expect(sources).toEqual(expect.arrayContaining(['proto', 'deploy/catalog', 'libs/vn-admin/data']));
    for (const source of sources) expect({ source, exists: existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
    const ignored = readText('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.data', '.git', 'dist']));
  });
});
