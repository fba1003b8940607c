import { Command } from 'commander';
import { redactUri } from '@orrery/core';
import { action } from '../cli-context.js';

export function dbCommand(): Command {
  const db = new Command('db').description('manage tracking databases');

  db.command('upgrade')
    .description('bring the schema of a tracking database up to date')
    .argument('<uri>', 'database URI, e.g. sqlite:///path/orrery.db')
    .action(
      action(async (context, uri: string) => {
        const result = await (await context.registry()).upgradeDatabase(uri);
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
