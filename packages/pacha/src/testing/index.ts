/** Test support of pacha: the loopback hub (`@sovereign/pacha/testing`). Not part of the main API. */
export { seededBytes, startLoopbackHub } from './loopback-hub.js';
export type { HubFault, HubLayer, HubOptions, HubRequest, LoopbackHub } from './loopback-hub.js';
