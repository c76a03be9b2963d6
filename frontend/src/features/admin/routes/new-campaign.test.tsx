import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { NewCampaignRoute } from './new-campaign';

const renderForm = () =>
  renderRoute(<NewCampaignRoute />, {
    path: '/admin/campaigns/new',
    url: '/admin/campaigns/new?form=simple',
    extra: [{ path: '/admin/campaigns/:slug', element: <h1>Campaign page</h1> }],
  });

describe('new campaign form', () => {
  it('posts the campaign spec as a draft with a slug derived from the name, then opens the campaign', async () => {
    const api = mockApi({
      'POST /api/campaigns': ({ body }) => jsonResponse(201, { ...(body as object), id: 1 }),
    });
    renderForm();
    expect(screen.getByText(/created as drafts: annotators do not see one until you activate it/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Name'), 'Helpfulness Round 2!');
    await userEvent.type(screen.getByLabelText('Guidelines (Markdown)'), 'Pick the **better** one.');
    await userEvent.clear(screen.getByLabelText('Judgments per item (K)'));
    await userEvent.type(screen.getByLabelText('Judgments per item (K)'), '5');
    await userEvent.click(screen.getByLabelText('Allow “Both are bad”'));
    await userEvent.click(screen.getByRole('button', { name: 'Create campaign' }));

    expect(await screen.findByRole('heading', { name: 'Campaign page' })).toBeInTheDocument();
    expect(api.calls('POST /api/campaigns')[0].body).toEqual({
      name: 'Helpfulness Round 2!',
      slug: 'helpfulness-round-2',
      guidelines: 'Pick the **better** one.',
      redundancy: 5,
      questions: [
        {
          kind: 'pairwise',
          id: 'preference',
          prompt: 'Which response is better?',
          allow_tie: true,
          allow_both_bad: false,
        },
      ],
      status: 'draft',
    });
  });

  it('shows the message and each validation detail the server returns', async () => {
    mockApi({
      'POST /api/campaigns': () =>
        errorResponse(422, 'validation_error', 'redundancy: must be at most 50', [
          { field: 'body.redundancy', message: 'must be at most 50' },
          { loc: ['body', 'questions', 0, 'prompt'], msg: 'too short' },
        ]),
    });
    renderForm();
    await userEvent.type(screen.getByLabelText('Name'), 'X');
    await userEvent.click(screen.getByRole('button', { name: 'Create campaign' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('redundancy: must be at most 50');
    expect(alert).toHaveTextContent('questions.0.prompt: too short');
    expect(alert).not.toHaveTextContent('body.');
  });
});
