/**
 * Residence data (cư trú): the household a person is registered in, with its head, members and
 * addresses. Household books were abolished in 2023; this data now lives in the population database
 * and is looked up by any member's personal id.
 */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { PlannedHousehold } from '../world/family-planner.js';
import { temporaryAddress } from '../world/family-planner.js';
import { GROUP_SIZE } from '../world/person-id-codec.js';
import type { SeededRandom } from '../world/seeded-random.js';
import { hashString } from '../world/seeded-random.js';
import type { ResolvedPerson, SyntheticPopulation } from '../world/synthetic-population.js';
import { baseAsOf, CCCD_KEY, field, type DatasetSpec, type DerivedRecord, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';

export class HouseholdDataset implements SimDataset {
  readonly spec: DatasetSpec = {
    name: 'household',
    description: 'The household a person is registered in (keyed by any member), with head, members and addresses.',
    subjectKey: CCCD_KEY,
    maxAgeSeconds: 600,
    sensitivity: 'SENSITIVITY_NORMAL',
    fields: [
      field('householdId', 'FIELD_TYPE_STRING', 'Household number.'),
      field('head', 'FIELD_TYPE_OBJECT', 'Head of household: personId, fullName.', true),
      field(
        'members',
        'FIELD_TYPE_LIST',
        'Members: personId, fullName, relationToHead (CHU_HO, VO, CHONG, CON, BO, ME, CON_DAU, CON_RE, CHAU, ANH_CHI_EM, KHAC), dateOfBirth.',
        true,
      ),
      field('memberCount', 'FIELD_TYPE_NUMBER', 'Number of members.'),
      field('permanentAddress', 'FIELD_TYPE_OBJECT', 'Permanent residence: communeCode, communeName, provinceCode, provinceName, line.', true),
      field('temporaryAddress', 'FIELD_TYPE_OBJECT', 'Registered temporary residence (same shape plus expiresOn), or null.', true),
    ],
  };

  constructor(private readonly population: SyntheticPopulation) {}

  derive(subjectId: string): DerivedRecord | null {
    const resolved = this.population.resolve(subjectId);
    const key = resolved?.person.householdKey;
    if (!resolved || key === null || key === undefined) return null; // the deceased are no longer registered
    const household = resolved.plan.households.get(key) as PlannedHousehold;
    const householdId = householdIdOf(resolved, household);
    const members = household.memberSlots.map((slot) => this.population.relative(resolved.plan, slot) as ResolvedPerson);
    const head = members[0];
    const record: JsonObject = {
      householdId,
      head: { personId: head.id, fullName: head.person.fullName },
      members: members.map((m) => ({
        personId: m.id,
        fullName: m.person.fullName,
        relationToHead: household.relations.get(m.person.slot) ?? 'KHAC',
        dateOfBirth: m.person.dateOfBirth,
      })),
      memberCount: members.length,
      permanentAddress: this.population.address(household.address),
      temporaryAddress: household.temporaryAddress
        ? { ...this.population.address(household.temporaryAddress), expiresOn: household.temporaryAddress.expiresOn }
        : null,
    };
    return { recordKey: householdId, record, subjectIds: members.map((m) => m.id), baseAsOf: baseAsOf(hashString(`household:${householdId}`)) };
  }

  /** A new temporary residence registration (or its renewal elsewhere). */
  change(current: JsonObject, rng: SeededRandom): JsonObject {
    const permanent = current.permanentAddress as { provinceCode?: string } | null;
    const next = temporaryAddress(rng, this.population.directory, permanent?.provinceCode ?? '');
    return { temporaryAddress: { ...this.population.address(next), expiresOn: next.expiresOn } };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.population.samplePerson(k, (p) => p.householdKey !== null, query.province)?.id ?? null;
  }
}

/** Province code + 10 digits, unique per household (group and key within the group). */
function householdIdOf(resolved: ResolvedPerson, household: PlannedHousehold): string {
  return resolved.plan.provinceCode + String(resolved.plan.group * GROUP_SIZE + household.key).padStart(10, '0');
}

export class ResidenceRegistry implements SimRegistry {
  readonly name = 'residence';
  readonly datasets: readonly SimDataset[];

  constructor(population: SyntheticPopulation) {
    this.datasets = [new HouseholdDataset(population)];
  }
}
