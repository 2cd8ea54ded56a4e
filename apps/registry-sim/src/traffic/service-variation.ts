/**
 * How the simulated commune systems differ, so the gateway's service indicators (issue 18) have
 * something to tell apart: every province reports, each with its own profile (online share,
 * electronic results, online payment, late and overdue dossiers, reused data), and some communes go
 * silent. Everything here is a pure function of the seed and the options: the same seed gives the
 * same communes, the same profiles and, with a seeded random stream, the same dossiers.
 */
import type { Commune } from '@motlan/vn-admin/vn-admin.model.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { InvalidRequestError } from '../registries/sim-errors.js';
import { hashString, SeededRandom } from '../world/seeded-random.js';

/** What one province's commune systems are like. Shares are 0–1. */
export interface ProvinceProfile {
  /** Dossiers filed online (the rest at the counter, a few by post). */
  onlineShare: number;
  /** Of the dossiers not filed online, those sent by post. */
  postShare: number;
  /** Of the online dossiers, those whose fees were paid online. */
  onlinePaymentShare: number;
  /** Results handed over electronically (the rest on paper). */
  electronicResultShare: number;
  /** Dossiers whose result comes after the due date. */
  lateShare: number;
  /** Dossiers that stall past their due date with no result (open and overdue). */
  overdueShare: number;
  /** Dossiers with components replaced by registry data or evidence (prefill). */
  reuseShare: number;
  /** Reporting communes that go silent (stop sending anything) `silentAfterMs` after the start. */
  silentShare: number;
}

export interface TrafficVariation {
  /**
   * Communes of each province that report (default 'all': the monitoring counts a province by the
   * share of its communes in each colour, and a commune that never reports is SILENT).
   */
  communesPerProvince: number | 'all';
  /** Mean share of reporting communes that go silent (default 0.1; drawn per province from 0 to twice it). */
  silentShare: number;
  /** When those communes go silent, in ms after the traffic starts (default 0: they never report at all). */
  silentAfterMs: number;
  /** Mean share of dossiers returned late (default 0.12; drawn per province from 0 to twice it). */
  lateShare: number;
  /** Mean share of dossiers left open past their due date (default 0.05; drawn per province from 0 to twice it). */
  overdueShare: number;
  /**
   * Share of provinces whose communes serve well (default 0.25): 85–99 % online and electronic
   * results, almost nothing late, nothing overdue, no silent commune — so the map has GREEN too.
   */
  exemplaryShare: number;
  /** Profiles fixed by hand, by 2-digit province code, over the drawn ones (defaults: {@link REPORTED_PROFILES}). */
  provinces: Record<string, Partial<ProvinceProfile>>;
}

/**
 * Figures the national monitoring reports gave (issue 18), kept so a demo shows them: Hà Nội takes
 * 32.73 % of applications online and returns 5.3 % of results electronically; Cao Bằng has 5.36 %
 * of its communes GREEN (here: many of its communes fall silent and many dossiers run late).
 */
export const REPORTED_PROFILES: Readonly<Record<string, Partial<ProvinceProfile>>> = {
  '01': { onlineShare: 0.3273, electronicResultShare: 0.053 },
  '04': { silentShare: 0.6, lateShare: 0.35, overdueShare: 0.15 },
};

export const VARIATION_DEFAULTS: Readonly<TrafficVariation> = {
  communesPerProvince: 'all',
  silentShare: 0.1,
  silentAfterMs: 0,
  lateShare: 0.12,
  overdueShare: 0.05,
  exemplaryShare: 0.25,
  provinces: REPORTED_PROFILES,
};

const MAX_COMMUNES_PER_PROVINCE = 200;
const MAX_SILENT_AFTER_MS = 7 * 86_400_000;
const PROFILE_FIELDS: readonly (keyof ProvinceProfile)[] = [
  'onlineShare',
  'postShare',
  'onlinePaymentShare',
  'electronicResultShare',
  'lateShare',
  'overdueShare',
  'reuseShare',
  'silentShare',
];

/**
 * Checks a partial variation (JSON from the environment or code); absent fields take the defaults.
 * @throws InvalidRequestError naming the offending field
 */
