// Original file: proto/motlan/adapter/v1/registry_adapter.proto


/**
 * A clerk's finding that a registry value is wrong.
 */
export interface Correction {
  'field'?: (string);
  /**
   * JSON text of the value the clerk saw and of the value proposed.
   */
  'valueSeenJson'?: (string);
  'valueProposedJson'?: (string);
  /**
   * Reference of the evidence document (e.g. a scanned birth certificate's dossier component).
   */
  'evidenceRef'?: (string);
  'officerId'?: (string);
  /**
   * The commune (5-digit code) whose clerk filed it, when the filing client is commune-bound.
   */
  'communeCode'?: (string);
}

/**
 * A clerk's finding that a registry value is wrong.
 */
export interface Correction__Output {
  'field': (string);
  /**
   * JSON text of the value the clerk saw and of the value proposed.
   */
  'valueSeenJson': (string);
  'valueProposedJson': (string);
  /**
   * Reference of the evidence document (e.g. a scanned birth certificate's dossier component).
   */
  'evidenceRef': (string);
  'officerId': (string);
  /**
   * The commune (5-digit code) whose clerk filed it, when the filing client is commune-bound.
   */
  'communeCode': (string);
}
