/** What the lookup path needs to know about an authenticated client (a verified token). */
export interface AuthenticatedClient {
  clientId: string;
  scopes: ReadonlySet<string>;
  communeCode?: string;
  /** Province a monitoring centre's token is bound to (claim `province`). */
  provinceCode?: string;
}
