// Original file: proto/motlan/adapter/v1/registry_adapter.proto

export const Sensitivity = {
  SENSITIVITY_UNSPECIFIED: 'SENSITIVITY_UNSPECIFIED',
  SENSITIVITY_NORMAL: 'SENSITIVITY_NORMAL',
  /**
   * Needs a consent reference or a legal basis to read (civil status, land ownership).
   */
  SENSITIVITY_SENSITIVE: 'SENSITIVITY_SENSITIVE',
} as const;

export type Sensitivity =
  | 'SENSITIVITY_UNSPECIFIED'
  | 0
  | 'SENSITIVITY_NORMAL'
  | 1
  /**
   * Needs a consent reference or a legal basis to read (civil status, land ownership).
   */
  | 'SENSITIVITY_SENSITIVE'
  | 2

export type Sensitivity__Output = typeof Sensitivity[keyof typeof Sensitivity]
