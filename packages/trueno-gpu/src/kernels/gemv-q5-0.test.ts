import { describeGemvConformance } from './gemv-conformance.js';
import { Q5_0_GEMV, buildGemvQ5_0 } from './gemv-q5-0.js';

describeGemvConformance(Q5_0_GEMV, buildGemvQ5_0, [[1, 32], [3, 352], [31, 96], [33, 352], [127, 64], [1023, 352]], [2, 16]);
