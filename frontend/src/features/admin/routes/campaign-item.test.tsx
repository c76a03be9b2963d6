import { screen, within } from '@testing-library/react';

import type { ItemDetail } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { CampaignItemRoute } from './campaign-item';

const SHA = 'a'.repeat(64);

const detail: ItemDetail = {
  item: {
    id: 7,
    external_id: 'q-7',
    status: 'complete',
    round: 0,
    language: 'en',
    is_gold: false,
    n_candidates: 2,
    n_judgments: 2,
    wanted: 2,
    has_disagreement: true,
    disagreement: 1,
    prompt_preview: 'Which picture shows a cat?',
    not_served_because: 'complete: 2 of 2 judgments',
  },
  context: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Which picture shows a **cat**?' },
        { type: 'image', sha256: SHA, content_type: 'image/png', alt: 'two animals', width: 10, height: 10 },
      ],
    },
  ],
  metadata: {},
  open_leases: 0,
  candidates: [
    {
      id: 11,
      position: 0,
      content: [{ type: 'text', text: 'The left one.' }],
      model_name: 'good-model',
      model_params: { temperature: 0.7 },
      latency_ms: 830,
      round: 0,
      metadata: {},
      created_at: '2026-12-01T09:00:00Z',
    },
    {
      id: 12,
      position: 1,
      content: [{ type: 'audio', sha256: SHA, content_type: 'audio/mpeg', alt: 'a meow', duration_ms: 1000 }],
      model_name: 'bad-model',
      model_params: {},
      latency_ms: null,
      round: 0,
      metadata: {},
      created_at: '2026-12-01T09:00:00Z',
    },
  ],
  judgments: [
    {
      id: 1,
      item_id: 7,
      item_external_id: 'q-7',
      annotator: 'ann-0123456789abcdef',
      answers: { preference: { choice: 'A' } },
      shown_order: [11, 12],
      time_spent_ms: 1500,
      revision: 0,
      supersedes_id: null,
      is_current: false,
      created_at: '2026-12-01T10:00:00Z',
    },
    {
      id: 2,
      item_id: 7,
      item_external_id: 'q-7',
      annotator: 'ann-0123456789abcdef',
      answers: { preference: { choice: 'B' } },
      shown_order: [11, 12],
      time_spent_ms: 2500,
      revision: 1,
      supersedes_id: 1,
      is_current: true,
      created_at: '2026-12-01T10:01:00Z',
    },
  ],
  reports: [{ id: 3, annotator: 'ann-fedcba9876543210', reason: 'The audio is silent', created_at: '2026-12-01T11:00:00Z' }],
};

const renderItem = () => renderRoute(<CampaignItemRoute />, { path: '/admin/campaigns/:slug/data/items/:itemId', url: '/admin/campaigns/demo/data/items/7' });

describe('data browser: one item', () => {
  it('renders context and candidates with the annotator renderers, media included', async () => {
    mockApi({ 'GET /api/campaigns/demo/items/7/detail': () => jsonResponse(200, detail) });
    renderItem();
    expect(await screen.findByRole('heading', { name: 'Item q-7' })).toBeInTheDocument();
    expect(screen.getByText('cat').tagName).toBe('STRONG'); // Markdown, as annotators see it
    expect(screen.getByRole('img', { name: 'two animals' })).toHaveAttribute('src', `/api/media/${SHA}`);
    const good = screen.getByTestId('candidate-11');
    expect(within(good).getByText(/good-model/)).toBeInTheDocument();
    expect(within(good).getByText('{"temperature":0.7}')).toBeInTheDocument();
    expect(within(good).getByText(/830 ms/)).toBeInTheDocument();
    const audio = screen.getByTestId('candidate-12').querySelector('audio');
    expect(audio).toHaveAttribute('src', `/api/media/${SHA}`);
  });

  it('lists every judgment revision, the reports, and why the item is not served', async () => {
    mockApi({ 'GET /api/campaigns/demo/items/7/detail': () => jsonResponse(200, detail) });
    renderItem();
    expect(await screen.findByTestId('not-served-because')).toHaveTextContent('complete: 2 of 2 judgments');
    const undone = screen.getByTestId('judgment-row-1');
    expect(within(undone).getByText(/undone, replaced/)).toBeInTheDocument();
    const current = screen.getByTestId('judgment-row-2');
    expect(within(current).getByText(/replaces #1/)).toBeInTheDocument();
    expect(within(current).getByRole('link', { name: 'ann-0123456789abcdef' })).toHaveAttribute(
      'href',
      '/admin/campaigns/demo/data?tab=judgments&annotator=ann-0123456789abcdef',
    );
    expect(screen.getByText(/The audio is silent/)).toBeInTheDocument();
    expect(screen.getByText(/they disagree/)).toBeInTheDocument();
  });

  it('says when the item is not found', async () => {
    mockApi({ 'GET /api/campaigns/demo/items/7/detail': () => errorResponse(404, 'item_not_found', "No item 7 in campaign 'demo'") });
    renderItem();
    expect(await screen.findByText(/No item 7/)).toBeInTheDocument();
  });
});
