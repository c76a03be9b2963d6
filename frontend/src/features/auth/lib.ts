import type { Role, User } from '@/lib/api-types';

export const isStaff = (user: Pick<User, 'role'> | null | undefined) =>
  user?.role === 'admin' || user?.role === 'researcher';

export const homePathFor = (user: Pick<User, 'role'>) => (isStaff(user) ? '/admin' : '/annotate');

const STAFF_ONLY = /^\/admin(\/|$)/;

/** A post-login destination from `?redirectTo=`: only same-site paths the role may open. */
export function safeRedirect(redirectTo: string | null, user: Pick<User, 'role'>): string {
  if (!redirectTo || !redirectTo.startsWith('/') || redirectTo.startsWith('//') || redirectTo.startsWith('/login')) {
    return homePathFor(user);
  }
  if (STAFF_ONLY.test(redirectTo) && !isStaff(user)) return homePathFor(user);
  return redirectTo;
}

export const roleLabel: Record<Role, string> = { admin: 'Admin', researcher: 'Researcher', annotator: 'Annotator' };

// Set when the user logs out on purpose, so the auth guard sends them to a plain /login rather
// than recording the page they left as the next person's post-login destination.
let signedOutOnPurpose = false;

export const markSignedOutOnPurpose = () => {
  signedOutOnPurpose = true;
};

/** True once after an explicit logout; cleared by reading it or by the next sign-in. */
export const consumeSignedOutOnPurpose = (): boolean => {
  const value = signedOutOnPurpose;
  signedOutOnPurpose = false;
  return value;
};
