import { vitestPreset } from '../../tools/vitest.preset.js';

// --expose-gc: the zero-allocation test (src/model/zero-alloc.test.ts) collects garbage before measuring.
export default vitestPreset({ execArgv: ['--expose-gc'] });
