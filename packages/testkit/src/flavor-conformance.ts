/**
 * The conformance suite for model flavors (the `modelFlavor` plugin kind of @orrery/models).
 * Typed structurally, so testkit does not depend on the models package: any object with a `name`
 * and a `load(directory, settings)` returning `{predict, close}` is a flavor.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTempDir } from './services/temp-dirs.js';

export interface ConformanceModelDirectory {
  path: string;
  mlmodel: { flavors: Record<string, Record<string, unknown>> };
}

export interface FlavorUnderTest {
  readonly name: string;
  load(directory: ConformanceModelDirectory, settings: Record<string, unknown>): Promise<{
    predict(input: unknown, params: Record<string, unknown> | undefined): Promise<unknown>;
    close(): Promise<void>;
  }>;
}

export interface FlavorConformanceOptions {
  flavor: FlavorUnderTest;
  /** Saves a model of this flavor at `dir` (which does not exist yet); returns inputs and the outputs expected for them. */
  saveModel(dir: string): Promise<{ cases: Array<{ input: unknown; params?: Record<string, unknown>; expected: unknown }> }>;
  /** Reads a model directory (the models package's `readModelDirectory`). */
  readDirectory(dir: string): Promise<ConformanceModelDirectory>;
}

/** Registers the suite's tests in the calling test file. */
export function runFlavorConformance(options: FlavorConformanceOptions): void {
  const { flavor } = options;
  const loadFrom = async (dir: string) => {
    const directory = await options.readDirectory(dir);
    return flavor.load(directory, directory.mlmodel.flavors[flavor.name] ?? {});
  };

  describe(`model flavor conformance: ${flavor.name}`, () => {
    it('saves a directory whose MLmodel lists the flavor', async () => {
      await withTempDir(async (tmp) => {
        const dir = join(tmp, 'model');
        await options.saveModel(dir);
        expect(await readdir(dir)).toContain('MLmodel');
        expect(Object.keys((await options.readDirectory(dir)).mlmodel.flavors)).toContain(flavor.name);
      });
    });

    it('loads what it saved and predicts the expected outputs, concurrently too', async () => {
      await withTempDir(async (tmp) => {
        const dir = join(tmp, 'model');
        const { cases } = await options.saveModel(dir);
        expect(cases.length).toBeGreaterThan(0);
        const model = await loadFrom(dir);
        try {
          for (const c of cases) expect(await model.predict(c.input, c.params)).toEqual(c.expected);
          const all = await Promise.all(cases.flatMap((c) => [model.predict(c.input, c.params), model.predict(c.input, c.params)]));
          all.forEach((output, i) => expect(output).toEqual(cases[Math.floor(i / 2)]!.expected));
        } finally {
          await model.close();
        }
      });
    });

    it('keeps two loads of one directory independent (closing one leaves the other working)', async () => {
      await withTempDir(async (tmp) => {
        const dir = join(tmp, 'model');
        const { cases } = await options.saveModel(dir);
        const first = await loadFrom(dir);
        const second = await loadFrom(dir);
        await first.close();
        try {
          expect(await second.predict(cases[0]!.input, cases[0]!.params)).toEqual(cases[0]!.expected);
        } finally {
          await second.close();
        }
      });
    });

    it('refuses, with an Orrery error naming the problem, a directory whose files are gone', async () => {
      await withTempDir(async (tmp) => {
        const dir = join(tmp, 'model');
        await options.saveModel(dir);
        const directory = await options.readDirectory(dir);
        for (const entry of await readdir(dir)) if (entry !== 'MLmodel') await rm(join(dir, entry), { recursive: true, force: true });
        const error = await flavor.load(directory, directory.mlmodel.flavors[flavor.name] ?? {}).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      });
    });
  });
}
