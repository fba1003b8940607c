import type { Command } from 'commander';
import { defaultArtifactRoot, TrustedArtifactRoots } from '@orrery/core';
import { collect } from '../option-parsers.js';

/** The server options that decide which artifact locations it trusts (docs/security.md). */
export interface TrustedRootOptions {
  artifactsDestination?: string;
  defaultArtifactRoot?: string;
  allowedArtifactRoot?: string[];
}

/** Adds the server's trusted-root options, with the server's defaults, to a command. */
export function addTrustedRootOptions(command: Command): Command {
  return command
    .option('--artifacts-destination <uri>', "the server's --artifacts-destination (default: ./orrery-artifacts)")
    .option('--default-artifact-root <uri>', "the server's --default-artifact-root (default: ./orrery-artifacts)")
    .option('--allowed-artifact-root <uri>', "the server's --allowed-artifact-root; repeatable", collect);
}

/** The trusted roots a server started with these options would have. */
export function trustedRootsFrom(options: TrustedRootOptions, cwd: string = process.cwd()): TrustedArtifactRoots {
  return TrustedArtifactRoots.fromConfiguration(
    [
      { uri: options.artifactsDestination ?? './orrery-artifacts', option: '--artifacts-destination' },
      { uri: options.defaultArtifactRoot ?? defaultArtifactRoot(cwd), option: '--default-artifact-root' },
      ...(options.allowedArtifactRoot ?? []).map((uri) => ({ uri, option: '--allowed-artifact-root' })),
    ],
    cwd,
  );
}
