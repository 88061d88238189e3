import { describeGemvConformance } from './gemv-conformance.js';
import { Q4_0_GEMV, buildGemvQ4_0 } from './gemv-q4-0.js';

describeGemvConformance(Q4_0_GEMV, buildGemvQ4_0, [[1, 32], [3, 352], [31, 96], [33, 352], [127, 64], [1023, 352]], [2, 16]);
