// Original file: proto/motlan/adapter/v1/registry_adapter.proto


/**
 * Events of one kind an adapter takes: another registry's record events, or corrections of its own records.
 */
export interface AcceptedEvent {
  /**
   * Registry whose record events are accepted (e.g. "civil-status"); for corrections, this adapter's own registry.
   */
  'sourceRegistry'?: (string);
  /**
   * Dataset of that registry (e.g. "death").
   */
  'dataset'?: (string);
  /**
   * "record.created" (the record's first version), "record.changed" (a later version), "correction.proposed".
   */
  'eventTypes'?: (string)[];
}

/**
 * Events of one kind an adapter takes: another registry's record events, or corrections of its own records.
 */
export interface AcceptedEvent__Output {
  /**
   * Registry whose record events are accepted (e.g. "civil-status"); for corrections, this adapter's own registry.
   */
  'sourceRegistry': (string);
  /**
   * Dataset of that registry (e.g. "death").
   */
  'dataset': (string);
  /**
   * "record.created" (the record's first version), "record.changed" (a later version), "correction.proposed".
   */
  'eventTypes': (string)[];
}
