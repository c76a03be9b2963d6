import { useState, type FormEvent } from 'react';

import { Loading } from '@/components/ui/spinner';
import type { AnnotatorGroup, AnnotatorGroupDetail } from '@/lib/api-types';

import { useCreateGroup } from '../api/create-group';
import { useDeleteGroup } from '../api/delete-group';
import { useGroup } from '../api/get-group';
import { useGroups } from '../api/get-groups';
import { useSetGroupMembers } from '../api/set-group-members';
import { DataTable } from '../components/data-table';
import { RequestError } from '../components/request-error';
import { parseEmails } from '../utils/viewer';

/** One member per line as the editor shows them: the e-mail, or the id of a crowd account. */
const memberLines = (group: AnnotatorGroupDetail) => group.members.map((m) => m.email ?? String(m.id)).join('\n');

/** What was typed, as the API takes it: a bare number is a user id. */
const memberRefs = (text: string) => parseEmails(text).map((ref) => (/^\d+$/.test(ref) ? Number(ref) : ref));

function MembersEditor({ group, onClose }: { group: AnnotatorGroupDetail; onClose: () => void }) {
  const [text, setText] = useState(memberLines(group));
  const save = useSetGroupMembers();
  const remove = useDeleteGroup({ onDeleted: onClose });
  const id = `group-members-${group.id}`;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ groupId: group.id, members: memberRefs(text) });
  };

  return (
    <form className="form card" onSubmit={onSubmit} aria-label={`Members of ${group.name}`}>
      <h2>{group.name}</h2>
      {group.description ? <p className="muted">{group.description}</p> : null}
      {save.error ? <RequestError error={save.error} /> : null}
      {remove.error ? <RequestError error={remove.error} /> : null}
      {save.isSuccess ? (
        <p className="alert alert--success" role="status">
          Saved: {save.data.member_count} member{save.data.member_count === 1 ? '' : 's'}.
        </p>
      ) : null}
      <div className="field">
        <label htmlFor={id}>Members</label>
        <textarea id={id} rows={8} className="mono" value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`${id}-help`} />
        <small id={`${id}-help`}>One e-mail per line (or the number of an account without e-mail). Saving makes these exactly the members.</small>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save members'}
        </button>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        <button type="button" className="button button--danger" disabled={remove.isPending} onClick={() => remove.mutate(group.id)}>
          Delete group
        </button>
      </div>
    </form>
  );
}

function GroupPanel({ groupId, onClose }: { groupId: number; onClose: () => void }) {
  const group = useGroup(groupId);
  if (group.isPending) return <Loading label="Loading members…" />;
  if (group.error) return <RequestError error={group.error} />;
  return <MembersEditor key={group.data.id} group={group.data} onClose={onClose} />;
}

function NewGroupForm({ onCreated }: { onCreated: (groupId: number) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useCreateGroup({
    mutationConfig: {
      onSuccess: (group) => {
        setName('');
        setDescription('');
        onCreated(group.id);
      },
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), description: description.trim() });
  };
  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="new-group-title">
      <h2 id="new-group-title">New group</h2>
      {create.error ? <RequestError error={create.error} /> : null}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="new-group-name">Name</label>
          <input id="new-group-name" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="new-group-description">Description</label>
          <input id="new-group-description" maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create group'}
        </button>
      </div>
    </form>
  );
}

function GroupsTable({ groups, onOpen }: { groups: AnnotatorGroup[]; onOpen: (groupId: number) => void }) {
  return (
    <DataTable label="Groups" headings={['Name', 'Description', 'Members', '']}>
      {groups.map((group) => (
        <tr key={group.id} data-testid={`group-row-${group.id}`}>
          <td className="mono">{group.name}</td>
          <td>{group.description || '—'}</td>
          <td>{group.member_count}</td>
          <td>
            {/* A researcher changes only the groups they made; the others are there to be named in campaigns. */}
            {group.managed ? (
              <button type="button" className="button button--small" aria-label={`Members of ${group.name}`} onClick={() => onOpen(group.id)}>
                Members
              </button>
            ) : null}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** Annotator groups: named sets of users a campaign's eligibility can open it to. */
export function GroupsRoute() {
  const groups = useGroups();
  const [open, setOpen] = useState<number | null>(null);
  return (
    <main className="page page--wide">
      <div className="page__head">
        <h1>Groups</h1>
      </div>
      <p className="muted">
        A campaign whose eligibility names groups is open only to their members. Admins manage every group; researchers
        manage the groups they made.
      </p>
      <div className="stack">
        {groups.isPending ? <Loading label="Loading groups…" /> : null}
        {groups.error ? <RequestError error={groups.error} /> : null}
        {groups.data && groups.data.length > 0 ? <GroupsTable groups={groups.data} onOpen={setOpen} /> : null}
        {groups.data && groups.data.length === 0 ? <p className="muted">No groups yet.</p> : null}
        {open !== null ? <GroupPanel groupId={open} onClose={() => setOpen(null)} /> : null}
        <NewGroupForm onCreated={setOpen} />
      </div>
    </main>
  );
}
