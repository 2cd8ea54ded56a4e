/**
 * Where each of the 34 provinces (from 1 July 2025, libs/vn-admin/data/provinces_2025.csv) sits on
 * the /ops country map: a tile grid laid out by hand, roughly by geography from north to south
 * (row 1 the northern border, column 1 the west). Each province is one equal tile, not its shape:
 * no public-domain boundary set of the merged provinces ships with the project, and equal tiles
 * give small provinces (Huế, Hưng Yên) the same room for their name, colour word and shares as
 * large ones (Gia Lai, Lâm Đồng). The page checks at run time that every province the API names
 * has a tile; one that had none would be listed below the map, never dropped.
 */

export interface Tile {
  row: number;
  col: number;
  /** Name on the tile, without "Tỉnh" / "Thành phố" (the full official name is in its label). */
  short: string;
}

export const GRID = { rows: 16, cols: 6 } as const;

export const TILES: Readonly<Record<string, Tile>> = {
  // The northern mountains, west to east.
  '12': { row: 1, col: 2, short: 'Lai Châu' },
  '15': { row: 1, col: 3, short: 'Lào Cai' },
  '08': { row: 1, col: 4, short: 'Tuyên Quang' },
  '04': { row: 1, col: 5, short: 'Cao Bằng' },
  '11': { row: 2, col: 1, short: 'Điện Biên' },
  '14': { row: 2, col: 2, short: 'Sơn La' },
  '25': { row: 2, col: 3, short: 'Phú Thọ' },
  '19': { row: 2, col: 4, short: 'Thái Nguyên' },
  '20': { row: 2, col: 5, short: 'Lạng Sơn' },
  // The Red River delta.
  '01': { row: 3, col: 3, short: 'Hà Nội' },
  '24': { row: 3, col: 4, short: 'Bắc Ninh' },
  '22': { row: 3, col: 5, short: 'Quảng Ninh' },
  '37': { row: 4, col: 3, short: 'Ninh Bình' },
  '33': { row: 4, col: 4, short: 'Hưng Yên' },
  '31': { row: 4, col: 5, short: 'Hải Phòng' },
  // The north-central and central coast.
  '38': { row: 5, col: 2, short: 'Thanh Hóa' },
  '40': { row: 6, col: 2, short: 'Nghệ An' },
  '42': { row: 6, col: 3, short: 'Hà Tĩnh' },
  '44': { row: 7, col: 3, short: 'Quảng Trị' },
  '46': { row: 7, col: 4, short: 'Huế' },
  '48': { row: 8, col: 4, short: 'Đà Nẵng' },
  '51': { row: 9, col: 4, short: 'Quảng Ngãi' },
  '52': { row: 10, col: 4, short: 'Gia Lai' },
  '66': { row: 11, col: 4, short: 'Đắk Lắk' },
  '68': { row: 12, col: 3, short: 'Lâm Đồng' },
  '56': { row: 12, col: 4, short: 'Khánh Hòa' },
  // The south-east.
  '80': { row: 13, col: 1, short: 'Tây Ninh' },
  '79': { row: 13, col: 2, short: 'TP. Hồ Chí Minh' },
  '75': { row: 13, col: 3, short: 'Đồng Nai' },
  // The Mekong delta.
  '91': { row: 14, col: 0, short: 'An Giang' },
  '82': { row: 14, col: 1, short: 'Đồng Tháp' },
  '86': { row: 14, col: 2, short: 'Vĩnh Long' },
  '92': { row: 15, col: 1, short: 'Cần Thơ' },
  '96': { row: 16, col: 0, short: 'Cà Mau' },
};

/** The name without its "Tỉnh " / "Thành phố " prefix, for provinces the grid does not know. */
export function shortName(official: string): string {
  return official.replace(/^(Tỉnh|Thành phố)\s+/u, '');
}
