// Original file: proto/motlan/portal/v1/portal.proto

import type { ResultDocument as _motlan_portal_v1_ResultDocument, ResultDocument__Output as _motlan_portal_v1_ResultDocument__Output } from '../../../motlan/portal/v1/ResultDocument.js';
import type { Long } from '@grpc/proto-loader';

export interface DossierStatus {
  /**
   * MaHoSo
   */
  'dossierId'?: (string);
  /**
   * MaTTHC, N.NNNNNN
   */
  'procedureCode'?: (string);
  /**
   * 5-digit commune code (2025)
   */
  'communeCode'?: (string);
  /**
   * 2-digit province code (2025)
   */
  'provinceCode'?: (string);
  /**
   * TrangThaiHoSo 1-10
   */
  'status'?: (number);
  /**
   * "citizen" | "organization"
   */
  'subjectType'?: (string);
  /**
   * NgayTiepNhan, yyyyMMddHHmmss Asia/Ho_Chi_Minh
   */
  'receivedAt'?: (string);
  /**
   * NgayHenTra, yyyyMMddHHmmss Asia/Ho_Chi_Minh, empty when none
   */
  'dueAt'?: (string);
  /**
   * when the commune system reported this status, yyyyMMddHHmmss
   */
  'updatedAt'?: (string);
  /**
   * per-dossier sequence number of this status
   */
  'sequence'?: (number | string | Long);
  'resultDocuments'?: (_motlan_portal_v1_ResultDocument)[];
  /**
   * Added for service monitoring (issue 18); empty/absent when the commune system did not say.
   */
  'channel'?: (string);
  /**
   * absent when unknown (proto3 presence), not "false"
   */
  'feesPaidOnline'?: (boolean);
  /**
   * "electronic" | "paper", with status 9/10
   */
  'resultForm'?: (string);
  /**
   * codes of dossier components replaced by registry data or evidence
   */
  'reusedComponents'?: (string)[];
  '_feesPaidOnline'?: "feesPaidOnline";
}

export interface DossierStatus__Output {
  /**
   * MaHoSo
   */
  'dossierId': (string);
  /**
   * MaTTHC, N.NNNNNN
   */
  'procedureCode': (string);
  /**
   * 5-digit commune code (2025)
   */
  'communeCode': (string);
  /**
   * 2-digit province code (2025)
   */
  'provinceCode': (string);
  /**
   * TrangThaiHoSo 1-10
   */
  'status': (number);
  /**
   * "citizen" | "organization"
   */
  'subjectType': (string);
  /**
   * NgayTiepNhan, yyyyMMddHHmmss Asia/Ho_Chi_Minh
   */
  'receivedAt': (string);
  /**
   * NgayHenTra, yyyyMMddHHmmss Asia/Ho_Chi_Minh, empty when none
   */
  'dueAt': (string);
  /**
   * when the commune system reported this status, yyyyMMddHHmmss
   */
  'updatedAt': (string);
  /**
   * per-dossier sequence number of this status
   */
  'sequence': (string);
  'resultDocuments': (_motlan_portal_v1_ResultDocument__Output)[];
  /**
   * Added for service monitoring (issue 18); empty/absent when the commune system did not say.
   */
  'channel': (string);
  /**
   * absent when unknown (proto3 presence), not "false"
   */
  'feesPaidOnline'?: (boolean);
  /**
   * "electronic" | "paper", with status 9/10
   */
  'resultForm': (string);
  /**
   * codes of dossier components replaced by registry data or evidence
   */
  'reusedComponents': (string)[];
  '_feesPaidOnline'?: "feesPaidOnline";
}
