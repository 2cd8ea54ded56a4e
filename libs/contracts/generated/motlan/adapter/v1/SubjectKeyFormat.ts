// Original file: proto/motlan/adapter/v1/registry_adapter.proto


export interface SubjectKeyFormat {
  /**
   * Well-known format name the gateway validates strictly: "cccd" (12-digit personal id),
   * "tax-code" (10 digits with check digit, optional -NNN branch), "parcel-id" (CCCCC-SSS-PPPPP).
   * Unknown names are validated with pattern only.
   */
  'name'?: (string);
  /**
   * ECMAScript-compatible regular expression the whole subject id must match.
   */
  'pattern'?: (string);
  /**
   * One human sentence, shown in 400 errors.
   */
  'description'?: (string);
}

export interface SubjectKeyFormat__Output {
  /**
   * Well-known format name the gateway validates strictly: "cccd" (12-digit personal id),
   * "tax-code" (10 digits with check digit, optional -NNN branch), "parcel-id" (CCCCC-SSS-PPPPP).
   * Unknown names are validated with pattern only.
   */
  'name': (string);
  /**
   * ECMAScript-compatible regular expression the whole subject id must match.
   */
  'pattern': (string);
  /**
   * One human sentence, shown in 400 errors.
   */
  'description': (string);
}
