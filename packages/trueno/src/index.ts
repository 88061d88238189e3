export * from './dtype.js';
export * from './tensor.js';
export * from './quant/index.js';
export * from './backend/index.js';
export * from './brick/index.js';
export * from './native/index.js';
