import { describeGemvConformance } from './gemv-conformance.js';
import { Q4_K_GEMV, buildGemvQ4_K } from './gemv-q4-k.js';

describeGemvConformance(Q4_K_GEMV, buildGemvQ4_K, [[1, 256], [3, 768], [31, 512], [33, 256], [127, 256], [1023, 256]], [2, 16]);
