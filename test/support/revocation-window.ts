import { eventually } from './eventually.js';

/**
 * Waits until the clock is past the last second a client revocation covers: a revocation of a
 * client refuses its tokens issued up to its time plus the clock tolerance (an issuer whose clock
 * runs ahead may issue them before the revocation), so a token issued after that works again.
 */
export async function pastRevocation(revokedAt: string, toleranceSec: number): Promise<void> {
  const coveredUpToMs = (Math.floor(Date.parse(revokedAt) / 1000) + toleranceSec + 1) * 1000;
  await eventually('the end of the revocation window', async () => (Date.now() >= coveredUpToMs ? true : undefined), 30_000, 50);
}
