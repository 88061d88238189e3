// Property tests draw fresh random inputs on every local run (that is how they find bugs), but CI
// must be reproducible: with CI set, fast-check uses one fixed seed (override with FC_SEED).
import fc from 'fast-check';

if (process.env.CI) fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261123) });
