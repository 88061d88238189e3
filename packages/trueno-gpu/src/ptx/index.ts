/** The PTX builder: typed IR, text emission and the ptxas harness. */
export * from './types.js';
export * from './instr.js';
export * from './kernel.js';
export { KernelBuilder, PtxBuildError, regTypeFor, type CvtOptions } from './builder.js';
export { PtxEmitError, instrText, kernelText, moduleText, operandText } from './emit.js';
export { assemblePtx, findPtxas, parsePtxasInfo, ptxasForTests, type PtxasFunctionInfo, type PtxasResult } from './ptxas.js';
