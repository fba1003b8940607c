import { describe, expect, it } from 'vitest';
import { DomainEvents, type DomainEvent } from '@orrery/core';

describe('DomainEvents', () => {
  it('delivers an event to the listeners of its type, then to those of every type, in subscription order', () => {
    const events = new DomainEvents();
    const seen: string[] = [];
    events.on('run.deleted', ({ runId }) => seen.push(`first ${runId}`));
    events.onAny((event) => seen.push(`any ${event.type}`));
    events.on('run.deleted', ({ runId }) => seen.push(`second ${runId}`));
    events.on('run.restored', () => seen.push('never'));
    events.emit('run.deleted', { runId: 'r1' });
    expect(seen).toEqual(['first r1', 'second r1', 'any run.deleted']);
  });

  it('stops delivering to a listener once it unsubscribed', () => {
    const events = new DomainEvents();
    const seen: string[] = [];
    const stop = events.on('experiment.deleted', ({ experimentId }) => seen.push(experimentId));
    const stopAny = events.onAny((event) => seen.push(event.type));
    events.emit('experiment.deleted', { experimentId: '1' });
    stop();
    stopAny();
    events.emit('experiment.deleted', { experimentId: '2' });
    expect(seen).toEqual(['1', 'experiment.deleted']);
  });

  it('hands a throwing listener\'s error to onListenerError and still calls the others', () => {
    const failures: Array<[unknown, DomainEvent]> = [];
    const events = new DomainEvents((error, event) => failures.push([error, event]));
    const seen: string[] = [];
    events.on('run.tag_deleted', () => {
      throw new Error('listener bug');
    });
    events.on('run.tag_deleted', ({ key }) => seen.push(key));
    events.emit('run.tag_deleted', { runId: 'r', key: 'k' });
    expect(seen).toEqual(['k']);
    expect(failures).toHaveLength(1);
    expect((failures[0]![0] as Error).message).toBe('listener bug');
    expect(failures[0]![1]).toEqual({ type: 'run.tag_deleted', payload: { runId: 'r', key: 'k' } });
  });
});
