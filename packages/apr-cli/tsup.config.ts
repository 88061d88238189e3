import { tsupPreset } from '../../tools/tsup.preset.js';

export default tsupPreset({ index: 'src/index.ts', cli: 'src/cli.ts' }, { banner: { js: '#!/usr/bin/env node' } });
