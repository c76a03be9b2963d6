import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';

import type { FeedbackSource, FeedbackSourceStats, IngestKey } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { dailyVolume } from '../feedback/volume';
import AdminApp from '../index';

const LIST = 'GET /api/feedback-sources';
const CREATE = 'POST /api/feedback-sources';
const SOURCE = 'GET /api/feedback-sources/support-chat';
const STATS = 'GET /api/feedback-sources/support-chat/stats?days=30';
const KEYS = 'GET /api/feedback-sources/support-chat/keys';

const source = (extra: Partial<FeedbackSource> = {}): FeedbackSource => ({
  slug: 'support-chat',
  name: 'Support chat',
  retention_days: 90,
  redaction: { kinds: ['email', 'phone'], phone_regions: ['US', 'GB'], custom_patterns: [{ label: 'TICKET', pattern: 'TCK-\\d{6}' }] },
  consent_basis: 'Opt-in in settings',
  created_at: '2026-12-01T09:30:00Z',
  conversations: 12,
  events: 40,
  ...extra,
});

const today = new Date().toISOString().slice(0, 10);

const stats = (extra: Partial<FeedbackSourceStats> = {}): FeedbackSourceStats => ({
  days: 30,
  volume: [{ day: today, events: 40, conversations: 12 }],
  event_types: { conversation: 12, thumbs: 20, rating: 8 },
  signals: [
    { signal: 'rating', kind: 'kto', rows: 8, mean_confidence: 0.7, verified: 4, confirmed: 3, overturned: 1, agreement: 0.75 },
    { signal: 'thumbs', kind: 'kto', rows: 20, mean_confidence: 0.9, verified: 0, confirmed: 0, overturned: 0, agreement: null },
  ],
  pending_conversations: 3,
  ...extra,
});

const key = (id: number, extra: Partial<IngestKey> = {}): IngestKey => ({
  id,
  name: `key ${id}`,
  prefix: `phi_${id}ab`,
  created_at: '2026-12-02T10:00:00Z',
  last_used_at: null,
  revoked_at: null,
  ...extra,
});

const renderAt = (url: string) =>
  renderRoute(<AdminApp viewer={{ role: 'researcher', email: 'rea@example.org' }} />, { path: '/admin/*', url });

const sourcePage = (extra: Record<string, Parameters<typeof mockApi>[0][string]> = {}) =>
  mockApi({
    [SOURCE]: () => jsonResponse(200, source()),
    [STATS]: () => jsonResponse(200, stats()),
    [KEYS]: () => jsonResponse(200, { keys: [] }),
    ...extra,
  });

const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);

