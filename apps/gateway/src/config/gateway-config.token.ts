/** Injection token of the validated, frozen GatewayConfig. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
