import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { AnnotatorGroup, AnnotatorGroupDetail } from '@/lib/api-types';
import { errorResponse, jsonResponse, mockApi, renderRoute } from '@/testing/test-utils';

import { GroupsRoute } from './groups';

const group = (id: number, extra: Partial<AnnotatorGroup> = {}): AnnotatorGroup => ({
  id,
  name: `group-${id}`,
  description: '',
  created_by_id: 3,
  created_at: '2026-12-01T10:00:00Z',
  member_count: 0,
  managed: true,
  ...extra,
});

const detail = (base: AnnotatorGroup, members: AnnotatorGroupDetail['members']): AnnotatorGroupDetail => ({
  ...base,
  member_count: members.length,
  members,
});

const ann = { id: 7, email: 'ann@example.org', display_name: 'Ann', role: 'annotator' as const, is_active: true };
const crowd = { id: 8, email: null, display_name: '', role: 'annotator' as const, is_active: true };

const renderGroups = () => renderRoute(<GroupsRoute />, { path: '/admin/groups', url: '/admin/groups' });

describe('admin groups page', () => {
  it('lists groups and offers members only of the groups the viewer manages', async () => {
    mockApi({
      'GET /api/groups': () =>
        jsonResponse(200, [group(1, { name: 'experts', member_count: 2 }), group(2, { name: 'theirs', managed: false })]),
    });
    renderGroups();
    const mine = await screen.findByTestId('group-row-1');
    expect(within(mine).getAllByRole('cell').map((c) => c.textContent).slice(0, 3)).toEqual(['experts', '—', '2']);
    expect(within(mine).getByRole('button', { name: 'Members of experts' })).toBeInTheDocument();
    expect(within(screen.getByTestId('group-row-2')).queryByRole('button')).toBeNull();
  });

  it('edits members one per line and shows which ones no account has', async () => {
    const experts = group(1, { name: 'experts', member_count: 2 });
    const api = mockApi({
      'GET /api/groups': () => jsonResponse(200, [experts]),
      'GET /api/groups/1': () => jsonResponse(200, detail(experts, [ann, crowd])),
      'PUT /api/groups/1/members': [
        () => errorResponse(422, 'unknown_users', 'No account for: nobody@example.org', { unknown: ['nobody@example.org'] }),
        () => jsonResponse(200, detail(experts, [ann])),
      ],
    });
    renderGroups();
    await userEvent.click(await screen.findByRole('button', { name: 'Members of experts' }));
    const members = await screen.findByRole('textbox', { name: 'Members' });
    // A crowd account has no e-mail: its id stands for it.
    expect(members).toHaveValue('ann@example.org\n8');

    await userEvent.clear(members);
    await userEvent.type(members, 'ann@example.org{enter}nobody@example.org, 8');
    await userEvent.click(screen.getByRole('button', { name: 'Save members' }));
    const refusal = await screen.findByRole('alert');
    expect(refusal).toHaveAttribute('data-error-code', 'unknown_users');
    expect(refusal).toHaveTextContent('nobody@example.org');
    expect(api.calls('PUT /api/groups/1/members')[0]?.body).toEqual({ members: ['ann@example.org', 'nobody@example.org', 8] });

    await userEvent.clear(members);
    await userEvent.type(members, 'ann@example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Save members' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved: 1 member.');
  });

  it('creates a group and opens its members', async () => {
    const made = group(5, { name: 'new-one', description: 'Fresh' });
    const api = mockApi({
      'GET /api/groups': [() => jsonResponse(200, []), () => jsonResponse(200, [made])],
      'POST /api/groups': () => jsonResponse(201, detail(made, [])),
      'GET /api/groups/5': () => jsonResponse(200, detail(made, [])),
    });
    renderGroups();
    expect(await screen.findByText('No groups yet.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Name'), 'new-one');
    await userEvent.type(screen.getByLabelText('Description'), 'Fresh');
    await userEvent.click(screen.getByRole('button', { name: 'Create group' }));
    await waitFor(() => expect(api.calls('POST /api/groups')[0]?.body).toEqual({ name: 'new-one', description: 'Fresh' }));
    expect(await screen.findByRole('form', { name: 'Members of new-one' })).toBeInTheDocument();
    expect(await screen.findByTestId('group-row-5')).toBeInTheDocument();
  });
});
