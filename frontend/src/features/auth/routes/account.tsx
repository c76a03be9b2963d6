import { useUser } from '../api/get-me';
import { ChangePasswordForm } from '../components/change-password-form';
import { OtherSessions } from '../components/other-sessions';
import { roleLabel } from '../lib';

/** `/account`: the signed-in user's password and sessions. */
export default function AccountRoute() {
  const { data: user } = useUser();
  if (!user) return null; // RequireAuth renders this page only for a signed-in user
  return (
    <main className="page page--narrow">
      <h1>Account</h1>
      <p>
        Signed in as <strong>{user.email ?? user.display_name}</strong> ({roleLabel[user.role]}).
      </p>
      {/* Crowd participants sign in through their study link and have no password. */}
      {user.email ? <ChangePasswordForm /> : null}
      <OtherSessions />
    </main>
  );
}
