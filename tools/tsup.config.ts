import { tsupPreset } from './tsup.preset.js';

export default tsupPreset({ index: 'src/index.ts', 'gen-model': 'src/gen-model.ts' }, { banner: { js: '#!/usr/bin/env node' } });
