import { describe, expect, it } from 'vitest';
import { canRetender, nextSectionState, SECTION_STATES, type SectionEvent, type SectionState } from './lifecycle';

describe('the section lifecycle (DESIGN.md §2)', () => {
  it('runs the whole happy path', () => {
    const steps: Array<[SectionEvent, SectionState]> = [
      [{ type: 'publish' }, 'announced'],
      [{ type: 'deadline', bids: 5, objectionsOpen: 0 }, 'opening'],
      [{ type: 'recordSigned' }, 'evaluating'],
      [{ type: 'reportReceived' }, 'publicity'],
      [{ type: 'publicityEnded', objectionsOpen: 0 }, 'awarded'],
      [{ type: 'archive' }, 'archived'],
    ];
    let state: SectionState = 'draft';
    for (const [event, expected] of steps) {
      state = nextSectionState(state, event)!;
      expect(state).toBe(expected);
    }
  });

  it.each([
    [2, 'failed'],
    [3, 'opening'],
    [4, 'opening'],
  ])('with %i bids at the deadline the section goes to %s (实施条例 art. 44)', (bids, expected) => {
    expect(nextSectionState('announced', { type: 'deadline', bids, objectionsOpen: 0 })).toBe(expected);
  });

  it('holds the deadline and the award while an objection is open', () => {
    expect(nextSectionState('announced', { type: 'deadline', bids: 5, objectionsOpen: 1 })).toBeNull();
    expect(nextSectionState('publicity', { type: 'publicityEnded', objectionsOpen: 2 })).toBeNull();
  });

  it('refuses events out of order with a bilingual CONFLICT', () => {
    expect(() => nextSectionState('draft', { type: 'deadline', bids: 5, objectionsOpen: 0 })).toThrow(/草稿.*\/ The section is draft/);
    expect(() => nextSectionState('announced', { type: 'publish' })).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => nextSectionState('awarded', { type: 'cancel', reason: 'x' })).toThrow();
  });

  it('never leaves a terminal state except to the archive, and only failed or cancelled ones are re-tendered', () => {
    const events: SectionEvent[] = [
      { type: 'publish' },
      { type: 'deadline', bids: 5, objectionsOpen: 0 },
      { type: 'recordSigned' },
      { type: 'reportReceived' },
      { type: 'publicityEnded', objectionsOpen: 0 },
      { type: 'fail', reason: 'x' },
      { type: 'cancel', reason: 'x' },
    ];
    for (const state of ['archived', 'failed', 'cancelled'] as const) {
      for (const event of events) expect(() => nextSectionState(state, event)).toThrow();
    }
    expect(SECTION_STATES.filter(canRetender)).toEqual(['failed', 'cancelled']);
  });
});
