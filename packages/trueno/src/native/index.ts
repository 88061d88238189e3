/**
 * The native (C++ SIMD) backend: loader, backend and registration. Importing this module
 * registers the `native` backend with {@link registerBackend}; the addon itself loads on first use.
 */
export { loadNative } from './load-native.js';
export type { NativeLoadResult } from './load-native.js';
export { NativeUnavailableError } from './native-addon.js';
export type { NativeActFormat, NativeAddon, NativeAddonInfo } from './native-addon.js';
export { NativeBackend } from './native-backend.js';
export { nativeInfo, nativeProvider } from './native-provider.js';
export type { NativeInfo } from './native-provider.js';
