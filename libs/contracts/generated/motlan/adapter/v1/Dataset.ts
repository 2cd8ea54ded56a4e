// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type { SubjectKeyFormat as _motlan_adapter_v1_SubjectKeyFormat, SubjectKeyFormat__Output as _motlan_adapter_v1_SubjectKeyFormat__Output } from '../../../motlan/adapter/v1/SubjectKeyFormat.js';
import type { Field as _motlan_adapter_v1_Field, Field__Output as _motlan_adapter_v1_Field__Output } from '../../../motlan/adapter/v1/Field.js';
import type { Sensitivity as _motlan_adapter_v1_Sensitivity, Sensitivity__Output as _motlan_adapter_v1_Sensitivity__Output } from '../../../motlan/adapter/v1/Sensitivity.js';

export interface Dataset {
  /**
   * Dataset name, unique within the registry: person, household, parcel, enterprise, birth, marriage, death.
   */
  'name'?: (string);
  'subjectKey'?: (_motlan_adapter_v1_SubjectKeyFormat | null);
  'fields'?: (_motlan_adapter_v1_Field)[];
  /**
   * How long a record may be served from cache before it must be fetched again.
   */
  'maxAgeSeconds'?: (number);
  'sensitivity'?: (_motlan_adapter_v1_Sensitivity);
  'description'?: (string);
}

export interface Dataset__Output {
  /**
   * Dataset name, unique within the registry: person, household, parcel, enterprise, birth, marriage, death.
   */
  'name': (string);
  'subjectKey': (_motlan_adapter_v1_SubjectKeyFormat__Output | null);
  'fields': (_motlan_adapter_v1_Field__Output)[];
  /**
   * How long a record may be served from cache before it must be fetched again.
   */
  'maxAgeSeconds': (number);
  'sensitivity': (_motlan_adapter_v1_Sensitivity__Output);
  'description': (string);
}
