/**
 * The life of a section (标段), DESIGN.md §2, as a pure state machine. Timed events (the deadline,
 * the end of publicity) are fired by the server from the database clock; the others by people with
 * the right permission. Cancelling, failing and re-tendering are states, never deletions.
 */
import { AppError } from '../errors';

export const SECTION_STATES = ['draft', 'announced', 'opening', 'evaluating', 'publicity', 'awarded', 'archived', 'failed', 'cancelled'] as const;
export type SectionState = (typeof SECTION_STATES)[number];

export const SECTION_STATE_LABELS: Record<SectionState, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  announced: { zh: '招标中', en: 'Announced' },
  opening: { zh: '开标中', en: 'Opening' },
  evaluating: { zh: '评标中', en: 'Evaluating' },
  publicity: { zh: '中标候选人公示', en: 'Candidate publicity' },
  awarded: { zh: '已定标', en: 'Awarded' },
  archived: { zh: '已归档', en: 'Archived' },
  failed: { zh: '流标', en: 'Failed' },
  cancelled: { zh: '已终止', en: 'Cancelled' },
};

export type SectionEvent =
  | { type: 'publish' }
  /** The deadline has passed (server). Fewer than 3 bids: no opening, the section fails (实施条例 art. 44). */
  | { type: 'deadline'; bids: number; objectionsOpen: number }
  | { type: 'recordSigned' }
  | { type: 'reportReceived' }
  /** The publicity period has ended (server); open objections hold the award. */
  | { type: 'publicityEnded'; objectionsOpen: number }
  | { type: 'archive' }
  | { type: 'fail'; reason: string }
  | { type: 'cancel'; reason: string };

export const MINIMUM_BIDS = 3;

const TERMINAL: SectionState[] = ['archived', 'failed', 'cancelled'];

function refuse(state: SectionState, event: SectionEvent['type']): never {
  throw new AppError(
    'CONFLICT',
    {
      zh: `标段当前状态为“${SECTION_STATE_LABELS[state].zh}”，不能执行此操作（${event}）`,
      en: `The section is ${SECTION_STATE_LABELS[state].en.toLowerCase()}; ${event} is not possible now`,
    },
    { state, event },
  );
}

/**
 * The state after an event, or null when a timed event must wait (an open objection holds the
 * deadline: 实施条例 art. 22). Throws CONFLICT for an event that is not possible in the state.
 */
export function nextSectionState(state: SectionState, event: SectionEvent): SectionState | null {
  switch (event.type) {
    case 'publish':
      return state === 'draft' ? 'announced' : refuse(state, event.type);
    case 'deadline':
      if (state !== 'announced') return refuse(state, event.type);
      if (event.objectionsOpen > 0) return null;
      return event.bids >= MINIMUM_BIDS ? 'opening' : 'failed';
    case 'recordSigned':
      return state === 'opening' ? 'evaluating' : refuse(state, event.type);
    case 'reportReceived':
      return state === 'evaluating' ? 'publicity' : refuse(state, event.type);
    case 'publicityEnded':
      if (state !== 'publicity') return refuse(state, event.type);
      return event.objectionsOpen > 0 ? null : 'awarded';
    case 'archive':
      return state === 'awarded' || state === 'failed' || state === 'cancelled' ? 'archived' : refuse(state, event.type);
    case 'fail':
      return state === 'opening' || state === 'evaluating' ? 'failed' : refuse(state, event.type);
    case 'cancel':
      return TERMINAL.includes(state) || state === 'awarded' ? refuse(state, event.type) : 'cancelled';
  }
}

/** Whether the section's public documents may still change (only before publication). */
export function isEditable(state: SectionState): boolean {
  return state === 'draft';
}

/** A failed or cancelled section may be tendered again as a new section that points back to it. */
export function canRetender(state: SectionState): boolean {
  return state === 'failed' || state === 'cancelled';
}