describe('Feedback sources list', () => {
  it('is in the admin navigation and lists each source with its counts', async () => {
    mockApi({ [LIST]: () => jsonResponse(200, { sources: [source()] }) });
    renderAt('/admin/feedback-sources');
    const nav = screen.getByRole('navigation', { name: 'Admin' });
    expect(within(nav).getByRole('link', { name: 'Feedback sources' })).toHaveAttribute('aria-current', 'page');
    const row = await screen.findByTestId('source-row-support-chat');
    expect(cells(row)).toEqual(['Support chat', 'support-chat', '12', '40', new Date('2026-12-01T09:30:00Z').toLocaleString()]);
    expect(within(row).getByRole('link', { name: 'Support chat' })).toHaveAttribute('href', '/admin/feedback-sources/support-chat');
  });

  it('creates a source with its redaction policy and opens its page', async () => {
    const api = mockApi({
      [LIST]: () => jsonResponse(200, { sources: [] }),
      [CREATE]: () => jsonResponse(201, source({ conversations: 0, events: 0 })),
      [SOURCE]: () => jsonResponse(200, source({ conversations: 0, events: 0 })),
      [STATS]: () => jsonResponse(200, stats({ volume: [], event_types: {}, signals: [], pending_conversations: 0 })),
      [KEYS]: () => jsonResponse(200, { keys: [] }),
    });
    renderAt('/admin/feedback-sources');
    await screen.findByText('No sources yet.');
    const form = screen.getByRole('form', { name: 'New source' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Support chat');
    await userEvent.type(within(form).getByLabelText('Slug'), 'support-chat');
    await userEvent.clear(within(form).getByLabelText('Retention (days)'));
    await userEvent.type(within(form).getByLabelText('Retention (days)'), '30');
    await userEvent.type(within(form).getByLabelText('Consent basis'), 'Opt-in in settings');
    // Every kind is on by default: leave IP addresses out.
    await userEvent.click(within(form).getByLabelText('IP addresses'));
    const regions = within(form).getByLabelText('Phone regions');
    await userEvent.clear(regions);
    await userEvent.type(regions, 'us, gb');
    await userEvent.click(within(form).getByRole('button', { name: 'Add a pattern' }));
    await userEvent.type(within(form).getByLabelText('Label'), 'TICKET');
    await userEvent.type(within(form).getByLabelText('Pattern (RE2)'), 'TCK-[[0-9]{{6}');
    await userEvent.click(within(form).getByRole('button', { name: 'Create source' }));

    await screen.findByRole('heading', { level: 1, name: 'Support chat' });
    expect(api.calls(CREATE).map((c) => c.body)).toEqual([
      {
        slug: 'support-chat',
        name: 'Support chat',
        retention_days: 30,
        consent_basis: 'Opt-in in settings',
        redaction: {
          kinds: ['email', 'phone', 'payment_card', 'url_credentials'],
          phone_regions: ['US', 'GB'],
          custom_patterns: [{ label: 'TICKET', pattern: 'TCK-[0-9]{6}' }],
        },
      },
    ]);
  });

  it("shows the server's refusal of a redaction policy in the form", async () => {
    mockApi({
      [LIST]: () => jsonResponse(200, { sources: [] }),
      [CREATE]: () => errorResponse(422, 'invalid_redaction_policy', 'pattern TICKET: missing closing )'),
    });
    renderAt('/admin/feedback-sources');
    const form = screen.getByRole('form', { name: 'New source' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Chat');
    await userEvent.type(within(form).getByLabelText('Slug'), 'chat');
    await userEvent.click(within(form).getByRole('button', { name: 'Create source' }));
    const alert = await within(form).findByRole('alert');
    expect(alert).toHaveTextContent('pattern TICKET: missing closing )');
    expect(alert).toHaveAttribute('data-error-code', 'invalid_redaction_policy');
  });
});

describe('Feedback source page', () => {
  it('shows the volume chart, events by type, the signals with "—" before verification, and pending derivation', async () => {
    sourcePage();
    renderAt('/admin/feedback-sources/support-chat');
    expect(await screen.findByRole('heading', { level: 1, name: 'Support chat' })).toBeInTheDocument();
    expect(screen.getByTestId('source-summary')).toHaveTextContent('12 conversations · 40 events');

    const chart = await screen.findByTestId('volume-chart');
    expect(chart).toHaveTextContent('40 events received in the last 30 days');
    // Today's two bars; Recharts arrives in its own chunk, which takes a while on a busy machine.
    await waitFor(() => expect(chart.querySelectorAll('.recharts-bar-rectangle')).toHaveLength(2), { timeout: 10_000 });

    expect(cells(screen.getByTestId('event-type-thumbs'))).toEqual(['thumbs', '20']);
    expect(cells(screen.getByTestId('signal-row-thumbs-kto'))).toEqual(['thumbs', 'kto', '20', '0.90', '0', '—']);
    expect(cells(screen.getByTestId('signal-row-rating-kto'))).toEqual(['rating', 'kto', '8', '0.70', '4', '75% (3 of 4)']);
    expect(screen.getByTestId('pending-conversations')).toHaveTextContent('3 conversations waiting for derivation');
  });

  it('fills the days without events with zeros, oldest first', () => {
    const filled = dailyVolume([{ day: '2026-12-07', events: 5, conversations: 2 }], 3, new Date('2026-12-08T10:00:00Z'));
    expect(filled).toEqual([
      { day: '2026-12-06', events: 0, conversations: 0 },
      { day: '2026-12-07', events: 5, conversations: 2 },
      { day: '2026-12-08', events: 0, conversations: 0 },
    ]);
  });

  it('creates an ingestion key and shows its secret once, with a copy button and a curl example', async () => {
    const created = { ...key(3, { name: 'production' }), key: 'phi_3ab-the-whole-secret' };
    const api = sourcePage({
      [KEYS]: [() => jsonResponse(200, { keys: [] }), () => jsonResponse(200, { keys: [key(3, { name: 'production' })] })],
      'POST /api/feedback-sources/support-chat/keys': () => jsonResponse(201, created),
    });
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderAt('/admin/feedback-sources/support-chat');
    await screen.findByText(/No keys yet/);

    const form = screen.getByRole('form', { name: 'New ingestion key' });
    await userEvent.type(within(form).getByLabelText('Key name'), 'production');
    await userEvent.click(within(form).getByRole('button', { name: 'Create key' }));

    const secret = await screen.findByLabelText('Key “production”');
    expect(api.calls('POST /api/feedback-sources/support-chat/keys').map((c) => c.body)).toEqual([{ name: 'production' }]);
    expect(secret).toHaveValue('phi_3ab-the-whole-secret');
    expect(secret).toHaveAccessibleDescription(/it will not be shown again/);
    expect(screen.getByTestId('ingest-curl')).toHaveTextContent(
      `curl -H "Authorization: Bearer phi_3ab-the-whole-secret" -H "Content-Type: application/x-ndjson" \\ --data-binary @events.jsonl ${window.location.origin}/api/ingest/support-chat/events`,
    );
    await screen.findByTestId('ingest-key-row-3');

    const box = screen.getByTestId('new-ingest-key');
    await userEvent.click(within(box).getByRole('button', { name: 'Copy key' }));
    expect(writeText).toHaveBeenCalledWith('phi_3ab-the-whole-secret');
    await userEvent.click(within(box).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByDisplayValue('phi_3ab-the-whole-secret')).toBeNull();
  });

  it('revokes a key only after a confirmation', async () => {
    const revokedAt = '2026-12-05T10:00:00Z';
    const api = sourcePage({
      [KEYS]: [() => jsonResponse(200, { keys: [key(1)] }), () => jsonResponse(200, { keys: [key(1, { revoked_at: revokedAt })] })],
      'DELETE /api/feedback-sources/support-chat/keys/1': () => jsonResponse(204),
    });
    renderAt('/admin/feedback-sources/support-chat');
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke key 1' }));
    expect(api.calls('DELETE /api/feedback-sources/support-chat/keys/1')).toHaveLength(0);
    await userEvent.click(
      within(screen.getByRole('group', { name: 'Confirm revoking key 1' })).getByRole('button', { name: 'Yes, revoke' }),
    );
    await waitFor(() =>
      expect(cells(screen.getByTestId('ingest-key-row-1'))[4]).toBe(`revoked ${new Date(revokedAt).toLocaleString()}`),
    );
    expect(api.calls('DELETE /api/feedback-sources/support-chat/keys/1')).toHaveLength(1);
  });

  it('saves the settings and shows the stored redaction policy to start from', async () => {
    const api = sourcePage({
      'PATCH /api/feedback-sources/support-chat': () => jsonResponse(200, source({ name: 'Help chat', retention_days: 14 })),
    });
    renderAt('/admin/feedback-sources/support-chat');
    const form = await screen.findByRole('form', { name: 'Settings' });
    expect(within(form).getByLabelText('E-mail addresses')).toBeChecked();
    expect(within(form).getByLabelText('IP addresses')).not.toBeChecked();
    expect(within(form).getByLabelText('Phone regions')).toHaveValue('US, GB');
    expect(within(form).getByLabelText('Label')).toHaveValue('TICKET');

    await userEvent.clear(within(form).getByLabelText('Name'));
    await userEvent.type(within(form).getByLabelText('Name'), 'Help chat');
    await userEvent.clear(within(form).getByLabelText('Retention (days)'));
    await userEvent.type(within(form).getByLabelText('Retention (days)'), '14');
    await userEvent.click(within(form).getByRole('button', { name: 'Remove pattern 1' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Save settings' }));

    expect(await within(form).findByRole('status')).toHaveTextContent('Saved.');
    expect(api.calls('PATCH /api/feedback-sources/support-chat').map((c) => c.body)).toEqual([
      {
        name: 'Help chat',
        retention_days: 14,
        consent_basis: 'Opt-in in settings',
        redaction: { kinds: ['email', 'phone'], phone_regions: ['US', 'GB'], custom_patterns: [] },
      },
    ]);
    expect(await screen.findByRole('heading', { level: 1, name: 'Help chat' })).toBeInTheDocument();
  });

  it("deletes a user's data after a confirmation and says what went", async () => {
    const api = sourcePage({
      'POST /api/feedback-sources/support-chat/erasure': () => jsonResponse(200, { conversations: 2, events: 7, derived: 3 }),
    });
    renderAt('/admin/feedback-sources/support-chat');
    const form = await screen.findByRole('form', { name: 'Delete a user’s data' });
    await userEvent.type(within(form).getByLabelText('User id'), 'user-42');
    await userEvent.click(within(form).getByRole('button', { name: 'Delete…' }));
    const confirm = screen.getByRole('group', { name: 'Confirm deleting a user’s data' });
    expect(confirm).toHaveTextContent('Delete everything of user user-42 in this source?');
    expect(api.calls('POST /api/feedback-sources/support-chat/erasure')).toHaveLength(0);

    const statsBefore = api.calls(STATS).length;
    await userEvent.click(within(confirm).getByRole('button', { name: 'Yes, delete' }));
    expect(await screen.findByTestId('erasure-result')).toHaveTextContent(
      'Deleted 2 conversations, 7 events and 3 derived rows of user user-42.',
    );
    expect(api.calls('POST /api/feedback-sources/support-chat/erasure').map((c) => c.body)).toEqual([{ user_id: 'user-42' }]);
    expect(screen.queryByRole('group', { name: 'Confirm deleting a user’s data' })).toBeNull();
    // The counts are read again.
    await waitFor(() => expect(api.calls(STATS).length).toBeGreaterThan(statsBefore));
  });
});
