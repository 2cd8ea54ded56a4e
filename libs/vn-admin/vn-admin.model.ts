/** Administrative units of Viet Nam from 1 July 2025 (two levels: province, commune). */

export type ProvinceType = 'tinh' | 'thanh_pho';
export type CommuneType = 'xa' | 'phuong' | 'dac_khu';

/** One of the 34 province-level units. */
export interface Province {
  /** Two digits, e.g. "01" (Hà Nội). */
  code: string;
  /** Vietnamese name with its prefix, e.g. "Thành phố Hà Nội". */
  name: string;
  asciiName: string;
  type: ProvinceType;
  communeCount: number;
}

/** One of the 3,321 commune-level units (xã, phường, đặc khu). */
export interface Commune {
  /** Five digits, e.g. "00004". */
  code: string;
  name: string;
  asciiName: string;
  type: CommuneType;
  provinceCode: string;
}

/**
 * A birth-registration province code used in digits 1-3 of a personal id (CCCD). These are the 63
 * provinces before the 2025 merger: ids issued before it keep them.
 */
export interface CccdProvince {
  /** Three digits, e.g. "001". */
  code: string;
  oldName: string;
  oldAsciiName: string;
}

/** Where the directory's data came from: the official files, or the built-in stand-in. */
export type VnAdminSource = 'official' | 'generated';

/** The subset of a pino logger the directory needs, so callers can pass theirs. */
export interface VnAdminLogger {
  warn(object: object, message: string): void;
}
