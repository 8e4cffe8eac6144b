// matMul with transpose flags: wasm runs those 10-20x slower than an explicit transpose followed
// by the plain matMul, so that is what this kernel does.
import { type Info, type Kernels, KernelScope, replaceKernel } from './shared.ts';

function transposeLastTwo(scope: KernelScope, x: Info): Info {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return scope.transpose(x, perm);
}

export function registerMatMulKernels(kernels: Kernels): void {
  const plainMatMul = kernels.BatchMatMul;
  replaceKernel('BatchMatMul', (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return plainMatMul(args);
    const scope = new KernelScope(args.backend, kernels);
    const a = transposeA ? transposeLastTwo(scope, args.inputs.a as Info) : (args.inputs.a as Info);
    const b = transposeB ? transposeLastTwo(scope, args.inputs.b as Info) : (args.inputs.b as Info);
    return scope.finish(scope.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }));
  });
}
