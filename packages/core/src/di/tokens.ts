import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';

export type { DependencyContainer };

/**
 * A typed DI token. The id is a registered symbol (`Symbol.for`) so two copies of core agree on
 * it; the type parameter makes `resolve` return the right type without casts at call sites.
 */
export interface Token<T> {
  readonly id: symbol;
  readonly name: string;
  /** Phantom field carrying the type; never set. */
  readonly __type?: T;
}

/** Creates a token; `name` is namespaced, e.g. `orrery.trackingStore`. */
export function createToken<T>(name: string): Token<T> {
  return { id: Symbol.for(name), name };
}

export function resolve<T>(container: DependencyContainer, token: Token<T>): T {
  return container.resolve<T>(token.id);
}

export function registerInstance<T>(container: DependencyContainer, token: Token<T>, value: T): void {
  container.registerInstance<T>(token.id, value);
}

export function registerFactory<T>(
  container: DependencyContainer,
  token: Token<T>,
  factory: (c: DependencyContainer) => T,
): void {
  container.register<T>(token.id, { useFactory: factory });
}

export function isRegistered<T>(container: DependencyContainer, token: Token<T>): boolean {
  return container.isRegistered(token.id, true);
}
