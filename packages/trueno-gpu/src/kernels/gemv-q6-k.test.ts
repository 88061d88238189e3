import { describeGemvConformance } from './gemv-conformance.js';
import { Q6_K_GEMV, buildGemvQ6_K } from './gemv-q6-k.js';

describeGemvConformance(Q6_K_GEMV, buildGemvQ6_K, [[1, 256], [3, 768], [31, 512], [33, 256], [127, 256], [1023, 256]], [2, 16]);
