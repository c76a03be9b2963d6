import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { TaskPreview } from '@/features/annotate';
import { labelsQ } from '@/features/annotate/questions/fixtures';
import type { CampaignSpec } from '@/lib/api-types';
import { renderRoute } from '@/testing/test-utils';

import { demoSpec } from '../testing/spec-versions';
import type { SampleItem } from './api/get-spec-templates';
import { SpecPreview } from './spec-preview';
import { TaskPreviewContext } from './task-preview-context';

const text = (t: string) => [{ type: 'text' as const, text: t }];

// The oasst-trees template's settings as the server sends them: every default filled in.
const treeSpec = {
  ...demoSpec,
  name: 'Conversations',
  slug: 'oasst-trees',
  questions: [labelsQ({ target: 'prompt' })],
  trees: {
    goal_tree_size: 12,
    max_depth: 4,
    max_children: 3,
    reviews_needed_prompt: 2,
    reviews_needed_reply: 2,
    acceptance_threshold: 0.5,
    rankings_needed: 2,
    consensus: 'ranked_pairs',
    lone_reply_sibling_probability: 0.75,
    max_active_trees: 10,
    max_trees: null,
    weights: { initial_prompt: 1, assistant_reply: 4, prompter_reply: 3, review: 4, rank: 3 },
    reply_min_length: 10,
    reply_max_length: 4000,
    lang: 'en',
    model_replies: null,
  },
} as unknown as CampaignSpec;

const sample: SampleItem = {
  context: [{ role: 'user', content: text('What is a good first programming language?') }],
  candidates: [text('Python: its syntax is plain and it is used everywhere.')],
};

function renderPreview(spec: CampaignSpec) {
  renderRoute(
    <TaskPreviewContext.Provider value={TaskPreview}>
      <SpecPreview spec={spec} sample={sample} stale={false} />
    </TaskPreviewContext.Provider>,
    { path: '/admin/campaigns/new', url: '/admin/campaigns/new' },
  );
}

describe('the live preview of a tree campaign', () => {
  it('shows how its trees grow with the settings of each step', () => {
    renderPreview(treeSpec);
    const steps = within(screen.getByTestId('tree-steps')).getAllByRole('listitem').map((li) => li.textContent);
    expect(steps).toEqual([
      'Start a conversation: an annotator writes a prompt (en, 10–4000 characters); 2 reviews, accepted at 50% "acceptable".',
      'Reply as the assistant and reply as the user, in turns: up to 3 replies per message, 4 turns deep.',
      'Review a message: others say whether each reply is acceptable and answer the labels below; 2 reviews, accepted at 50% "acceptable".',
      'Rank the replies once the tree has 12 accepted messages: 2 rankings per set of sibling replies, combined by ranked pairs.',
      'Then the tree is ready for export (format: conversation trees).',
    ]);
  });

  it('shows the sample conversation with the reply under review as its last message, and labels it', async () => {
    renderPreview({ ...treeSpec, trees: { ...treeSpec.trees!, reviews_needed_prompt: 0, max_depth: 1, goal_tree_size: 3 } });
    expect(screen.getByTestId('tree-steps')).toHaveTextContent('accepted without review');
    expect(screen.getByTestId('tree-steps')).toHaveTextContent('1 turn deep');
    const task = screen.getByTestId('task');
    // The reply is part of the conversation, not a candidate to compare.
    expect(within(task).queryAllByTestId(/^candidate-/)).toEqual([]);
    const conversation = within(task).getAllByRole('listitem').map((li) => li.textContent ?? '');
    expect(conversation.at(-2)).toContain('What is a good first programming language?');
    expect(conversation.at(-1)).toContain('Python: its syntax is plain and it is used everywhere.');
    await userEvent.click(within(task).getByTestId('label-prompt-spam'));
    await userEvent.click(screen.getByRole('button', { name: /Submit/ }));
    const answers = JSON.parse((await screen.findByTestId('preview-answers')).textContent ?? 'null');
    expect(answers).toEqual({ labels: { values: { spam: true } } });
  });
});
