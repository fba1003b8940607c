/**
 * `orrery users`: the admin CLI of the server's basic-auth app. It works on the auth store
 * directly (the ini's `database_uri`, or `--auth-store-uri`), so it also serves when the server is
 * down or no admin password is known. Every change is written to the audit log as a `cli` action.
 * Passwords are read from standard input (prompted without echo on a terminal), never from
 * arguments, which other users of the machine can see in the process list.
 */
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import {
  AuthService,
  OrreryTokens,
  readAuthConfig,
  resolve,
  type ApiToken,
  type AuthConfig,
  type AuthUser,
  type Permission,
} from '@orrery/core';
import { action, type CliContext } from '../cli-context.js';
import { UsageError } from '../cli-errors.js';
import { formatTime } from '../output.js';
import { readSecret } from '../secret-input.js';

interface UsersOptions {
  config?: string;
  authStoreUri?: string;
}

interface ResourceOptions {
  experiment?: string;
  registeredModel?: string;
}

/** The acting operator of CLI changes: an admin by virtue of holding the store's credentials. */
const CLI_OPERATOR: AuthUser = { id: -1, username: 'cli', passwordHash: '', isAdmin: true };

function authConfig(options: UsersOptions, env: NodeJS.ProcessEnv): AuthConfig {
  const config = readAuthConfig(options.config !== undefined ? { ...env, MLFLOW_AUTH_CONFIG_PATH: options.config } : env);
  return options.authStoreUri !== undefined ? { ...config, databaseUri: options.authStoreUri } : config;
}

/** Who ran the command, for the audit log. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Runs `work` with an AuthService on the configured store, closed afterwards. `audited` names the
 * change and its resource for the audit log (written only when the change succeeded).
 */
async function withAuth(
  context: CliContext,
  options: UsersOptions,
  work: (service: AuthService) => Promise<{ action: string; resource?: string } | void>,
): Promise<void> {
  const config = authConfig(options, process.env);
  // Opened through the CLI's container, which closes it when the command ends.
  const store = await resolve(await context.container(), OrreryTokens.authStoreFactory)(config.databaseUri);
  const service = new AuthService({ store, config });
  const audited = await work(service);
  if (audited) {
    await service.audit({
      username: `cli:${osUser()}`,
      action: `cli users ${audited.action}`,
      ...(audited.resource !== undefined ? { resource: audited.resource } : {}),
      status: 0,
    });
  }
}

function resourceOf(options: ResourceOptions): { kind: 'experiment'; id: string } | { kind: 'registered_model'; name: string } {
  if ((options.experiment === undefined) === (options.registeredModel === undefined)) {
    throw new UsageError('Name exactly one of --experiment <id> and --registered-model <name>.');
  }
  return options.experiment !== undefined ? { kind: 'experiment', id: options.experiment } : { kind: 'registered_model', name: options.registeredModel! };
}

function parseBooleanArgument(name: string, value: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new UsageError(`Invalid ${name} ${JSON.stringify(value)}: expected true or false.`);
}

function parseWholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`Invalid ${name} ${JSON.stringify(value)}: expected a whole number.`);
  return Number(value);
}

function tokenRow(token: ApiToken, now: number): string[] {
  const state =
    token.revokedAt !== undefined ? 'revoked' : token.expiresAt !== undefined && token.expiresAt <= now ? 'expired' : 'active';
  return [token.id, token.name, state, formatTime(token.createdAt), formatTime(token.expiresAt ?? null)];
}

function tokenJson(token: ApiToken): Record<string, unknown> {
  return {
    id: token.id,
    name: token.name,
    created_at: token.createdAt,
    ...(token.expiresAt !== undefined ? { expires_at: token.expiresAt } : {}),
    ...(token.revokedAt !== undefined ? { revoked_at: token.revokedAt } : {}),
  };
}

