import { describe, expect, it } from 'vitest';
import { createModelWithVersions, freshRegistryPerTest, type ModelRegistryStoreConformanceOptions } from './harness.js';

const CLIENTS = 8;
const CREATES_PER_CLIENT = 10;

/** Concurrent writers: version numbering and alias moves. Fresh store per test. */
export function registryConcurrencyConformance(options: ModelRegistryStoreConformanceOptions): void {
  describe('concurrency', () => {
    const h = freshRegistryPerTest(options);

    it(`numbers ${CLIENTS} × ${CREATES_PER_CLIENT} concurrent creates 1..${CLIENTS * CREATES_PER_CLIENT}, each exactly once`, async () => {
      await h.store.createRegisteredModel('busy');
      const numbers = (
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, client) => {
            const mine: number[] = [];
            for (let i = 0; i < CREATES_PER_CLIENT; i += 1) {
              const v = await h.store.createModelVersion({ name: 'busy', source: `s3://busy/${client}/${i}`, runId: `c${client}` });
              mine.push(Number(v.version));
            }
            return mine;
          }),
        )
      ).flat();
      const total = CLIENTS * CREATES_PER_CLIENT;
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const stored = (await h.store.searchModelVersions({ filter: "name = 'busy'", orderBy: ['version_number ASC'] })).items;
      expect(stored.map((v) => Number(v.version))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      // Each version kept the source its creator gave it.
      const sources = new Set(stored.map((v) => v.source));
      expect(sources.size).toBe(total);
      expect((await h.store.createModelVersion({ name: 'busy', source: 's3://after' })).version).toBe(String(total + 1));
    });

    it('numbers concurrent creates on several models independently', async () => {
      const models = ['one', 'two', 'three'];
      for (const name of models) await h.store.createRegisteredModel(name);
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) => h.store.createModelVersion({ name: models[i % 3]!, source: `s3://x/${i}` })),
      );
      for (const name of models) {
        const numbers = created.filter((v) => v.name === name).map((v) => Number(v.version));
        expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      }
    });

    it('leaves a concurrently moved alias on exactly one version', async () => {
      await createModelWithVersions(h.store, 'race', CLIENTS);
      await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) => h.store.setRegisteredModelAlias('race', 'champion', String(i + 1))),
      );
      const target = await h.store.getModelVersionByAlias('race', 'champion');
      const holders = (await h.store.searchModelVersions({ filter: "name = 'race'" })).items.filter((v) =>
        v.aliases.includes('champion'),
      );
      expect(holders.map((v) => v.version)).toEqual([target.version]);
      expect((await h.store.getRegisteredModel('race')).aliases).toEqual([{ alias: 'champion', version: target.version }]);
    });
  });
}
