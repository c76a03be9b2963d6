import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { errorResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { ImportForm } from './import-form';

describe('import form', () => {
  it("shows the server's refusal of an import into a conversation-tree campaign, word for word", async () => {
    const message =
      "Campaign 'trees' is a conversation-tree campaign: it has no items, so nothing was imported. " +
      'Its trees start from prompts its annotators write (initial prompt tasks).';
    mockApi({
      'POST /api/campaigns/trees/items/import': () => errorResponse(409, 'tree_campaign_has_no_items', message),
    });
    renderRoute(<ImportForm slug="trees" />, { path: '/admin/campaigns/:slug', url: '/admin/campaigns/trees' });
    const line = '{"prompt": "Hi", "candidates": ["a", "b"]}\n';
    const file = new File([line], 'items.jsonl', { type: 'application/jsonl' });
    await userEvent.upload(screen.getByLabelText(/JSONL file/), file);
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute('data-error-code', 'tree_campaign_has_no_items');
    expect(screen.queryByRole('list', { name: 'Line errors' })).toBeNull();
    expect(screen.queryByText(/Imported/)).toBeNull();
  });
});
