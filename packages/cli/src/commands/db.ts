import { Command } from 'commander';
import { redactUri } from '@orrery/core';
import { action } from '../cli-context.js';

export function dbCommand(): Command {
  const db = new Command('db').description('manage tracking and auth databases');

  db.command('upgrade')
    .description('bring the schema of a tracking database (or, with --auth, of an auth database) up to date')
    .argument('<uri>', 'database URI, e.g. sqlite:///path/orrery.db')
    .option('--auth', "upgrade the auth store's schema (the basic-auth ini's database_uri) instead of the tracking schema")
    .action(
      action(async (context, uri: string, flags: { auth?: boolean }) => {
        const registry = await context.registry();
        const result = flags.auth === true ? await registry.upgradeAuthDatabase(uri) : await registry.upgradeDatabase(uri);
        if (context.output.json) {
          context.output.writeJson(result);
          return;
        }
        const shown = redactUri(uri);
        if (result.applied.length === 0) context.output.line(`${shown} is up to date (schema version ${result.toVersion})`);
        else
          context.output.line(
            `Upgraded ${shown} from schema version ${result.fromVersion} to ${result.toVersion} (applied: ${result.applied.join(', ')})`,
          );
      }),
    );

  return db;
}