export function validateVariation(value: unknown, where = 'variation'): Partial<TrafficVariation> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidRequestError(`${where} must be an object`);
  const fields = value as Record<string, unknown>;
  const known = new Set(['communesPerProvince', 'silentShare', 'silentAfterMs', 'lateShare', 'overdueShare', 'exemplaryShare', 'provinces']);
  for (const key of Object.keys(fields)) if (!known.has(key)) throw new InvalidRequestError(`${where}.${key} is not a variation setting`);
  const out: Partial<TrafficVariation> = {};
  if (fields.communesPerProvince !== undefined) {
    out.communesPerProvince =
      fields.communesPerProvince === 'all' ? 'all' : integer(fields.communesPerProvince, `${where}.communesPerProvince`, 1, MAX_COMMUNES_PER_PROVINCE);
  }
  if (fields.silentAfterMs !== undefined) out.silentAfterMs = integer(fields.silentAfterMs, `${where}.silentAfterMs`, 0, MAX_SILENT_AFTER_MS);
  for (const key of ['silentShare', 'lateShare', 'overdueShare', 'exemplaryShare'] as const)
    if (fields[key] !== undefined) out[key] = share(fields[key], `${where}.${key}`);
  if (fields.provinces !== undefined) {
    const provinces = fields.provinces;
    if (typeof provinces !== 'object' || provinces === null || Array.isArray(provinces))
      throw new InvalidRequestError(`${where}.provinces must be an object keyed by province code`);
    out.provinces = {};
    for (const [code, profile] of Object.entries(provinces)) {
      if (!/^\d{2}$/.test(code)) throw new InvalidRequestError(`${where}.provinces: "${code}" is not a 2-digit province code`);
      if (typeof profile !== 'object' || profile === null || Array.isArray(profile))
        throw new InvalidRequestError(`${where}.provinces.${code} must be an object`);
      const checked: Partial<ProvinceProfile> = {};
      for (const [key, v] of Object.entries(profile)) {
        if (!PROFILE_FIELDS.includes(key as keyof ProvinceProfile)) {
          throw new InvalidRequestError(`${where}.provinces.${code}.${key} is not a profile field (have: ${PROFILE_FIELDS.join(', ')})`);
        }
        checked[key as keyof ProvinceProfile] = share(v, `${where}.provinces.${code}.${key}`);
      }
      out.provinces[code] = checked;
    }
  }
  return out;
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidRequestError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

function share(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw new InvalidRequestError(`${name} must be a number from 0 to 1`);
  return value;
}

