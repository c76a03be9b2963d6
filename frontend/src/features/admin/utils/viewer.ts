import type { ModelEndpoint, User } from '@/lib/api-types';

/** Who is looking at the admin pages, handed down by the app (a feature never imports auth). */
export type Viewer = Pick<User, 'role' | 'email'>;

export const isAdmin = (viewer: Viewer | null | undefined) => viewer?.role === 'admin';

/** Its owner and admins share a model (the server also sends them `shared_with`). */
export const managesModel = (viewer: Viewer | null | undefined, model: ModelEndpoint) => model.mine || isAdmin(viewer);

/** Why the viewer sees this model. An admin sees every model, even those nobody shared with them. */
export function ownershipLabel(viewer: Viewer | null | undefined, model: ModelEndpoint): string {
  if (model.mine) return 'Yours';
  if (model.shared_with_all) return 'Shared with everyone';
  const email = viewer?.email?.toLowerCase();
  if (isAdmin(viewer) && !(email && model.shared_with?.includes(email))) return 'Someone else’s';
  return 'Shared with you';
}

/** Who else a managed model is shared with, for its owner and admins; null when not theirs to know. */
export function sharingSummary(model: ModelEndpoint): string | null {
  if (model.shared_with == null) return null;
  const named = model.shared_with.length > 0 ? model.shared_with.join(', ') : null;
  if (model.shared_with_all) return model.mine ? 'with everyone' : named && `also with ${named}`;
  if (named) return `with ${named}`;
  return model.mine ? 'not shared' : null;
}

/** E-mails typed one per line (commas and spaces also separate them), without repeats. */
export const parseEmails = (text: string) => [
  ...new Set(
    text
      .split(/[\s,;]+/)
      .map((e) => e.trim())
      .filter(Boolean),
  ),
];
