/**
 * The rule table: directed pairs, a fault's end lifts only its own rules, release lifts holds on
 * the named pairs, heal lifts everything, and listeners hear every change.
 */
import { describe, expect, it } from 'vitest';
import { NetworkFaults } from '../../../real/proxy/network-faults.ts';

describe('NetworkFaults', () => {
  it('blocks a partition in both directions and lifts exactly that fault at its end', () => {
    const network = new NetworkFaults();
    network.add(1, ['node-0'], ['node-1', 'node-2'], { kind: 'block' });
    network.add(1, ['node-1', 'node-2'], ['node-0'], { kind: 'block' });
    network.add(2, ['node-1'], ['node-2'], { kind: 'latency', delayMs: 10, jitterMs: 0 });
    expect(network.isStopped('node-0', 'node-1', true)).toBe(true);
    expect(network.isStopped('node-2', 'node-0', false)).toBe(true);
    expect(network.isStopped('node-1', 'node-2', true)).toBe(false);
    network.removeFault(1);
    expect(network.isStopped('node-0', 'node-1', true)).toBe(false);
    expect(network.rulesFor('node-1', 'node-2')).toEqual([{ kind: 'latency', delayMs: 10, jitterMs: 0 }]);
    expect(network.isHealed).toBe(false);
  });

  it('one-way: only the named direction is cut', () => {
    const network = new NetworkFaults();
    network.add(3, ['node-0'], ['node-1'], { kind: 'block' });
    expect(network.isStopped('node-0', 'node-1', true)).toBe(true);
    expect(network.isStopped('node-1', 'node-0', true)).toBe(false);
  });

  it('holds stop the bus only, and release lifts them on the named pairs whoever added them', () => {
    const network = new NetworkFaults();
    network.add(4, ['node-0'], ['node-1', 'node-2'], { kind: 'hold' });
    expect(network.isStopped('node-0', 'node-1', true)).toBe(true);
    expect(network.isStopped('node-0', 'node-1', false)).toBe(false);
    network.release(['node-0'], ['node-1']);
    expect(network.isStopped('node-0', 'node-1', true)).toBe(false);
    expect(network.isStopped('node-0', 'node-2', true)).toBe(true);
  });

  it('never puts a rule on a node to itself, heals completely, and tells listeners', () => {
    const network = new NetworkFaults();
    let changes = 0;
    const unsubscribe = network.subscribe(() => changes++);
    network.add(5, ['node-0', 'node-1'], ['node-0', 'node-1'], { kind: 'drop', probability: 1 });
    expect(network.describe()).toEqual(['node-0->node-1 drop (fault 5)', 'node-1->node-0 drop (fault 5)']);
    network.clear();
    expect(network.isHealed).toBe(true);
    unsubscribe();
    network.add(6, ['node-0'], ['node-1'], { kind: 'hold' });
    expect(changes).toBe(2);
  });
});
