import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { TaskPreview } from '@/features/annotate';
import { errorResponse, jsonResponse, mockApi, renderRoute, type RecordedRequest } from '@/testing/test-utils';

import { NewCampaignRoute } from '../routes/new-campaign';
import type { SpecTemplate } from './api/get-spec-templates';
import type { SpecDocument } from './spec-document';
import { TaskPreviewContext } from './task-preview-context';
import { specToYaml, yamlToSpec } from './yaml-text';

const text = (t: string) => [{ type: 'text' as const, text: t }];

// As the server sends a template: every default filled in.
const pairwiseTemplate = {
  id: 'pairwise-dpo',
  title: 'Pairwise preference (DPO)',
  description: 'Two responses side by side.',
  spec: {
    name: 'Which response is better?',
    slug: 'pairwise-dpo',
    guidelines: 'Pick the better one.',
    questions: [
      { kind: 'pairwise', id: 'preference', prompt: 'Which response is better?', help: '', allow_tie: true, allow_both_bad: true, strength: false, aspects: [] },
    ],
    redundancy: 3,
    min_candidates: 2,
    max_candidates_shown: 4,
    lease_minutes: 30,
    max_open_leases: 1,
    undo_seconds: 60,
    priority: 0,
    rounds: null,
    eligibility: { languages: [], profile: {} },
    quotas: [],
    participation: { consent: null, survey: [], crowd: null },
    trees: null,
  },
  sample: {
    context: [{ role: 'user', content: text('How do I boil an egg?') }],
    candidates: [text('Boil it for 8 minutes.'), text('Eggs come from hens.')],
  },
} as unknown as SpecTemplate;

const thumbsTemplate = {
  ...pairwiseTemplate,
  id: 'kto-thumbs',
  title: 'Thumbs up / down (KTO)',
  spec: { ...pairwiseTemplate.spec, slug: 'kto-thumbs', questions: [{ kind: 'binary', id: 'acceptable', prompt: 'Is this response acceptable?', help: '' }] },
  sample: { context: [{ role: 'user', content: text('Name a prime.') }], candidates: [text('Seven.'), text('Nine.')] },
} as unknown as SpecTemplate;

const group = (id: number, name: string) => ({ id, name, description: '', member_count: 3, managed: true, created_at: '2026-01-01T00:00:00Z', created_by_id: 1 });
const GROUPS = [group(1, 'linguists'), group(2, 'raters')];

const validateCalls = (api: { calls: (route: string) => RecordedRequest[] }) => api.calls('POST /api/campaign-specs/validate');

function renderBuilder(validate = ({ body }: RecordedRequest) => jsonResponse(200, { valid: true, spec: body })) {
  const api = mockApi({
    'GET /api/campaign-specs/templates': () => jsonResponse(200, [pairwiseTemplate, thumbsTemplate]),
    'POST /api/campaign-specs/validate': validate,
    'POST /api/campaigns': ({ body }) => jsonResponse(201, { ...(body as object), id: 7 }),
    'GET /api/groups': () => jsonResponse(200, GROUPS),
  });
  renderRoute(
    <TaskPreviewContext.Provider value={TaskPreview}>
      <NewCampaignRoute />
    </TaskPreviewContext.Provider>,
    {
      path: '/admin/campaigns/new',
      url: '/admin/campaigns/new',
      extra: [{ path: '/admin/campaigns/:slug', element: <h1>Campaign page</h1> }],
    },
  );
  return api;
}

const lastChecked = async (api: ReturnType<typeof mockApi>, count: number) => {
  await waitFor(() => expect(validateCalls(api).length).toBeGreaterThanOrEqual(count), { timeout: 3000 });
  const calls = validateCalls(api);
  return calls[calls.length - 1].body;
};

