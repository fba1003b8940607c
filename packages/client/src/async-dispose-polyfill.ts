/**
 * `await using` needs `Symbol.asyncDispose`. Node 20.20 defines it (as
 * `Symbol.for('nodejs.asyncDispose')`); older Node 20 releases do not, and there the same
 * registered symbol is what later Node versions and TypeScript's helpers expect.
 */
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
symbols.dispose ??= Symbol.for('nodejs.dispose');

export {};
