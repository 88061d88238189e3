import { tsupPreset } from '../../tools/tsup.preset.js';

export default tsupPreset({ index: 'src/index.ts', testing: 'src/testing/index.ts' });
