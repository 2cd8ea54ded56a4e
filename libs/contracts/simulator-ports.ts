/**
 * Where the registry simulator (apps/registry-sim) serves each registry's adapter: the offset of
 * its gRPC port from SIM_GRPC_BASE_PORT. The national portal came sixth and keeps +5, so judicial
 * records, added later, are at +6. Development data shared by the simulator and the gateway's
 * default MOTLAN_ADAPTERS; not a list of the registries the gateway accepts (any adapter may
 * describe a new one).
 */
export const SIMULATOR_PORT_OFFSETS = {
  population: 0,
  residence: 1,
  land: 2,
  business: 3,
  'civil-status': 4,
  'judicial-records': 6,
} as const;

/** The simulated national portal's port offset. */
export const SIMULATOR_PORTAL_PORT_OFFSET = 5;
