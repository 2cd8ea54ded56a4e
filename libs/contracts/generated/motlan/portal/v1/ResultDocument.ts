// Original file: proto/motlan/portal/v1/portal.proto


export interface ResultDocument {
  /**
   * document code (MaGiayTo)
   */
  'code'?: (string);
  /**
   * document name (TenGiayTo)
   */
  'name'?: (string);
  /**
   * where the electronic result can be fetched
   */
  'url'?: (string);
}

export interface ResultDocument__Output {
  /**
   * document code (MaGiayTo)
   */
  'code': (string);
  /**
   * document name (TenGiayTo)
   */
  'name': (string);
  /**
   * where the electronic result can be fetched
   */
  'url': (string);
}