/** The variation with defaults filled in; hand-fixed provinces of the caller replace the reported ones. */
export function withDefaults(partial: Partial<TrafficVariation> | undefined): TrafficVariation {
  return { ...VARIATION_DEFAULTS, ...partial, provinces: { ...VARIATION_DEFAULTS.provinces, ...partial?.provinces } };
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * The profile of one province: drawn from (seed, province code), then overridden by hand-fixed
 * figures. Online shares spread from 20 % to 95 % so some provinces are low, like Hà Nội's; an
 * `exemplaryShare` of provinces serve well throughout.
 */
export function provinceProfile(seed: number, provinceCode: string, variation: TrafficVariation): ProvinceProfile {
  const r = new SeededRandom(seed, hashString('traffic-profile'), Number(provinceCode));
  const drawn: ProvinceProfile = {
    onlineShare: 0.2 + 0.75 * r.float(),
    postShare: 0.05 * r.float(),
    onlinePaymentShare: 0.3 + 0.65 * r.float(),
    electronicResultShare: 0.05 + 0.9 * r.float(),
    lateShare: clamp01(2 * variation.lateShare * r.float()),
    overdueShare: clamp01(2 * variation.overdueShare * r.float()),
    reuseShare: 0.1 + 0.8 * r.float(),
    silentShare: clamp01(2 * variation.silentShare * r.float()),
  };
  // Drawn after the others, so a province that is not exemplary keeps the figures above.
  if (r.float() < variation.exemplaryShare) {
    Object.assign(drawn, {
      onlineShare: 0.85 + 0.14 * r.float(),
      electronicResultShare: 0.85 + 0.14 * r.float(),
      onlinePaymentShare: 0.7 + 0.3 * r.float(),
      lateShare: 0.02 * r.float(),
      overdueShare: 0,
      silentShare: 0,
    });
  }
  return { ...drawn, ...variation.provinces[provinceCode] };
}

/** A commune that reports, with its province's profile and whether it goes silent. */
export interface ReportingCommune {
  commune: Commune;
  profile: ProvinceProfile;
  goesSilent: boolean;
}

/**
 * The communes that report. With `count`, that many spread over the provinces (one per province in
 * a seeded order, then a second round…); without, `communesPerProvince` of every province (all by
 * default). The same seed gives the same communes, in the same order.
 */
export function reportingCommunes(directory: VnAdminDirectory, seed: number, variation: TrafficVariation, count?: number): ReportingCommune[] {
  const random = new SeededRandom(seed, hashString('dossier-traffic'));
  const provinces = directory.provinces().filter((p) => directory.communesOf(p.code).length > 0);
  if (provinces.length === 0) throw new RangeError('the administrative directory has no commune');
  const order = shuffled(
    provinces.map((p) => p.code),
    random,
  );
  // Per province, its communes in a seeded order: the k-th commune of a province taken is its k-th there.
  const pools = new Map(
    order.map((code) => [code, shuffled(directory.communesOf(code), new SeededRandom(seed, hashString('traffic-communes'), Number(code)))]),
  );
  const perProvince = variation.communesPerProvince === 'all' ? Number.POSITIVE_INFINITY : variation.communesPerProvince;
  const wanted = count ?? perProvince * order.length;
  const taken: Commune[] = [];
  for (let round = 0; taken.length < wanted; round++) {
    let any = false;
    for (const code of order) {
      const commune = pools.get(code)![round];
      if (!commune || taken.length >= wanted) continue;
      taken.push(commune);
      any = true;
    }
    if (!any) break;
  }
  const profiles = new Map(order.map((code) => [code, provinceProfile(seed, code, variation)]));
  return taken.map((commune) => {
    const profile = profiles.get(commune.provinceCode)!;
    const goesSilent = new SeededRandom(seed, hashString('traffic-silent'), Number(commune.code)).chance(profile.silentShare);
    return { commune, profile, goesSilent };
  });
}

function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export type Channel = 'online' | 'counter' | 'post';
export type ResultForm = 'electronic' | 'paper';
/** on-time: result by the due date; late: received long enough ago that the result comes after it; overdue: stalls open past it. */
export type Timing = 'on-time' | 'late' | 'overdue';

/** What a commune system reports about one dossier beyond its statuses (the fields the indicators read). */
export interface DossierPlan {
  channel: Channel;
  feesPaidOnline: boolean;
  resultForm: ResultForm;
  reusedComponents: string[];
  timing: Timing;
}

/** Components a commune can take from registry data instead of paper: the citizen's id card, the residence confirmation, the application form prefilled. */
const REUSABLE_COMPONENTS = ['CCCD', 'XNCT', 'TK01'] as const;

/** One dossier's plan, drawn from the province profile with `random` (seeded in tests: known seed, known shares). */
export function planDossier(profile: ProvinceProfile, random: () => number): DossierPlan {
  const online = random() < profile.onlineShare;
  const post = !online && random() < profile.postShare;
  const channel: Channel = online ? 'online' : post ? 'post' : 'counter';
  // Paying online needs an online application here (the counter takes cash or card on the spot).
  const feesPaidOnline = online && random() < profile.onlinePaymentShare;
  const resultForm: ResultForm = random() < profile.electronicResultShare ? 'electronic' : 'paper';
  const reused = random() < profile.reuseShare;
  const reusedComponents = reused ? REUSABLE_COMPONENTS.slice(0, 1 + Math.floor(random() * REUSABLE_COMPONENTS.length)) : [];
  const t = random();
  const timing: Timing = t < profile.overdueShare ? 'overdue' : t < profile.overdueShare + profile.lateShare ? 'late' : 'on-time';
  return { channel, feesPaidOnline, resultForm, reusedComponents, timing };
}
