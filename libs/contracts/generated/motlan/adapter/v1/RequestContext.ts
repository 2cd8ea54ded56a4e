// Original file: proto/motlan/adapter/v1/registry_adapter.proto


/**
 * Who asks and why: recorded by the gateway's audit log and passed on so registries can keep their own.
 */
export interface RequestContext {
  'requestId'?: (string);
  'clientId'?: (string);
  'officerId'?: (string);
  /**
   * Procedure code N.NNNNNN.
   */
  'purpose'?: (string);
  'dossierId'?: (string);
}

/**
 * Who asks and why: recorded by the gateway's audit log and passed on so registries can keep their own.
 */
export interface RequestContext__Output {
  'requestId': (string);
  'clientId': (string);
  'officerId': (string);
  /**
   * Procedure code N.NNNNNN.
   */
  'purpose': (string);
  'dossierId': (string);
}
