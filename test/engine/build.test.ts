import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const checkedIn = 'src/engine/build';

test('the checked-in engine wasm is exactly what its AssemblyScript sources build to', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'engine-build-'));
  try {
    execFileSync(process.execPath, ['scripts/build-engine.mjs', '--out-dir', outDir], { stdio: 'pipe' });
    for (const file of ['engine.wasm', 'engine-single.wasm', 'engine-wasm.ts']) {
      const rebuilt = readFileSync(join(outDir, file));
      const committed = readFileSync(join(checkedIn, file));
      assert.ok(rebuilt.equals(committed), `${file} differs from a fresh build: run npm run build:engine`);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('the embedded base64 module decodes to the checked-in engine.wasm and imports only its memory', async () => {
  const { ENGINE_WASM_SHARED_BASE64 } = await import('../../src/engine/build/engine-wasm.ts');
  const bytes = Buffer.from(ENGINE_WASM_SHARED_BASE64, 'base64');
  assert.ok(bytes.equals(readFileSync(join(checkedIn, 'engine.wasm'))));
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
  assert.deepEqual(imports, [{ module: 'env', name: 'memory', kind: 'memory' }]);
});
