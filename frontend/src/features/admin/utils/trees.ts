import type { TreeLabelValue, TreeRole, TreeState } from '@/lib/api-types';

/** Every tree state, in the order a tree goes through them. */
export const TREE_STATES: readonly TreeState[] = [
  'initial_prompt_review',
  'growing',
  'ranking',
  'ready_for_export',
  'aborted_low_grade',
  'halted_by_moderator',
];

/** Trees still collecting work: the ones a moderator can halt. */
export const isLiveTree = (state: TreeState) => state === 'initial_prompt_review' || state === 'growing' || state === 'ranking';

export const stateLabel = (state: string) => state.replace(/_/g, ' ');

export const TREE_ROLE_LABEL: Record<TreeRole, string> = { prompter: 'User', assistant: 'Assistant' };

/** `spam 0.5 (2)`: the labels' mean value and how many reviewers gave one. */
export const describeLabels = (labels: Record<string, TreeLabelValue>): string =>
  Object.entries(labels)
    .map(([name, { value, count }]) => `${name} ${Number(value.toFixed(2))} (${count})`)
    .join(' · ');

/** The first `max` characters of a text on one line. */
export function preview(text: string, max = 240): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}
