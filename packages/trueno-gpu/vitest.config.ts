import { vitestPreset } from '../../tools/vitest.preset.js';

export default vitestPreset();
