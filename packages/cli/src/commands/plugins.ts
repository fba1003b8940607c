import { Command } from 'commander';
import { declaredPluginKinds } from '@orrery/core';
import { action } from '../cli-context.js';

export function pluginsCommand(): Command {
  const plugins = new Command('plugins').description('inspect installed Orrery plugins');

  plugins
    .command('list')
    .description('list every installed plugin: package, version, kind and schemes (with host patterns) or names')
    .action(
      action(async (context) => {
        const registry = await context.registry();
        const entries = registry.list();
        const problems = registry.problems();
        if (context.output.json) {
          context.output.writeJson({
            plugins: entries.map((e) => ({
              package: e.packageName,
              version: e.packageVersion,
              kind: e.kind,
              ...(e.schemes.length > 0 ? { schemes: e.schemes } : {}),
              ...(e.hostPatterns.length > 0 ? { hostPatterns: e.hostPatterns } : {}),
              ...(e.name !== undefined ? { name: e.name } : {}),
              module: e.modulePath,
              builtin: e.builtin === true,
              explicit: e.explicit === true,
            })),
            // The declared kinds, so a tool reading this knows how each kind's plugins are chosen.
            kinds: declaredPluginKinds().map((k) => ({ id: k.id, keyedBy: k.keyedBy, label: k.label })),
            problems,
          });
          return;
        }
        // A host pattern reads as what it claims (`https://*.blob.core.windows.net`), after the bare schemes.
        const claims = (e: (typeof entries)[number]): string[] => [...e.schemes, ...e.hostPatterns];
        context.output.table(
          ['PACKAGE', 'VERSION', 'KIND', 'SCHEMES/NAMES'],
          entries.map((e) => [e.packageName + (e.explicit ? ' (explicit)' : ''), e.packageVersion, e.kind, claims(e).length > 0 ? claims(e).join(', ') : (e.name ?? '')]),
        );
        // Problems are not failures of this command, but must not go unnoticed.
        for (const problem of problems) process.stderr.write(`orrery: warning: ${problem.message}\n`);
      }),
    );

  return plugins;
}
