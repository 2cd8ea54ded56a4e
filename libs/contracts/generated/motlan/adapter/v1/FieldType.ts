// Original file: proto/motlan/adapter/v1/registry_adapter.proto

export const FieldType = {
  FIELD_TYPE_UNSPECIFIED: 'FIELD_TYPE_UNSPECIFIED',
  FIELD_TYPE_STRING: 'FIELD_TYPE_STRING',
  FIELD_TYPE_NUMBER: 'FIELD_TYPE_NUMBER',
  FIELD_TYPE_BOOLEAN: 'FIELD_TYPE_BOOLEAN',
  /**
   * "YYYY-MM-DD"
   */
  FIELD_TYPE_DATE: 'FIELD_TYPE_DATE',
  /**
   * RFC 3339
   */
  FIELD_TYPE_DATETIME: 'FIELD_TYPE_DATETIME',
  FIELD_TYPE_OBJECT: 'FIELD_TYPE_OBJECT',
  FIELD_TYPE_LIST: 'FIELD_TYPE_LIST',
} as const;

export type FieldType =
  | 'FIELD_TYPE_UNSPECIFIED'
  | 0
  | 'FIELD_TYPE_STRING'
  | 1
  | 'FIELD_TYPE_NUMBER'
  | 2
  | 'FIELD_TYPE_BOOLEAN'
  | 3
  /**
   * "YYYY-MM-DD"
   */
  | 'FIELD_TYPE_DATE'
  | 4
  /**
   * RFC 3339
   */
  | 'FIELD_TYPE_DATETIME'
  | 5
  | 'FIELD_TYPE_OBJECT'
  | 6
  | 'FIELD_TYPE_LIST'
  | 7

export type FieldType__Output = typeof FieldType[keyof typeof FieldType]
