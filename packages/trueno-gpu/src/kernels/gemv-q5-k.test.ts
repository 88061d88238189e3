import { describeGemvConformance } from './gemv-conformance.js';
import { Q5_K_GEMV, buildGemvQ5_K } from './gemv-q5-k.js';

describeGemvConformance(Q5_K_GEMV, buildGemvQ5_K, [[1, 256], [3, 768], [31, 512], [33, 256], [127, 256], [1023, 256]], [2, 16]);