export function usersCommand(): Command {
  const users = new Command('users')
    .description("manage the basic-auth app's users, permissions and API tokens (works on the auth store directly)")
    .option('--config <path>', "the basic-auth ini file (default: MLFLOW_AUTH_CONFIG_PATH, then MLflow's built-in values)")
    .option('--auth-store-uri <uri>', "the auth store URI (default: the ini's database_uri)");

  users
    .command('list')
    .description('list users')
    .action(
      action(async (context) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          const list = await service.listUsers();
          if (context.output.json) {
            context.output.writeJson(list.map((u) => ({ id: u.id, username: u.username, is_admin: u.isAdmin })));
            return;
          }
          context.output.table(['ID', 'USERNAME', 'ADMIN'], list.map((u) => [String(u.id), u.username, u.isAdmin ? 'yes' : 'no']));
        });
      }),
    );

  users
    .command('show')
    .description("show a user and their permissions")
    .argument('<username>')
    .action(
      action(async (context, username: string) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          const { user, experimentPermissions, registeredModelPermissions } = await service.getUser(username);
          if (context.output.json) {
            context.output.writeJson({
              id: user.id,
              username: user.username,
              is_admin: user.isAdmin,
              experiment_permissions: experimentPermissions.map((p) => ({ experiment_id: p.experimentId, permission: p.permission })),
              registered_model_permissions: registeredModelPermissions.map((p) => ({ name: p.name, permission: p.permission })),
            });
            return;
          }
          context.output.fields([
            ['username', user.username],
            ['id', String(user.id)],
            ['admin', user.isAdmin ? 'yes' : 'no'],
            ['default permission', service.config.defaultPermission],
          ]);
          context.output.table(
            ['RESOURCE', 'PERMISSION'],
            [
              ...experimentPermissions.map((p) => [`experiment ${p.experimentId}`, p.permission]),
              ...registeredModelPermissions.map((p) => [`registered model ${p.name}`, p.permission]),
            ],
          );
        });
      }),
    );

  users
    .command('create')
    .description('create a user; the password is read from standard input')
    .argument('<username>')
    .option('--admin', 'make the user an admin', false)
    .action(
      action(async (context, username: string, flags: { admin: boolean }) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          const password = await readSecret(`Password for ${username}: `);
          const user = await service.createUser(username, password, { isAdmin: flags.admin });
          if (context.output.json) context.output.writeJson({ id: user.id, username: user.username, is_admin: user.isAdmin });
          else context.output.line(`Created user ${user.username}${user.isAdmin ? ' (admin)' : ''}`);
          return { action: 'create', resource: `user:${user.username}` };
        });
      }),
    );

  users
    .command('delete')
    .description('delete a user with their permissions and API tokens')
    .argument('<username>')
    .action(
      action(async (context, username: string) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          await service.deleteUser(username);
          context.output.line(`Deleted user ${username}`);
          return { action: 'delete', resource: `user:${username}` };
        });
      }),
    );

  users
    .command('set-password')
    .description("replace a user's password; the new one is read from standard input")
    .argument('<username>')
    .action(
      action(async (context, username: string) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          await service.requireUser(username);
          await service.updatePassword(username, await readSecret(`New password for ${username}: `));
          context.output.line(`Changed the password of ${username}`);
          return { action: 'set-password', resource: `user:${username}` };
        });
      }),
    );

  users
    .command('set-admin')
    .description('make a user an admin (true) or not (false)')
    .argument('<username>')
    .argument('<admin>', 'true or false')
    .action(
      action(async (context, username: string, value: string) => {
        const isAdmin = parseBooleanArgument('<admin>', value);
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          await service.updateAdmin(username, isAdmin);
          context.output.line(`${username} is ${isAdmin ? 'now' : 'no longer'} an admin`);
          return { action: `set-admin ${isAdmin}`, resource: `user:${username}` };
        });
      }),
    );

  const resourceOptions = (command: Command): Command =>
    command
      .option('--experiment <id>', 'an experiment id')
      .option('--registered-model <name>', 'a registered model name');

  resourceOptions(
    users
      .command('grant')
      .description("set a user's permission on an experiment or a registered model (creates or replaces the row)")
      .argument('<username>'),
  )
    .addOption(new Option('--permission <permission>', 'the permission').choices(['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS']).makeOptionMandatory())
    .action(
      action(async (context, username: string, flags: ResourceOptions & { permission: Permission }) => {
        const resource = resourceOf(flags);
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          if (resource.kind === 'experiment') {
            const existing = await service.store.findExperimentPermission(resource.id, username);
            if (existing) await service.updateExperimentPermission(resource.id, username, flags.permission);
            else await service.createExperimentPermission(resource.id, username, flags.permission);
            context.output.line(`${username} has ${flags.permission} on experiment ${resource.id}`);
            return { action: `grant ${flags.permission}`, resource: `experiment:${resource.id}` };
          }
          const existing = await service.store.findRegisteredModelPermission(resource.name, username);
          if (existing) await service.updateRegisteredModelPermission(resource.name, username, flags.permission);
          else await service.createRegisteredModelPermission(resource.name, username, flags.permission);
          context.output.line(`${username} has ${flags.permission} on registered model ${resource.name}`);
          return { action: `grant ${flags.permission}`, resource: `registered_model:${resource.name}` };
        });
      }),
    );

  resourceOptions(
    users
      .command('revoke')
      .description("remove a user's permission row (the default permission applies again)")
      .argument('<username>'),
  ).action(
    action(async (context, username: string, flags: ResourceOptions) => {
      const resource = resourceOf(flags);
      await withAuth(context, users.opts<UsersOptions>(), async (service) => {
        if (resource.kind === 'experiment') {
          await service.deleteExperimentPermission(resource.id, username);
          context.output.line(`Removed ${username}'s permission on experiment ${resource.id}`);
          return { action: 'revoke', resource: `experiment:${resource.id}` };
        }
        await service.deleteRegisteredModelPermission(resource.name, username);
        context.output.line(`Removed ${username}'s permission on registered model ${resource.name}`);
        return { action: 'revoke', resource: `registered_model:${resource.name}` };
      });
    }),
  );

  const tokens = users.command('tokens').description('API tokens (sent as "Authorization: Bearer <token>")');

  tokens
    .command('create')
    .description('create an API token for a user; the token is printed once and never again')
    .argument('<username>')
    .option('--name <name>', 'a label for the token, e.g. ci')
    .option('--lifetime-days <days>', 'days until it expires (default: the ini\'s token_default_lifetime_days)')
    .action(
      action(async (context, username: string, flags: { name?: string; lifetimeDays?: string }) => {
        const lifetimeDays = flags.lifetimeDays !== undefined ? parseWholeNumber('--lifetime-days', flags.lifetimeDays) : undefined;
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          const created = await service.createApiToken(username, {
            ...(flags.name !== undefined ? { name: flags.name } : {}),
            ...(lifetimeDays !== undefined ? { lifetimeDays } : {}),
          });
          if (context.output.json) context.output.writeJson({ token: created.token, ...tokenJson(created.info) });
          else {
            context.output.line(created.token);
            process.stderr.write(
              `Token ${created.info.id} for ${username}${created.info.expiresAt !== undefined ? `, expires ${formatTime(created.info.expiresAt)} UTC` : ', never expires'}. ` +
                'It is shown only now: store it as a secret (MLFLOW_TRACKING_TOKEN).\n',
            );
          }
          return { action: 'tokens create', resource: `token:${created.info.id}` };
        });
      }),
    );

  tokens
    .command('list')
    .description("list a user's API tokens (never their secrets)")
    .argument('<username>')
    .action(
      action(async (context, username: string) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          const list = await service.listApiTokens(username);
          if (context.output.json) {
            context.output.writeJson(list.map(tokenJson));
            return;
          }
          const now = Date.now();
          context.output.table(['ID', 'NAME', 'STATE', 'CREATED', 'EXPIRES'], list.map((token) => tokenRow(token, now)));
        });
      }),
    );

  tokens
    .command('revoke')
    .description('revoke an API token by its id')
    .argument('<id>')
    .action(
      action(async (context, id: string) => {
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          await service.revokeApiToken(id, CLI_OPERATOR);
          context.output.line(`Revoked token ${id}`);
          return { action: 'tokens revoke', resource: `token:${id}` };
        });
      }),
    );

  users
    .command('audit')
    .description('print the audit log (writes and permission changes), oldest first')
    .option('--user <username>', "only this user's entries")
    .option('--after <seq>', 'only entries after this sequence number')
    .option('--max-results <n>', 'at most this many entries', '1000')
    .action(
      action(async (context, flags: { user?: string; after?: string; maxResults: string }) => {
        const maxResults = parseWholeNumber('--max-results', flags.maxResults);
        const afterSeq = flags.after !== undefined ? parseWholeNumber('--after', flags.after) : undefined;
        await withAuth(context, users.opts<UsersOptions>(), async (service) => {
          const entries = await service.listAudit({
            maxResults,
            ...(afterSeq !== undefined ? { afterSeq } : {}),
            ...(flags.user !== undefined ? { username: flags.user } : {}),
          });
          if (context.output.json) {
            context.output.writeJson(entries);
            return;
          }
          context.output.table(
            ['SEQ', 'TIME', 'USER', 'ACTION', 'RESOURCE', 'STATUS', 'FROM'],
            entries.map((e) => [
              String(e.seq),
              formatTime(e.timestamp),
              e.username ?? '',
              e.action,
              e.resource ?? '',
              String(e.status),
              e.remoteAddress ?? '',
            ]),
          );
        });
      }),
    );

  return users;
}