describe('campaign builder', () => {
  it('keeps everything through template → form → YAML → form, including fields the form has no place for', async () => {
    const api = renderBuilder();
    const form = await screen.findByRole('tabpanel', { name: 'Form' });
    expect(await lastChecked(api, 1)).toEqual(pairwiseTemplate.spec);

    await userEvent.selectOptions(within(form).getByLabelText('New question'), 'binary');
    await userEvent.click(within(form).getByRole('button', { name: 'Add question' }));
    await userEvent.click(within(screen.getByRole('region', { name: /Question 1/ })).getByLabelText('Ask how strong (slight / clear / strong)'));
    const edited = {
      ...pairwiseTemplate.spec,
      questions: [
        { ...pairwiseTemplate.spec.questions[0], strength: true },
        { kind: 'binary', id: 'acceptable', prompt: 'Is this response acceptable?' },
      ],
    };
    await waitFor(() => expect(validateCalls(api).at(-1)?.body).toEqual(edited), { timeout: 3000 });

    await userEvent.click(screen.getByRole('tab', { name: 'YAML' }));
    const yaml = screen.getByLabelText('Spec (YAML)') as HTMLTextAreaElement;
    expect(yamlToSpec(yaml.value).spec).toEqual(edited);

    // A field the form does not show, added in YAML, survives a trip through the form.
    await userEvent.clear(yaml);
    await userEvent.click(yaml);
    await userEvent.paste(specToYaml({ ...edited, notes: 'kept as written' } as unknown as SpecDocument));
    await userEvent.click(screen.getByRole('tab', { name: 'Form' }));
    await userEvent.type(screen.getByLabelText('Name'), '!');
    await userEvent.click(screen.getByRole('tab', { name: 'YAML' }));
    expect(yamlToSpec((screen.getByLabelText('Spec (YAML)') as HTMLTextAreaElement).value).spec).toEqual({
      ...edited,
      notes: 'kept as written',
      name: 'Which response is better?!',
    });
  });

  it('shows YAML syntax problems with their line and keeps the last good spec', async () => {
    const api = renderBuilder();
    await screen.findByRole('tabpanel', { name: 'Form' });
    await userEvent.click(screen.getByRole('tab', { name: 'YAML' }));
    const yaml = screen.getByLabelText('Spec (YAML)');
    await userEvent.clear(yaml);
    await userEvent.click(yaml);
    await userEvent.paste('name: x\nslug: [unclosed\n');
    expect(screen.getByRole('list', { name: 'YAML problems' })).toHaveTextContent(/Line \d+:/);
    expect(screen.getByRole('button', { name: 'Create campaign' })).toBeDisabled();
    expect(validateCalls(api).every((call) => (call.body as { slug: string }).slug === 'pairwise-dpo')).toBe(true);
  });

  it('puts each problem the server finds next to its field, and those of no field at the top', async () => {
    renderBuilder(() =>
      errorResponse(422, 'validation_error', 'invalid', [
        { field: 'body.questions.0.pairwise.prompt', message: 'String should have at least 1 character' },
        { field: 'body.slug', message: 'String should match pattern' },
        { field: 'body', message: 'Value error, question ids must be unique' },
      ]),
    );
    const question = await screen.findByRole('region', { name: /Question 1/ });
    await waitFor(() => expect(within(question).getByText('String should have at least 1 character')).toBeInTheDocument(), { timeout: 3000 });
    expect(within(question).getByLabelText('Prompt')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Slug')).toHaveAccessibleDescription('String should match pattern');
    expect(screen.getByRole('alert', { name: 'Problems with the spec' })).toHaveTextContent('question ids must be unique');
    expect(screen.getByRole('button', { name: 'Create campaign' })).toBeDisabled();
  });

  it('previews the real task screen with every question, answering to the keyboard', async () => {
    const api = renderBuilder();
    const form = await screen.findByRole('tabpanel', { name: 'Form' });
    await userEvent.selectOptions(within(form).getByLabelText('New question'), 'binary');
    await userEvent.click(within(form).getByRole('button', { name: 'Add question' }));
    await lastChecked(api, 2);
    const preview = screen.getByRole('complementary', { name: 'Preview' });
    await waitFor(() => expect(within(preview).getByRole('region', { name: /Is this response acceptable\?/ })).toBeInTheDocument(), { timeout: 3000 });
    expect(within(preview).getByRole('region', { name: /Which response is better\?/ })).toBeInTheDocument();
    expect(within(preview).getByText('Boil it for 8 minutes.')).toBeInTheDocument();

    act(() => (document.activeElement as HTMLElement | null)?.blur());
    await userEvent.keyboard('1');
    expect(within(preview).getByTestId('candidate-A')).toHaveClass('candidate--selected');
  });

  it('previews a newly picked template only with its own sample, never the old spec on the new sample', async () => {
    const api = renderBuilder();
    await lastChecked(api, 1);
    const preview = screen.getByRole('complementary', { name: 'Preview' });
    await within(preview).findByRole('region', { name: 'Which response is better?' }, { timeout: 3000 });

    await userEvent.selectOptions(screen.getByLabelText('Template'), 'kto-thumbs');
    expect(within(preview).queryByText('Seven.')).not.toBeInTheDocument();
    await within(preview).findByRole('region', { name: 'Is this response acceptable?' }, { timeout: 3000 });
    expect(within(preview).getByText('Seven.')).toBeInTheDocument();
    expect(within(preview).queryByRole('region', { name: 'Which response is better?' })).not.toBeInTheDocument();
  });

  it('edits the crowd link and tree settings into the spec', async () => {
    // As the server would: a tree campaign asking a pairwise question is not valid.
    const api = renderBuilder(() => errorResponse(422, 'validation_error', 'invalid', []));
    const form = await screen.findByRole('tabpanel', { name: 'Form' });
    await userEvent.click(within(form).getByLabelText('Crowd-platform link (e.g. Prolific)'));
    await userEvent.type(within(form).getByLabelText('Completion code'), 'C0DE');
    await userEvent.type(within(form).getByLabelText('Return URL'), 'https://example.org/done');
    await userEvent.click(within(form).getByLabelText(/A conversation-tree campaign/));
    await userEvent.clear(within(form).getByLabelText('Maximum depth'));
    await userEvent.type(within(form).getByLabelText('Maximum depth'), '6');
    await userEvent.type(within(form).getByLabelText(/Models adding replies/), 'llama');
    await userEvent.clear(within(form).getByLabelText(/Models adding replies/));

    await waitFor(
      () => {
        const spec = validateCalls(api).at(-1)?.body as Record<string, unknown>;
        expect(spec.participation).toEqual({
          consent: null,
          survey: [],
          crowd: { participant_param: 'PROLIFIC_PID', target_count: 20, completion_code: 'C0DE', completion_url: 'https://example.org/done' },
        });
        // Emptying the models list drops model replies altogether (an empty list is not valid).
        expect(spec.trees).toEqual({ max_depth: 6 });
      },
      { timeout: 3000 },
    );
  });

  it('gives a survey question options only while its answer is a choice', async () => {
    const api = renderBuilder();
    const form = await screen.findByRole('tabpanel', { name: 'Form' });
    await userEvent.click(within(form).getByRole('button', { name: 'Add survey question' }));
    const survey = () => (validateCalls(api).at(-1)?.body as { participation: { survey: Record<string, unknown>[] } }).participation.survey;
    await waitFor(() => expect(survey()[0].options).toHaveLength(2), { timeout: 3000 });
    await userEvent.selectOptions(within(form).getByLabelText('Answer'), 'number');
    await waitFor(() => expect(survey()[0]).not.toHaveProperty('options'), { timeout: 3000 });
    expect(survey()[0].kind).toBe('number');
  });

  it('keeps display settings, groups and scale anchors through form → YAML → form, and previews the layout', async () => {
    const api = renderBuilder();
    const form = await screen.findByRole('tabpanel', { name: 'Form' });
    await userEvent.click(await within(form).findByLabelText('linguists'));
    await userEvent.selectOptions(within(form).getByLabelText('Candidate layout'), 'stacked');
    await userEvent.click(within(form).getByLabelText(/Submit only after every candidate audio\/video played/));
    await userEvent.selectOptions(within(form).getByLabelText('New question'), 'rating');
    await userEvent.click(within(form).getByRole('button', { name: 'Add question' }));
    const rating = screen.getByRole('region', { name: /Question 2: Attribute ratings/ });
    await userEvent.type(within(rating).getByLabelText('Label for 0'), 'useless');
    await userEvent.type(within(rating).getByLabelText('Label for 4'), 'perfect');

    const edited = {
      ...pairwiseTemplate.spec,
      eligibility: { languages: [], profile: {}, groups: ['linguists'] },
      display: { layout: 'stacked', media: { require_full_playback: true } },
      questions: [
        pairwiseTemplate.spec.questions[0],
        {
          kind: 'rating',
          id: 'rating',
          prompt: 'Rate each response.',
          attributes: [{ id: 'helpfulness', label: 'Helpfulness', scale: { min: 0, max: 4, anchors: { 0: 'useless', 4: 'perfect' } }, required: true }],
        },
      ],
    };
    await waitFor(() => expect(validateCalls(api).at(-1)?.body).toEqual(edited), { timeout: 3000 });
    const preview = screen.getByRole('complementary', { name: 'Preview' });
    await waitFor(() => expect(within(preview).getByTestId('candidate-A').parentElement).toHaveClass('candidates--stacked'), { timeout: 3000 });

    await userEvent.click(screen.getByRole('tab', { name: 'YAML' }));
    const yaml = screen.getByLabelText('Spec (YAML)') as HTMLTextAreaElement;
    expect(yamlToSpec(yaml.value).spec).toEqual(edited);
    const rewritten = yaml.value.replace('perfect', 'flawless').replace('- linguists', '- linguists\n    - raters');
    expect(rewritten).not.toEqual(yaml.value);
    await userEvent.clear(yaml);
    await userEvent.click(yaml);
    await userEvent.paste(rewritten);

    await userEvent.click(screen.getByRole('tab', { name: 'Form' }));
    const back = screen.getByRole('tabpanel', { name: 'Form' });
    expect(within(back).getByLabelText('raters')).toBeChecked();
    expect(within(back).getByLabelText('linguists')).toBeChecked();
    expect(within(back).getByLabelText('Candidate layout')).toHaveValue('stacked');
    expect(within(back).getByLabelText(/Submit only after every candidate audio\/video played/)).toBeChecked();
    expect(within(screen.getByRole('region', { name: /Question 2/ })).getByLabelText('Label for 4')).toHaveValue('flawless');
    await userEvent.type(within(back).getByLabelText('Name'), '!');
    await userEvent.click(screen.getByRole('tab', { name: 'YAML' }));
    const ratingQ = edited.questions[1] as { attributes: Record<string, unknown>[] };
    expect(yamlToSpec((screen.getByLabelText('Spec (YAML)') as HTMLTextAreaElement).value).spec).toEqual({
      ...edited,
      name: 'Which response is better?!',
      eligibility: { ...edited.eligibility, groups: ['linguists', 'raters'] },
      questions: [
        edited.questions[0],
        { ...ratingQ, attributes: [{ ...ratingQ.attributes[0], scale: { min: 0, max: 4, anchors: { 0: 'useless', 4: 'flawless' } } }] },
      ],
    });
  }, 20_000);

  it('edits model replies and a label scale with its anchors, and a flag drops its scale', async () => {
    // Never valid (a tree campaign's questions are labels on the prompt): the preview keeps the template.
    const api = renderBuilder(() => errorResponse(422, 'validation_error', 'invalid', []));
    const form = await screen.findByRole('tabpanel', { name: 'Form' });
    await userEvent.click(within(form).getByLabelText(/A conversation-tree campaign/));
    await userEvent.type(within(form).getByLabelText(/Models adding replies/), 'llama');
    await userEvent.clear(within(form).getByLabelText('Replies per model and message'));
    await userEvent.type(within(form).getByLabelText('Replies per model and message'), '2');
    const params = within(form).getByLabelText('Sampling parameters (JSON object)');
    await userEvent.click(params);
    await userEvent.paste('{"temperature": 0.7');
    expect(within(form).getByText(/Not valid JSON/)).toBeInTheDocument();
    await userEvent.paste('}');

    await userEvent.selectOptions(within(form).getByLabelText('New question'), 'labels');
    await userEvent.click(within(form).getByRole('button', { name: 'Add question' }));
    const labels = screen.getByRole('region', { name: /Question 2: Labels/ });
    await userEvent.type(within(labels).getByLabelText('Label for 2'), 'fair');
    const rows = within(labels).getAllByLabelText('Type');
    await userEvent.selectOptions(rows[1], 'flag');

    await waitFor(
      () => {
        const spec = validateCalls(api).at(-1)?.body as { trees: unknown; questions: { labels?: unknown }[] };
        expect(spec.trees).toEqual({ model_replies: { models: ['llama'], per_message: 2, params: { temperature: 0.7 } } });
        expect(spec.questions[1].labels).toEqual([
          { id: 'spam', label: 'Spam', type: 'flag' },
          { id: 'quality', label: 'Quality', type: 'flag' },
        ]);
      },
      { timeout: 3000 },
    );
    // Back to a scale: it starts from 0..4 again.
    await userEvent.selectOptions(within(labels).getAllByLabelText('Type')[1], 'scale');
    await waitFor(
      () => expect((validateCalls(api).at(-1)?.body as { questions: { labels: unknown[] }[] }).questions[1].labels[1]).toEqual({ id: 'quality', label: 'Quality', type: 'scale', scale: { min: 0, max: 4 } }),
      { timeout: 3000 },
    );
  }, 20_000);

  it('creates the campaign as a draft from the spec and opens it', async () => {
    const api = renderBuilder();
    await lastChecked(api, 1);
    const create = screen.getByRole('button', { name: 'Create campaign' });
    await waitFor(() => expect(create).toBeEnabled(), { timeout: 3000 });
    await userEvent.click(create);
    expect(await screen.findByRole('heading', { name: 'Campaign page' })).toBeInTheDocument();
    expect(api.calls('POST /api/campaigns')[0].body).toEqual({ ...pairwiseTemplate.spec, status: 'draft' });
  });
});
