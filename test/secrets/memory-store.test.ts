import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore } from '../../src/secrets/memory-store.ts';

test('memory store: set/get/delete with copies in and out', async () => {
  const store = createMemoryStore();
  assert.equal(await store.get('a'), undefined);
  const value = Uint8Array.of(1, 2, 3);
  await store.set('a', value);
  value[0] = 9;
  const read = await store.get('a');
  assert.deepEqual(read, Uint8Array.of(1, 2, 3));
  (read as Uint8Array)[1] = 9;
  assert.deepEqual(await store.get('a'), Uint8Array.of(1, 2, 3));
  await store.set('b', Uint8Array.of());
  assert.deepEqual(store.accounts(), ['a', 'b']);
  assert.equal(await store.delete('a'), true);
  assert.equal(await store.delete('a'), false);
  assert.deepEqual(store.accounts(), ['b']);
  assert.equal(store.kind, 'memory');
});
