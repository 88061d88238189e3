import { GGMLType } from '@sovereign/trueno';
import { it } from 'vitest';
import { SM_TARGETS, emitModule } from '../ptx/kernel.js';
import { assemblePtx, ptxasForTests } from '../ptx/ptxas.js';
import { buildGemmMma } from './gemm-mma.js';
import { writeFileSync } from 'node:fs';

it('ptxas', () => {
  const ptxas = ptxasForTests()!;
  for (const sm of SM_TARGETS) {
    const ks = [GGMLType.F16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K].map((type) => buildGemmMma({ sm, type }));
    const text = emitModule(sm, ks);
    if (sm === 'sm_80') writeFileSync('/tmp/gg/gemm.ptx', text);
    const r = assemblePtx(text, sm, ptxas);
    console.log(sm, r.ok, r.functions.map((f) => `${f.name} regs=${f.registers} spill=${f.spillStores}/${f.spillLoads} smem=${f.sharedBytes} stack=${f.stackBytes}`).join('\n'), r.ok ? '' : r.log.slice(0, 2000));
  }
});
